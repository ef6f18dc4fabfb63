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

/* Several inputs into the trace. Recordings of two or more hosts go onto
 * one timeline: hops in order of their (wall-clock) time, each input's own
 * order kept (a hop without a time goes right after its predecessor), so
 * a packet that crosses from one host to the other is stitched as one.
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
	if (!at || !last || !off) {
		free(at);
		free(last);
		free(off);
		return -1;
	}
	int r = 0;
	/* each host's clock placed against the first input's */
	for (size_t i = 1; several && i < nv && r == 0; i++) {
		size_t nboth;
		r = clock_offset(&v[0], &v[i], &off[i], &nboth);
		if (r == 0 && nboth && rq->diag) {
			char m[200];
			snprintf(m, sizeof(m), "clock %.3f ms %s the first input's (from %zu packets both saw); corrected",
				 fabs(off[i]) * 1e3, off[i] >= 0 ? "ahead of" : "behind", nboth);
			rq->diag(rq->diag_ctx, src[i].name, 0, m);
		}
	}
	if (!several) {
		for (size_t i = 0; i < nv && r == 0; i++)
			for (size_t j = 0; j < v[i].n && r == 0; j++)
				r = capture_trace_add(t, &v[i].h[j]) < 0 ? -1 : 0;
	} else {
		for (;;) {
			size_t best = nv;
			double bk = 0;
			for (size_t i = 0; i < nv; i++) {
				if (at[i] == v[i].n)
					continue;
				const struct nfp_hop *h = &v[i].h[at[i]];
				double k = (h->flags & NFP_HOP_TS) ? h->ts - off[i] : last[i];
				if (best == nv || k < bk) {
					best = i;
					bk = k;
				}
			}
			if (best == nv || r < 0)
				break;
			last[best] = bk;
			r = capture_trace_add(t, &v[best].h[at[best]++]) < 0 ? -1 : 0;
		}
	}
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
		if (in.hops == 0 && diag)
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
		*why = "no trace lines in the input";
		return NFP_LOAD_NO_TRACE;
	}
	return NFP_LOAD_OK;
}
