/* load: read sources and rules into a trace (see load.h). */
#include "load.h"

#include "grow.h"
#include "readfd.h"


#include <errno.h>
#include <fcntl.h>
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

/* Several inputs into the trace. Recordings of two or more hosts go onto
 * one timeline: hops in order of their (wall-clock) time, each input's own
 * order kept (a hop without a time goes right after its predecessor), so
 * a packet that crosses from one host to the other is stitched as one.
 * Other inputs follow one another as given. -1 with errno on ENOMEM. */
static int merge(struct capture_trace *t, struct hopvec *v, size_t nv)
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
	if (!at || !last) {
		free(at);
		free(last);
		return -1;
	}
	int r = 0;
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
				double k = (h->flags & NFP_HOP_TS) ? h->ts : last[i];
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
	t->rules = rules;
	unsigned long before = t->st.hops;
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
		if (st == NFP_LOAD_OK && merge(t, vec, nsrc) < 0)
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
	if (nsrc && t->st.hops == before) {
		*why = "no trace lines in the input";
		return NFP_LOAD_NO_TRACE;
	}
	return NFP_LOAD_OK;
}
