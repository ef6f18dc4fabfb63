/* drops: the loader and ring-buffer reader of kernel drop events (see
 * drops.h); the pure decoder is dropdecode.c, so only the live capture
 * links libbpf. */
#include "drops.h"

#include "names.h"
#include "parse.h"

#include "trace.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drops.skel.h"

/* ---- the live tracer -------------------------------------------------- */

/* records waiting for their packet's trace events */
struct held {
	double at; /* monotonic arrival */
	struct nfp_drop_event ev;
};
#define HOLD_MAX 4096

struct capture_drops {
	struct drops_bpf *skel;
	struct ring_buffer *rb;
	struct capture_drops_names *names;
	void (*cb)(void *, const void *, size_t);
	void *cb_ctx;
	int taken;
	double ts_off; /* CLOCK_REALTIME - CLOCK_MONOTONIC: hops carry wall time */
	struct held *held;
	size_t hhead, hcount;
	unsigned long held_lost;
	double pump_now;
	/* NFPATH_RAW_DIR: the first records as files, with the names they
	 * need, for fixtures, fuzz seeds and bug reports */
	const char *raw_dir;
	unsigned raw_kept;
	uint64_t raw_addr[200];
};

static int quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	(void)lvl;
	(void)fmt;
	(void)ap;
	return 0;
}

/* reason names and the three frees to skip, from the kernel's BTF */
static int load_reasons(struct capture_drops_names *n, struct btf *btf, char *why, size_t cap)
{
	int id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id < 0) {
		snprintf(why, cap, "the kernel's BTF has no enum skb_drop_reason (Linux < 5.17)");
		return -1;
	}
	const struct btf_type *t = btf__type_by_id(btf, (uint32_t)id);
	const struct btf_enum *e = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *nm = btf__name_by_offset(btf, e[i].name_off);
		if (nm && capture_drops_names_reason(n, (uint32_t)e[i].val, nm, strlen(nm)) < 0) {
			snprintf(why, cap, "out of memory");
			return -1;
		}
	}
	/* the tracepoint must pass the reason: its BTF prototype says */
	id = btf__find_by_name_kind(btf, "btf_trace_kfree_skb", BTF_KIND_TYPEDEF);
	const struct btf_type *p = id < 0 ? NULL : btf__type_by_id(btf, (uint32_t)id);
	if (p)
		p = btf__type_by_id(btf, p->type); /* pointer */
	if (p && btf_is_ptr(p))
		p = btf__type_by_id(btf, p->type);
	if (!p || !btf_is_func_proto(p) || btf_vlen(p) < 4) {
		snprintf(why, cap, "the kernel's kfree_skb tracepoint has no reason argument (Linux < 5.17)");
		return -1;
	}
	return 0;
}

static int read_all(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (!b) {
			close(fd);
			return -1;
		}
		if (cap - n < 65536) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				continue;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*out = b;
	*len = n;
	return 0;
}

struct peer {
	int nsid;
	char dev[20];
};

struct peers {
	struct peer p[256];
	int n;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct peers *ps = data;
	const struct nlattr *a;
	const char *name = NULL;
	int nsid = -1;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_IFNAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == IFLA_LINK_NETNSID && mnl_attr_get_payload_len(a) >= 4)
			nsid = (int32_t)mnl_attr_get_u32(a);
	}
	if (name && nsid >= 0 && ps->n < 256) {
		ps->p[ps->n].nsid = nsid;
		snprintf(ps->p[ps->n].dev, sizeof(ps->p[0].dev), "%s", name);
		ps->n++;
	}
	return MNL_CB_OK;
}

/* The traced namespace and every namespace one of its links leads to
 * (containers' veth peers): their inodes, found among the namespaces of
 * processes and of `ip netns`. */
static int find_namespaces(struct capture_drops_names *n)
{
	struct stat st;
	if (stat("/proc/self/ns/net", &st) < 0 || capture_drops_names_ns(n, (uint32_t)st.st_ino, "") < 0)
		return -1;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		if (nl)
			mnl_socket_close(nl);
		return 0; /* the traced namespace alone */
	}
	struct peers *psp = calloc(1, sizeof(*psp));
	if (!psp) {
		mnl_socket_close(nl);
		return -1;
	}
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
		unsigned portid = mnl_socket_get_portid(nl);
		for (;;) {
			ssize_t r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
			if (r <= 0 || mnl_cb_run(buf, (size_t)r, 1, portid, link_cb, psp) <= MNL_CB_STOP)
				break;
		}
	}
	/* every namespace once, by inode */
	uint32_t seen[1024];
	int nseen = 0, left = psp->n;
	static const char *const dirs[] = { "/var/run/netns", "/proc" };
	for (int di = 0; di < 2 && left; di++) {
		DIR *d = opendir(dirs[di]);
		struct dirent *de;
		while (d && left && (de = readdir(d))) {
			if (de->d_name[0] == '.' || (di == 1 && (de->d_name[0] < '1' || de->d_name[0] > '9')))
				continue;
			char path[300];
			snprintf(path, sizeof(path), di ? "/proc/%.200s/ns/net" : "/var/run/netns/%.200s", de->d_name);
			if (stat(path, &st) < 0)
				continue;
			int dup = 0;
			for (int i = 0; i < nseen; i++)
				dup |= seen[i] == (uint32_t)st.st_ino;
			if (dup || nseen == 1024)
				continue;
			seen[nseen++] = (uint32_t)st.st_ino;
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			int id = capture_names_nsid(nl, fd, (uint32_t)(nseen + 1));
			close(fd);
			for (int i = 0; id >= 0 && i < psp->n; i++)
				if (psp->p[i].nsid == id) {
					if (capture_drops_names_ns(n, (uint32_t)st.st_ino, psp->p[i].dev) < 0) {
						closedir(d);
						mnl_socket_close(nl);
						free(psp);
						return -1;
					}
					psp->p[i].nsid = -2;
					left--;
				}
		}
		if (d)
			closedir(d);
	}
	mnl_socket_close(nl);
	free(psp);
	return 0;
}

static int rb_cb(void *ctx, void *data, size_t len)
{
	struct capture_drops *d = ctx;
	d->cb(d->cb_ctx, data, len);
	d->taken++;
	return 0;
}

struct capture_drops *capture_drops_open(const struct capture_drops_opts *o, char *why, size_t cap)
{
	if (o->no_drops) {
		snprintf(why, cap, "off (--no-drops)");
		return NULL;
	}
	libbpf_set_print(quiet);
	struct capture_drops *d = calloc(1, sizeof(*d));
	struct btf *btf = NULL;
	if (!d || !(d->names = capture_drops_names_new())) {
		snprintf(why, cap, "out of memory");
		goto fail;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(why, cap, "the kernel has no BTF (/sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF)");
		goto fail;
	}
	if (load_reasons(d->names, btf, why, cap) < 0)
		goto fail;
	long consumed = capture_drops_reason_num(d->names, "CONSUMED");
	long unspec = capture_drops_reason_num(d->names, "NOT_SPECIFIED");
	long notyet = capture_drops_reason_num(d->names, "NOT_DROPPED_YET");
	char *ks = NULL;
	size_t kl = 0;
	if (read_all("/proc/kallsyms", &ks, &kl) == 0) {
		int r = capture_drops_names_kallsyms(d->names, ks, kl);
		free(ks);
		if (r < 0) {
			snprintf(why, cap, "out of memory");
			goto fail;
		}
	}
	if (find_namespaces(d->names) < 0) {
		snprintf(why, cap, "cannot read the traced network namespace: %s", strerror(errno));
		goto fail;
	}
	d->skel = drops_bpf__open();
	if (!d->skel) {
		snprintf(why, cap, "cannot open the eBPF object: %s", strerror(errno));
		goto fail;
	}
	d->skel->rodata->reason_consumed = consumed >= 0 ? (uint32_t)consumed : UINT32_MAX;
	d->skel->rodata->reason_not_specified = unspec >= 0 ? (uint32_t)unspec : UINT32_MAX;
	d->skel->rodata->reason_not_dropped = notyet >= 0 ? (uint32_t)notyet : UINT32_MAX;
	d->skel->rodata->max_per_sec = o->max_per_sec > 0 ? (uint64_t)o->max_per_sec : 0;
	int err = drops_bpf__load(d->skel);
	if (err) {
		int e = -err;
		snprintf(why, cap, "the kernel refused the eBPF program: %s%s", strerror(e),
			 e == EPERM ? " (needs CAP_BPF and CAP_PERFMON, or root)"
			 : e == EACCES ? " (the verifier rejected it on this kernel)" : "");
		goto fail;
	}
	for (size_t i = 0; i < capture_drops_names_ns_count(d->names); i++) {
		uint8_t one = 1;
		uint32_t ino = capture_drops_names_ns_inode(d->names, i);
		if (bpf_map__update_elem(d->skel->maps.netns_ok, &ino, sizeof(ino), &one, 1, BPF_ANY) < 0) {
			snprintf(why, cap, "cannot fill the namespace filter: %s", strerror(errno));
			goto fail;
		}
	}
	d->rb = ring_buffer__new(bpf_map__fd(d->skel->maps.events), rb_cb, d, NULL);
	if (!d->rb) {
		snprintf(why, cap, "cannot map the eBPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	err = drops_bpf__attach(d->skel);
	if (err) {
		snprintf(why, cap, "cannot attach to tracepoint skb:kfree_skb: %s", strerror(-err));
		goto fail;
	}
	btf__free(btf);
	btf = NULL; /* the fail path frees it too */
	d->held = malloc(HOLD_MAX * sizeof(*d->held));
	if (!d->held) {
		snprintf(why, cap, "out of memory");
		goto fail;
	}
	d->raw_dir = getenv("NFPATH_RAW_DIR");
	struct timespec rt, mt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	d->ts_off = (double)(rt.tv_sec - mt.tv_sec) + (rt.tv_nsec - mt.tv_nsec) / 1e9;
	return d;
fail:
	btf__free(btf);
	capture_drops_close(d);
	return NULL;
}

int capture_drops_poll(struct capture_drops *d, void (*cb)(void *ctx, const void *rec, size_t len), void *ctx)
{
	d->cb = cb;
	d->cb_ctx = ctx;
	d->taken = 0;
	if (ring_buffer__consume(d->rb) < 0)
		return -1;
	return d->taken;
}

void capture_drops_counts(const struct capture_drops *d, unsigned long *lost, unsigned long *limited)
{
	*lost = (unsigned long)__atomic_load_n(&d->skel->bss->lost, __ATOMIC_RELAXED) + d->held_lost;
	*limited = (unsigned long)__atomic_load_n(&d->skel->bss->limited, __ATOMIC_RELAXED);
}

const struct capture_drops_names *capture_drops_names_of(const struct capture_drops *d)
{
	return d->names;
}


/* ---- from records to hops ------------------------------------------------ */

static void keep_raw(struct capture_drops *d, const void *rec, size_t len)
{
	if (!d->raw_dir || d->raw_kept >= 200 || len < sizeof(struct nfp_drop_event))
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s/drop-%03u.bin", d->raw_dir, d->raw_kept);
	d->raw_addr[d->raw_kept++] = ((const struct nfp_drop_event *)rec)->location;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, rec, len) < 0) {
		/* best effort */
	}
	close(fd);
}

static void keep_raw_names(struct capture_drops *d)
{
	char *txt;
	size_t n;
	if (!d->raw_dir || !d->raw_kept || capture_drops_names_dump(d->names, d->raw_addr, d->raw_kept, &txt, &n) < 0)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s/drop-names.txt", d->raw_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, txt, n) < 0) {
			/* best effort */
		}
		close(fd);
	}
	free(txt);
}

static void hold_cb(void *ctx, const void *rec, size_t len)
{
	struct capture_drops *d = ctx;
	keep_raw(d, rec, len);
	if (d->hcount == HOLD_MAX || len < sizeof(struct nfp_drop_event)) {
		/* too short cannot come from our program; a full queue is loss */
		d->held_lost++;
		return;
	}
	struct held *e = &d->held[(d->hhead + d->hcount++) % HOLD_MAX];
	e->at = d->pump_now;
	memcpy(&e->ev, rec, sizeof(e->ev));
}

int capture_drops_pump(struct capture_drops *d, struct capture_trace *t, const struct capture_drops_sel *sel, capture_ifname_fn ifname, void *ifctx, double now_mono,
		       double hold, struct capture_drops_stats *st)
{
	d->pump_now = now_mono;
	int got = capture_drops_poll(d, hold_cb, d);
	if (got > 0)
		st->seen += (unsigned long)got;
	while (d->hcount && (hold <= 0 || now_mono - d->held[d->hhead].at >= hold)) {
		struct held *e = &d->held[d->hhead];
		d->hhead = (d->hhead + 1) % HOLD_MAX;
		d->hcount--;
		struct nfp_hop h;
		const char *err;
		if (capture_drops_decode(&e->ev, sizeof(e->ev), d->names, capture_trace_strpool(t), ifname, ifctx, d->ts_off, &h, &err) !=
		    NFP_PARSE_HOP) {
			st->bad++;
			continue;
		}
		if (capture_trace_match(t, &h) >= 0)
			st->joined++;
		else if (capture_drops_selected(sel, &h))
			st->selected++;
		else {
			st->other++;
			continue;
		}
		/* written with its packet when the trace completes it */
		if (capture_trace_add(t, &h) < 0)
			return -1;
	}
	return 0;
}

void capture_drops_close(struct capture_drops *d)
{
	if (!d)
		return;
	keep_raw_names(d);
	ring_buffer__free(d->rb);
	drops_bpf__destroy(d->skel);
	free(d->held);
	capture_drops_names_free(d->names);
	free(d);
}
