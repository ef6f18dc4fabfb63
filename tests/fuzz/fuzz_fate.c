/* Fates with a ruleset: any bytes as "RULES\n---\nTRACE" -> the rules
 * reader, the stitcher with rule resolution, the fate (its --rules matcher
 * reads every later rule of a chain a trace ends in) and every fate text. */
#include "../../capture/input.h"
#include "../../capture/resolve.h"
#include "../../capture/rules.h"
#include "../../render/compare.h"
#include "../../render/print.h"
#include "../../render/text.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *sep = NULL;
	for (size_t i = 0; i + 5 <= size && !sep; i++)
		if (memcmp(s + i, "\n---\n", 5) == 0)
			sep = s + i;
	size_t rl = sep ? (size_t)(sep - s) : 0, off = sep ? rl + 5 : 0;
	struct capture_rules *r = capture_rules_new();
	struct capture_trace_hooks hk = capture_resolve_hooks();
	struct capture_trace *t = capture_trace_new(&hk);
	const char *err;
	if (rl)
		capture_rules_load(r, s, rl, &err);
	capture_trace_set_rules(t, r);
	struct capture_input in;
	capture_input_init(&in, t, "fuzz", 0, NULL, NULL);
	capture_input_feed(&in, s + off, size - off);
	capture_input_end(&in);
	capture_trace_flush(t);
	struct capture_buf b = { 0 };
	struct render_print_opts po = { 1 };
	char line[512];
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t) && n < capture_trace_first(t) + 50; n++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		if (!p)
			continue;
		render_print_packet(&b, t, n, &po);
		render_json_packet(&b, t, n);
		render_fate_text(&b, t, p, 0);
		render_fate_short(t, p, line, sizeof(line), 0);
		render_fate_phrase(t, p, line, sizeof(line), 1);
		capture_fate_filter(t, p, "drop");
		capture_fate_filter(t, p, "fate:unknown");
		b.len = 0;
	}
	if (capture_trace_count(t) >= 2)
		render_compare_text(&b, t, capture_trace_first(t), capture_trace_first(t) + 1, 120, 1);
	render_print_stats(&b, t);
	capture_buf_free(&b);
	capture_trace_free(t);
	capture_rules_free(r);
	return 0;
}
