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
		map[id] = capture_strpool_intern(t->sp, capture_strpool_get(sp, (uint32_t)id),
						 capture_strpool_len(sp, (uint32_t)id));
	struct capture_input in;
	capture_input_init(&in, t, "fuzz", 0, NULL, NULL);
	in.first = 0;
	if (capture_block_merge(&in, &blk, map, n) < 0)
		goto out;
	capture_trace_flush(t);
	if (t->st.lines != fed->st.lines || t->st.hops != fed->st.hops || t->st.bad != fed->st.bad ||
	    t->st.skipped != fed->st.skipped || t->npkts != fed->npkts || t->flows_total != fed->flows_total)
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
	capture_trace_resolve(t, NULL, 0);
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
