/* record: nfpath's recording format, one event per line.
 *
 *   # nfpath recording v2            header, first line, required (v1, the
 *                                    same without same=1, reads too)
 *   # <comment>                      free text (capture metadata)
 *   H<TAB>key=value<TAB>...          one hop event (kind=drop: a kernel drop, with
 *                                    reason=, loc= and ns=; older readers skip it
 *                                    as a line with a bad value)
 *   L<TAB>lost=N                     N events the kernel dropped here
 *   N<TAB>kind=dev|addr|ctr<TAB>key=K<TAB>name=V   a name learnt for a device or
 *                                    address, or a container's short id (key: its name)
 *   #S<TAB>host=NAME<TAB>realtime=SEC<TAB>monotonic=SEC
 *                                    the host the events that follow were seen on, and
 *                                    its two clocks when the capture started (a merge
 *                                    places each host's clock with them); a comment to
 *                                    older readers, which skip it
 *
 * An H line may carry host=NAME (a merged trace written back): it overrides
 * the #S host for that hop.
 *
 * A tunnel's outer packet (its saddr/daddr/sport/dport are the UDP packet's)
 * has tun=vxlan|geneve and vni=N, and where the source kept the carried
 * packet's header, its identity: tinsaddr, tindaddr, tinproto, tinipid, and
 * tiniid/tiniseq (ICMP echo) or tinsport/tindport. Older readers ignore
 * these keys (the hop reads as the UDP packet it also is).
 *
 * same=1 in place of the packet's fields (saddr … the tunnel's, the line's
 * end) says they are those of the H line before it in the stream.
 *
 * Values escape TAB, LF, CR, '\', '=', bytes < 0x20 and 0x7f as \xHH, so
 * any byte string round-trips. Unknown keys are ignored (newer writers). */
#ifndef NFP_RECORD_H
#define NFP_RECORD_H

#include <stddef.h>
#include <string.h>

#include "hop.h"
#include "strpool.h"

/* what writers write; readers take v1 too (v2 added same=1, below) */
#define NFP_REC_MAGIC "# nfpath recording v2"
#define NFP_REC_MAGIC_PREFIX "# nfpath recording v"
/* readers skip longer lines (a rule text of a huge anonymous set) */
#define NFP_REC_MAX_LINE 65536
/* 2 or 1 when line s[0..n) is a recording header this reader knows, 0
 * when it is no recording header, -1 for a version it does not know */
int capture_rec_magic(const char *s, size_t n);

struct capture_buf {
	char *p;
	size_t len, cap;
};
/* Appends s[0..n), keeping b->p NUL-terminated. -1 on ENOMEM. The
 * printers call this millions of times with a few bytes: the common case
 * is inline, growing is not. */
int capture_buf_grow_put(struct capture_buf *b, const char *s, size_t n);
static inline int capture_buf_put(struct capture_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 <= b->cap) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
		return 0;
	}
	return capture_buf_grow_put(b, s, n);
}
int capture_buf_putc(struct capture_buf *b, char c);
void capture_buf_free(struct capture_buf *b);

/* Appends s[0..n) escaped as a recording value (\xHH for TAB, LF, CR,
 * backslash, '=', other control bytes). -1 on ENOMEM. */
int capture_rec_escape(struct capture_buf *b, const char *s, size_t n);

/* Appends hop h as one "H" line (with '\n') to b. -1 on ENOMEM. */
int capture_rec_write_hop(struct capture_buf *b, const struct nfp_hop *h, const struct capture_strpool *sp);

/* The packet fields that end the H line last written with it: the hops
 * of one packet mostly repeat them, so a line whose packet fields are
 * exactly the previous H line's ends "same=1" instead of repeating them
 * (a flood's recording is half the bytes, and writing it was most of the
 * live capture's time). A reader restores them (capture_input_line), so
 * such lines make sense only in the stream they were written into, in
 * order. Caller-owned; start from a zeroed one. */
struct capture_rec_tail {
	struct nfp_pkt pk;
	struct nfp_inner in;
	uint32_t n; /* bytes in txt, 0 when there is none */
	char txt[512];
	uint32_t clean[64]; /* string ids known to need no escape, by id % 64 */
	double ts;	    /* the last hop's time, and its text (tsn bytes, 0: none): */
	uint32_t tsn;	    /* the hops of one received batch share it */
	char tstxt[40];
};
/* Like capture_rec_write_hop, reusing and updating tail (NULL: none).
 * One tail serves the strings of one pool only. */
int capture_rec_write_hop_tail(struct capture_buf *b, const struct nfp_hop *h, const struct capture_strpool *sp,
			       struct capture_rec_tail *tail);

/* Appends an "N" line naming a device (kind 1), an address (2) or a
 * container id (3); key and name are escaped. -1 on ENOMEM or bad kind. */
int capture_rec_write_name(struct capture_buf *b, int kind, const char *key, size_t kl, const char *name, size_t nl);

/* Appends an "L" line: events lost, and overruns when there were any. */
int capture_rec_write_loss(struct capture_buf *b, unsigned long lost, unsigned long overruns);
/* Appends "L\tlost=N\tof=drops": kernel drop events the eBPF ring buffer
 * could not take (readers count them with the other lost events). */
int capture_rec_write_drop_loss(struct capture_buf *b, unsigned long lost);

struct capture_trace;
/* Writes all of trace t as a recording to fd: the header, the names the
 * capture learnt, the loss it counted, then every hop in input order.
 * Returns the number of hops written, or -1 with errno (ENOMEM, or the
 * write's own error; a short write is retried). fd stays open. */
long capture_rec_write_trace(int fd, const struct capture_trace *t);

/* Appends a "#S" line: the capture's host and its realtime and monotonic
 * clocks (seconds) at the start. -1 on ENOMEM. */
int capture_rec_write_start(struct capture_buf *b, const char *host, size_t hl, double realtime, double monotonic);

/* a #S record: host is interned (0 when the line named none) */
struct capture_rec_start {
	uint32_t host;
	double realtime, monotonic; /* 0 when absent */
};
/* Decodes a "#S" line (with its "#S\t"). 1 when s is one (*st filled), 0
 * when s is another line, -1 when malformed (*err set). */
int capture_rec_parse_start(const char *s, size_t n, struct capture_strpool *sp, struct capture_rec_start *st,
			    const char **err);

enum { NFP_REC_HOP = 1, NFP_REC_LOST = 2, NFP_REC_NAME = 3 };

/* an L record: events known lost, and overruns (the kernel dropped an
 * unknown number) */
struct capture_rec_loss {
	unsigned long lost, overruns;
};
/* Decodes one recording line. Returns NFP_REC_HOP (h filled; when
 * h->flags has NFP_HOP_SAME_PKT, pk and inner are the previous H line's,
 * for the caller to fill in),
 * NFP_REC_LOST (*loss set), NFP_REC_NAME (*name_kind/key/val interned),
 * 0 for header/comment lines, -1 when malformed (*err set). */
int capture_rec_parse(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h, struct capture_rec_loss *loss,
		      int *name_kind, uint32_t *name_key, uint32_t *name_val, const char **err);

#endif
