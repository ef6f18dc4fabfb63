/* load: read sources and rules into a trace (see load.h). */
#include "load.h"

#include "grow.h"
#include "readfd.h"


#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int slurp(const char *path, char **out, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (!b)
			break;
		if (n == cap) {
			/* rules files are small; refuse absurd ones */
			if (cap >= (64u << 20)) {
				free(b);
				b = NULL;
				errno = EFBIG;
				break;
			}
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			b = NULL;
			errno = e;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	int e = errno;
	if (fd > 0)
		close(fd);
	errno = e;
	if (!b)
		return -1;
	*out = b;
	*len = n;
	return 0;
}

/* one input's hops, collected for a merge */
struct hopvec {
	struct nfp_hop *h;
	size_t n, cap;
	uint32_t host; /* the input's #S host */
};

static int collect(void *ctx, const struct nfp_hop *h)
{
	struct hopvec *v = ctx;
	if (capture_grow((void **)&v->h, &v->cap, v->n + 1, sizeof(*v->h)) < 0)
		return -1;
	v->h[v->n++] = *h;
	return 0;
}

/* a packet's identity across hosts: IP ID, protocol, length (NAT and
 * tunnels change addresses and ports, not these), and its first time */
struct seen {
	uint64_t key;
	double ts;
};

static uint64_t ident_key(const struct nfp_hop *h)
{
	const struct nfp_pkt *pk = &h->pk;
	if (!(h->flags & NFP_HOP_TS) || pk->l3 != 4 || (pk->flags & (NFP_PK_IPID | NFP_PK_PROTO | NFP_PK_LEN)) !=
							     (NFP_PK_IPID | NFP_PK_PROTO | NFP_PK_LEN))
		return 0;
	return (uint64_t)1 << 63 | (uint64_t)(pk->ipid & 0xffff) << 32 | (uint64_t)pk->proto << 16 | pk->len;
}

static int seen_cmp(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* each identity once, at its first time; sorted by key. NULL on ENOMEM. */
static struct seen *seen_list(const struct hopvec *v, size_t *n)
{
	struct seen *s = malloc((v->n ? v->n : 1) * sizeof(*s));
	if (!s)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		uint64_t key = ident_key(&v->h[i]);
		if (key)
			s[k++] = (struct seen){ key, v->h[i].ts };
	}
	qsort(s, k, sizeof(*s), seen_cmp);
	size_t o = 0;
	for (size_t i = 0; i < k; i++)
		if (!o || s[o - 1].key != s[i].key)
			s[o++] = s[i];
	*n = o;
	return s;
}

/* How far input b's clock runs ahead of input a's, from the packets both
 * saw: a packet's time on the host it reached minus its time on the host
 * it left is the transit plus the clocks' difference; over traffic both
 * ways (a request and its reply) the median cancels the transit. Live
 * captures stamp events as they are read, so even two namespaces of one
 * machine differ by the readers' delays. *nboth: packets seen by both
 * (0: no estimate, offset 0). -1 on ENOMEM. */
static int clock_offset(const struct hopvec *a, const struct hopvec *b, double *off, size_t *nboth)
{
	size_t na, nb;
	*off = 0;
	*nboth = 0;
	struct seen *sa = seen_list(a, &na), *sb = seen_list(b, &nb);
	double *d = malloc((na < nb ? na : nb) * sizeof(*d) + sizeof(*d));
	if (!sa || !sb || !d) {
		free(sa);
		free(sb);
		free(d);
		return -1;
	}
	size_t n = 0;
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		if (sa[i].key < sb[j].key)
			i++;
		else if (sa[i].key > sb[j].key)
			j++;
		else
			d[n++] = sb[j++].ts - sa[i++].ts;
	}
	if (n) {
		qsort(d, n, sizeof(*d), dbl_cmp);
		*off = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
	}
	*nboth = n;
	free(sa);
	free(sb);
	free(d);
	return 0;
}

/* ---- tunnel crossings ------------------------------------------------
 * A tunnel's outer packet leaves one host (its hops at output and
 * postrouting) and enters another (prerouting, input): the only order
 * between two hosts' events that does not depend on their clocks. */
struct crossing {
	uint64_t key;	    /* the outer packet's identity (crossing_key) */
	double first, last; /* times of its first and last hop here, on this input's clock */
	size_t last_idx;    /* index of its last hop in the input */
	uint8_t side;	    /* capture_hop_tunnel_side: 1 leaves, 2 enters */
	uint8_t has_ts;
};

static uint64_t crossing_key(const struct nfp_hop *h)
{
	return capture_hop_tunnel_key(h);
}

static int crossing_cmp(const void *a, const void *b)
{
	const struct crossing *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->side != y->side)
		return x->side - y->side;
	return (x->last_idx > y->last_idx) - (x->last_idx < y->last_idx);
}

/* The input's tunnel crossings, one per outer packet and side, sorted by
 * key and side. NULL (with *n 0) when none or on ENOMEM (*err set). */
static struct crossing *crossings(const struct hopvec *v, size_t *n, int *err)
{
	*n = 0;
	struct crossing *c = NULL;
	size_t k = 0, cap = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct nfp_hop *h = &v->h[i];
		int side = capture_hop_tunnel_side(h);
		uint64_t key = side ? crossing_key(h) : 0;
		if (!key)
			continue;
		if (capture_grow((void **)&c, &cap, k + 1, sizeof(*c)) < 0) {
			free(c);
			*err = 1;
			return NULL;
		}
		int ts = (h->flags & NFP_HOP_TS) != 0;
		c[k++] = (struct crossing){ key, ts ? h->ts : 0, ts ? h->ts : 0, i, (uint8_t)side, (uint8_t)ts };
	}
	if (k) /* qsort wants an array even for none: c is NULL without crossings */
		qsort(c, k, sizeof(*c), crossing_cmp);
	/* the hops of one crossing are one entry: first time, last hop */
	size_t o = 0;
	for (size_t i = 0; i < k; i++) {
		struct crossing *p = o ? &c[o - 1] : NULL;
		if (p && p->key == c[i].key && p->side == c[i].side &&
		    (!p->has_ts || !c[i].has_ts || c[i].first - p->last <= NFP_PACKET_GAP)) {
			p->last_idx = c[i].last_idx;
			if (c[i].has_ts) {
				if (!p->has_ts)
					p->first = c[i].first;
				p->last = c[i].last;
				p->has_ts = 1;
			}
			continue;
		}
		c[o++] = c[i];
	}
	*n = o;
	return c;
}

/* the crossing of key on side in c[0..n) nearest to time ts (any when
 * untimed), NULL when none within NFP_PACKET_GAP */
static const struct crossing *crossing_find(const struct crossing *c, size_t n, uint64_t key, int side, double ts,
					     int timed)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (c[m].key < key || (c[m].key == key && c[m].side < side))
			lo = m + 1;
		else
			hi = m;
	}
	const struct crossing *best = NULL;
	double bd = 0;
	for (size_t i = lo; i < n && c[i].key == key && c[i].side == side; i++) {
		double d = timed && c[i].has_ts ? fabs(c[i].first - ts) : 0;
		if (d > NFP_PACKET_GAP)
			continue;
		if (!best || d < bd) {
			best = &c[i];
			bd = d;
		}
	}
	return best;
}

static double median(double *d, size_t n)
{
	qsort(d, n, sizeof(*d), dbl_cmp);
	return n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
}

/* How far input b's clock runs ahead of input a's from the tunnel
 * crossings between them: an outer packet that left a and entered b took
 * transit + offset by the two clocks, one that went the other way transit -
 * offset; with crossings both ways the offset is half the difference of
 * the medians (as NTP takes it). With crossings one way only, lo and hi bound
 * the offset (the packet cannot arrive before it left). nab and nba count
 * them; -1 on ENOMEM. */
static int tunnel_offset(const struct crossing *ca, size_t na, const struct crossing *cb, size_t nb, double *off,
			 double *lo, double *hi, size_t *nab, size_t *nba)
{
	*nab = *nba = 0;
	*lo = -INFINITY;
	*hi = INFINITY;
	double *ab = malloc((na + 1) * sizeof(*ab)), *ba = malloc((na + 1) * sizeof(*ba));
	if (!ab || !ba) {
		free(ab);
		free(ba);
		return -1;
	}
	for (size_t i = 0; i < na; i++) {
		const struct crossing *x = &ca[i];
		if (!x->has_ts)
			continue;
		/* the nearest in time: an IP ID comes back after 65536 packets */
		const struct crossing *y = crossing_find(cb, nb, x->key, x->side == 1 ? 2 : 1, x->first, 1);
		if (!y || !y->has_ts)
			continue;
		if (x->side == 1) {
			ab[*nab] = y->first - x->last; /* transit + offset */
			if (ab[*nab] < *hi)
				*hi = ab[*nab];
			++*nab;
		} else {
			ba[*nba] = x->first - y->last; /* transit - offset */
			if (-ba[*nba] > *lo)
				*lo = -ba[*nba];
			++*nba;
		}
	}
	if (*nab && *nba)
		*off = (median(ab, *nab) - median(ba, *nba)) / 2;
	free(ab);
	free(ba);
	return 0;
}

/* Several inputs into the trace. Recordings of two or more hosts go onto
 * one timeline: hops in order of their (wall-clock) time, each input's own
 * order kept (a hop without a time goes right after its predecessor), so
 * a packet that crosses from one host to the other is stitched as one.
 * The clocks never put a tunnel's outer packet into a host before it left
 * the other: a hop where it enters waits for the hops where it left.
 * Other inputs follow one another as given. -1 with errno on ENOMEM. */
static int merge(struct capture_trace *t, struct hopvec *v, size_t nv, const struct capture_load_req *rq,
		 const struct capture_source *src)
{
	uint32_t h0 = 0;
	int several = 0;
	for (size_t i = 0; i < nv; i++) {
		if (!h0)
			h0 = v[i].host;
		else if (v[i].host && v[i].host != h0)
			several = 1;
	}
	size_t *at = calloc(nv ? nv : 1, sizeof(*at));
	double *last = calloc(nv ? nv : 1, sizeof(*last));
	double *off = calloc(nv ? nv : 1, sizeof(*off));
	struct crossing **cx = calloc(nv ? nv : 1, sizeof(*cx));
	size_t *ncx = calloc(nv ? nv : 1, sizeof(*ncx));
	int r = !at || !last || !off || !cx || !ncx ? -1 : 0;
	for (size_t i = 0; several && i < nv && r == 0; i++) {
		int err = 0;
		cx[i] = crossings(&v[i], &ncx[i], &err);
		if (err)
			r = -1;
	}
	/* each host's clock placed against the first input's */
	for (size_t i = 1; several && i < nv && r == 0; i++) {
		size_t nboth, nab, nba;
		double lo, hi, toff = 0;
		r = clock_offset(&v[0], &v[i], &off[i], &nboth);
		if (r == 0)
			r = tunnel_offset(cx[0], ncx[0], cx[i], ncx[i], &toff, &lo, &hi, &nab, &nba);
		if (r < 0)
			break;
		char how[120];
		snprintf(how, sizeof(how), "from %zu packets both saw", nboth);
		if (nab && nba) {
			off[i] = toff;
			snprintf(how, sizeof(how), "from %zu tunnel crossings out of it and %zu into it", nba, nab);
		} else if (nab || nba) {
			/* one way only: no packet arrives before it left */
			double o = off[i] > hi ? hi : off[i] < lo ? lo : off[i];
			if (o != off[i])
				snprintf(how, sizeof(how), "bounded by %zu tunnel crossings", nab + nba);
			off[i] = o;
		}
		if (rq->diag && (nboth || nab || nba)) {
			char m[240];
			snprintf(m, sizeof(m), "clock %.3f ms %s the first input's (%s); corrected", fabs(off[i]) * 1e3,
				 off[i] >= 0 ? "ahead of" : "behind", how);
			rq->diag(rq->diag_ctx, src[i].name, 0, m);
		}
	}
	if (r == 0 && !several) {
		for (size_t i = 0; i < nv && r == 0; i++)
			for (size_t j = 0; j < v[i].n && r == 0; j++)
				r = capture_trace_add(t, &v[i].h[j]) < 0 ? -1 : 0;
	} else if (r == 0) {
		for (;;) {
			size_t best = nv, any = nv;
			double bk = 0, ak = 0;
			for (size_t i = 0; i < nv; i++) {
				if (at[i] == v[i].n)
					continue;
				const struct nfp_hop *h = &v[i].h[at[i]];
				double k = (h->flags & NFP_HOP_TS) ? h->ts - off[i] : last[i];
				if (any == nv || k < ak) {
					any = i;
					ak = k;
				}
				/* entering here: wait while the host it left has
				 * its hops there still to come */
				int wait = 0;
				uint64_t key = capture_hop_tunnel_side(h) == 2 ? crossing_key(h) : 0;
				for (size_t j = 0; key && j < nv && !wait; j++) {
					if (j == i || v[j].host == v[i].host)
						continue;
					const struct crossing *c =
						crossing_find(cx[j], ncx[j], key, 1, k + off[j], (h->flags & NFP_HOP_TS) != 0);
					wait = c && at[j] <= c->last_idx;
				}
				if (!wait && (best == nv || k < bk)) {
					best = i;
					bk = k;
				}
			}
			if (any == nv || r < 0)
				break;
			if (best == nv) { /* crossings that contradict each other: time alone */
				best = any;
				bk = ak;
			}
			last[best] = bk;
			r = capture_trace_add(t, &v[best].h[at[best]++]) < 0 ? -1 : 0;
		}
	}
	for (size_t i = 0; cx && i < nv; i++)
		free(cx[i]);
	free(cx);
	free(ncx);
	free(at);
	free(last);
	free(off);
	return r;
}

enum capture_load_status capture_load(struct capture_trace *t, struct capture_rules *rules,
				      const struct capture_load_req *rq, const char **bad, const char **why)
{
	const struct capture_source *src = rq->src, *rsrc = rq->rules;
	size_t nsrc = rq->nsrc, nrsrc = rq->nrules;
	capture_diag_fn diag = rq->diag;
	void *ctx = rq->diag_ctx;
	*bad = NULL;
	*why = NULL;
	for (size_t i = 0; i < nrsrc; i++) {
		char *text = NULL;
		size_t len = rsrc[i].len;
		const char *data = rsrc[i].data;
		if (!data) {
			if (slurp(rsrc[i].name, &text, &len) < 0) {
				*bad = rsrc[i].name;
				return NFP_LOAD_OPEN_FAILED;
			}
			data = text;
		}
		long n = capture_rules_load(rules, data, len, why);
		free(text);
		if (n < 0) {
			*bad = rsrc[i].name;
			return NFP_LOAD_RULES_BAD;
		}
	}
	capture_trace_set_rules(t, rules);
	unsigned long before = capture_trace_stats(t)->hops;
	/* several inputs are merged once all are read */
	struct hopvec *vec = nsrc > 1 ? calloc(nsrc, sizeof(*vec)) : NULL;
	if (nsrc > 1 && !vec)
		return NFP_LOAD_NOMEM;
	enum capture_load_status st = NFP_LOAD_OK;
	for (size_t i = 0; i < nsrc && !(rq->stop && *rq->stop); i++) {
		struct capture_input in;
		capture_input_init(&in, t, src[i].name, (uint16_t)(i < 65535 ? i : 65535), diag, ctx);
		in.stop = rq->stop;
		in.idle = rq->idle;
		in.idle_ctx = rq->idle_ctx;
		if (vec) {
			in.take = collect;
			in.take_ctx = &vec[i];
		}
		int r;
		if (src[i].data) {
			r = capture_input_feed(&in, src[i].data, src[i].len);
		} else {
			int fd = strcmp(src[i].name, "-") == 0 ? 0 : open(src[i].name, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				*bad = src[i].name;
				st = NFP_LOAD_OPEN_FAILED;
				break;
			}
			r = capture_read_fd(&in, fd);
			int e = errno;
			if (fd > 0)
				close(fd);
			if (r < 0 && e != ENOMEM) {
				capture_input_end(&in);
				errno = e;
				*bad = src[i].name;
				st = NFP_LOAD_OPEN_FAILED;
				break;
			}
		}
		/* the last line, when it had no newline */
		if (capture_input_end(&in) < 0)
			r = -1;
		if (r < 0) {
			st = NFP_LOAD_NOMEM;
			break;
		}
		if (vec)
			vec[i].host = in.host;
		/* one input: the error below names it, once */
		if (in.hops == 0 && diag && nsrc > 1)
			diag(ctx, src[i].name, 0, "no trace lines found");
	}
	if (vec) {
		int e = errno;
		if (st == NFP_LOAD_OK && merge(t, vec, nsrc, rq, src) < 0)
			st = NFP_LOAD_NOMEM;
		else
			errno = e;
		for (size_t i = 0; i < nsrc; i++)
			free(vec[i].h);
		free(vec);
	}
	if (st != NFP_LOAD_OK)
		return st;
	/* the input ended: every packet in flight is complete */
	capture_trace_flush(t);
	if (nsrc && capture_trace_stats(t)->hops == before) {
		*bad = nsrc == 1 ? src[0].name : NULL;
		*why = "no trace lines in the input";
		return NFP_LOAD_NO_TRACE;
	}
	return NFP_LOAD_OK;
}
