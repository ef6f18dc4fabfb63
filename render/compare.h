/* compare: two packets' hops aligned side by side.
 *
 * A longest-common-subsequence alignment over (box, chain, kind) keys puts
 * the hops both packets made on one row and a hop only one made against a
 * gap; the differences are then said in words ("nat:PREROUTING only in
 * packet 1"). The TUI's compare view and --compare share this. */
#ifndef NFP_RENDER_COMPARE_H
#define NFP_RENDER_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "../capture/record.h"
#include "../capture/trace.h"

struct render_align_row {
	int32_t a, b; /* hop index in A / B, -1 = gap */
};

struct render_align {
	struct render_align_row *rows;
	size_t n;
};

/* Aligns packets pa and pb. -1 on ENOMEM. Free with render_align_free. */
int render_align(const struct capture_trace *t, const struct nfp_packet *pa, const struct nfp_packet *pb,
		 struct render_align *out);
void render_align_free(struct render_align *al);

/* Differences in words, one per line ("nat:PREROUTING only in packet 1"),
 * between the kept packets numbered na and nb. */
int render_compare_words(struct capture_buf *b, const struct capture_trace *t, size_t na, size_t nb,
			 const struct render_align *al);
/* The whole --compare text of packets na and nb (kept ones): headers,
 * aligned rows in two columns of the given width, then the differences. */
int render_compare_text(struct capture_buf *b, const struct capture_trace *t, size_t na, size_t nb, int width,
			int ascii);
/* One side of a row, fitted to w columns (escaped, padded). */
void render_compare_cell(const struct capture_trace *t, const struct nfp_packet *p, int32_t hop, char *out,
			 size_t cap, int w, int ascii);

#endif
