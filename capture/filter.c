/* filter: tcpdump-style expressions -> nft matches (see filter.h).
 *
 * The expression is parsed with negations pushed down to the primitives
 * (De Morgan), each primitive is a few literals, and the whole becomes a
 * disjunction of conjunctions. A conjunction keeps two bit masks (which
 * network protocols and which L4 protocols a packet may have) and a list of
 * address and port tests; that is enough to see contradictions, drop
 * alternatives that others already cover, and merge `tcp or udp` back into
 * one nft set.
 *
 * Negation is where nft and tcpdump differ: `ip saddr != X` in nft does
 * not match an IPv6 or ARP packet at all, and `meta l4proto != tcp` does
 * not match a frame that is not IP. So the negation of a test that needs a
 * header is "the header is absent, or it is there and differs", which is
 * what tcpdump means by `not host X`. */
#include "filter.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* network protocol bits (what `meta protocol` / `meta nfproto` tell) */
#define NET_IP 1u
#define NET_IP6 2u
#define NET_ARP 4u
#define NET_OTHER 8u
#define NET_ALL 15u
#define NET_IPANY (NET_IP | NET_IP6)
/* L4 protocol bits, in protocol number order (nft lists sets sorted) */
#define L4_ICMP 1u
#define L4_TCP 2u
#define L4_UDP 4u
#define L4_ICMP6 8u
#define L4_OTHER 16u
#define L4_ALL 31u

#define MAX_TOKENS 256
#define MAX_NODES 1024
#define MAX_LITS 16
#define MAX_CONJ 512
#define MAX_DEPTH 64

enum lit_kind { LIT_NET, LIT_L4, LIT_ADDR, LIT_PORT };
enum { DIR_SRC, DIR_DST };

struct lit {
	uint8_t kind, neg, dir;
	uint8_t mask;  /* LIT_NET, LIT_L4: the packet's protocol is one of these */
	uint8_t fam;   /* LIT_ADDR: NET_IP or NET_IP6 */
	uint8_t plen;  /* LIT_ADDR: prefix length */
	uint16_t lo, hi; /* LIT_PORT */
	uint8_t a[16];
};

enum { N_LIT, N_AND, N_OR };

struct node {
	int op, a, b;
	struct lit l;
};

struct tok {
	size_t pos, len;
};

struct conj {
	uint8_t net, l4, n;
	struct lit lits[MAX_LITS]; /* LIT_ADDR and LIT_PORT only */
};

struct dnf {
	struct conj c[MAX_CONJ];
	int n;
};

struct parser {
	const char *s;
	struct tok t[MAX_TOKENS];
	int nt, i, depth;
	struct node nd[MAX_NODES];
	int nn;
	struct capture_filter_error *e;
	int failed;
};

/* ---- errors ------------------------------------------------------------ */

static int fail_at(struct parser *p, size_t pos, size_t len, const char *fmt, const char *word)
{
	if (p->failed)
		return -1;
	p->failed = 1;
	p->e->pos = pos;
	p->e->len = len ? len : 1;
	snprintf(p->e->msg, sizeof(p->e->msg), fmt, word ? word : "");
	return -1;
}

/* the current token, or the end of the text */
static int fail_tok(struct parser *p, const char *fmt)
{
	char w[64] = "";
	if (p->i < p->nt) {
		const struct tok *t = &p->t[p->i];
		snprintf(w, sizeof(w), "%.*s", (int)(t->len < 60 ? t->len : 60), p->s + t->pos);
		return fail_at(p, t->pos, t->len, fmt, w);
	}
	return fail_at(p, strlen(p->s), 1, fmt, "the end");
}

/* ---- tokens ------------------------------------------------------------ */

static int tokenize(struct parser *p)
{
	const char *s = p->s;
	size_t i = 0;
	while (s[i]) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n') {
			i++;
			continue;
		}
		if (c < 0x20 || c >= 0x7f)
			return fail_at(p, i, 1, "a character that is not printable ASCII%s", NULL);
		if (p->nt == MAX_TOKENS)
			return fail_at(p, i, 1, "more than 256 words%s", NULL);
		size_t len;
		if (c == '(' || c == ')')
			len = 1;
		else if (c == '!' && s[i + 1] != '=')
			len = 1;
		else if ((c == '&' && s[i + 1] == '&') || (c == '|' && s[i + 1] == '|'))
			len = 2;
		else {
			len = 0;
			while (s[i + len] && !strchr(" \t\n()", s[i + len]) && (unsigned char)s[i + len] > 0x20 &&
			       (unsigned char)s[i + len] < 0x7f && !(s[i + len] == '!' && len))
				len++;
		}
		p->t[p->nt++] = (struct tok){ i, len };
		i += len;
	}
	return 0;
}

static int is(const struct parser *p, int i, const char *w)
{
	if (i >= p->nt)
		return 0;
	const struct tok *t = &p->t[i];
	return t->len == strlen(w) && memcmp(p->s + t->pos, w, t->len) == 0;
}

static int take(struct parser *p, const char *w)
{
	if (!is(p, p->i, w))
		return 0;
	p->i++;
	return 1;
}

/* ---- nodes ------------------------------------------------------------- */

static int node(struct parser *p, int op, int a, int b, const struct lit *l)
{
	if (a < 0 || b < -1 || (op != N_LIT && b < 0))
		return -1;
	if (p->nn == MAX_NODES)
		return fail_at(p, 0, strlen(p->s), "the expression is too large%s", NULL);
	struct node *n = &p->nd[p->nn];
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->a = a;
	n->b = b;
	if (l)
		n->l = *l;
	return p->nn++;
}

static int leaf(struct parser *p, const struct lit *l)
{
	return node(p, N_LIT, 0, -1, l);
}

static int mask_lit(struct parser *p, int kind, unsigned mask)
{
	struct lit l;
	memset(&l, 0, sizeof(l));
	l.kind = (uint8_t)kind;
	l.mask = (uint8_t)mask;
	return leaf(p, &l);
}

/* the negation of a literal: the header it needs is absent, or it is
 * there and the test fails (see the file comment) */
static int neg_lit(struct parser *p, const struct lit *l)
{
	switch (l->kind) {
	case LIT_NET:
		return mask_lit(p, LIT_NET, NET_ALL & ~l->mask);
	case LIT_L4:
		return node(p, N_OR, mask_lit(p, LIT_NET, NET_ALL & ~NET_IPANY), mask_lit(p, LIT_L4, L4_ALL & ~l->mask), NULL);
	case LIT_ADDR: {
		struct lit n = *l;
		n.neg = 1;
		return node(p, N_OR, mask_lit(p, LIT_NET, NET_ALL & ~l->fam), leaf(p, &n), NULL);
	}
	default: { /* LIT_PORT: only TCP and UDP have ports here */
		struct lit n = *l;
		n.neg = 1;
		int no_l4 = node(p, N_OR, mask_lit(p, LIT_NET, NET_ALL & ~NET_IPANY),
				 mask_lit(p, LIT_L4, L4_ALL & ~(L4_TCP | L4_UDP)), NULL);
		return node(p, N_OR, no_l4, leaf(p, &n), NULL);
	}
	}
}

static int negate(struct parser *p, int x)
{
	if (x < 0)
		return -1;
	struct node n = p->nd[x];
	if (n.op == N_LIT)
		return neg_lit(p, &n.l);
	return node(p, n.op == N_AND ? N_OR : N_AND, negate(p, n.a), negate(p, n.b), NULL);
}

/* ---- primitives ---------------------------------------------------------- */

static const struct {
	const char *w;
	int kind;
	unsigned mask;
} protos[] = {
	{ "ip", LIT_NET, NET_IP },   { "ip6", LIT_NET, NET_IP6 },	  { "arp", LIT_NET, NET_ARP },
	{ "tcp", LIT_L4, L4_TCP },   { "udp", LIT_L4, L4_UDP },	  { "icmp", LIT_L4, L4_ICMP },
	{ "icmp6", LIT_L4, L4_ICMP6 },
};

static int proto_word(const struct parser *p, int i)
{
	for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++)
		if (is(p, i, protos[k].w))
			return (int)k;
	return -1;
}

/* the token i as a C string, or "" past the end */
static void tok_str(const struct parser *p, int i, char *out, size_t cap)
{
	out[0] = '\0';
	if (i < p->nt && p->t[i].len < cap)
		snprintf(out, cap, "%.*s", (int)p->t[i].len, p->s + p->t[i].pos);
}

static int parse_addr(struct parser *p, struct lit *l, int want_net)
{
	char w[128], *slash;
	tok_str(p, p->i, w, sizeof(w));
	if (!w[0] || p->i >= p->nt)
		return fail_tok(p, want_net ? "net wants ADDR/LEN here, not %s" : "host wants an IPv4 or IPv6 address here, not %s");
	memset(l, 0, sizeof(*l));
	l->kind = LIT_ADDR;
	slash = strchr(w, '/');
	if (slash && !want_net)
		return fail_tok(p, "host takes one address (for a prefix: net %s)");
	if (!slash && want_net)
		return fail_tok(p, "net wants a prefix length: ADDR/LEN, not %s");
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, w, l->a) == 1)
		l->fam = NET_IP;
	else if (inet_pton(AF_INET6, w, l->a) == 1)
		l->fam = NET_IP6;
	else
		return fail_tok(p, "not an IPv4 or IPv6 address: %s (names are not looked up)");
	int bits = l->fam == NET_IP ? 32 : 128;
	l->plen = (uint8_t)bits;
	if (slash) {
		char *end;
		long n = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || n < 0 || n > bits)
			return fail_tok(p, "a bad prefix length in %s");
		l->plen = (uint8_t)n;
		for (int b = (int)n; b < bits; b++)
			if (l->a[b / 8] & (0x80 >> (b % 8)))
				return fail_tok(p, "%s has address bits set past its prefix length");
	}
	p->i++;
	return 0;
}

static int parse_port(struct parser *p, struct lit *l, int range)
{
	char w[64];
	tok_str(p, p->i, w, sizeof(w));
	memset(l, 0, sizeof(*l));
	l->kind = LIT_PORT;
	long v[2] = { -1, -1 };
	int nv = 0;
	const char *s = w;
	while (nv < 2 && *s >= '0' && *s <= '9') {
		char *end;
		v[nv++] = strtol(s, &end, 10);
		s = end;
		if (range && nv == 1 && *s == '-')
			s++;
		else
			break;
	}
	if (!w[0] || *s || nv != (range ? 2 : 1) || v[0] > 65535 || v[nv - 1] > 65535 || v[0] > v[nv - 1])
		return fail_tok(p, range ? "portrange wants LOW-HIGH (0..65535), not %s"
					 : "port wants a number 0..65535, not %s (service names are not looked up)");
	l->lo = (uint16_t)v[0];
	l->hi = (uint16_t)v[nv - 1];
	p->i++;
	return 0;
}

/* src / dst / src or dst / src and dst: 1 src, 2 dst, 3 either, 4 both */
static int parse_dir(struct parser *p)
{
	int d = 0;
	if (is(p, p->i, "src"))
		d = 1;
	else if (is(p, p->i, "dst"))
		d = 2;
	else
		return 3;
	p->i++;
	if ((is(p, p->i, "or") || is(p, p->i, "and")) && is(p, p->i + 1, d == 1 ? "dst" : "src")) {
		d = is(p, p->i, "or") ? 3 : 4;
		p->i += 2;
	}
	return d;
}

/* one literal per direction, joined by `or` (either) or `and` (both) */
static int dirs(struct parser *p, const struct lit *l, int dir)
{
	struct lit s = *l, d = *l;
	s.dir = DIR_SRC;
	d.dir = DIR_DST;
	if (dir == 1)
		return leaf(p, &s);
	if (dir == 2)
		return leaf(p, &d);
	return node(p, dir == 4 ? N_AND : N_OR, leaf(p, &s), leaf(p, &d), NULL);
}

static int primitive(struct parser *p)
{
	int start = p->i;
	int pw = proto_word(p, p->i);
	if (pw >= 0)
		p->i++;
	int has_dir = is(p, p->i, "src") || is(p, p->i, "dst");
	int dir = parse_dir(p);
	int type = 0; /* 1 host, 2 net, 3 port, 4 portrange */
	if (take(p, "host"))
		type = 1;
	else if (take(p, "net"))
		type = 2;
	else if (take(p, "port"))
		type = 3;
	else if (take(p, "portrange"))
		type = 4;
	if (!type && pw >= 0 && !has_dir)
		return mask_lit(p, protos[pw].kind, protos[pw].mask);
	if (!type) {
		/* a bare address (tcpdump's default type is host) */
		char w[128];
		tok_str(p, p->i, w, sizeof(w));
		unsigned char a[16];
		if (inet_pton(AF_INET, w, a) == 1 || inet_pton(AF_INET6, w, a) == 1)
			type = 1;
		else if (w[0] >= '0' && w[0] <= '9' && strspn(w, "0123456789") == strlen(w))
			return fail_tok(p, "a number needs its kind: port %s");
		else if (p->i < p->nt && p->i == start)
			return fail_tok(p, "unknown word %s (this filter knows host, net, port, portrange, src, dst, "
					   "ip, ip6, arp, icmp, icmp6, tcp, udp, and, or, not, parentheses)");
		else
			return fail_tok(p, "host, net, port or portrange expected here, not %s");
	}
	struct lit l;
	if (type <= 2) {
		if (pw >= 0 && protos[pw].kind != LIT_NET) {
			p->i = start;
			return fail_tok(p, "%s qualifies port or portrange, not host or net");
		}
		if (pw >= 0 && protos[pw].mask == NET_ARP) {
			p->i = start;
			return fail_tok(p, "ARP addresses are not supported (%s host/net)");
		}
		if (parse_addr(p, &l, type == 2) < 0)
			return -1;
		if (pw >= 0 && protos[pw].mask != l.fam) {
			p->i--;
			return fail_tok(p, "%s is not an address of the family asked for");
		}
		return dirs(p, &l, dir);
	}
	if (pw >= 0 && protos[pw].kind != LIT_L4) {
		p->i = start;
		return fail_tok(p, "%s qualifies host or net; ports belong to tcp or udp");
	}
	if (pw >= 0 && !(protos[pw].mask & (L4_TCP | L4_UDP))) {
		p->i = start;
		return fail_tok(p, "%s has no ports");
	}
	if (parse_port(p, &l, type == 4) < 0)
		return -1;
	int ports = dirs(p, &l, dir);
	return pw >= 0 ? node(p, N_AND, mask_lit(p, LIT_L4, protos[pw].mask), ports, NULL) : ports;
}

static int or_expr(struct parser *p, int neg);

static int unary(struct parser *p, int neg)
{
	if (p->i >= p->nt)
		return fail_at(p, strlen(p->s), 1, "the expression ends where a primitive was expected%s", NULL);
	if (take(p, "not") || take(p, "!"))
		return unary(p, !neg);
	if (is(p, p->i, "(")) {
		int open = p->i++;
		if (++p->depth > MAX_DEPTH)
			return fail_at(p, p->t[open].pos, 1, "parentheses nested deeper than 64%s", NULL);
		int x = or_expr(p, neg);
		p->depth--;
		if (x < 0)
			return -1;
		if (!take(p, ")")) {
			if (p->i < p->nt)
				return fail_tok(p, "`)` or a connective expected here, not %s");
			return fail_at(p, p->t[open].pos, 1, "this parenthesis is never closed%s", NULL);
		}
		return x;
	}
	if (is(p, p->i, ")") || is(p, p->i, "and") || is(p, p->i, "or") || is(p, p->i, "&&") || is(p, p->i, "||"))
		return fail_tok(p, "a primitive was expected here, not %s");
	int x = primitive(p);
	return neg ? negate(p, x) : x;
}

static int and_expr(struct parser *p, int neg)
{
	int x = unary(p, neg);
	while (x >= 0 && (take(p, "and") || take(p, "&&"))) {
		int y = unary(p, neg);
		x = node(p, neg ? N_OR : N_AND, x, y, NULL);
	}
	return x;
}

static int or_expr(struct parser *p, int neg)
{
	int x = and_expr(p, neg);
	while (x >= 0 && (take(p, "or") || take(p, "||"))) {
		int y = and_expr(p, neg);
		x = node(p, neg ? N_AND : N_OR, x, y, NULL);
	}
	return x;
}

/* ---- conjunctions ------------------------------------------------------ */

static unsigned net_of_l4(unsigned l4)
{
	unsigned n = 0;
	if (l4 & L4_ICMP)
		n |= NET_IP;
	if (l4 & L4_ICMP6)
		n |= NET_IP6;
	if (l4 & (L4_TCP | L4_UDP | L4_OTHER))
		n |= NET_IPANY;
	return n;
}

static int lit_same(const struct lit *a, const struct lit *b)
{
	return a->kind == b->kind && a->dir == b->dir && a->fam == b->fam && a->plen == b->plen && a->lo == b->lo &&
	       a->hi == b->hi && memcmp(a->a, b->a, sizeof(a->a)) == 0;
}

static int has_lit(const struct conj *c, const struct lit *l)
{
	for (int i = 0; i < c->n; i++)
		if (lit_same(&c->lits[i], l) && c->lits[i].neg == l->neg)
			return 1;
	return 0;
}

/* the network protocols a packet matching c can have: what it says, and
 * what its addresses and L4 protocols imply */
static unsigned net_eff(const struct conj *c)
{
	unsigned n = c->net;
	if (c->l4 != L4_ALL)
		n &= net_of_l4(c->l4);
	for (int i = 0; i < c->n; i++)
		if (c->lits[i].kind == LIT_ADDR)
			n &= c->lits[i].fam;
	return n;
}

/* ports need TCP or UDP; 0 when nothing can match */
static int settle(struct conj *c)
{
	for (int i = 0; i < c->n; i++) {
		if (c->lits[i].kind == LIT_PORT)
			c->l4 &= L4_TCP | L4_UDP;
		for (int j = i + 1; j < c->n; j++)
			if (lit_same(&c->lits[i], &c->lits[j]) && c->lits[i].neg != c->lits[j].neg)
				return 0;
	}
	unsigned n = net_eff(c);
	unsigned l4 = c->l4;
	if (l4 != L4_ALL) {
		/* ICMP is IPv4's, ICMPv6 IPv6's */
		if (!(n & NET_IP))
			l4 &= ~L4_ICMP;
		if (!(n & NET_IP6))
			l4 &= ~L4_ICMP6;
	}
	return n && l4;
}

/* a AND b into out; 0 when contradictory or too long */
static int conj_and(const struct conj *a, const struct conj *b, struct conj *out, int *too_long)
{
	*out = *a;
	out->net &= b->net;
	out->l4 &= b->l4;
	for (int i = 0; i < b->n; i++) {
		if (has_lit(out, &b->lits[i]))
			continue;
		if (out->n == MAX_LITS) {
			*too_long = 1;
			return 0;
		}
		out->lits[out->n++] = b->lits[i];
	}
	return settle(out);
}

static int to_dnf(struct parser *p, int x, struct dnf *d)
{
	const struct node *n = &p->nd[x];
	d->n = 0;
	if (n->op == N_LIT) {
		struct conj *c = &d->c[0];
		memset(c, 0, sizeof(*c));
		c->net = NET_ALL;
		c->l4 = L4_ALL;
		if (n->l.kind == LIT_NET)
			c->net = n->l.mask;
		else if (n->l.kind == LIT_L4)
			c->l4 = n->l.mask;
		else
			c->lits[c->n++] = n->l;
		d->n = settle(c);
		return 0;
	}
	/* the children's forms are large: on the heap, one pair per level */
	struct dnf *l = malloc(sizeof(*l)), *r = malloc(sizeof(*r));
	int rc = -1;
	if (!l || !r) {
		fail_at(p, 0, strlen(p->s), "out of memory%s", NULL);
		goto out;
	}
	if (to_dnf(p, n->a, l) < 0 || to_dnf(p, n->b, r) < 0)
		goto out;
	if (n->op == N_OR) {
		if (l->n + r->n > MAX_CONJ) {
			fail_at(p, 0, strlen(p->s), "the expression has too many alternatives%s", NULL);
			goto out;
		}
		memcpy(d->c, l->c, (size_t)l->n * sizeof(d->c[0]));
		memcpy(d->c + l->n, r->c, (size_t)r->n * sizeof(d->c[0]));
		d->n = l->n + r->n;
	} else {
		int too_long = 0;
		for (int i = 0; i < l->n; i++)
			for (int j = 0; j < r->n; j++) {
				if (d->n == MAX_CONJ) {
					fail_at(p, 0, strlen(p->s), "the expression has too many alternatives%s", NULL);
					goto out;
				}
				if (conj_and(&l->c[i], &r->c[j], &d->c[d->n], &too_long))
					d->n++;
			}
		if (too_long) {
			fail_at(p, 0, strlen(p->s), "an alternative of the expression has too many tests%s", NULL);
			goto out;
		}
	}
	rc = 0;
out:
	free(l);
	free(r);
	return rc;
}

/* ---- per family: simplify and write out -------------------------------- */

/* every packet b matches, a matches too */
static int covers(const struct conj *a, const struct conj *b)
{
	if ((b->net & ~a->net) || (b->l4 & ~a->l4))
		return 0;
	for (int i = 0; i < a->n; i++)
		if (!has_lit(b, &a->lits[i]))
			return 0;
	return 1;
}

static int same_tests(const struct conj *a, const struct conj *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (!has_lit(b, &a->lits[i]))
			return 0;
	return 1;
}

static void drop(struct dnf *d, int i)
{
	memmove(&d->c[i], &d->c[i + 1], (size_t)(d->n - i - 1) * sizeof(d->c[0]));
	d->n--;
}

/* drops alternatives others cover, merges ones that differ only in the
 * protocol (`tcp port 80 or udp port 80` is one rule with a set) */
static void simplify(struct dnf *d)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < d->n && !changed; i++)
			for (int j = 0; j < d->n && !changed; j++) {
				if (i == j)
					continue;
				struct conj *a = &d->c[i], *b = &d->c[j];
				if (covers(a, b) && (j > i || !covers(b, a))) {
					drop(d, j);
					changed = 1;
				} else if (j > i && same_tests(a, b) && (a->net == b->net || a->l4 == b->l4)) {
					a->net |= b->net;
					a->l4 |= b->l4;
					drop(d, j);
					changed = 1;
				}
			}
	}
}

struct out {
	char *p;
	size_t cap, w;
};

static void put(struct out *o, const char *fmt, const char *s)
{
	int k = snprintf(o->p + o->w, o->w < o->cap ? o->cap - o->w : 0, fmt, o->w ? " " : "", s);
	if (k > 0)
		o->w += (size_t)k;
}

/* "x", "{ x, y }", in the order nft lists set elements */
static void put_set(struct out *o, const char *pre, unsigned mask, const char *const names[], int n)
{
	char buf[96] = "";
	int count = 0;
	for (int i = 0; i < n; i++)
		count += (mask >> i) & 1;
	size_t w = 0;
	if (count > 1)
		w += (size_t)snprintf(buf + w, sizeof(buf) - w, "{ ");
	for (int i = 0, k = 0; i < n; i++)
		if (mask & (1u << i))
			w += (size_t)snprintf(buf + w, sizeof(buf) - w, "%s%s", k++ ? ", " : "", names[i]);
	if (count > 1)
		snprintf(buf + w, sizeof(buf) - w, " }");
	char full[160];
	snprintf(full, sizeof(full), "%s%s", pre, buf);
	put(o, "%s%s", full);
}

static const char *const l4_names[] = { "icmp", "tcp", "udp", "ipv6-icmp" };
/* ether types in value order: ip 0x0800, arp 0x0806, ip6 0x86dd */
static const char *const eth_names[] = { "ip", "arp", "ip6" };

static unsigned eth_mask(unsigned net)
{
	return (net & NET_IP ? 1u : 0) | (net & NET_ARP ? 2u : 0) | (net & NET_IP6 ? 4u : 0);
}

/* the order tests are written in: addresses, then ports; within each,
 * the equal ones first */
static int lit_rank(const struct lit *l)
{
	return (l->kind == LIT_PORT) * 2 + l->neg;
}

static void lit_order(const struct conj *c, int idx[MAX_LITS])
{
	int k = 0;
	for (int r = 0; r < 4; r++)
		for (int i = 0; i < c->n; i++)
			if (lit_rank(&c->lits[i]) == r)
				idx[k++] = i;
}

/* 0, or -1 when it does not fit */
static int emit(const struct conj *c, int fam, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	buf[0] = '\0';
	unsigned universe = fam == CAPTURE_FILTER_INET ? NET_IPANY : NET_ALL;
	unsigned eff = net_eff(c) & universe;
	unsigned possible = L4_ALL;
	if (!(eff & NET_IP))
		possible &= ~L4_ICMP;
	if (!(eff & NET_IP6))
		possible &= ~L4_ICMP6;
	unsigned l4 = c->l4 & possible;
	int l4_stmt = c->l4 != L4_ALL && l4 != possible;
	int nports = 0;
	for (int i = 0; i < c->n; i++)
		nports += c->lits[i].kind == LIT_PORT;
	/* what the other matches imply, nft checks by itself */
	unsigned implied = universe;
	for (int i = 0; i < c->n; i++)
		if (c->lits[i].kind == LIT_ADDR)
			implied &= c->lits[i].fam;
	if (l4_stmt)
		implied &= net_of_l4(l4);
	if (eff != implied) {
		if (fam == CAPTURE_FILTER_INET)
			put(&o, "%smeta nfproto %s", eff == NET_IP ? "ipv4" : "ipv6");
		else if (eff & NET_OTHER)
			put_set(&o, "meta protocol != ", eth_mask(NET_ALL & ~eff), eth_names, 3);
		else
			put_set(&o, "meta protocol ", eth_mask(eff), eth_names, 3);
	}
	int idx[MAX_LITS];
	lit_order(c, idx);
	for (int i = 0; i < c->n; i++) {
		const struct lit *l = &c->lits[idx[i]];
		if (l->kind != LIT_ADDR)
			continue;
		char a[INET6_ADDRSTRLEN + 8];
		inet_ntop(l->fam == NET_IP ? AF_INET : AF_INET6, l->a, a, INET6_ADDRSTRLEN);
		if (l->plen != (l->fam == NET_IP ? 32 : 128))
			snprintf(a + strlen(a), 8, "/%u", l->plen);
		char t[96];
		snprintf(t, sizeof(t), "%s %s %s", l->fam == NET_IP ? "ip" : "ip6", l->dir == DIR_SRC ? "saddr" : "daddr",
			 l->neg ? "!= " : "");
		char full[160];
		snprintf(full, sizeof(full), "%s%s", t, a);
		put(&o, "%s%s", full);
	}
	/* one protocol with ports: nft folds it into `tcp dport` */
	const char *pp = "th";
	if (nports && (l4 == L4_TCP || l4 == L4_UDP)) {
		pp = l4 == L4_TCP ? "tcp" : "udp";
		l4_stmt = 0;
	}
	if (l4_stmt) {
		if (l4 & L4_OTHER)
			put_set(&o, "meta l4proto != ", possible & ~l4, l4_names, 4);
		else
			put_set(&o, "meta l4proto ", l4, l4_names, 4);
	}
	for (int i = 0; i < c->n; i++) {
		const struct lit *l = &c->lits[idx[i]];
		if (l->kind != LIT_PORT)
			continue;
		char t[96];
		/* a port that must differ is written as a range when the rule has
		 * another port: nft 1.0.6 merges `th sport != 80 th dport != 80`
		 * into one 32-bit compare (`sport:dport != 80:80`, wrong when only
		 * one of them is 80), and lists the two tests back as if nothing
		 * happened; ranges it leaves alone */
		if (l->lo == l->hi && !(l->neg && nports > 1))
			snprintf(t, sizeof(t), "%s %s %s%u", pp, l->dir == DIR_SRC ? "sport" : "dport", l->neg ? "!= " : "",
				 l->lo);
		else
			snprintf(t, sizeof(t), "%s %s %s%u-%u", pp, l->dir == DIR_SRC ? "sport" : "dport",
				 l->neg ? "!= " : "", l->lo, l->hi);
		put(&o, "%s%s", t);
	}
	return o.w < cap ? 0 : -1;
}

int capture_filter_translate(const char *expr, struct capture_filter *f, struct capture_filter_error *e)
{
	memset(e, 0, sizeof(*e));
	f->n[0] = f->n[1] = 0;
	struct parser *p = calloc(1, sizeof(*p));
	struct dnf *d = malloc(sizeof(*d)), *fd = malloc(sizeof(*fd));
	int rc = -1;
	if (!p || !d || !fd) {
		snprintf(e->msg, sizeof(e->msg), "out of memory");
		goto out;
	}
	p->s = expr;
	p->e = e;
	if (strlen(expr) > 4096) {
		fail_at(p, 4096, 1, "the expression is longer than 4096 bytes%s", NULL);
		goto out;
	}
	if (tokenize(p) < 0)
		goto out;
	if (!p->nt) {
		fail_at(p, 0, 1, "the filter is empty%s", NULL);
		goto out;
	}
	int root = or_expr(p, 0);
	if (root < 0 || p->failed)
		goto out;
	if (p->i < p->nt) {
		if (is(p, p->i, ")"))
			fail_at(p, p->t[p->i].pos, 1, "this parenthesis closes nothing%s", NULL);
		else
			fail_tok(p, "`and` or `or` expected here, not %s");
		goto out;
	}
	if (to_dnf(p, root, d) < 0)
		goto out;
	for (int fam = 0; fam < 2; fam++) {
		fd->n = 0;
		for (int i = 0; i < d->n; i++) {
			fd->c[fd->n] = d->c[i];
			if (fam == CAPTURE_FILTER_INET)
				fd->c[fd->n].net &= NET_IPANY; /* no ARP or other frames there */
			if (settle(&fd->c[fd->n]))
				fd->n++;
		}
		simplify(fd);
		if (fd->n > CAPTURE_FILTER_RULES) {
			fail_at(p, 0, strlen(expr), "the filter needs more than 64 nft rules%s", NULL);
			goto out;
		}
		for (int i = 0; i < fd->n; i++)
			if (emit(&fd->c[i], fam, f->rule[fam][i], sizeof(f->rule[fam][i])) < 0) {
				fail_at(p, 0, strlen(expr), "an alternative of the filter is too long for one rule%s", NULL);
				goto out;
			}
		f->n[fam] = fd->n;
	}
	if (!f->n[0] && !f->n[1]) {
		fail_at(p, 0, strlen(expr), "the filter matches no packet%s", NULL);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		f->n[0] = f->n[1] = 0;
	free(p);
	free(d);
	free(fd);
	return rc;
}

int capture_filter_add_raw(struct capture_filter *f, const char *expr)
{
	if (strlen(expr) >= CAPTURE_FILTER_RULE_LEN || f->n[0] == CAPTURE_FILTER_RULES ||
	    f->n[1] == CAPTURE_FILTER_RULES)
		return -1;
	for (int fam = 0; fam < 2; fam++)
		snprintf(f->rule[fam][f->n[fam]++], CAPTURE_FILTER_RULE_LEN, "%s", expr);
	return 0;
}

void capture_filter_default(struct capture_filter *f)
{
	f->n[0] = f->n[1] = 0;
	capture_filter_add_raw(f, CAPTURE_FILTER_ECHO4);
	capture_filter_add_raw(f, CAPTURE_FILTER_ECHO6);
	capture_filter_add_raw(f, CAPTURE_FILTER_ECHO_TUNNEL);
}

int capture_filter_join(char *out, size_t cap, int argc, char *const argv[])
{
	size_t w = 0;
	if (cap)
		out[0] = '\0';
	for (int i = 0; i < argc; i++) {
		int k = snprintf(out + w, w < cap ? cap - w : 0, "%s%s", i ? " " : "", argv[i]);
		if (k < 0 || (w += (size_t)k) >= cap)
			return -1;
	}
	return 0;
}
