/* The whole text path: any bytes as a file -> every line decoder, the
 * stitcher, flows, rule resolution and both printers; and the same bytes
 * decoded apart as one block (the two-thread reader's way) must give the
 * same counts. */
#include "../../capture/input.h"
#include "../../capture/resolve.h"
#include "../../render/print.h"
#include "fuzz_common.h"

#include <stdlib.h>

/* Decodes data as one block into its own pool, maps and merges it into a
 * fresh trace, and aborts when the counts differ from the fed trace's. */
static void same_as_block(const uint8_t *data, size_t size, const struct capture_trace *fed)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct capture_trace *t = capture_trace_new(NULL);
	struct capture_block blk = { 0 };
	uint32_t *map = NULL;
	if (!sp || !t || capture_block_decode(&blk, (const char *)data, size, sp) < 0 || blk.needs_state)
		goto out;
	size_t n = capture_strpool_count(sp);
	map = malloc(n * sizeof(*map));
	if (!map)
		goto out;
	for (size_t id = 0; id < n; id++)
		map[id] = capture_strpool_intern(capture_trace_strpool(t), capture_strpool_get(sp, (uint32_t)id),
						 capture_strpool_len(sp, (uint32_t)id));
	struct capture_input in;
	capture_input_init(&in, t, "fuzz", 0, NULL, NULL);
	in.first = 0;
	if (capture_block_merge(&in, &blk, map, n) < 0)
		goto out;
	capture_trace_flush(t);
	const struct capture_trace_stats *a = capture_trace_stats(t), *b = capture_trace_stats(fed);
	if (a->lines != b->lines || a->hops != b->hops || a->bad != b->bad || a->skipped != b->skipped ||
	    capture_trace_count(t) != capture_trace_count(fed) ||
	    capture_trace_flows_total(t) != capture_trace_flows_total(fed))
		abort();
out:
	free(map);
	capture_block_free(&blk);
	capture_trace_free(t);
	capture_strpool_free(sp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_trace *t = capture_trace_new(NULL);
	struct capture_input in;
	capture_input_init(&in, t, "fuzz", 0, NULL, NULL);
	/* two chunks, so partial lines are exercised */
	capture_input_feed(&in, (const char *)data, size / 2);
	capture_input_feed(&in, (const char *)data + size / 2, size - size / 2);
	capture_input_end(&in);
	capture_trace_flush(t);
	/* the fed path reads a first line as a possible recording header */
	if (size && data[0] != '#')
		same_as_block(data, size, t);
	/* what a source left out, implied from the rule text it gave */
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		for (uint32_t i = 0; i < p->nhops; i++)
			capture_resolve_hop(t, NULL, NULL, capture_packet_hop_mut(t, p, i));
	}
	struct capture_buf b = { 0 };
	struct render_print_opts po = { 0 };
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t) && n < capture_trace_first(t) + 50; n++) {
		render_print_packet(&b, t, n, &po);
		render_json_packet(&b, t, n);
		b.len = 0;
	}
	render_print_stats(&b, t);
	capture_buf_free(&b);
	capture_trace_free(t);
	return 0;
}
