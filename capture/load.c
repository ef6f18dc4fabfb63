/* load: read sources and rules into a trace (see load.h). */
#include "load.h"

#include "grow.h"
#include "merge.h"
#include "readfd.h"
#include "record.h"


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

/* ---- several inputs ------------------------------------------------------
 * Recordings of two or more hosts go onto one timeline: hops in order of
 * their (wall-clock) time, each input's own order kept, so a packet that
 * crosses from one host to the other is stitched as one. Each host's clock
 * is placed against the first input's, from the tunnel crossings both
 * ways (NTP-style) or else the packets both saw, among the first
 * CLOCK_PREFIX hops of each; the clocks never put a tunnel's outer packet
 * into a host before it left the other (merge.h). Other inputs
 * follow one another as given. Either way the inputs stream through: a
 * merge holds only what it must to know the order (merge.h), never whole
 * files. */

#define HEAD_MAX 65536	  /* bytes read of each input to learn its host */
#define CLOCK_PREFIX 16384 /* hops of each input the clock offsets are estimated from */

struct part {
	int fd;		  /* -1: in memory, or closed */
	const char *data; /* the rest of an in-memory source */
	size_t len;
	char *head;	  /* what was read to learn the host (owned) */
	size_t hlen;
	int eof;
	uint32_t host;
};

static ssize_t read_some(int fd, char *buf, size_t cap)
{
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* The start of input p, until its #S record could have come (four lines),
 * and the host it names (0 none). -1 with errno on a read error. */
static int read_head(struct capture_trace *t, struct part *p)
{
	const char *s;
	size_t n;
	if (p->fd < 0) {
		s = p->data;
		n = p->len < HEAD_MAX ? p->len : HEAD_MAX;
	} else {
		p->head = malloc(HEAD_MAX);
		if (!p->head)
			return -1;
		int lines = 0;
		while (p->hlen < HEAD_MAX && lines < 4) {
			ssize_t r = read_some(p->fd, p->head + p->hlen, HEAD_MAX - p->hlen);
			if (r < 0)
				return -1;
			if (r == 0) {
				p->eof = 1;
				break;
			}
			for (ssize_t i = 0; i < r; i++)
				lines += p->head[p->hlen + (size_t)i] == '\n';
			p->hlen += (size_t)r;
		}
		s = p->head;
		n = p->hlen;
	}
	const char *eol = memchr(s, '\n', n);
	size_t hl = eol ? (size_t)(eol - s) : n;
	if (hl && s[hl - 1] == '\r')
		hl--;
	if (capture_rec_magic(s, hl) <= 0)
		return 0;
	for (size_t off = 0, k = 0; off < n && k < 4; k++) {
		const char *l = s + off, *nl = memchr(l, '\n', n - off);
		if (!nl)
			break;
		struct capture_rec_start st;
		const char *err;
		if (capture_rec_parse_start(l, (size_t)(nl - l), capture_trace_strpool(t), &st, &err) > 0) {
			p->host = st.host;
			break;
		}
		off = (size_t)(nl - s) + 1;
	}
	return 0;
}

/* Feeds the next piece of input i into the merge; at its end, ends it.
 * -1 with errno (a read error: *rerr set; or ENOMEM). */
static int merge_more(struct capture_merge *m, struct part *p, size_t i, char *buf, size_t cap, int *rerr)
{
	if (p->head) {
		int r = capture_merge_feed(m, i, p->head, p->hlen, 0);
		free(p->head);
		p->head = NULL;
		return r;
	}
	if (p->fd < 0) {
		size_t n = p->len < cap ? p->len : cap;
		int r = n ? capture_merge_feed(m, i, p->data, n, 0) : capture_merge_end(m, i, 0);
		p->data += n;
		p->len -= n;
		return r;
	}
	ssize_t n = p->eof ? 0 : read_some(p->fd, buf, cap);
	if (n < 0) {
		*rerr = 1;
		return -1;
	}
	if (n == 0)
		return capture_merge_end(m, i, 0);
	return capture_merge_feed(m, i, buf, (size_t)n, 0);
}

/* Inputs of several hosts, merged by time. */
static enum capture_load_status load_merged(struct capture_trace *t, struct part *parts,
					    const struct capture_load_req *rq, const char **bad)
{
	size_t nsrc = rq->nsrc;
	const char **names = calloc(nsrc, sizeof(*names));
	char *buf = malloc(HEAD_MAX);
	struct capture_merge *m = NULL;
	if (names && buf) {
		for (size_t i = 0; i < nsrc; i++)
			names[i] = rq->src[i].name;
		m = capture_merge_new(t, nsrc, names, NFP_MERGE_FOREVER, rq->diag, rq->diag_ctx);
	}
	free(names);
	if (!m) {
		free(buf);
		return NFP_LOAD_NOMEM;
	}
	enum capture_load_status st = NFP_LOAD_OK;
	int rerr = 0;
	size_t bad_i = 0;
	capture_merge_pause(m, 1);
	/* each host's clock placed against the first input's, from the
	 * packets the first hops of both show */
	for (size_t i = 0; i < nsrc && st == NFP_LOAD_OK; i++)
		while (!capture_merge_ended(m, i) && capture_merge_queued(m, i) < CLOCK_PREFIX && !(rq->stop && *rq->stop))
			if (merge_more(m, &parts[i], i, buf, HEAD_MAX, &rerr) < 0) {
				st = rerr ? NFP_LOAD_OPEN_FAILED : NFP_LOAD_NOMEM;
				bad_i = i;
				break;
			}
	for (size_t i = 1; i < nsrc && st == NFP_LOAD_OK; i++) {
		double off, toff = 0, lo, hi;
		size_t nboth, nab, nba;
		if (capture_merge_clock_offset(m, 0, i, &off, &nboth) < 0 ||
		    capture_merge_tunnel_offset(m, 0, i, &toff, &lo, &hi, &nab, &nba) < 0) {
			st = NFP_LOAD_NOMEM;
			break;
		}
		char how[120];
		snprintf(how, sizeof(how), "from %zu packets both saw", nboth);
		if (nab && nba) {
			off = toff;
			snprintf(how, sizeof(how), "from %zu tunnel crossings out of it and %zu into it", nba, nab);
		} else if (nab || nba) {
			/* one way only: no packet arrives before it left */
			double o = off > hi ? hi : off < lo ? lo : off;
			if (o != off)
				snprintf(how, sizeof(how), "bounded by %zu tunnel crossings", nab + nba);
			off = o;
		}
		capture_merge_set_offset(m, i, off);
		if (rq->diag && (nboth || nab || nba)) {
			char msg[240];
			snprintf(msg, sizeof(msg), "clock %.3f ms %s the first input's (%s); corrected", fabs(off) * 1e3,
				 off >= 0 ? "ahead of" : "behind", how);
			rq->diag(rq->diag_ctx, rq->src[i].name, 0, msg);
		}
	}
	capture_merge_order_tunnels(m, 1);
	capture_merge_pause(m, 0);
	/* then: release what is placed; read the input that holds the rest back */
	while (st == NFP_LOAD_OK) {
		if (capture_merge_release(m, 0) < 0) {
			st = NFP_LOAD_NOMEM;
			break;
		}
		if (capture_merge_done(m))
			break;
		size_t i = 0;
		while (i < nsrc && (capture_merge_ended(m, i) || capture_merge_queued(m, i)))
			i++;
		if (i == nsrc)
			i = capture_merge_wants(m); /* a tunnel hop waits to know */
		if (i >= nsrc)
			break; /* cannot happen: release would have moved a hop */
		if (rq->stop && *rq->stop) {
			/* stop reading: what was read is still placed */
			for (size_t k = 0; k < nsrc; k++)
				capture_merge_end(m, k, 0);
			continue;
		}
		if (merge_more(m, &parts[i], i, buf, HEAD_MAX, &rerr) < 0) {
			st = rerr ? NFP_LOAD_OPEN_FAILED : NFP_LOAD_NOMEM;
			bad_i = i;
		}
	}
	int e = errno;
	for (size_t i = 0; st == NFP_LOAD_OK && i < nsrc; i++)
		if (capture_merge_input(m, i)->hops == 0 && rq->diag)
			rq->diag(rq->diag_ctx, rq->src[i].name, 0, "no trace lines found");
	if (st == NFP_LOAD_OPEN_FAILED)
		*bad = rq->src[bad_i].name;
	capture_merge_free(m);
	free(buf);
	errno = e;
	return st;
}

/* Inputs one after another (each on two threads where it is a file that
 * can be read again from its start). */
static enum capture_load_status load_in_order(struct capture_trace *t, struct part *parts,
					      const struct capture_load_req *rq, const char **bad)
{
	char *buf = NULL;
	enum capture_load_status st = NFP_LOAD_OK;
	for (size_t i = 0; i < rq->nsrc && st == NFP_LOAD_OK && !(rq->stop && *rq->stop); i++) {
		struct part *p = &parts[i];
		struct capture_input in;
		capture_input_init(&in, t, rq->src[i].name, (uint16_t)(i < 65535 ? i : 65535), rq->diag, rq->diag_ctx);
		in.stop = rq->stop;
		in.idle = rq->idle;
		in.idle_ctx = rq->idle_ctx;
		int r = 0, rerr = 0;
		if (p->fd < 0) {
			r = capture_input_feed(&in, rq->src[i].data, rq->src[i].len);
		} else if (lseek(p->fd, 0, SEEK_SET) == 0) {
			r = capture_read_fd(&in, p->fd);
			rerr = r < 0 && errno != ENOMEM;
		} else {
			/* a pipe: what was read, then the rest */
			r = capture_input_feed(&in, p->head, p->hlen);
			if (!buf && !(buf = malloc(HEAD_MAX)))
				r = -1;
			while (r == 0 && !p->eof && !(rq->stop && *rq->stop)) {
				ssize_t n = read_some(p->fd, buf, HEAD_MAX);
				if (n < 0)
					r = -1, rerr = 1;
				else if (n == 0)
					p->eof = 1;
				else
					r = capture_input_feed(&in, buf, (size_t)n);
			}
		}
		int e = errno;
		/* the last line, when it had no newline */
		if (capture_input_end(&in) < 0 && r == 0)
			r = -1, e = errno;
		if (r < 0) {
			st = rerr ? NFP_LOAD_OPEN_FAILED : NFP_LOAD_NOMEM;
			*bad = rq->src[i].name;
			errno = e;
		} else if (in.hops == 0 && rq->diag) {
			rq->diag(rq->diag_ctx, rq->src[i].name, 0, "no trace lines found");
		}
	}
	free(buf);
	return st;
}

/* Several inputs: each one's host first, then a merge or one after another. */
static enum capture_load_status load_several(struct capture_trace *t, const struct capture_load_req *rq,
					     const char **bad)
{
	struct part *parts = calloc(rq->nsrc, sizeof(*parts));
	if (!parts)
		return NFP_LOAD_NOMEM;
	for (size_t i = 0; i < rq->nsrc; i++)
		parts[i].fd = -1;
	enum capture_load_status st = NFP_LOAD_OK;
	uint32_t h0 = 0;
	int several = 0;
	for (size_t i = 0; i < rq->nsrc && st == NFP_LOAD_OK; i++) {
		struct part *p = &parts[i];
		const struct capture_source *s = &rq->src[i];
		if (s->data) {
			p->data = s->data;
			p->len = s->len;
		} else {
			p->fd = strcmp(s->name, "-") == 0 ? dup(0) : open(s->name, O_RDONLY | O_CLOEXEC);
			if (p->fd < 0) {
				*bad = s->name;
				st = NFP_LOAD_OPEN_FAILED;
				break;
			}
		}
		if (read_head(t, p) < 0) {
			*bad = s->name;
			st = errno == ENOMEM ? NFP_LOAD_NOMEM : NFP_LOAD_OPEN_FAILED;
			break;
		}
		if (!h0)
			h0 = p->host;
		else if (p->host && p->host != h0)
			several = 1;
	}
	if (st == NFP_LOAD_OK)
		st = several ? load_merged(t, parts, rq, bad) : load_in_order(t, parts, rq, bad);
	int e = errno;
	for (size_t i = 0; i < rq->nsrc; i++) {
		if (parts[i].fd >= 0)
			close(parts[i].fd);
		free(parts[i].head);
	}
	free(parts);
	errno = e;
	return st;
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
	enum capture_load_status st = NFP_LOAD_OK;
	if (nsrc > 1) {
		st = load_several(t, rq, bad);
	} else if (nsrc == 1 && !(rq->stop && *rq->stop)) {
		struct capture_input in;
		capture_input_init(&in, t, src[0].name, 0, diag, ctx);
		in.stop = rq->stop;
		in.idle = rq->idle;
		in.idle_ctx = rq->idle_ctx;
		int r;
		if (src[0].data) {
			r = capture_input_feed(&in, src[0].data, src[0].len);
		} else {
			int fd = strcmp(src[0].name, "-") == 0 ? 0 : open(src[0].name, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				*bad = src[0].name;
				return NFP_LOAD_OPEN_FAILED;
			}
			r = capture_read_fd(&in, fd);
			int e = errno;
			if (fd > 0)
				close(fd);
			if (r < 0 && e != ENOMEM) {
				capture_input_end(&in);
				errno = e;
				*bad = src[0].name;
				return NFP_LOAD_OPEN_FAILED;
			}
		}
		/* the last line, when it had no newline */
		if (capture_input_end(&in) < 0)
			r = -1;
		if (r < 0)
			return NFP_LOAD_NOMEM;
		/* one input: the error below names it, once */
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
