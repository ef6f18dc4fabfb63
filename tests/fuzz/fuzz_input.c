/* The whole text path: any bytes as a file -> every line decoder, the
 * stitcher, flows, rule resolution and both printers. */
#include "../../capture/input.h"
#include "../../capture/resolve.h"
#include "../../render/print.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_trace *t = capture_trace_new();
	struct capture_input in;
	capture_input_init(&in, t, "fuzz", 0, NULL, NULL);
	/* two chunks, so partial lines are exercised */
	capture_input_feed(&in, (const char *)data, size / 2);
	capture_input_feed(&in, (const char *)data + size / 2, size - size / 2);
	capture_input_end(&in);
	capture_trace_settle(t, 0);
	capture_trace_resolve(t, NULL, 0);
	struct capture_buf b = { 0 };
	struct render_print_opts po = { 0 };
	for (size_t i = 0; i < t->npkts && i < 50; i++) {
		render_print_packet(&b, t, i, &po);
		render_json_packet(&b, t, i);
		b.len = 0;
	}
	render_print_stats(&b, t);
	capture_buf_free(&b);
	capture_trace_free(t);
	return 0;
}
