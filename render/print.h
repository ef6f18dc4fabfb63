/* print: the non-interactive outputs --print, --json and --stats.
 *
 * Each appends to a capture_buf; the caller writes and empties it (so a
 * million packets stream out without holding the whole text). */
#ifndef NFP_RENDER_PRINT_H
#define NFP_RENDER_PRINT_H

#include "../capture/record.h"
#include "../capture/trace.h"

struct render_print_opts {
	int ascii; /* escape bytes >= 0x80 too */
};

/* Human-readable packet number num: header line, summary, one line per
 * hop. -1 with EINVAL when the trace does not keep that packet. */
int render_print_packet(struct capture_buf *b, const struct capture_trace *t, size_t num,
			const struct render_print_opts *o);
/* One JSON object (one line, '\n' terminated) for packet number num. */
int render_json_packet(struct capture_buf *b, const struct capture_trace *t, size_t num);
/* Whole-trace totals: lines, hops, packets, flows, hops per box/verdict. */
int render_print_stats(struct capture_buf *b, const struct capture_trace *t);

/* Display name for a device or address, "" when unknown (issue: names). */
const char *render_name(const struct capture_trace *t, int kind, const char *key);
/* The same on a host (a hop's): a device's name is only its own host's. */
const char *render_name_on(const struct capture_trace *t, uint32_t host, int kind, const char *key);

#endif
