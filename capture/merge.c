/* merge: live streams of several hosts onto one timeline (see merge.h). */
#include "merge.h"

#include "grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct held {
	struct nfp_hop h;
	double key;	/* its place on the timeline */
	double arrived; /* monotonic seconds */
};

struct stream {
	struct capture_merge *m;
	struct capture_input in;
	struct held *q;
	size_t head, n, cap; /* queued: q[head .. n) */
	double last_key;
	int has_key, ended;
};

#define LEFT_RING 256

struct capture_merge {
	struct capture_trace *t;
	struct stream *s;
	size_t ns;
	double hold, now;
	/* tunnel outer packets whose hops leaving a host were released
	 * lately: their hops entering the other host may follow */
	uint64_t left[LEFT_RING];
	unsigned nleft;
};

static int take(void *ctx, const struct nfp_hop *h)
{
	struct stream *s = ctx;
	if (s->head && s->head == s->n)
		s->head = s->n = 0;
	if (s->head > 4096 && s->head * 2 > s->n) {
		/* the released front is most of the array: reuse it */
		memmove(s->q, s->q + s->head, (s->n - s->head) * sizeof(*s->q));
		s->n -= s->head;
		s->head = 0;
	}
	if (capture_grow((void **)&s->q, &s->cap, s->n + 1, sizeof(*s->q)) < 0)
		return -1;
	struct held *e = &s->q[s->n++];
	e->h = *h;
	if (h->flags & NFP_HOP_TS) {
		s->last_key = h->ts;
		s->has_key = 1;
	}
	/* a hop without a time goes right after its predecessor; before any
	 * time came, at the front */
	e->key = s->has_key ? s->last_key : 0;
	e->arrived = s->m->now;
	return 0;
}

struct capture_merge *capture_merge_new(struct capture_trace *t, size_t n, const char *const *names, double hold,
					capture_diag_fn diag, void *diag_ctx)
{
	struct capture_merge *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->s = calloc(n ? n : 1, sizeof(*m->s));
	if (!m->s) {
		free(m);
		return NULL;
	}
	m->t = t;
	m->ns = n;
	m->hold = hold;
	for (size_t i = 0; i < n; i++) {
		struct stream *s = &m->s[i];
		s->m = m;
		capture_input_init(&s->in, t, names[i], (uint16_t)(i < 65535 ? i : 65535), diag, diag_ctx);
		s->in.take = take;
		s->in.take_ctx = s;
	}
	return m;
}

void capture_merge_free(struct capture_merge *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ns; i++) {
		if (!m->s[i].ended)
			capture_input_end(&m->s[i].in); /* frees its partial line */
		free(m->s[i].q);
	}
	free(m->s);
	free(m);
}

int capture_merge_feed(struct capture_merge *m, size_t i, const char *buf, size_t len, double now)
{
	if (i >= m->ns || m->s[i].ended)
		return 0;
	m->now = now;
	return capture_input_feed(&m->s[i].in, buf, len);
}

int capture_merge_end(struct capture_merge *m, size_t i, double now)
{
	if (i >= m->ns || m->s[i].ended)
		return 0;
	m->now = now;
	m->s[i].ended = 1;
	return capture_input_end(&m->s[i].in);
}

/* A tunnel's outer packet entering a host waits for its hops leaving the
 * other: queued in another stream (release those first), or not come yet
 * while that stream runs and the hold lasts. The hosts' clocks cannot be
 * trusted within the jitter of their readers (a fraction of a
 * millisecond), and the stitcher needs the near end first. */
static int tunnel_waits(const struct capture_merge *m, const struct stream *s, const struct held *e, double now)
{
	if (capture_hop_tunnel_side(&e->h) != 2)
		return 0;
	uint64_t key = capture_hop_tunnel_key(&e->h);
	if (!key)
		return 0;
	for (unsigned k = 0; k < LEFT_RING && k < m->nleft; k++)
		if (m->left[(m->nleft - 1 - k) % LEFT_RING] == key)
			return 0;
	int running = 0;
	for (size_t i = 0; i < m->ns; i++) {
		const struct stream *o = &m->s[i];
		if (o == s)
			continue;
		running |= !o->ended;
		for (size_t j = o->head; j < o->n && j < o->head + 4096; j++)
			if (o->q[j].h.host != e->h.host && capture_hop_tunnel_side(&o->q[j].h) == 1 &&
			    capture_hop_tunnel_key(&o->q[j].h) == key)
				return 1;
	}
	return running && now - e->arrived < m->hold;
}

long capture_merge_release(struct capture_merge *m, double now)
{
	long moved = 0;
	for (;;) {
		struct stream *best = NULL, *any = NULL;
		int all = 1; /* every running stream has a hop queued */
		for (size_t i = 0; i < m->ns; i++) {
			struct stream *s = &m->s[i];
			if (s->head == s->n) {
				if (!s->ended)
					all = 0;
				continue;
			}
			if (!any || s->q[s->head].key < any->q[any->head].key)
				any = s;
			if (tunnel_waits(m, s, &s->q[s->head], now))
				continue;
			if (!best || s->q[s->head].key < best->q[best->head].key)
				best = s;
		}
		if (!any)
			break;
		if (!best) {
			/* every head waits on another: time alone, after the hold */
			if (now - any->q[any->head].arrived < m->hold)
				break;
			best = any;
		}
		const struct held *e = &best->q[best->head];
		if (!all && now - e->arrived < m->hold)
			break;
		if (capture_trace_add(m->t, &e->h) < 0)
			return -1;
		if (capture_hop_tunnel_side(&e->h) == 1) {
			uint64_t key = capture_hop_tunnel_key(&e->h);
			if (key && (!m->nleft || m->left[(m->nleft - 1) % LEFT_RING] != key))
				m->left[m->nleft++ % LEFT_RING] = key;
		}
		best->head++;
		moved++;
	}
	return moved;
}

int capture_merge_busy(const struct capture_merge *m)
{
	for (size_t i = 0; i < m->ns; i++)
		if (m->s[i].head != m->s[i].n || (!m->s[i].ended && m->s[i].in.plen))
			return 1;
	return 0;
}

int capture_merge_done(const struct capture_merge *m)
{
	for (size_t i = 0; i < m->ns; i++)
		if (!m->s[i].ended || m->s[i].head != m->s[i].n)
			return 0;
	return 1;
}

const struct capture_input *capture_merge_input(const struct capture_merge *m, size_t i)
{
	return i < m->ns ? &m->s[i].in : NULL;
}
