/* input: line splitting and decoder dispatch (see input.h). */
#include "input.h"

#include "grow.h"
#include "record.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void capture_input_init(struct capture_input *in, struct capture_trace *t, const char *name, uint16_t file_idx,
			capture_diag_fn diag, void *ctx)
{
	memset(in, 0, sizeof(*in));
	in->t = t;
	in->name = name;
	in->file_idx = file_idx;
	in->first = 1;
	in->diag = diag;
	in->diag_ctx = ctx;
}

int capture_parse_why(int r)
{
	switch (r) {
	case NFP_PARSE_SKIP:
		return NFP_WHY_NOT_TRACE;
	case NFP_PARSE_STATE:
		return NFP_WHY_PACKET_LINE;
	case NFP_PARSE_NOTE:
		return NFP_WHY_TOOL_NOTE;
	case NFP_PARSE_TRUNCATED:
		return NFP_WHY_TRUNCATED;
	case NFP_PARSE_UNSUPPORTED:
		return NFP_WHY_UNSUPPORTED;
	case NFP_PARSE_HOP:
		return -1;
	default:
		return NFP_WHY_BAD_FIELD;
	}
}

static void report(struct capture_input *in, int why, const char *msg)
{
	in->bad++;
	capture_trace_counters(in->t)->bad++;
	capture_trace_counters(in->t)->why[why]++;
	if (in->diag)
		in->diag(in->diag_ctx, in->name, in->line, msg);
}

static int is_xtmon(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	if (n - i > 8 && memcmp(s + i, "PACKET: ", 8) == 0)
		return 1;
	if (n - i > 9 && memcmp(s + i, "TRACE: ", 7) == 0 && s[i + 7] >= '0' && s[i + 7] <= '9') {
		/* "TRACE: 2 6cb16a53 ..." (xtables-monitor), not "TRACE: raw:..." */
		size_t j = i + 7;
		while (j < n && s[j] >= '0' && s[j] <= '9')
			j++;
		return j < n && s[j] == ' ';
	}
	return 0;
}

static const char too_long[] = "line too long, skipped";

/* hops keep 32-bit line numbers; past that they stay at the maximum */
static uint32_t line32(unsigned long line)
{
	return line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
}

/* A decoded hop at the input's current line into the trace: the one way
 * in for fed lines and merged blocks alike. */
static int take_hop(struct capture_input *in, struct nfp_hop *h)
{
	if (!h->line)
		h->line = line32(in->line);
	h->file = in->file_idx;
	if (!h->host)
		h->host = in->host;
	in->hops++;
	if (in->take)
		return in->take(in->take_ctx, h);
	return capture_trace_add(in->t, h) < 0 ? -1 : 0;
}

/* Decoder dispatch for one line. mon NULL: decode apart from the stream,
 * where monitor text (which needs its earlier "packet:" lines) answers
 * NEEDS_STATE. */
enum { NEEDS_STATE = 100 };
static int decode_line(const char *s, size_t n, struct capture_mon_state *mon, struct capture_strpool *sp,
		       struct nfp_hop *h, const char **err)
{
	size_t note = capture_monitor_note(s, n);
	if (note) {
		while (note < n && s[note] == ' ')
			note++;
		if (note == n)
			return NFP_PARSE_NOTE;
		s += note;
		n -= note;
	}
	if (n >= 9 && memcmp(s, "trace id ", 9) == 0)
		return mon ? capture_nftmon_parse(s, n, mon, sp, h, err) : NEEDS_STATE;
	if (is_xtmon(s, n))
		return mon ? capture_xtmon_parse(s, n, mon, sp, h, err) : NEEDS_STATE;
	return capture_klog_parse(s, n, sp, h, err);
}

/* a recording's same=1 line gets the packet fields of the H line before
 * it, and every H line is remembered for the next (a line refused or
 * skipped in between forgets them: what follows it is reported, never
 * given another packet's fields). A v1 recording has no same=1: the key
 * is unknown there, as to the readers of its time. */
static int same_packet(struct capture_input *in, struct nfp_hop *h, const char **err)
{
	if (in->rec_version < 2)
		h->flags &= (uint8_t)~NFP_HOP_SAME_PKT;
	if (h->flags & NFP_HOP_SAME_PKT) {
		if (!in->have_last) {
			*err = "same=1 with no hop line before it";
			return -1;
		}
		h->pk = in->last_pk;
		h->inner = in->last_inner;
		h->flags &= (uint8_t)~NFP_HOP_SAME_PKT;
	}
	in->last_pk = h->pk;
	in->last_inner = h->inner;
	in->have_last = 1;
	return 0;
}

int capture_input_line(struct capture_input *in, const char *s, size_t n)
{
	struct capture_trace *t = in->t;
	struct nfp_hop h;
	const char *err = NULL;
	int r;
	in->line++;
	capture_trace_counters(t)->lines++;
	if (n && s[n - 1] == '\r')
		n--;
	if (in->first) {
		in->first = 0;
		int v = capture_rec_magic(s, n);
		if (v > 0) {
			in->is_rec = 1;
			in->rec_version = v;
			return 0;
		}
		if (v < 0) {
			report(in, NFP_WHY_UNSUPPORTED, "recording of an unsupported version (from a newer nfpath?)");
			return 0;
		}
	}
	if (in->is_rec) {
		struct capture_rec_loss loss = { 0, 0 };
		int nk;
		uint32_t nkey, nval;
		struct capture_rec_start st;
		r = capture_rec_parse_start(s, n, capture_trace_strpool(t), &st, &err);
		if (r > 0) {
			in->host = st.host;
			in->realtime = st.realtime;
			in->monotonic = st.monotonic;
			capture_trace_counters(t)->skipped++; /* a comment, as to older readers */
			capture_trace_counters(t)->why[NFP_WHY_NOT_TRACE]++;
			return 0;
		}
		if (r < 0) {
			report(in, NFP_WHY_BAD_FIELD, err);
			return 0;
		}
		r = capture_rec_parse(s, n, capture_trace_strpool(t), &h, &loss, &nk, &nkey, &nval, &err);
		if (r == NFP_REC_LOST) {
			capture_trace_counters(t)->lost_events += loss.lost;
			capture_trace_counters(t)->overruns += loss.overruns;
			return 0;
		}
		if (r == NFP_REC_NAME)
			return capture_trace_add_name(t, in->host, nk, nkey, nval);
		if (r == NFP_REC_HOP && same_packet(in, &h, &err) < 0)
			r = -1;
		else if (r < 0)
			in->have_last = 0;
		r = r == NFP_REC_HOP ? NFP_PARSE_HOP : r < 0 ? NFP_PARSE_BAD : NFP_PARSE_SKIP;
	} else {
		r = decode_line(s, n, &in->mon, capture_trace_strpool(t), &h, &err);
	}
	if (r == NFP_PARSE_HOP)
		return take_hop(in, &h);
	int why = capture_parse_why(r);
	if (r < 0) {
		report(in, why, err ? err : "malformed trace line");
	} else {
		capture_trace_counters(t)->skipped++;
		capture_trace_counters(t)->why[why]++;
	}
	return 0;
}

int capture_block_decode(struct capture_block *b, const char *buf, size_t len, struct capture_strpool *sp)
{
	b->nhops = b->nbad = 0;
	b->lines = b->skipped = 0;
	memset(b->skip_why, 0, sizeof(b->skip_why));
	b->needs_state = 0;
	size_t off = 0;
	while (off < len) {
		const char *s = buf + off, *nl = memchr(s, '\n', len - off);
		size_t n = nl ? (size_t)(nl - s) : len - off;
		off += n + 1;
		b->lines++;
		const char *err = too_long;
		int r = NFP_PARSE_BAD;
		if (capture_grow((void **)&b->hops, &b->caphops, b->nhops + 1, sizeof(*b->hops)) < 0)
			return -1;
		if (n <= NFP_MAX_LINE) {
			if (n && s[n - 1] == '\r')
				n--;
			err = NULL;
			r = decode_line(s, n, NULL, sp, &b->hops[b->nhops], &err);
		}
		if (r == NEEDS_STATE) {
			b->needs_state = 1;
			return 0;
		}
		if (r == NFP_PARSE_HOP) {
			b->hops[b->nhops++].line = line32(b->lines);
		} else if (r >= 0) {
			b->skipped++;
			b->skip_why[capture_parse_why(r)]++;
		} else {
			if (capture_grow((void **)&b->bad, &b->capbad, b->nbad + 1, sizeof(*b->bad)) < 0)
				return -1;
			int why = n > NFP_MAX_LINE ? NFP_WHY_TOO_LONG : capture_parse_why(r);
			b->bad[b->nbad++] = (struct capture_block_bad){ b->lines, err ? err : "malformed trace line",
									(uint8_t)why };
		}
	}
	return 0;
}

static uint32_t map_id(const uint32_t *map, size_t nmap, uint32_t id)
{
	return id < nmap ? map[id] : 0;
}

int capture_block_merge(struct capture_input *in, const struct capture_block *b, const uint32_t *map, size_t nmap)
{
	unsigned long base = in->line;
	size_t bi = 0;
	for (size_t i = 0; i <= b->nhops; i++) {
		/* messages and hops in line order, as a fed stream gives them */
		unsigned long at = i < b->nhops ? b->hops[i].line : ULONG_MAX;
		for (; bi < b->nbad && b->bad[bi].line < at; bi++) {
			in->line = base + b->bad[bi].line;
			report(in, b->bad[bi].why, b->bad[bi].msg);
		}
		if (i == b->nhops)
			break;
		struct nfp_hop h = b->hops[i];
		if (map) {
			h.table = map_id(map, nmap, h.table);
			h.chain = map_id(map, nmap, h.chain);
			h.in = map_id(map, nmap, h.in);
			h.out = map_id(map, nmap, h.out);
			h.physin = map_id(map, nmap, h.physin);
			h.physout = map_id(map, nmap, h.physout);
			h.rule_text = map_id(map, nmap, h.rule_text);
			h.prefix = map_id(map, nmap, h.prefix);
			h.jump = map_id(map, nmap, h.jump);
		}
		in->line = base + h.line;
		h.line = 0; /* the stream's line number now, not the block's */
		if (take_hop(in, &h) < 0)
			return -1;
	}
	in->line = base + b->lines;
	in->blocks_apart++;
	capture_trace_counters(in->t)->lines += b->lines;
	capture_trace_counters(in->t)->skipped += b->skipped;
	for (int w = 0; w < NFP_WHY__COUNT; w++)
		capture_trace_counters(in->t)->why[w] += b->skip_why[w];
	return 0;
}

void capture_block_free(struct capture_block *b)
{
	free(b->hops);
	free(b->bad);
	memset(b, 0, sizeof(*b));
}

int capture_input_feed(struct capture_input *in, const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t seg = nl ? (size_t)(nl - buf - off) : len - off;
		if (in->overlong) {
			/* still inside a line we already gave up on */
			if (nl) {
				in->overlong = 0;
				in->plen = 0;
			}
			off += seg + (nl ? 1 : 0);
			continue;
		}
		if (!in->plen && nl) {
			/* common case: the whole line is in buf */
			if (seg > NFP_MAX_LINE) {
				in->line++;
				capture_trace_counters(in->t)->lines++;
				in->have_last = 0; /* a same=1 after it has no line to repeat */
				report(in, NFP_WHY_TOO_LONG, too_long);
			} else if (capture_input_line(in, buf + off, seg) < 0) {
				return -1;
			}
			off += seg + 1;
			continue;
		}
		if (in->plen + seg > NFP_MAX_LINE) {
			in->line++;
			capture_trace_counters(in->t)->lines++;
			in->have_last = 0;
			report(in, NFP_WHY_TOO_LONG, too_long);
			in->plen = 0;
			in->overlong = !nl;
			off += seg + (nl ? 1 : 0);
			continue;
		}
		if (capture_grow((void **)&in->part, &in->pcap, in->plen + seg, 1) < 0)
			return -1;
		memcpy(in->part + in->plen, buf + off, seg);
		in->plen += seg;
		off += seg;
		if (nl) {
			off++;
			size_t l = in->plen;
			in->plen = 0;
			if (capture_input_line(in, in->part, l) < 0)
				return -1;
		}
	}
	return 0;
}

int capture_input_end(struct capture_input *in)
{
	int r = 0;
	if (in->plen && !in->overlong)
		r = capture_input_line(in, in->part, in->plen);
	free(in->part);
	in->part = NULL;
	in->plen = in->pcap = 0;
	return r;
}
