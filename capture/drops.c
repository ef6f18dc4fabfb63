/* drops: loader, ring-buffer reader and decoder of kernel drop events
 * (see drops.h). */
#include "drops.h"

#include "grow.h"
#include "parse.h"
#include "record.h"
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

/* ---- names ----------------------------------------------------------- */

struct sym {
	uint64_t addr;
	uint32_t name; /* offset into text */
};

struct nsent {
	uint32_t inode;
	char dev[20]; /* "" = the traced namespace */
};

struct capture_drops_names {
	char **reason; /* by number, NULL = unknown */
	size_t nreason;
	struct sym *syms;
	size_t nsyms, capsyms;
	int sorted;
	char *text;
	size_t ntext, captext;
	struct nsent *ns;
	size_t nns, capns;
};

struct capture_drops_names *capture_drops_names_new(void)
{
	return calloc(1, sizeof(struct capture_drops_names));
}

void capture_drops_names_free(struct capture_drops_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nreason; i++)
		free(n->reason[i]);
	free(n->reason);
	free(n->syms);
	free(n->text);
	free(n->ns);
	free(n);
}

int capture_drops_names_reason(struct capture_drops_names *n, uint32_t num, const char *name, size_t len)
{
	/* the tracepoint prints the enumerator without its prefix */
	static const char *const pfx[] = { "SKB_DROP_REASON_", "SKB_" };
	for (int i = 0; i < 2; i++) {
		size_t pl = strlen(pfx[i]);
		if (len > pl && memcmp(name, pfx[i], pl) == 0) {
			name += pl;
			len -= pl;
			break;
		}
	}
	if (num > 65535 || len == 0 || len > 64)
		return 0; /* the subsystem mask and friends are not reasons */
	if (num >= n->nreason) {
		char **nr = realloc(n->reason, (num + 1) * sizeof(*nr));
		if (!nr)
			return -1;
		memset(nr + n->nreason, 0, (num + 1 - n->nreason) * sizeof(*nr));
		n->reason = nr;
		n->nreason = num + 1;
	}
	char *s = strndup(name, len);
	if (!s)
		return -1;
	free(n->reason[num]);
	n->reason[num] = s;
	return 0;
}

int capture_drops_names_ns(struct capture_drops_names *n, uint32_t inode, const char *dev)
{
	for (size_t i = 0; i < n->nns; i++)
		if (n->ns[i].inode == inode)
			return 0;
	if (capture_grow((void **)&n->ns, &n->capns, n->nns + 1, sizeof(*n->ns)) < 0)
		return -1;
	struct nsent *e = &n->ns[n->nns++];
	e->inode = inode;
	snprintf(e->dev, sizeof(e->dev), "%s", dev ? dev : "");
	return 0;
}

static int add_sym(struct capture_drops_names *n, uint64_t addr, const char *name, size_t len)
{
	if (capture_grow((void **)&n->syms, &n->capsyms, n->nsyms + 1, sizeof(*n->syms)) < 0 ||
	    capture_grow((void **)&n->text, &n->captext, n->ntext + len + 1, 1) < 0)
		return -1;
	n->syms[n->nsyms++] = (struct sym){ addr, (uint32_t)n->ntext };
	memcpy(n->text + n->ntext, name, len);
	n->text[n->ntext + len] = '\0';
	n->ntext += len + 1;
	n->sorted = 0;
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void sort_syms(struct capture_drops_names *n)
{
	if (!n->sorted) {
		qsort(n->syms, n->nsyms, sizeof(*n->syms), sym_cmp);
		n->sorted = 1;
	}
}

/* next line of text[0..len) from *off: its start and length */
static int next_line(const char *text, size_t len, size_t *off, const char **l, size_t *ll)
{
	if (*off >= len)
		return 0;
	const char *s = text + *off;
	const char *e = memchr(s, '\n', len - *off);
	*l = s;
	*ll = e ? (size_t)(e - s) : len - *off;
	*off += *ll + (e ? 1 : 0);
	return 1;
}

/* splits a line into at most 4 space-separated words */
static int words(const char *l, size_t ll, const char *w[4], size_t wl[4])
{
	int n = 0;
	size_t i = 0;
	while (i < ll && n < 4) {
		while (i < ll && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i == ll)
			break;
		size_t st = i;
		while (i < ll && l[i] != ' ' && l[i] != '\t')
			i++;
		w[n] = l + st;
		wl[n++] = i - st;
	}
	return n;
}

int capture_drops_names_kallsyms(struct capture_drops_names *n, const char *text, size_t len)
{
	const char *l;
	size_t ll, off = 0;
	while (next_line(text, len, &off, &l, &ll)) {
		const char *w[4];
		size_t wl[4];
		uint64_t addr;
		/* "ffffffff81a2b3c0 T ip_rcv_finish_core\t[module]" */
		if (words(l, ll, w, wl) < 3 || wl[1] != 1 || (w[1][0] != 't' && w[1][0] != 'T'))
			continue;
		if (capture_parse_uint(w[0], wl[0], 16, UINT64_MAX, &addr) < 0 || !addr || wl[2] > 128)
			continue;
		if (add_sym(n, addr, w[2], wl[2]) < 0)
			return -1;
	}
	return 0;
}

int capture_drops_names_parse(struct capture_drops_names *n, const char *text, size_t len)
{
	const char *l;
	size_t ll, off = 0;
	while (next_line(text, len, &off, &l, &ll)) {
		const char *w[4];
		size_t wl[4];
		int nw = words(l, ll, w, wl);
		uint64_t x;
		int r = 0;
		if (nw < 2)
			continue;
		if (wl[0] == 6 && memcmp(w[0], "reason", 6) == 0 && nw >= 3) {
			if (capture_parse_uint(w[1], wl[1], 10, UINT32_MAX, &x) == 0)
				r = capture_drops_names_reason(n, (uint32_t)x, w[2], wl[2]);
		} else if (wl[0] == 3 && memcmp(w[0], "sym", 3) == 0 && nw >= 3) {
			if (capture_parse_uint(w[1], wl[1], 16, UINT64_MAX, &x) == 0 && wl[2] <= 128)
				r = add_sym(n, x, w[2], wl[2]);
		} else if (wl[0] == 2 && memcmp(w[0], "ns", 2) == 0) {
			char dev[20] = "";
			if (nw >= 3 && wl[2] < sizeof(dev))
				memcpy(dev, w[2], wl[2]);
			if (capture_parse_uint(w[1], wl[1], 10, UINT32_MAX, &x) == 0)
				r = capture_drops_names_ns(n, (uint32_t)x, dev);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

const char *capture_drops_reason(const struct capture_drops_names *n, uint32_t num)
{
	return num < n->nreason ? n->reason[num] : NULL;
}

long capture_drops_reason_num(const struct capture_drops_names *n, const char *name)
{
	for (size_t i = 0; i < n->nreason; i++)
		if (n->reason[i] && strcmp(n->reason[i], name) == 0)
			return (long)i;
	return -1;
}

/* the symbol at or below addr; call sites are inside functions */
static const struct sym *find_sym(const struct capture_drops_names *n, uint64_t addr)
{
	size_t lo = 0, hi = n->nsyms;
	if (!n->sorted)
		sort_syms((struct capture_drops_names *)n);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &n->syms[lo - 1] : NULL;
}

const char *capture_drops_symbol(const struct capture_drops_names *n, uint64_t addr)
{
	const struct sym *s = find_sym(n, addr);
	/* far past the last symbol is not inside it */
	if (!s || addr - s->addr > (1u << 20))
		return NULL;
	return n->text + s->name;
}

int capture_drops_names_dump(const struct capture_drops_names *n, const uint64_t *addrs, size_t naddrs, char **out,
			     size_t *outlen)
{
	/* names are at most 64 (reasons), 128 (symbols), 19 (devices) bytes */
	size_t cap = 256 + n->nreason * 96 + naddrs * 176 + n->nns * 48, w = 0;
	char *b = malloc(cap);
	if (!b)
		return -1;
	for (size_t i = 0; i < n->nreason; i++)
		if (n->reason[i])
			w += (size_t)snprintf(b + w, cap - w, "reason %zu %.64s\n", i, n->reason[i]);
	for (size_t i = 0; i < naddrs; i++) {
		const struct sym *s = find_sym(n, addrs[i]);
		int dup = 0;
		for (size_t j = 0; s && j < i; j++)
			dup |= find_sym(n, addrs[j]) == s;
		if (s && !dup)
			w += (size_t)snprintf(b + w, cap - w, "sym %llx %.128s\n", (unsigned long long)s->addr,
					      n->text + s->name);
	}
	for (size_t i = 0; i < n->nns; i++)
		w += (size_t)snprintf(b + w, cap - w, "ns %u %s\n", n->ns[i].inode, n->ns[i].dev);
	*out = b;
	*outlen = w < cap ? w : cap - 1;
	return 0;
}

/* ---- the decoder ----------------------------------------------------- */

static uint32_t intern(struct capture_strpool *sp, const char *s)
{
	uint32_t id = capture_strpool_intern(sp, s, strlen(s));
	return id == UINT32_MAX ? 0 : id;
}

int capture_drops_decode(const void *buf, size_t len, const struct capture_drops_names *names,
			 struct capture_strpool *sp, capture_ifname_fn ifname, void *ifctx, double ts_off,
			 struct nfp_hop *h, const char **err)
{
	struct nfp_drop_event e;
	if (len < sizeof(e)) {
		*err = "drop record too short";
		return NFP_PARSE_BAD;
	}
	memcpy(&e, buf, sizeof(e));
	if (e.hdr_len > sizeof(e.hdr)) {
		*err = "drop record header length out of range";
		return NFP_PARSE_BAD;
	}
	memset(h, 0, sizeof(*h));
	h->rule = -1;
	h->kind = NFP_KIND_DROP;
	h->source = NFP_SRC_KDROP;
	h->verdict = NFP_V_DROP;
	h->ts = (double)e.ts_ns / 1e9 + ts_off;
	h->flags |= NFP_HOP_TS;
	char tmp[48];
	const char *rn = capture_drops_reason(names, e.reason);
	if (!rn) {
		/* a reason newer than the names, or a subsystem's own */
		snprintf(tmp, sizeof(tmp), "reason %u", e.reason);
		rn = tmp;
	}
	h->drop_reason = intern(sp, rn);
	const char *loc = capture_drops_symbol(names, e.location);
	if (!loc) {
		snprintf(tmp, sizeof(tmp), "0x%llx", e.location);
		loc = tmp;
	}
	h->drop_location = intern(sp, loc);
	const struct nsent *ns = NULL;
	for (size_t i = 0; i < names->nns; i++)
		if (names->ns[i].inode == e.netns)
			ns = &names->ns[i];
	if (ns && ns->dev[0]) {
		h->drop_ns = intern(sp, ns->dev);
	} else if (!ns) {
		snprintf(tmp, sizeof(tmp), "netns %u", e.netns);
		h->drop_ns = intern(sp, tmp);
	} else if (e.ifindex && ifname) {
		/* where the device sits on the path: the reason says */
		uint32_t dev = ifname(ifctx, e.ifindex);
		if (rn && (strncmp(rn, "NEIGH_", 6) == 0 || strncmp(rn, "QDISC_", 6) == 0 || strcmp(rn, "TC_EGRESS") == 0 ||
			   strcmp(rn, "IP_OUTNOROUTES") == 0 || strcmp(rn, "FQ_FLOW_LIMIT") == 0))
			h->out = dev;
		else
			h->in = dev;
	}
	uint16_t proto = (uint16_t)(e.protocol >> 8 | (e.protocol & 0xff) << 8);
	h->family = proto == 0x86dd ? NFP_FAM_IPV6 : proto == 0x0800 ? NFP_FAM_IPV4 : NFP_FAM_UNSPEC;
	if (e.hdr_len && (proto == 0x0800 || proto == 0x86dd) &&
	    capture_pkt_decode(e.hdr, e.hdr_len, NULL, 0, &h->pk) == 0) {
		h->flags |= NFP_HOP_HAVE_PKT;
		if (!h->family)
			h->family = h->pk.l3 == 6 ? NFP_FAM_IPV6 : NFP_FAM_IPV4;
	}
	return NFP_PARSE_HOP;
}

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

/* the id the current namespace gives the namespace open as fd, or -1 */
static int nsid_of_fd(struct mnl_socket *nl, int fd, uint32_t seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)fd);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	const struct nlmsghdr *r = (const struct nlmsghdr *)buf;
	if (n <= 0 || !mnl_nlmsg_ok(r, (int)n) || r->nlmsg_type != RTM_NEWNSID)
		return -1;
	const struct nlattr *a;
	int id = -1;
	mnl_attr_for_each(a, r, sizeof(struct rtgenmsg))
	{
		if (mnl_attr_get_type(a) == NETNSA_NSID && mnl_attr_get_payload_len(a) >= 4)
			id = (int32_t)mnl_attr_get_u32(a);
	}
	return id;
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
			int id = nsid_of_fd(nl, fd, (uint32_t)(nseen + 1));
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
	sort_syms(d->names);
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
	for (size_t i = 0; i < d->names->nns; i++) {
		uint8_t one = 1;
		if (bpf_map__update_elem(d->skel->maps.netns_ok, &d->names->ns[i].inode, sizeof(uint32_t), &one, 1, BPF_ANY) <
		    0) {
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

int capture_drops_selected(const struct capture_drops_sel *sel, const struct nfp_hop *h)
{
	const struct nfp_pkt *pk = &h->pk;
	if (sel->custom || !(pk->flags & NFP_PK_PROTO) || !(pk->flags & NFP_PK_ICMP))
		return 0;
	/* the default selection: ICMP and ICMPv6 echo */
	return (pk->proto == 1 && (pk->icmp_type == 0 || pk->icmp_type == 8)) ||
	       (pk->proto == 58 && (pk->icmp_type == 128 || pk->icmp_type == 129));
}

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
