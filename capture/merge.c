/* merge: live streams of several hosts onto one timeline (see merge.h). */
#include "merge.h"

#include "grow.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct held {
	struct nfp_hop h;
	double key;	/* its place on the timeline */
	double arrived; /* monotonic seconds */
	uint64_t cross; /* a tunnel hop: its outer packet (crossing_key), else 0 */
	int side;	/* capture_hop_tunnel_side when cross */
};

struct stream {
	struct capture_merge *m;
	struct capture_input in;
	struct held *q;
	size_t head, n, cap; /* queued: q[head .. n) */
	double last_key, off;
	int has_key, ended;
};

#define LEFT_RING 256

struct capture_merge {
	struct capture_trace *t;
	struct stream *s;
	size_t ns;
	double hold, now;
	int paused; /* nothing goes to the trace (capture_merge_pause) */
	int tunnels; /* files: a tunnel's outer packet enters a host only after it left the other */
	/* live: tunnel outer packets whose hops leaving a host were released
	 * lately: their hops entering the other host may follow */
	uint64_t left[LEFT_RING];
	unsigned nleft;
	size_t want;  /* the stream to read before anything more can go, or ns */
};

static uint64_t crossing_key(const struct nfp_hop *h);

/* A hop that comes with nothing queued before it, no later than every
 * other stream's first queued hop while none of them is empty (or they
 * ended), is in its place already: it goes to the trace without a copy
 * in the queue (most hops, when one stream is read at a time). */
static int in_place(const struct capture_merge *m, const struct stream *s, int side, double key)
{
	if (m->paused || s->head != s->n)
		return 0;
	if (side == 2) /* an outer packet entering: release decides (the tunnel rules) */
		return 0;
	for (size_t i = 0; i < m->ns; i++) {
		const struct stream *o = &m->s[i];
		if (o == s)
			continue;
		if (o->head == o->n) {
			if (!o->ended)
				return 0;
			continue;
		}
		double ok = o->q[o->head].key - o->off;
		/* on a tie the earlier stream goes first, as in release */
		double k = key - s->off;
		if (o < s ? k >= ok : k > ok)
			return 0;
	}
	return 1;
}

/* a hop into the trace; the live rule remembers outer packets that left */
static int put(struct capture_merge *m, const struct nfp_hop *h, int side, uint64_t cross)
{
	if (capture_trace_add(m->t, h) < 0)
		return -1;
	if (side == 1 && cross && (!m->nleft || m->left[(m->nleft - 1) % LEFT_RING] != cross))
		m->left[m->nleft++ % LEFT_RING] = cross;
	return 0;
}

static int take(void *ctx, const struct nfp_hop *h)
{
	struct stream *s = ctx;
	double key = s->has_key ? s->last_key : 0;
	if (h->flags & NFP_HOP_TS)
		key = h->ts;
	int side = capture_hop_tunnel_side(h);
	if (in_place(s->m, s, side, key)) {
		if (h->flags & NFP_HOP_TS) {
			s->last_key = h->ts;
			s->has_key = 1;
		}
		return put(s->m, h, side, side == 1 ? crossing_key(h) : 0);
	}
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
	e->side = side;
	e->cross = side ? crossing_key(h) : 0;
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

void capture_merge_pause(struct capture_merge *m, int on)
{
	m->paused = on;
}

/* Whether the tunnel hop h (entering here, at key k on the merged
 * timeline) must wait for stream j, where its outer packet left: 1 while
 * j has the hops where it left still queued, 2 while j has not been read
 * far enough to tell (every hop of j within NFP_PACKET_GAP of k), 0 not. */
static int tunnel_wait(const struct capture_merge *m, const struct stream *s, const struct held *e, double k)
{
	uint64_t key = e->side == 2 ? e->cross : 0;
	if (!key)
		return 0;
	int timed = (e->h.flags & NFP_HOP_TS) != 0;
	for (size_t j = 0; j < m->ns; j++) {
		const struct stream *o = &m->s[j];
		if (o == s || o->in.host == s->in.host)
			continue;
		double at = k + o->off; /* k on j's clock */
		if (!o->ended && (!o->has_key || o->last_key < at + NFP_PACKET_GAP))
			return 2;
		for (size_t q = o->head; q < o->n; q++) {
			const struct nfp_hop *x = &o->q[q].h;
			if (o->q[q].side != 1 || o->q[q].cross != key)
				continue;
			if (!timed || !(x->flags & NFP_HOP_TS) || fabs(x->ts - at) <= NFP_PACKET_GAP)
				return 1;
		}
	}
	return 0;
}

/* Live: a tunnel's outer packet entering a host waits for its hops
 * leaving the other: queued in another stream (release those first), or
 * not come yet while that stream runs and the hold lasts. The hosts'
 * clocks cannot be trusted within the jitter of their readers (a fraction
 * of a millisecond), and the stitcher needs the near end first. */
static int tunnel_waits_live(const struct capture_merge *m, const struct stream *s, const struct held *e, double now)
{
	if (e->side != 2 || !e->cross)
		return 0;
	for (unsigned k = 0; k < LEFT_RING && k < m->nleft; k++)
		if (m->left[(m->nleft - 1 - k) % LEFT_RING] == e->cross)
			return 0;
	int running = 0;
	for (size_t i = 0; i < m->ns; i++) {
		const struct stream *o = &m->s[i];
		if (o == s)
			continue;
		running |= !o->ended;
		for (size_t j = o->head; j < o->n && j < o->head + 4096; j++)
			if (o->q[j].h.host != e->h.host && o->q[j].side == 1 && o->q[j].cross == e->cross)
				return 1;
	}
	return running && now - e->arrived < m->hold;
}

/* the stream tunnel_wait said 2 for */
static size_t tunnel_blocker(const struct capture_merge *m, const struct stream *s, double k)
{
	for (size_t j = 0; j < m->ns; j++) {
		const struct stream *o = &m->s[j];
		if (o != s && o->in.host != s->in.host && !o->ended &&
		    (!o->has_key || o->last_key < k + o->off + NFP_PACKET_GAP))
			return j;
	}
	return m->ns;
}

long capture_merge_release(struct capture_merge *m, double now)
{
	long moved = 0;
	m->want = m->ns;
	if (m->paused)
		return 0;
	for (;;) {
		struct stream *best = NULL, *any = NULL, *unknown = NULL;
		int all = 1; /* every running stream has a hop queued */
		double bk = 0, ak = 0, uk = 0;
		for (size_t i = 0; i < m->ns; i++) {
			struct stream *s = &m->s[i];
			if (s->head == s->n) {
				if (!s->ended)
					all = 0;
				continue;
			}
			double k = s->q[s->head].key - s->off;
			if (!any || k < ak) {
				any = s;
				ak = k;
			}
			int w = m->tunnels ? tunnel_wait(m, s, &s->q[s->head], k)
					   : tunnel_waits_live(m, s, &s->q[s->head], now);
			if (w == 2 && (!unknown || k < uk)) {
				unknown = s;
				uk = k;
			}
			if (!w && (!best || k < bk)) {
				best = s;
				bk = k;
			}
		}
		if (!any)
			break;
		/* a tunnel hop that may have to wait comes first: read on */
		if (unknown && (!best || uk < bk)) {
			m->want = tunnel_blocker(m, unknown, uk);
			break;
		}
		if (!best) {
			/* every head waits on another (crossings that contradict
			 * each other): time alone, live after the hold */
			if (!m->tunnels && now - any->q[any->head].arrived < m->hold)
				break;
			best = any;
		}
		const struct held *e = &best->q[best->head];
		if (!all && now - e->arrived < m->hold)
			break;
		if (put(m, &e->h, e->side, e->cross) < 0)
			return -1;
		best->head++;
		moved++;
	}
	return moved;
}

void capture_merge_order_tunnels(struct capture_merge *m, int on)
{
	m->tunnels = on;
}

size_t capture_merge_wants(const struct capture_merge *m)
{
	return m->want;
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

void capture_merge_set_offset(struct capture_merge *m, size_t i, double off)
{
	if (i < m->ns)
		m->s[i].off = off;
}

size_t capture_merge_queued(const struct capture_merge *m, size_t i)
{
	return i < m->ns ? m->s[i].n - m->s[i].head : 0;
}

int capture_merge_ended(const struct capture_merge *m, size_t i)
{
	return i >= m->ns || m->s[i].ended;
}

/* ---- clocks ---------------------------------------------------------------
 * A packet's identity across hosts: IP ID, protocol, length (NAT and
 * tunnels change addresses and ports, not these), and its first time. */
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
static struct seen *seen_list(const struct stream *v, size_t *n)
{
	size_t nq = v->n - v->head;
	struct seen *s = malloc((nq ? nq : 1) * sizeof(*s));
	if (!s)
		return NULL;
	size_t k = 0;
	for (size_t i = v->head; i < v->n; i++) {
		uint64_t key = ident_key(&v->q[i].h);
		if (key)
			s[k++] = (struct seen){ key, v->q[i].h.ts };
	}
	if (k)
		qsort(s, k, sizeof(*s), seen_cmp);
	size_t o = 0;
	for (size_t i = 0; i < k; i++)
		if (!o || s[o - 1].key != s[i].key)
			s[o++] = s[i];
	*n = o;
	return s;
}

/* A packet's time on the host it reached minus its time on the host it
 * left is the transit plus the clocks' difference; over traffic both ways
 * (a request and its reply) the median cancels the transit. Live captures
 * stamp events as they are read, so even two namespaces of one machine
 * differ by the readers' delays. */
int capture_merge_clock_offset(const struct capture_merge *m, size_t a, size_t b, double *off, size_t *nboth)
{
	size_t na, nb;
	*off = 0;
	*nboth = 0;
	if (a >= m->ns || b >= m->ns)
		return 0;
	struct seen *sa = seen_list(&m->s[a], &na), *sb = seen_list(&m->s[b], &nb);
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
	size_t last_idx;    /* index of its last hop in the queue */
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

/* The queued tunnel crossings, one per outer packet and side, sorted by
 * key and side. NULL (with *n 0) when none or on ENOMEM (*err set). */
static struct crossing *crossings(const struct stream *v, size_t *n, int *err)
{
	*n = 0;
	struct crossing *c = NULL;
	size_t k = 0, cap = 0;
	for (size_t i = v->head; i < v->n; i++) {
		const struct nfp_hop *h = &v->q[i].h;
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
		size_t mid = lo + (hi - lo) / 2;
		if (c[mid].key < key || (c[mid].key == key && c[mid].side < side))
			lo = mid + 1;
		else
			hi = mid;
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

/* An outer packet that left a and entered b took transit + offset by the
 * two clocks, one that went the other way transit - offset; with crossings
 * both ways the offset is half the difference of the medians (as NTP takes
 * it). With crossings one way only, lo and hi bound the offset (the packet
 * cannot arrive before it left). */
int capture_merge_tunnel_offset(const struct capture_merge *m, size_t a, size_t b, double *off, double *lo, double *hi,
				size_t *nab, size_t *nba)
{
	*nab = *nba = 0;
	*lo = -INFINITY;
	*hi = INFINITY;
	if (a >= m->ns || b >= m->ns)
		return 0;
	int err = 0;
	size_t na, nb;
	struct crossing *ca = crossings(&m->s[a], &na, &err), *cb = err ? NULL : crossings(&m->s[b], &nb, &err);
	double *ab = err ? NULL : malloc((na + 1) * sizeof(*ab)), *ba = err ? NULL : malloc((na + 1) * sizeof(*ba));
	if (err || !ab || !ba) {
		free(ca);
		free(cb);
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
	free(ca);
	free(cb);
	free(ab);
	free(ba);
	return 0;
}
