/* readfd: two-thread decoding of one input stream (see readfd.h).
 *
 * The stream is read in chunks into a ring. Each chunk is cut into a head
 * (the end of a line begun in the chunk before), a block of whole lines,
 * and a tail (the start of a line that goes on in the next chunk). Heads
 * and tails are fed in order on this thread, so line splitting and the
 * overlong-line rule stay in one place (capture_input_feed). Blocks are
 * decoded by whichever thread gets to them first:
 *  - the worker takes the oldest block nobody has taken, and decodes it
 *    into its own string pool (the trace's pool belongs to this thread);
 *    the strings its pool learnt travel with the block, so this thread maps
 *    the worker's ids onto the trace's without reading the worker's pool;
 *  - this thread merges blocks in stream order; when the next block is
 *    still untaken it feeds it itself, and when the worker is busy with it,
 *    it decodes a later untaken block rather than wait.
 * The worker takes blocks in stream order, so a block's ids were all
 * learnt by the time it is merged. */
#include "readfd.h"

#include "grow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (256u * 1024u)
#define RING 8
#define IDLE_MS 500

enum chunk_state {
	C_FREE,	 /* this thread's, to fill */
	C_READY, /* filled; its block untaken */
	C_TAKEN, /* its block is being decoded */
	C_DONE,	 /* its block is decoded (or it has none) */
};

struct chunk {
	char *buf;
	size_t len, head, mid_end; /* head [0,head), block [head,mid_end), tail [mid_end,len) */
	unsigned long seq;
	enum chunk_state state;
	int apart;     /* blk holds its block decoded apart (else it is fed in order) */
	int by_worker; /* ... by the worker, into its own pool */
	int err;
	struct capture_block blk;
	/* strings the worker's pool learnt while decoding this block: ids
	 * first_new.., each NUL-terminated (pool strings hold no NUL) */
	uint32_t first_new, n_new;
	char *strs;
	size_t nstrs, capstrs;
};

struct reader {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct chunk ring[RING];
	unsigned long next_fill, next_merge; /* chunk sequence numbers */
	int quit, partial, eof, started;
	pthread_t thread;
	/* the stream's clock for the trace: it runs only while the stream
	 * waits, so how fast this process decodes never completes a packet */
	double clock;
	struct capture_strpool *wsp; /* the worker's pool */
	uint32_t *map;		     /* worker id -> trace id */
	size_t nmap, capmap;
};

/* Decodes c's block into sp; with ship, records the strings sp learnt. */
static void decode_chunk(struct chunk *c, struct capture_strpool *sp, int ship)
{
	size_t before = capture_strpool_count(sp);
	c->apart = 1;
	c->err = 0;
	c->nstrs = 0;
	c->n_new = 0;
	if (capture_block_decode(&c->blk, c->buf + c->head, c->mid_end - c->head, sp) < 0)
		c->err = errno ? errno : ENOMEM;
	if (!ship)
		return;
	size_t after = capture_strpool_count(sp);
	c->first_new = (uint32_t)before;
	for (size_t id = before; id < after; id++) {
		size_t l = capture_strpool_len(sp, (uint32_t)id);
		if (capture_grow((void **)&c->strs, &c->capstrs, c->nstrs + l + 1, 1) < 0) {
			/* without the strings later blocks cannot be mapped */
			c->err = -ENOMEM;
			return;
		}
		memcpy(c->strs + c->nstrs, capture_strpool_get(sp, (uint32_t)id), l + 1);
		c->nstrs += l + 1;
		c->n_new++;
	}
}

/* the oldest chunk whose block nobody has taken; mu held */
static struct chunk *oldest_ready(struct reader *r)
{
	struct chunk *best = NULL;
	for (int i = 0; i < RING; i++) {
		struct chunk *c = &r->ring[i];
		if (c->state == C_READY && (!best || c->seq < best->seq))
			best = c;
	}
	return best;
}

static void *worker(void *arg)
{
	struct reader *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct chunk *c;
		while (!r->quit && !(c = oldest_ready(r)))
			pthread_cond_wait(&r->work, &r->mu);
		if (r->quit)
			break;
		c->state = C_TAKEN;
		c->by_worker = 1;
		pthread_mutex_unlock(&r->mu);
		decode_chunk(c, r->wsp, 1);
		pthread_mutex_lock(&r->mu);
		c->state = C_DONE;
		pthread_cond_signal(&r->done);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Cuts a filled chunk into head, block and tail. */
static void split(struct reader *r, struct chunk *c)
{
	size_t start = 0;
	if (r->partial) {
		const char *nl = memchr(c->buf, '\n', c->len);
		if (!nl) {
			c->head = c->mid_end = c->len;
			return;
		}
		start = (size_t)(nl - c->buf) + 1;
	}
	c->head = start;
	const char *last = start < c->len ? memrchr(c->buf + start, '\n', c->len - start) : NULL;
	c->mid_end = last ? (size_t)(last - c->buf) + 1 : start;
	r->partial = c->mid_end < c->len;
}

static int stopped(const struct capture_input *in)
{
	return in->stop && *in->stop;
}

/* Reads the next chunk into a free slot. block: wait for data; otherwise
 * only read when some is there (a pipe's lines are decoded as they come,
 * not held back to fill the ring). 1 filled, 0 nothing, -1 error. */
static int fill(struct reader *r, struct capture_input *in, int fd, int block)
{
	struct chunk *c = &r->ring[r->next_fill % RING];
	if (stopped(in))
		r->eof = 1;
	/* the slot is free once the chunk that had it is merged */
	if (r->eof || r->next_fill - r->next_merge >= RING)
		return 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (!block) {
		if (poll(&p, 1, 0) <= 0)
			return 0;
	}
	/* wait in poll, not in read: a stop request is seen within IDLE_MS
	 * even when its signal came just before the wait */
	for (int idled = 0; block;) {
		if (stopped(in)) {
			r->eof = 1;
			return 0;
		}
		int pr = poll(&p, 1, IDLE_MS);
		if (pr > 0 || (pr < 0 && errno != EINTR))
			break; /* data, or an error for read to report */
		if (pr == 0 && !idled && capture_trace_open_count(in->t) && !in->plen) {
			/* a quiet stream (a live log): the trace closes the
			 * packets in flight and hands them to the printers now,
			 * not at the end. Not while a line is cut short: a
			 * block-buffered writer (grep into a pipe) stopped in
			 * mid-packet. */
			r->clock += IDLE_MS / 1000.0;
			capture_trace_tick(in->t, r->clock);
			if (in->idle)
				in->idle(in->idle_ctx);
			idled = 1;
		}
	}
	if (!c->buf && !(c->buf = malloc(CHUNK)))
		return -1;
	/* a pipe gives at most its buffer per read: take what is there */
	c->len = 0;
	while (c->len < CHUNK) {
		ssize_t n = read(fd, c->buf + c->len, CHUNK - c->len);
		if (n < 0 && errno == EINTR) {
			if (!stopped(in))
				continue;
			r->eof = 1;
			break;
		}
		if (n < 0)
			return -1;
		if (n == 0) {
			r->eof = 1;
			break;
		}
		c->len += (size_t)n;
		if (poll(&p, 1, 0) <= 0)
			break;
	}
	if (c->len == 0)
		return 0;
	c->seq = r->next_fill++;
	split(r, c);
	int ready = c->mid_end > c->head;
	c->apart = c->by_worker = 0;
	pthread_mutex_lock(&r->mu);
	c->state = ready ? C_READY : C_DONE;
	pthread_mutex_unlock(&r->mu);
	if (ready)
		pthread_cond_signal(&r->work);
	return 1;
}

/* Teaches the map the strings the worker's pool learnt in c's block. */
static int learn(struct reader *r, struct capture_trace *t, const struct chunk *c)
{
	if (c->err == -ENOMEM) {
		errno = ENOMEM;
		return -1;
	}
	size_t need = (size_t)c->first_new + c->n_new;
	if (need > r->nmap) {
		if (capture_grow((void **)&r->map, &r->capmap, need, sizeof(*r->map)) < 0)
			return -1;
		for (size_t i = r->nmap; i < need; i++)
			r->map[i] = 0;
		r->nmap = need;
	}
	const char *s = c->strs;
	for (uint32_t k = 0; k < c->n_new; k++) {
		size_t l = strlen(s);
		uint32_t id = capture_strpool_intern(capture_trace_strpool(t), s, l);
		if (id == UINT32_MAX)
			return -1;
		r->map[c->first_new + k] = id;
		s += l + 1;
	}
	return 0;
}

/* Merges chunk c (the next in stream order) into the input. */
static int merge(struct reader *r, struct capture_input *in, struct chunk *c)
{
	if (capture_input_feed(in, c->buf, c->head) < 0)
		return -1;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (c->state == C_READY) {
			c->state = C_TAKEN; /* ours: fed in order below */
			break;
		}
		if (c->state == C_DONE)
			break;
		struct chunk *d = oldest_ready(r);
		if (d) {
			d->state = C_TAKEN;
			d->by_worker = 0;
			pthread_mutex_unlock(&r->mu);
			decode_chunk(d, capture_trace_strpool(in->t), 0);
			pthread_mutex_lock(&r->mu);
			d->state = C_DONE;
			continue;
		}
		pthread_cond_wait(&r->done, &r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	if (c->by_worker && learn(r, in->t, c) < 0)
		return -1;
	const char *mid = c->buf + c->head;
	size_t ml = c->mid_end - c->head;
	int r2;
	if (!c->apart || c->blk.needs_state || c->err || in->first || in->is_rec)
		r2 = capture_input_feed(in, mid, ml);
	else
		r2 = capture_block_merge(in, &c->blk, c->by_worker ? r->map : NULL, c->by_worker ? r->nmap : 0);
	if (r2 < 0 || capture_input_feed(in, c->buf + c->mid_end, c->len - c->mid_end) < 0)
		return -1;
	pthread_mutex_lock(&r->mu);
	c->state = C_FREE;
	pthread_mutex_unlock(&r->mu);
	r->next_merge++;
	return 0;
}

static void stop(struct reader *r)
{
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->quit = 1;
		pthread_cond_broadcast(&r->work);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
	}
	for (int i = 0; i < RING; i++) {
		free(r->ring[i].buf);
		free(r->ring[i].strs);
		capture_block_free(&r->ring[i].blk);
	}
	capture_strpool_free(r->wsp);
	free(r->map);
	pthread_cond_destroy(&r->work);
	pthread_cond_destroy(&r->done);
	pthread_mutex_destroy(&r->mu);
}

/* The worker starts once the first line has told what the stream is, and
 * only for streams whose blocks it can decode. */
static void maybe_start(struct reader *r, struct capture_input *in)
{
	if (r->started || in->first || in->is_rec || (r->eof && r->next_fill - r->next_merge < 2))
		return;
	r->wsp = capture_strpool_new();
	if (!r->wsp)
		return; /* decode everything here instead */
	/* signals stay with the thread that handles them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		capture_strpool_free(r->wsp);
		r->wsp = NULL;
		return;
	}
	r->started = 1;
}

int capture_read_fd(struct capture_input *in, int fd)
{
	struct reader r;
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.work, NULL);
	pthread_cond_init(&r.done, NULL);
	/* more read-ahead from a pipe (not an error when fd is none) */
	fcntl(fd, F_SETPIPE_SZ, 1 << 20);
	int rc = 0;
	for (;;) {
		/* keep the ring full so the worker has blocks ahead */
		int f;
		while ((f = fill(&r, in, fd, r.next_fill == r.next_merge)) > 0)
			;
		if (f < 0) {
			rc = -1;
			break;
		}
		if (r.next_merge == r.next_fill)
			break; /* end of input */
		if (merge(&r, in, &r.ring[r.next_merge % RING]) < 0) {
			rc = -1;
			break;
		}
		if (!in->plen)
			capture_trace_tick(in->t, r.clock);
		maybe_start(&r, in);
	}
	int e = errno;
	stop(&r);
	errno = e;
	return rc;
}
