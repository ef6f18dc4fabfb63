/* live: `nfpath capture` (see live.h).
 *
 * Order matters: enter the namespace, open and subscribe the trace socket
 * (so no event of an armed trace is missed), then install the trace
 * tables, then loop. The tables carry `flags owner`, so closing the nft
 * context's socket (exit, crash, SIGKILL) removes them in the kernel. */
#include "live.h"

#include "drops.h"
#include "filter.h"

#include "names.h"
#include "nflog.h"
#include "nftrace.h"
#include "record.h"
#include "rules.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <malloc.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <signal.h>
#include <stdarg.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int netns_path(const char *spec, char *path, size_t cap)
{
	size_t n = strlen(spec);
	int digits = n > 0;
	for (size_t i = 0; i < n; i++)
		digits &= spec[i] >= '0' && spec[i] <= '9';
	if (strchr(spec, '/'))
		return snprintf(path, cap, "%s", spec) < (int)cap ? 0 : -1;
	if (digits)
		return snprintf(path, cap, "/proc/%s/ns/net", spec) < (int)cap ? 0 : -1;
	return snprintf(path, cap, "/var/run/netns/%s", spec) < (int)cap ? 0 : -1;
}

int capture_live_script(const struct capture_live_opts *o, char *out, size_t cap)
{
	static const char *const echo[] = { CAPTURE_FILTER_ECHO4, CAPTURE_FILTER_ECHO6, CAPTURE_FILTER_ECHO_TUNNEL };
	const struct capture_filter *sel = o->sel;
	size_t w = 0;
#define OUT(...)                                                                   \
	do {                                                                       \
		int k_ = snprintf(out + w, w < cap ? cap - w : 0, __VA_ARGS__);    \
		if (k_ > 0)                                                        \
			w += (size_t)k_;                                           \
	} while (0)
	static const char *const fams[] = { "bridge", "inet" };
	static const char *const hooks[] = { "prerouting", "input", "forward", "output", "postrouting" };
	static const char *const probe[] = { "probe_pre", "probe_in", "probe_fwd", "probe_out", "probe_post" };
	/* --rate is the total of the selection. Each packet is decided once,
	 * where it first meets a marking chain: a frame entering on a bridge
	 * port at the bridge's prerouting, any other packet at inet
	 * prerouting (received) or output (made here); a later table sees the
	 * skb's trace flag as the first one left it, so a packet over the
	 * limit is never traced half-way. One limit object serves every rule
	 * of its table, but two tables cannot share one: with a bridge, each
	 * table gets half of the rate (per minute, so an odd N halves
	 * exactly); without one, the inet table decides everything. */
	int bridged = !o->no_bridge;
	for (int f = 0; f < 2; f++) {
		int decides = f == 1 || bridged;
		OUT("table %s %s {\n\tflags owner\n", fams[f], NFP_TABLE);
		if (o->owner_pid > 0)
			OUT("\tcomment \"nfpath capture pid %d\"\n", o->owner_pid);
		if (o->rate > 0 && decides)
			OUT("\tlimit nfp_rate {\n\t\trate %ld/minute\n\t}\n", bridged ? o->rate * 30L : o->rate * 60L);
		/* one base chain at every hook, ending in an accept, reports each
		 * traced packet crossing it, with its devices; the first ones also
		 * mark the packets to trace (the earliest point a packet can be
		 * marked) */
		for (int i = 0; i < 5; i++) {
			int marks = !o->no_setup && decides && (i == 0 || (f == 1 && i == 3));
			OUT("\tchain %s {\n\t\ttype filter hook %s priority %d; policy accept;\n", probe[i], hooks[i],
			    marks ? -400 : -399);
			if (marks && f == 1 && i == 0) {
				/* decided already: at the bridge (a device without a
				 * kind, a NIC, does not match), or at output before
				 * looping back */
				if (bridged)
					OUT("\t\tmeta iifkind \"bridge\" accept\n");
				OUT("\t\tmeta iiftype loopback accept\n");
			}
			/* Every probe ends with an accept, which ends only this
			 * chain: the packet goes on to the hook's other chains.
			 * The kernel then reports one event here (the rule's)
			 * where a chain running out of rules costs two (its end,
			 * then its policy): a bridged ping's packet cost 28
			 * events, now 21. */
			for (int k = 0; marks && k < (sel ? sel->n[f] : 3); k++) {
				const char *r = sel ? sel->rule[f][k] : echo[k];
				OUT("\t\t%s%s%smeta nftrace set 1 accept\n", r, *r ? " " : "",
				    o->rate > 0 ? "limit name \"nfp_rate\" " : "");
			}
			OUT("\t\taccept\n\t}\n");
		}
		OUT("}\n");
	}
#undef OUT
	return (int)w;
}

struct ifcache {
	struct capture_strpool *sp;
	uint32_t idx[256], name[256];
};

static uint32_t ifname_cb(void *ctx, uint32_t ifindex)
{
	struct ifcache *c = ctx;
	if (!ifindex)
		return 0;
	unsigned slot = ifindex % 256;
	if (c->idx[slot] == ifindex && c->name[slot])
		return c->name[slot];
	char buf[IF_NAMESIZE + 1];
	char num[16];
	const char *nm = if_indextoname(ifindex, buf);
	if (!nm) {
		/* gone already (a container stopped): keep the number */
		snprintf(num, sizeof(num), "if%u", ifindex);
		nm = num;
	}
	uint32_t id = capture_strpool_intern(c->sp, nm, strlen(nm));
	if (id == UINT32_MAX)
		return 0;
	c->idx[slot] = ifindex;
	c->name[slot] = id;
	return id;
}

/* the host's ruleset with handles, for hook/priority of chains and rule text */
static struct capture_rules *load_ruleset(void)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft)
		return NULL;
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_HANDLE);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	struct capture_rules *r = capture_rules_new();
	if (r && nft_run_cmd_from_buffer(nft, "list ruleset") == 0) {
		const char *txt = nft_ctx_get_output_buffer(nft);
		const char *err;
		if (txt && *txt)
			capture_rules_load(r, txt, strlen(txt), &err);
	}
	nft_ctx_free(nft);
	return r;
}


/* ---- privileges ----------------------------------------------------------
 * After set-up the capture keeps only what tear-down and listening need:
 * CAP_NET_ADMIN (restoring nf_log bindings, listing the ruleset again).
 * The kernel drops our tables when the socket closes: no privilege needed
 * for that. Returns 0 when the drop was made, -1 when not root-capable. */
static int keep_only_net_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0 || !(data[0].effective & (1u << CAP_NET_ADMIN)))
		return -1;
	/* the bounding set first (needs CAP_SETPCAP, still held): no exec
	 * can bring the others back */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_NET_ADMIN)
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = 1u << CAP_NET_ADMIN;
	return syscall(SYS_capset, &hdr, data) < 0 ? -1 : 0;
}

/* ---- nf_log bindings ---------------------------------------------------
 * Legacy iptables TRACE goes through the logger bound for the family. We
 * bind nfnetlink_log for IPv4, IPv6 and bridge while capturing and put the
 * previous logger back after; a watchdog child does it too when this
 * process dies without the chance to (SIGKILL). */
static const int log_pfs[] = { 2, 10, 7 };
#define NPF 3

struct bindings {
	char old[NPF][64];
	int saved[NPF];
};

static void binding_path(int pf, char *p, size_t cap)
{
	snprintf(p, cap, "/proc/sys/net/netfilter/nf_log/%d", pf);
}

static void bindings_save(struct bindings *b)
{
	for (int i = 0; i < NPF; i++) {
		char path[64];
		binding_path(log_pfs[i], path, sizeof(path));
		b->saved[i] = 0;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, b->old[i], sizeof(b->old[i]) - 1);
		close(fd);
		if (n <= 0)
			continue;
		while (n && (b->old[i][n - 1] == '\n' || b->old[i][n - 1] == ' '))
			n--;
		b->old[i][n] = '\0';
		b->saved[i] = 1;
	}
}

static void bindings_restore(const struct bindings *b)
{
	for (int i = 0; i < NPF; i++) {
		if (!b->saved[i])
			continue;
		char path[64];
		binding_path(log_pfs[i], path, sizeof(path));
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, b->old[i], strlen(b->old[i])) < 0) {
			/* nothing more we can do from here */
		}
		close(fd);
	}
}

/* Forks the restorer. It waits for EOF on a pipe (this process gone, for
 * whatever reason) and then writes the saved bindings back. */
static pid_t watchdog_start(const struct bindings *b, int *wfd, int keep_fd)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* a terminal's ^C reaches the whole group: outlive it */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		close(p[1]);
		/* holding the netlink socket would keep owner tables alive */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[0] && fd != keep_fd)
				close(fd);
		keep_only_net_admin();
		char c;
		while (read(p[0], &c, 1) > 0 || errno == EINTR)
			;
		bindings_restore(b);
		_exit(0);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static int nl_request(struct mnl_socket *nl, void *buf, size_t len, uint32_t seq)
{
	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -1;
	char rb[8192];
	unsigned portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rb, sizeof(rb));
		if (n < 0)
			return -1;
		int r = mnl_cb_run(rb, (size_t)n, seq, portid, NULL, NULL);
		if (r <= MNL_CB_STOP)
			return r;
	}
}

/* 0 ok, -1 with errno */
static int nflog_group_setup(struct mnl_socket *nl, uint16_t group, uint32_t *seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = capture_nflog_cmd(buf, ++*seq, 0, group, NFULNL_CFG_CMD_BIND);
	if (nl_request(nl, nlh, nlh->nlmsg_len, *seq) < 0)
		return -1;
	nlh = capture_nflog_whole_packets(buf, ++*seq, group, NFULNL_CFG_F_SEQ | NFULNL_CFG_F_CONNTRACK);
	if (nl_request(nl, nlh, nlh->nlmsg_len, *seq) < 0) {
		/* no nf_conntrack_netlink: without ct info then */
		nlh = capture_nflog_whole_packets(buf, ++*seq, group, NFULNL_CFG_F_SEQ);
		if (nl_request(nl, nlh, nlh->nlmsg_len, *seq) < 0)
			return -1;
	}
	return 0;
}

static int nflog_pf_bind(struct mnl_socket *nl, uint8_t pf, uint32_t *seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = capture_nflog_cmd(buf, ++*seq, pf, 0, NFULNL_CFG_CMD_PF_BIND);
	return nl_request(nl, nlh, nlh->nlmsg_len, *seq);
}

/* iptables-legacy-save output of this namespace, for legacy rule text */
static struct capture_rules *load_legacy(void)
{
	struct capture_rules *r = capture_rules_new();
	static const char *const tools[] = { "iptables-legacy-save", "ip6tables-legacy-save" };
	for (int i = 0; r && i < 2; i++) {
		const char *argv[] = { tools[i], NULL };
		struct capture_buf b = { 0 };
		const char *err;
		if (capture_tool_run(argv, 5, &b) == 0 && b.len)
			capture_rules_load(r, b.p, b.len, &err);
		capture_buf_free(&b);
	}
	return r;
}


/* ---- receive thread ------------------------------------------------------
 * The kernel drops trace events when the socket queue is full, so one
 * thread does nothing but receive into 1 MiB blocks; the main thread
 * decodes and writes. Up to max_blocks blocks queue (24 MiB); past
 * that the receiver still reads (so the kernel never overruns) and counts
 * exactly how many messages it had to drop.
 *
 * A flood brings some 250,000 trace events a second, each its own
 * datagram: one recvmmsg() takes up to RX_BATCH of them (a syscall per
 * event cost the receiver a whole core), into fixed slots the size of the
 * largest message, and their bytes are then packed into the block. Blocks
 * the main thread is done with come back for reuse, as many as the queue
 * may hold: a fresh 1 MiB mapping per block cost a page fault per page and
 * TLB flushes on both cores (a third of the receiver's time), and the
 * memory stays what the queue's limit allows, whatever happens. */
struct rx_block {
	struct rx_block *next;
	size_t used;
	char data[];
};

#define RX_BLOCK (1u << 20)
#define LIVE_NICE (-5) /* the decoder's nice value */
#define RX_MSG_MAX 65536
#define RX_BATCH 64
/* slots a few cache lines more than 64 KiB apart: at exactly 64 KiB the
 * starts of all of them compete for the same cache sets, and what the
 * kernel wrote is evicted before it is copied out */
#define RX_SLOT (RX_MSG_MAX + 7 * 64)
#define RX_NAP_NS 1000000L /* a pause after the socket ran dry, in ns */
#define RX_HOLD 0.02 /* seconds a received message may wait in a part-filled block */

struct rx {
	int fd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rx_block *head, *tail;
	struct rx_block *spare; /* done with, for reuse, under mu */
	size_t queued, max_blocks; /* blocks in the queue, and its limit */
	unsigned long dropped, overruns;
	int quit; /* __atomic: set by the main thread, read by the receiver */
	int nap;  /* the socket's queue is deep enough for the receiver to pause */
	int eof;
	int err; /* errno that ended the receiver, under mu with eof; 0 when asked to stop */
};

/* a spare block, or a new one; NULL when out of memory */
static struct rx_block *rx_block_get(struct rx *r)
{
	pthread_mutex_lock(&r->mu);
	struct rx_block *b = r->spare;
	if (b)
		r->spare = b->next;
	pthread_mutex_unlock(&r->mu);
	if (!b)
		b = malloc(sizeof(*b) + RX_BLOCK);
	if (b)
		b->used = 0;
	return b;
}

/* keeps b for reuse; call with mu held. A block is made only when none
 * is spare, that is when all are queued or in the two threads' hands: at
 * most max_blocks + 2 ever exist. */
static void rx_block_put_locked(struct rx *r, struct rx_block *b)
{
	b->next = r->spare;
	r->spare = b;
}

/* the main thread is done with b (NULL: nothing) */
static void rx_block_put(struct rx *r, struct rx_block *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&r->mu);
	rx_block_put_locked(r, b);
	pthread_mutex_unlock(&r->mu);
}

static void rx_push(struct rx *r, struct rx_block *b)
{
	pthread_mutex_lock(&r->mu);
	if (r->queued >= r->max_blocks) {
		/* count the messages we cannot keep */
		unsigned long n = 0;
		for (size_t off = 0; off < b->used;) {
			uint32_t len;
			memcpy(&len, b->data + off, 4);
			off += 12 + len;
			n++;
		}
		r->dropped += n;
		rx_block_put_locked(r, b);
		pthread_mutex_unlock(&r->mu);
		return;
	}
	b->next = NULL;
	if (r->tail)
		r->tail->next = b;
	else
		r->head = b;
	r->tail = b;
	r->queued++;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* 1 when the main thread has nothing queued */
static int rx_idle(struct rx *r)
{
	pthread_mutex_lock(&r->mu);
	int idle = !r->head;
	pthread_mutex_unlock(&r->mu);
	return idle;
}

static void *rx_main(void *arg)
{
	struct rx *r = arg;
	struct rx_block *b = NULL;
	int err = 0;
	/* the slots: only the pages messages reach are ever resident */
	char *slots = malloc((size_t)RX_BATCH * RX_SLOT);
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	if (!slots) {
		err = ENOMEM;
		goto done;
	}
	for (int i = 0; i < RX_BATCH; i++) {
		iov[i] = (struct iovec){ slots + (size_t)i * RX_SLOT, RX_MSG_MAX };
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	if (keep_only_net_admin() < 0) {
		err = EPERM;
		goto done;
	}
	while (!__atomic_load_n(&r->quit, __ATOMIC_RELAXED)) {
		if (!b && !(b = rx_block_get(r))) {
			err = ENOMEM;
			break;
		}
		struct pollfd pfd = { r->fd, POLLIN, 0 };
		/* hand over a partly filled block when the stream pauses */
		int pr = poll(&pfd, 1, b->used ? 5 : 50);
		if (pr == 0) {
			if (b->used) {
				rx_push(r, b);
				b = NULL;
			}
			continue;
		}
		int nap = 0;
		for (;;) {
			int n = recvmmsg(r->fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
			if (n < 0) {
				/* an overrun is reported once, by the call after the
				 * kernel dropped (recvmmsg keeps it for the next call
				 * when it had datagrams to return first) */
				if (errno == ENOBUFS) {
					__atomic_add_fetch(&r->overruns, 1, __ATOMIC_RELAXED);
					continue;
				}
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				/* a socket in error would wake poll at once, forever */
				err = errno;
				goto done;
			}
			/* one clock read per batch: all of it had arrived by then */
			double ts = now_real();
			for (int i = 0; i < n; i++) {
				uint32_t len = mm[i].msg_len;
				if (RX_BLOCK - b->used < (size_t)len + 12) {
					rx_push(r, b);
					if (!(b = rx_block_get(r))) {
						err = ENOMEM;
						goto done;
					}
				}
				memcpy(b->data + b->used, &len, 4);
				memcpy(b->data + b->used + 4, &ts, 8);
				memcpy(b->data + b->used + 12, iov[i].iov_base, len);
				b->used += 12 + (size_t)len;
			}
			/* fewer than asked: the socket is empty */
			if (n < RX_BATCH) {
				nap = n > 0 && r->nap;
				break;
			}
		}
		/* and one the stream never lets pause: the main thread sees each
		 * message within RX_HOLD of its arrival, not when 1 MiB is full.
		 * Only when it waits: blocks behind others go full, so the queue's
		 * blocks hold what its limit says (part-filled ones held a tenth,
		 * and were mapped and unmapped by the dozen each second) */
		if (b->used) {
			double first;
			memcpy(&first, b->data + 4, 8);
			if (now_real() - first >= RX_HOLD && rx_idle(r)) {
				rx_push(r, b);
				b = NULL;
			}
		}
		/* the socket ran dry while events kept coming: let the next
		 * ones gather in the kernel's queue (room for a second of a
		 * flood), so one wake-up takes hundreds, not a few */
		if (nap) {
			struct timespec ts = { 0, RX_NAP_NS };
			nanosleep(&ts, NULL);
		}
	}
done:
	free(slots);
	if (b && b->used)
		rx_push(r, b);
	else
		free(b);
	pthread_mutex_lock(&r->mu);
	r->eof = 1;
	r->err = err;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* errno that ended the receiver on its own, once its queue is empty; 0
 * while it runs or when it was asked to stop */
static int rx_failed(struct rx *r)
{
	pthread_mutex_lock(&r->mu);
	int err = r->eof && !r->head ? r->err : 0;
	pthread_mutex_unlock(&r->mu);
	return err;
}

/* next queued block, waiting up to ms; NULL on timeout */
static struct rx_block *rx_pop(struct rx *r, int ms)
{
	pthread_mutex_lock(&r->mu);
	if (!r->head && !r->eof) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)ms * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	struct rx_block *b = r->head;
	if (b) {
		r->head = b->next;
		if (!r->head)
			r->tail = NULL;
		r->queued--;
	}
	pthread_mutex_unlock(&r->mu);
	return b;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- names, off the hot path ------------------------------------------ */
struct namer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct capture_buf pending; /* N records not yet written */
	struct capture_strpool *seen;
	int quit; /* under mu */
	int scans;
};

static void *namer_main(void *arg)
{
	struct namer *n = arg;
	/* created by the decoder, with its priority: the names are no hurry */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 0);
	for (;;) {
		pthread_mutex_lock(&n->mu);
		int quit = n->quit;
		pthread_mutex_unlock(&n->mu);
		if (quit)
			break;
		struct capture_buf b = { 0 };
		capture_names_scan(&b);
		pthread_mutex_lock(&n->mu);
		/* only what is new since the last look */
		for (size_t off = 0; off < b.len;) {
			const char *nl = memchr(b.p + off, '\n', b.len - off);
			size_t l = nl ? (size_t)(nl - b.p - off) + 1 : b.len - off;
			/* a key keeps the name it was first given */
			size_t k = capture_names_key_len(b.p + off, l);
			/* remembered only once queued: a record that could
			 * not be queued (no memory) is found new at the next
			 * look; one that could not be remembered is queued
			 * again then, and the reader keeps its first name */
			if (capture_strpool_find(n->seen, b.p + off, k) == UINT32_MAX &&
			    capture_buf_put(&n->pending, b.p + off, l) == 0)
				capture_strpool_intern(n->seen, b.p + off, k);
			off += l;
		}
		n->scans++;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3;
		if (!n->quit)
			pthread_cond_timedwait(&n->cv, &n->mu, &ts);
		pthread_mutex_unlock(&n->mu);
		capture_buf_free(&b);
	}
	return NULL;
}

static void namer_stop(struct namer *n, pthread_t th)
{
	pthread_mutex_lock(&n->mu);
	n->quit = 1;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
	pthread_join(th, NULL);
}

static void namer_take(struct namer *n, struct capture_buf *out)
{
	pthread_mutex_lock(&n->mu);
	/* kept for the next call when out cannot take them (no memory) */
	if (n->pending.len && capture_buf_put(out, n->pending.p, n->pending.len) == 0)
		n->pending.len = 0;
	pthread_mutex_unlock(&n->mu);
}

/* what the ruleset listing said of a chain and of a rule, by the trace's
 * string ids (see chain_memo_get); emptied when the listing is replaced */
#define LIVE_MEMO 256
struct chain_memo {
	uint32_t table, chain;
	uint8_t family, valid, known, base, hook;
	int16_t prio;
};
struct text_memo {
	uint64_t handle;
	uint32_t table, chain, text;
	uint8_t family, valid;
};

/* One capture, from set-up to tear-down. capture_live_run is phases over
 * it: set-up (namespace, socket, NFLOG), arm (trace tables, rules, names,
 * threads), receive, drain, tear-down. Tear-down undoes whatever was done,
 * however far set-up got. */
struct live {
	const struct capture_live_opts *o;
	struct capture_live_result *res;
	struct capture_buf first_names; /* the names found before arming, until written */
	char *msg; /* the caller's, cap bytes: why the capture failed */
	size_t cap;
	/* set-up */
	struct mnl_socket *nl;
	struct nft_ctx *nft; /* its socket holds our owner tables */
	struct bindings bind;
	int bound, wd_fd;
	pid_t wd_pid;
	uint32_t nlseq;
	char nflog_note[256];
	char netns_desc[256];
	/* the per-message work */
	struct capture_trace *t;
	struct capture_rules *rules, *legacy; /* rules may be replaced by a fresh listing */
	struct capture_buf out;		      /* records not yet written */
	struct capture_rec_tail tail;	      /* the packet fields last written, as text */
	struct capture_nl_state nls; /* the dispatch's: decoder state and loss counts */
	struct ifcache ifc;
	uint32_t own_table;
	double last_refresh;
	struct chain_memo chains[LIVE_MEMO];
	struct text_memo texts[LIVE_MEMO];
	unsigned raw_kept;
	const char *raw_dir; /* NFPATH_RAW_DIR, read once: not per datagram */
	/* the threads */
	struct rx rx;
	pthread_t rxt;
	int rx_started;
	struct namer namer;
	pthread_t namert;
	int namer_started;
	unsigned long overruns_seen, dropped_seen;
	double start;
	int out_closed; /* the reader of the recording went away */
	/* a recording into a regular file: its offsets, for out_settle */
	int out_file;
	off_t out_synced, out_dropped;
	int nomem;	/* a record could not be written to the buffer */
	double clock;	/* the stream's clock for the trace: arrival of the latest message */
	/* kernel drop reasons (drops.c) */
	struct capture_drops *drops;
	struct capture_drops_sel dsel;
	struct capture_drops_stats dstats;
	unsigned long drops_lost_seen;
	double drops_hold; /* seconds a drop waits for its packet's trace events */
};

static void set_rule_text(struct live *lv, struct nfp_hop *h, const struct capture_rules *r, int by_handle)
{
	struct capture_trace *t = lv->t;
	if (!r || h->rule_text || !h->table)
		return;
	const char *txt = capture_rules_lookup(r, h->family, capture_str(t, h->table), capture_str(t, h->chain), h->kind,
					       by_handle ? -1 : h->rule, by_handle, h->handle, capture_str(t, h->prefix));
	if (txt) {
		uint32_t id = capture_strpool_intern(capture_trace_strpool(t), txt, strlen(txt));
		h->rule_text = id == UINT32_MAX ? 0 : id;
	}
}

/* An ip/ip6/inet chain the packet reaches after conntrack looked at it
 * (PREROUTING and OUTPUT at priority -200; later hooks always), where the
 * kernel's trace event carries conntrack state when there is one. */
static int after_conntrack(const struct nfp_hop *h)
{
	if (h->family != NFP_FAM_IPV4 && h->family != NFP_FAM_IPV6 && h->family != NFP_FAM_INET)
		return 0;
	switch (h->hook) {
	case NFP_HOOK_INPUT:
	case NFP_HOOK_FORWARD:
	case NFP_HOOK_POSTROUTING:
		return 1;
	case NFP_HOOK_PREROUTING:
	case NFP_HOOK_OUTPUT:
		return h->have_prio && h->prio > -200;
	default:
		return 0;
	}
}

/* Linux 6.16 added conntrack attributes to nftables trace events */
static int kernel_sends_ct(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return 0;
	return maj > 6 || (maj == 6 && min >= 16);
}

/* What the ruleset says of a chain, by its interned names: the lookup by
 * strings (hashing table and chain names) was a tenth of the decoder's
 * time in a flood, for the same few chains at every event. */
static const struct chain_memo *chain_memo_get(struct live *lv, const struct nfp_hop *h, const char *tab,
					       const char *chain)
{
	struct chain_memo *m = &lv->chains[(h->table * 31u + h->chain * 7u + h->family) % LIVE_MEMO];
	if (m->valid && m->table == h->table && m->chain == h->chain && m->family == h->family)
		return m;
	int hook, prio, isnat;
	*m = (struct chain_memo){ .table = h->table, .chain = h->chain, .family = h->family, .valid = 1 };
	if (capture_rules_chain_hook(lv->rules, h->family, tab, chain, &hook, &prio, &isnat) == 0) {
		m->base = 1;
		m->hook = (uint8_t)hook;
		m->prio = (int16_t)prio;
	}
	/* a user chain is known too: only a chain the listing does not hold
	 * is a reason to list again (every second, in a flood, it was) */
	m->known = m->base || capture_rules_chain_len(lv->rules, h->family, tab, chain) >= 0;
	return m;
}

/* The text of the rule with h's handle (0 when the listing has none),
 * interned once per rule instead of at every event. */
static uint32_t text_memo_get(struct live *lv, struct nfp_hop *h)
{
	uint64_t key = h->handle * 0x9e3779b97f4a7c15ull ^ h->chain * 0xff51afd7ed558ccdull ^ h->table ^
		       (uint64_t)h->family << 56;
	struct text_memo *m = &lv->texts[(key >> 32) % LIVE_MEMO];
	if (m->valid && m->handle == h->handle && m->table == h->table && m->chain == h->chain &&
	    m->family == h->family)
		return m->text;
	set_rule_text(lv, h, lv->rules, 1);
	*m = (struct text_memo){ .handle = h->handle, .table = h->table, .chain = h->chain, .family = h->family,
				 .valid = 1, .text = h->rule_text };
	return m->text;
}

/* Lists the ruleset again (at most once a second: a flood of events from
 * what the listing lacks must not list it at every event). 1 when it did. */
static int relist(struct live *lv)
{
	if (now_mono() - lv->last_refresh <= 1.0)
		return 0;
	struct capture_rules *nr = load_ruleset();
	if (nr) {
		capture_rules_free(lv->rules);
		lv->rules = nr;
		memset(lv->chains, 0, sizeof(lv->chains));
		memset(lv->texts, 0, sizeof(lv->texts));
	}
	lv->last_refresh = now_mono();
	lv->res->listings++;
	return 1;
}

/* one nftrace event: our own chains become waypoints, chains learn their
 * hook and priority, rules their text. 1 keep, 0 drop. */
static int finish_nftrace(struct live *lv, struct nfp_hop *h)
{
	struct capture_trace *t = lv->t;
	const char *chain = capture_str(t, h->chain);
	const char *tab = capture_str(t, h->table);
	if (h->table == lv->own_table && (h->family == NFP_FAM_INET || h->family == NFP_FAM_BRIDGE)) {
		/* the rules that set nftrace are not part of any path; the one
		 * that ends a probe chain (accept) is the probe's waypoint, as
		 * its policy is where no rule ends it */
		if (h->kind == NFP_KIND_RULE && h->verdict != NFP_V_ACCEPT)
			return 0;
		if (h->kind == NFP_KIND_RULE) {
			h->kind = NFP_KIND_POLICY;
			h->flags &= (uint8_t)~NFP_HOP_HANDLE;
			h->handle = 0;
			h->rule = -1;
		}
		h->flags |= NFP_HOP_PROBE;
	}
	const struct chain_memo *cm = chain_memo_get(lv, h, tab, chain);
	if (!cm->known && (h->flags & NFP_HOP_HAVE_PKT) && relist(lv)) {
		/* a chain made after we listed: list again */
		cm = chain_memo_get(lv, h, tab, chain);
	}
	if (cm->base) {
		/* a base chain running out of rules is followed by its policy
		 * event; only user chains return */
		if (h->kind == NFP_KIND_RETURN && !(h->flags & NFP_HOP_HANDLE))
			return 0;
		h->hook = cm->hook;
		h->prio = cm->prio;
		h->have_prio = 1;
	}
	if ((h->flags & NFP_HOP_HANDLE) && !h->rule_text) {
		h->rule_text = text_memo_get(lv, h);
		/* a rule inserted after we listed (an operator's DROP while the
		 * capture runs): list again for its text */
		if (!h->rule_text && (h->flags & NFP_HOP_HAVE_PKT) && relist(lv))
			h->rule_text = text_memo_get(lv, h);
	}
	if (lv->nls.mon.kernel_ct && (h->flags & NFP_HOP_HAVE_PKT) && !(h->flags & NFP_HOP_CT) && after_conntrack(h)) {
		/* the kernel would have said: conntrack did not track it */
		h->flags |= NFP_HOP_CT;
		h->ct_state = NFP_CT_UNKNOWN;
	}
	return 1;
}

/* A packet is complete (the trace decided): its hops go out together, and
 * the trace may forget it. */
static void write_packet(void *ctx, const struct capture_trace *t, size_t num)
{
	struct live *lv = ctx;
	const struct nfp_packet *p = capture_trace_packet(t, num);
	for (uint32_t i = 0; p && i < p->nhops; i++) {
		if (capture_rec_write_hop_tail(&lv->out, capture_packet_hop(t, p, i), capture_trace_strings(t), &lv->tail) < 0)
			lv->nomem = 1;
		lv->res->hops_written++;
	}
	lv->res->complete++;
}

/* NFPATH_RAW_DIR=DIR keeps the first datagrams as files: decoder fixtures,
 * fuzz seeds, and something to attach to a bug report */
static void keep_raw(struct live *lv, const char *buf, size_t n)
{
	const char *dir = lv->raw_dir;
	if (!dir || lv->raw_kept >= 200)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s/msg-%03u.bin", dir, lv->raw_kept++);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, n) < 0) {
		/* best effort */
	}
	close(fd);
}

/* one hop of the dispatch: our own chains' events become waypoints or go,
 * rule text is added, and the hop is stitched (its records are written
 * when the trace settles its packet) */
static int live_hop(void *ctx, struct nfp_hop *h)
{
	struct live *lv = ctx;
	int keep = 1;
	if (h->source == NFP_SRC_NFLOG)
		set_rule_text(lv, h, lv->legacy, 0);
	else
		keep = finish_nftrace(lv, h);
	if (!keep)
		return 0;
	return capture_trace_add(lv->t, h) < 0 ? -1 : 0;
}

/* one received datagram (one or more netlink messages) */
static int process_buf(struct live *lv, const char *buf, size_t n, double ts)
{
	keep_raw(lv, buf, n);
	int r = capture_nl_dispatch(&lv->nls, buf, n, ts, capture_trace_strpool(lv->t), ifname_cb, &lv->ifc, live_hop, lv);
	lv->res->events = lv->nls.events;
	lv->res->nflog_lost = lv->nls.nflog_lost;
	return r;
}

static enum capture_live_status fail(struct live *lv, enum capture_live_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum capture_live_status fail(struct live *lv, enum capture_live_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lv->msg, lv->cap, fmt, ap);
	va_end(ap);
	return st;
}

/* The recording's header. Written once the trace tables are in: the first
 * byte on the output tells a reader (the explorer under --live) that the
 * capture is armed; an output that closes before it, that it failed. */
static enum capture_live_status write_header(struct live *lv)
{
	const struct capture_live_opts *o = lv->o;
	char hdr[1024];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	char host[64] = "";
	gethostname(host, sizeof(host) - 1);
	/* the selection is the user's text: one line, whatever it holds */
	char sel[512];
	snprintf(sel, sizeof(sel), "%s", o->sel_text ? o->sel_text : "icmp echo");
	for (char *c = sel; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	int n = snprintf(hdr, sizeof(hdr), NFP_REC_MAGIC "\n# nfpath capture started %s host %s netns %s filter %s%s\n",
			 when, host, lv->netns_desc, sel, o->no_setup ? " (no set-up)" : "");
	if (n < 0)
		return fail(lv, NFP_LIVE_IO, "formatting the header: %s", strerror(errno));
	if ((size_t)n >= sizeof(hdr)) {
		/* a long namespace path and filter: the comment line is cut,
		 * never read past the buffer, and still ends its line */
		n = (int)sizeof(hdr) - 1;
		hdr[n - 1] = '\n';
	}
	/* the host and its clocks, for a merge with other hosts' recordings:
	 * two namespaces of one machine are two hosts */
	char hn[400];
	if (o->host_name)
		snprintf(hn, sizeof(hn), "%s", o->host_name);
	else if (o->netns)
		snprintf(hn, sizeof(hn), "%s/%s", host, o->netns);
	else
		snprintf(hn, sizeof(hn), "%s", host);
	struct capture_buf sb = { 0 };
	if (capture_rec_write_start(&sb, hn, strlen(hn), now_real(), now_mono()) < 0)
		return fail(lv, NFP_LIVE_NOMEM, "out of memory");
	struct stat ost;
	lv->out_file = fstat(o->out_fd, &ost) == 0 && S_ISREG(ost.st_mode) && lseek(o->out_fd, 0, SEEK_CUR) >= 0;
	int werr = write_all(o->out_fd, hdr, (size_t)n) < 0 || write_all(o->out_fd, sb.p, sb.len) < 0;
	capture_buf_free(&sb);
	if (werr ||
	    (lv->nflog_note[0] && write_all(o->out_fd, lv->nflog_note, strlen(lv->nflog_note)) < 0))
		return fail(lv, NFP_LIVE_IO, "writing %s: %s", o->out_name, strerror(errno));
	return NFP_LIVE_OK;
}

/* Enters the namespace, opens and subscribes the socket and binds NFLOG. */
static enum capture_live_status live_setup(struct live *lv)
{
	const struct capture_live_opts *o = lv->o;
	snprintf(lv->netns_desc, sizeof(lv->netns_desc), "current");
	if (o->netns) {
		char path[512];
		if (netns_path(o->netns, path, sizeof(path)) < 0)
			return fail(lv, NFP_LIVE_NETNS, "network namespace name too long");
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return fail(lv, e == EPERM ? NFP_LIVE_NO_PRIV : NFP_LIVE_NETNS,
				    "cannot enter network namespace %s (%s): %s%s", o->netns, path, strerror(e),
				    e == EPERM ? " (needs root or CAP_SYS_ADMIN)" : "");
		}
		close(fd);
		snprintf(lv->netns_desc, sizeof(lv->netns_desc), "%s", o->netns);
	}
	lv->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!lv->nl)
		return fail(lv, errno == EPERM || errno == EACCES ? NFP_LIVE_NO_PRIV : NFP_LIVE_KERNEL,
			    "cannot open a netfilter netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(lv->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return fail(lv, NFP_LIVE_KERNEL, "cannot bind the netlink socket: %s", strerror(errno));
	int grp = NFNLGRP_NFTRACE;
	if (mnl_socket_setsockopt(lv->nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
		int e = errno;
		return fail(lv, e == EPERM ? NFP_LIVE_NO_PRIV : NFP_LIVE_KERNEL,
			    "cannot subscribe to nftables trace events: %s%s", strerror(e),
			    e == EPERM ? " (needs root or CAP_NET_ADMIN)" : " (kernel without nf_tables?)");
	}
	/* a deep queue so a burst never waits on us; FORCE needs CAP_NET_ADMIN.
	 * Each event costs a few KiB of kernel memory while queued, and only
	 * while we lag behind. */
	int rcv = 256 << 20;
	if (setsockopt(mnl_socket_get_fd(lv->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(mnl_socket_get_fd(lv->nl), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* the receiver's pause when the socket runs dry needs room for a
	 * millisecond of a flood (some 300 events of a few KiB): only with
	 * the deep queue, not the default 208 KiB */
	socklen_t rl = sizeof(rcv);
	lv->rx.nap = getsockopt(mnl_socket_get_fd(lv->nl), SOL_SOCKET, SO_RCVBUF, &rcv, &rl) == 0 && rcv >= (16 << 20);

	if (!o->no_nflog) {
		bindings_save(&lv->bind);
		lv->wd_pid = watchdog_start(&lv->bind, &lv->wd_fd, -1);
		int ok = lv->wd_pid > 0;
		lv->bound = ok; /* restore even if only some families got bound */
		for (int i = 0; ok && i < NPF; i++)
			if (nflog_pf_bind(lv->nl, (uint8_t)log_pfs[i], &lv->nlseq) < 0)
				ok = 0;
		if (ok && nflog_group_setup(lv->nl, 0, &lv->nlseq) < 0) {
			snprintf(lv->nflog_note, sizeof(lv->nflog_note),
				 "# nflog group 0 unavailable (%s): legacy iptables TRACE not captured\n", strerror(errno));
		} else if (ok) {
			lv->res->nflog_bound = 1;
		}
		if (!ok)
			snprintf(lv->nflog_note, sizeof(lv->nflog_note),
				 "# nfnetlink_log could not be bound: legacy iptables TRACE not captured\n");
		for (int i = 0; i < o->ngroups; i++)
			if (nflog_group_setup(lv->nl, (uint16_t)o->groups[i], &lv->nlseq) < 0)
				return fail(lv, NFP_LIVE_SETUP, "cannot listen on NFLOG group %d: %s", o->groups[i],
					    strerror(errno));
	}
	return NFP_LIVE_OK;
}

/* ---- kernel drop reasons -----------------------------------------------
 * Set up with full privileges, in the traced namespace; after that the
 * ring buffer is only read. Without them the capture goes on with the
 * netfilter trace alone, and says so once. */
/* 1 when sel is nfpath's default (ICMP echo), which the drop tracer can
 * tell apart in user space */
static int is_default_selection(const struct capture_filter *sel)
{
	if (!sel)
		return 1;
	struct capture_filter *def = malloc(sizeof(*def));
	if (!def)
		return 0;
	capture_filter_default(def);
	int same = 1;
	for (int f = 0; f < 2; f++) {
		same &= sel->n[f] == def->n[f];
		for (int i = 0; same && i < sel->n[f]; i++)
			same &= strcmp(sel->rule[f][i], def->rule[f][i]) == 0;
	}
	free(def);
	return same;
}

static void live_drops_open(struct live *lv)
{
	const struct capture_live_opts *o = lv->o;
	/* a traced packet costs some ten trace events, a drop one record: ten
	 * drops per traced packet (at least 100/s) still bounds the stream,
	 * and keeps the drops of packets whose hops the trace's own limit
	 * let go */
	long cap = o->rate > 0 ? (o->rate * 10L > 100 ? o->rate * 10L : 100) : 0;
	struct capture_drops_opts dopts = { .max_per_sec = cap, .no_drops = o->no_drops };
	char why[200] = "";
	lv->drops = capture_drops_open(&dopts, why, sizeof(why));
	lv->res->drops_on = lv->drops != NULL;
	snprintf(lv->res->drops_note, sizeof(lv->res->drops_note), "%s", lv->drops ? "" : why);
	char line[256];
	int n = lv->drops ? snprintf(line, sizeof(line), "# kernel drop reasons: on\n")
			  : snprintf(line, sizeof(line), "# kernel drop reasons: %s\n", why);
	capture_buf_put(&lv->out, line, (size_t)n);
	if (!lv->drops && o->note) {
		char msg[240];
		snprintf(msg, sizeof(msg), "kernel drop reasons %s; tracing netfilter alone", why);
		o->note(msg);
	}
	/* only nfpath's default selection (ICMP echo) is evaluated here; a
	 * FILTER or -e is nft's to match, so their drops show when they
	 * join a traced packet */
	lv->dsel = (struct capture_drops_sel){ !is_default_selection(o->sel) };
	lv->drops_hold = 0.1;
}

static int live_drops_step(struct live *lv)
{
	if (!lv->drops)
		return 0;
	if (capture_drops_pump(lv->drops, lv->t, &lv->dsel, ifname_cb, &lv->ifc, now_mono(), lv->drops_hold,
			       &lv->dstats) < 0)
		return -1;
	unsigned long lost, limited;
	capture_drops_counts(lv->drops, &lost, &limited);
	if (lost > lv->drops_lost_seen) {
		capture_rec_write_drop_loss(&lv->out, lost - lv->drops_lost_seen);
		lv->drops_lost_seen = lost;
	}
	lv->res->drops_lost = lost;
	lv->res->drops_limited = limited;
	lv->res->drops_shown = lv->dstats.joined + lv->dstats.selected;
	return 0;
}

/* nft's error buffer: the first "Error: " message, without the prefix,
 * and the input line it points at */
static void nft_first_error(struct nft_ctx *nft, char *why, size_t wcap, char *at, size_t acap)
{
	const char *e = nft_ctx_get_error_buffer(nft);
	why[0] = at[0] = '\0';
	const char *p = e ? strstr(e, "Error: ") : NULL;
	if (!p)
		return;
	p += 7;
	size_t l = strcspn(p, "\n");
	snprintf(why, wcap, "%.*s", (int)l, p);
	if (p[l] == '\n') {
		const char *q = p + l + 1;
		q += strspn(q, " \t");
		snprintf(at, acap, "%.*s", (int)strcspn(q, "\n"), q);
	}
}

/* the pid in the comment of a table of ours another capture installed,
 * 0 when the table is not there, -1 when it is there but not a capture's */
static int table_owner(struct nft_ctx *nft, const char *fam)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "list table %s %s", fam, NFP_TABLE);
	if (nft_run_cmd_from_buffer(nft, cmd) != 0) {
		nft_ctx_get_error_buffer(nft); /* read is emptied: the next error starts clean */
		return 0;
	}
	const char *out = nft_ctx_get_output_buffer(nft);
	const char *c = out ? strstr(out, "comment \"nfpath capture pid ") : NULL;
	int pid = c ? atoi(c + strlen("comment \"nfpath capture pid ")) : -1;
	return pid > 0 ? pid : -1;
}

/* One line that says what failed and why, instead of nft's messages for
 * each line of the script: another capture here, a table of our name made
 * by hand, the -e expression nft cannot read, or nft's first error. */
static enum capture_live_status setup_failed(struct live *lv, int err)
{
	const struct capture_live_opts *o = lv->o;
	char why[256], at[256];
	nft_first_error(lv->nft, why, sizeof(why), at, sizeof(at));
	for (int f = 0; f < 2; f++) {
		const char *fam = f ? "inet" : "bridge";
		int pid = table_owner(lv->nft, fam);
		if (pid > 0)
			return fail(lv, NFP_LIVE_BUSY, "PID %d is already tracing %s (one capture per network namespace)", pid,
				    lv->netns_desc);
		if (pid < 0)
			return fail(lv, NFP_LIVE_BUSY,
				    "a table '%s %s' that no nfpath capture made is in network namespace %s: nfpath leaves it "
				    "alone (remove it with: nft delete table %s %s)",
				    fam, NFP_TABLE, lv->netns_desc, fam, NFP_TABLE);
	}
	/* which -e: each alone, checked without touching the kernel */
	nft_ctx_set_dry_run(lv->nft, true);
	for (int i = 0; i < o->nexpr; i++) {
		char check[1024];
		snprintf(check, sizeof(check), "table inet nfpath_check { chain c { %s meta nftrace set 1; }; }", o->expr[i]);
		if (nft_run_cmd_from_buffer(lv->nft, check) == 0)
			continue;
		char ewhy[256], eat[256];
		nft_first_error(lv->nft, ewhy, sizeof(ewhy), eat, sizeof(eat));
		int tcpdumpish = strstr(o->expr[i], "port") || strstr(o->expr[i], "host") || strstr(o->expr[i], "net ");
		nft_ctx_set_dry_run(lv->nft, false);
		return fail(lv, NFP_LIVE_SETUP, "nft cannot use -e '%s': %s%s%s%s", o->expr[i], ewhy[0] ? ewhy : "refused",
			    tcpdumpish ? " (-e takes nft's syntax: 'tcp dport 5201', 'ip saddr 10.0.0.1'; tcpdump's '" : "",
			    tcpdumpish ? o->expr[i] : "",
			    tcpdumpish ? "' goes without -e, as the filter at the end, or use --port/--host)" : "");
	}
	nft_ctx_set_dry_run(lv->nft, false);
	return fail(lv, err == EPERM ? NFP_LIVE_NO_PRIV : NFP_LIVE_SETUP,
		    "nft refused the trace tables in network namespace %s: %s%s%s%s", lv->netns_desc,
		    why[0] ? why : strerror(err), at[0] ? " (at '" : "", at, at[0] ? "')" : "");
}

/* Installs the trace tables, reads the rules and the names, gives up
 * privileges, and starts the receiver and the namer. */
/* Whether this network namespace has a bridge now (a device whose driver
 * says "bridge"). When unsure, yes: then the rate is split, never doubled. */
static int has_bridge(void)
{
	struct if_nameindex *ifs = if_nameindex();
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int found = !ifs || s < 0;
	for (struct if_nameindex *i = ifs; i && i->if_index && !found; i++) {
		struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		ifr.ifr_data = (char *)&di;
		found = ioctl(s, SIOCETHTOOL, &ifr) == 0 && strcmp(di.driver, "bridge") == 0;
	}
	if (s >= 0)
		close(s);
	if (ifs)
		if_freenameindex(ifs);
	return found;
}

static enum capture_live_status live_arm(struct live *lv)
{
	const struct capture_live_opts *o = lv->o;
	lv->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!lv->nft)
		return fail(lv, NFP_LIVE_NOMEM, "cannot create an nftables context");
	nft_ctx_buffer_error(lv->nft);
	nft_ctx_buffer_output(lv->nft);
	/* the names need a look into other namespaces (CAP_SYS_ADMIN), and
	 * took 0.4 s on the lab: before the tables go in, or a flood's events
	 * pile up that long before the decoder starts */
	capture_names_scan(&lv->first_names);
	/* the drop tracer first: once the trace tables are in, a traced
	 * packet's drop must not be missed */
	live_drops_open(lv);
	/* up to 64 rules of 400 bytes per family */
	size_t cap = 1 << 17;
	char *script = malloc(cap);
	if (!script)
		return fail(lv, NFP_LIVE_NOMEM, "out of memory");
	struct capture_live_opts mine = *o;
	mine.owner_pid = (int)getpid();
	mine.no_bridge = !has_bridge();
	int n = capture_live_script(&mine, script, cap);
	if (n < 0 || (size_t)n >= cap) {
		free(script);
		return fail(lv, NFP_LIVE_SETUP, "trace selection too long");
	}
	/* a stale table of a crashed nfpath cannot exist (owner flag), but one
	 * made by hand with our name would: refuse, never delete */
	if (!o->no_setup && nft_run_cmd_from_buffer(lv->nft, script) != 0) {
		int e = errno;
		free(script);
		return setup_failed(lv, e);
	}
	free(script);
	enum capture_live_status hst = write_header(lv);
	if (hst != NFP_LIVE_OK)
		return hst;
	lv->rules = load_ruleset();
	if (lv->res->nflog_bound)
		lv->legacy = load_legacy();
	lv->rx.fd = mnl_socket_get_fd(lv->nl);
	/* what we may fall behind by: past it the receiver counts what it
	 * drops (the loss line) instead of growing without end */
	lv->rx.max_blocks = 24;
	/* receive blocks are 1 MiB: always their own mapping, so the blocks
	 * are all the receiver's memory there is, whatever else is freed.
	 * glibc would otherwise raise its mmap threshold after the first free
	 * and mix blocks with the decoder's memory (RSS grew to 105 MB in a
	 * flood). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/* every selected packet traced: take the whole queue now, so the
	 * capture's memory is the same after an hour as after a second
	 * (blocks taken as bursts came kept it growing to its bound) */
	if (o->rate == 0)
		for (size_t i = 0; i < lv->rx.max_blocks + 2; i++) {
			struct rx_block *b = malloc(sizeof(*b) + RX_BLOCK);
			if (!b)
				break; /* the receiver makes them as needed */
			memset(b, 0, sizeof(*b) + RX_BLOCK);
			rx_block_put(&lv->rx, b);
		}
	lv->rx_started = pthread_create(&lv->rxt, NULL, rx_main, &lv->rx) == 0;
	if (!lv->rx_started)
		return fail(lv, NFP_LIVE_NOMEM, "cannot start the receive thread");
	/* the receiver only copies: let it preempt everything else on a busy
	 * host, so the kernel queue never overflows. Set while this thread
	 * still may (CAP_SYS_NICE); the receiver gives up its own privileges
	 * as it starts (capabilities are per thread). */
	struct sched_param sp = { .sched_priority = 1 };
	pthread_setschedparam(lv->rxt, SCHED_RR, &sp);
	/* and the decoder (this thread) ahead of ordinary work: in a flood
	 * the traced traffic and the decoder share the CPUs, and at an equal
	 * share the decoder fell behind and events were lost over the
	 * queue's limit (a ping -f then slows down instead). Best effort. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), LIVE_NICE);
	/* give up everything but CAP_NET_ADMIN */
	struct capture_buf first_names = lv->first_names;
	lv->first_names = (struct capture_buf){ 0 };
	if (keep_only_net_admin() < 0) {
		capture_buf_free(&first_names);
		return fail(lv, NFP_LIVE_NO_PRIV, "could not give up privileges after set-up (capset: %s)",
			    strerror(errno));
	}
	struct capture_trace_hooks hooks = { .on_done = write_packet, .done_ctx = lv };
	lv->t = capture_trace_new(&hooks);
	if (!lv->t || !lv->rules) {
		capture_buf_free(&first_names);
		return fail(lv, NFP_LIVE_NOMEM, "out of memory");
	}
	if (o->grace > 0)
		capture_trace_set_grace(lv->t, o->grace);
	/* written packets need not stay: memory stays flat however long the
	 * capture runs (the window only serves the flow of the next packets) */
	capture_trace_set_window(lv->t, 256);
	lv->ifc.sp = capture_trace_strpool(lv->t);
	lv->own_table = capture_strpool_intern(capture_trace_strpool(lv->t), NFP_TABLE, strlen(NFP_TABLE));
	lv->start = now_mono();


	struct namer *nm = &lv->namer;
	nm->seen = capture_strpool_new();
	/* the first look was made with full privileges above */
	for (size_t off = 0; nm->seen && off < first_names.len;) {
		const char *eol = memchr(first_names.p + off, '\n', first_names.len - off);
		size_t l = eol ? (size_t)(eol - first_names.p - off) + 1 : first_names.len - off;
		capture_strpool_intern(nm->seen, first_names.p + off, capture_names_key_len(first_names.p + off, l));
		off += l;
	}
	int put = capture_buf_put(&lv->out, first_names.p ? first_names.p : "", first_names.len);
	capture_buf_free(&first_names);
	if (put < 0)
		return fail(lv, NFP_LIVE_NOMEM, "out of memory");
	lv->namer_started = nm->seen && pthread_create(&lv->namert, NULL, namer_main, nm) == 0;
	return NFP_LIVE_OK;
}

/* The one way the receiver stops: nothing more is read from the kernel,
 * what is queued stays queued. Safe to call again. */
static void rx_stop(struct live *lv)
{
	if (!lv->rx_started)
		return;
	__atomic_store_n(&lv->rx.quit, 1, __ATOMIC_RELAXED);
	pthread_join(lv->rxt, NULL);
	lv->rx_started = 0;
}

/* A recording's pages, once on disk, are of no more use to the host's
 * page cache: a flood's recording grows by 100 MB a second, and would
 * push out what the host's own work keeps there (and make the writer
 * stall on fresh memory: write() took 0.6 s of every second after 20 s
 * of a flood). Every OUT_CHUNK written, the chunk before goes out to
 * disk and what went before that is dropped from the cache. Best effort:
 * pages still being written are kept. */
#define OUT_CHUNK ((off_t)8 << 20)
static void out_settle(struct live *lv)
{
	if (!lv->out_file)
		return;
	/* the file's own position: appended to (O_APPEND), or sharing its
	 * offset with stderr, it is not what we counted */
	int fd = lv->o->out_fd;
	off_t at = lseek(fd, 0, SEEK_CUR);
	if (at < 0 || at - lv->out_synced < OUT_CHUNK)
		return;
	sync_file_range(fd, lv->out_synced, at - lv->out_synced, SYNC_FILE_RANGE_WRITE);
	if (lv->out_synced > lv->out_dropped)
		posix_fadvise(fd, lv->out_dropped, lv->out_synced - lv->out_dropped, POSIX_FADV_DONTNEED);
	lv->out_dropped = lv->out_synced;
	lv->out_synced = at;
}

/* Decodes one received block, notes losses, and writes what is ready. On
 * EPIPE the reader went away: out_closed, not an error. */
static enum capture_live_status live_step(struct live *lv, struct rx_block *blk)
{
	const struct capture_live_opts *o = lv->o;
	struct capture_live_result *res = lv->res;
	for (size_t off = 0; blk && off < blk->used;) {
		uint32_t len;
		double ts;
		memcpy(&len, blk->data + off, 4);
		memcpy(&ts, blk->data + off + 4, 8);
		if (process_buf(lv, blk->data + off + 12, len, ts) < 0) {
			rx_block_put(&lv->rx, blk);
			return fail(lv, NFP_LIVE_NOMEM, "out of memory");
		}
		if (ts > lv->clock)
			lv->clock = ts;
		off += 12 + len;
	}
	if (!blk) {
		/* nothing came for a while: the receiver hands over a part-filled
		 * block within milliseconds of a pause, so all that arrived
		 * before that is decoded */
		double idle = now_real() - 0.05;
		if (idle > lv->clock)
			lv->clock = idle;
	}
	rx_block_put(&lv->rx, blk);
	/* drops join their packets before the tick can complete them */
	if (live_drops_step(lv) < 0)
		return fail(lv, NFP_LIVE_NOMEM, "out of memory");
	capture_trace_tick(lv->t, lv->clock);
	if (lv->nomem)
		return fail(lv, NFP_LIVE_NOMEM, "out of memory");
	unsigned long ov = __atomic_load_n(&lv->rx.overruns, __ATOMIC_RELAXED);
	pthread_mutex_lock(&lv->rx.mu);
	unsigned long dr = lv->rx.dropped;
	pthread_mutex_unlock(&lv->rx.mu);
	if (ov > lv->overruns_seen || dr > lv->dropped_seen) {
		capture_rec_write_loss(&lv->out, dr - lv->dropped_seen, ov - lv->overruns_seen);
		res->overruns = ov;
		res->rx_dropped = dr;
		lv->overruns_seen = ov;
		lv->dropped_seen = dr;
	}
	if (lv->namer_started)
		namer_take(&lv->namer, &lv->out);
	if (lv->out.len && !lv->out_closed && write_all(o->out_fd, lv->out.p, lv->out.len) < 0) {
		if (errno != EPIPE)
			return fail(lv, NFP_LIVE_IO, "writing %s: %s", o->out_name, strerror(errno));
		res->stopped_by = 2;
		lv->out_closed = 1;
	} else if (lv->out.len && !lv->out_closed) {
		out_settle(lv);
	}
	lv->out.len = 0;
	return NFP_LIVE_OK;
}

/* Receives until a signal, the time or count, or the reader going away. */
static enum capture_live_status live_receive(struct live *lv)
{
	const struct capture_live_opts *o = lv->o;
	for (;;) {
		if (o->stop && *o->stop) {
			lv->res->stopped_by = 1;
			return NFP_LIVE_OK;
		}
		if ((o->seconds > 0 && now_mono() - lv->start >= o->seconds) ||
		    (o->count > 0 && lv->res->complete >= (unsigned long)o->count))
			return NFP_LIVE_OK;
		/* the reader of our pipe went away while nothing was traced: a
		 * write would tell, but there may be none for a long time */
		struct pollfd op = { o->out_fd, 0, 0 };
		if (poll(&op, 1, 0) > 0 && (op.revents & (POLLERR | POLLHUP)))
			lv->out_closed = 1, lv->res->stopped_by = 2;
		if (lv->out_closed)
			return NFP_LIVE_OK;
		struct rx_block *blk = rx_pop(&lv->rx, 50);
		if (!blk) {
			int err = rx_failed(&lv->rx);
			if (err)
				return fail(lv, err == ENOMEM ? NFP_LIVE_NOMEM : NFP_LIVE_KERNEL,
					    "receiving trace events stopped: %s", strerror(err));
		}
		enum capture_live_status st = live_step(lv, blk);
		if (st != NFP_LIVE_OK)
			return st;
	}
}

/* Stops receiving, then decodes and writes what was queued, and the names
 * the namer's last look found. */
static enum capture_live_status live_drain(struct live *lv)
{
	rx_stop(lv);
	for (struct rx_block *b; !lv->out_closed && (b = rx_pop(&lv->rx, 0)) != NULL;) {
		enum capture_live_status st = live_step(lv, b);
		if (st != NFP_LIVE_OK)
			return st;
	}
	if (lv->namer_started) {
		/* a short capture still gets its names: the first look finishes */
		namer_stop(&lv->namer, lv->namert);
		lv->namer_started = 0;
		namer_take(&lv->namer, &lv->out);
	}
	/* every drop still held: its packet's events are all in by now */
	lv->drops_hold = 0;
	if (live_drops_step(lv) < 0)
		return fail(lv, NFP_LIVE_NOMEM, "out of memory");
	/* the end: what is in flight is complete */
	capture_trace_flush(lv->t);
	lv->res->packets = capture_trace_last(lv->t);
	if (lv->res->nflog_lost)
		capture_rec_write_loss(&lv->out, lv->res->nflog_lost, 0);
	return live_step(lv, NULL);
}

/* Undoes what set-up and arming did, however far they got. */
static void live_teardown(struct live *lv)
{
	rx_stop(lv);
	for (struct rx_block *b; (b = lv->rx.head) != NULL;) {
		lv->rx.head = b->next;
		free(b);
	}
	for (struct rx_block *b; (b = lv->rx.spare) != NULL;) {
		lv->rx.spare = b->next;
		free(b);
	}
	pthread_cond_destroy(&lv->rx.cv);
	pthread_mutex_destroy(&lv->rx.mu);
	if (lv->namer_started)
		namer_stop(&lv->namer, lv->namert);
	pthread_cond_destroy(&lv->namer.cv);
	pthread_mutex_destroy(&lv->namer.mu);
	capture_buf_free(&lv->namer.pending);
	capture_strpool_free(lv->namer.seen);
	capture_drops_close(lv->drops);
	capture_buf_free(&lv->out);
	capture_buf_free(&lv->first_names);
	capture_trace_free(lv->t);
	capture_rules_free(lv->rules);
	capture_rules_free(lv->legacy);
	if (lv->bound)
		bindings_restore(&lv->bind);
	if (lv->wd_fd >= 0)
		close(lv->wd_fd);
	if (lv->wd_pid > 0)
		waitpid(lv->wd_pid, NULL, 0);
	/* closing this context's socket makes the kernel drop our tables */
	if (lv->nft)
		nft_ctx_free(lv->nft);
	if (lv->nl)
		mnl_socket_close(lv->nl);
}

enum capture_live_status capture_live_run(const struct capture_live_opts *o, struct capture_live_result *res,
					  char *msg, size_t cap)
{
	memset(res, 0, sizeof(*res));
	struct live *lv = calloc(1, sizeof(*lv));
	if (!lv) {
		snprintf(msg, cap, "out of memory");
		return NFP_LIVE_NOMEM;
	}
	lv->o = o;
	lv->res = res;
	lv->msg = msg;
	lv->cap = cap;
	lv->wd_fd = -1;
	lv->wd_pid = -1;
	lv->nlseq = 1;
	lv->raw_dir = getenv("NFPATH_RAW_DIR");
	lv->nls.mon.kernel_ct = (uint8_t)kernel_sends_ct();
	pthread_mutex_init(&lv->rx.mu, NULL);
	pthread_cond_init(&lv->rx.cv, NULL);
	pthread_mutex_init(&lv->namer.mu, NULL);
	pthread_cond_init(&lv->namer.cv, NULL);
	enum capture_live_status st = live_setup(lv);
	if (st == NFP_LIVE_OK)
		st = live_arm(lv);
	if (st == NFP_LIVE_OK)
		st = live_receive(lv);
	if (st == NFP_LIVE_OK)
		st = live_drain(lv);
	live_teardown(lv);
	free(lv);
	return st;
}
