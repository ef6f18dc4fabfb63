/* dropdecode: the pure half of drops.h: the names table (reason numbers,
 * kernel symbols, namespaces) and the decoder of drop records into hops.
 * No libbpf, no kernel access: tests and fuzzers link it alone; drops.c
 * loads the tracer and fills the names from the running kernel. */
#include "drops.h"

#include "grow.h"
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	/* sorted now, while one thread holds the table: lookups only read it */
	sort_syms(n);
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

/* ---- selection -------------------------------------------------------- */

int capture_drops_selected(const struct capture_drops_sel *sel, const struct nfp_hop *h)
{
	const struct nfp_pkt *pk = &h->pk;
	if (sel->custom || !(pk->flags & NFP_PK_PROTO) || !(pk->flags & NFP_PK_ICMP))
		return 0;
	/* the default selection: ICMP and ICMPv6 echo */
	return (pk->proto == 1 && (pk->icmp_type == 0 || pk->icmp_type == 8)) ||
	       (pk->proto == 58 && (pk->icmp_type == 128 || pk->icmp_type == 129));
}


/* ---- the namespaces, for the loader's filter ---------------------------- */

size_t capture_drops_names_ns_count(const struct capture_drops_names *n)
{
	return n->nns;
}

uint32_t capture_drops_names_ns_inode(const struct capture_drops_names *n, size_t i)
{
	return i < n->nns ? n->ns[i].inode : 0;
}
