/* input: line splitting and decoder dispatch (see input.h). */
#include "input.h"

#include "grow.h"
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void report(struct capture_input *in, const char *msg)
{
	in->bad++;
	in->t->st.bad++;
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

int capture_input_line(struct capture_input *in, const char *s, size_t n)
{
	struct capture_trace *t = in->t;
	struct nfp_hop h;
	const char *err = NULL;
	int r;
	in->line++;
	t->st.lines++;
	if (n && s[n - 1] == '\r')
		n--;
	if (in->first) {
		in->first = 0;
		size_t ml = strlen(NFP_REC_MAGIC);
		if (n >= ml && memcmp(s, NFP_REC_MAGIC, ml) == 0) {
			in->is_rec = 1;
			return 0;
		}
		if (n >= 20 && memcmp(s, "# nfpath recording v", 20) == 0) {
			report(in, "recording of an unsupported version");
			return 0;
		}
	}
	if (in->is_rec) {
		struct capture_rec_loss loss = { 0, 0 };
		int nk;
		uint32_t nkey, nval;
		r = capture_rec_parse(s, n, t->sp, &h, &loss, &nk, &nkey, &nval, &err);
		if (r == NFP_REC_LOST) {
			t->st.lost_events += loss.lost;
			t->st.overruns += loss.overruns;
			return 0;
		}
		if (r == NFP_REC_NAME)
			return capture_trace_add_name(t, nk, nkey, nval);
		r = r == NFP_REC_HOP ? NFP_PARSE_HOP : r < 0 ? NFP_PARSE_BAD : NFP_PARSE_SKIP;
	} else if (n >= 9 && memcmp(s, "trace id ", 9) == 0) {
		r = capture_nftmon_parse(s, n, &in->mon, t->sp, &h, &err);
	} else if (is_xtmon(s, n)) {
		r = capture_xtmon_parse(s, n, &in->mon, t->sp, &h, &err);
	} else {
		r = capture_klog_parse(s, n, t->sp, &h, &err);
	}
	if (r == NFP_PARSE_BAD) {
		report(in, err ? err : "malformed trace line");
		return 0;
	}
	if (r == NFP_PARSE_SKIP) {
		t->st.skipped++;
		return 0;
	}
	if (!h.line)
		h.line = in->line > UINT32_MAX ? UINT32_MAX : (uint32_t)in->line;
	h.file = in->file_idx;
	in->hops++;
	return capture_trace_add(t, &h) < 0 ? -1 : 0;
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
				in->t->st.lines++;
				report(in, "line too long, skipped");
			} else if (capture_input_line(in, buf + off, seg) < 0) {
				return -1;
			}
			off += seg + 1;
			continue;
		}
		if (in->plen + seg > NFP_MAX_LINE) {
			in->line++;
			in->t->st.lines++;
			report(in, "line too long, skipped");
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

int capture_input_read_fd(struct capture_input *in, int fd)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	if (!buf)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		if (capture_input_feed(in, buf, (size_t)n) < 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return capture_input_end(in);
}
