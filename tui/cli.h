/* cli: options shared by the command line and the outputs it dispatches to. */
#ifndef NFP_CLI_H
#define NFP_CLI_H

#include "../capture/load.h"
#include "../capture/trace.h"

#define NFP_VERSION "0.1.0"

enum cli_mode { CLI_NONE, CLI_TUI, CLI_PRINT, CLI_JSON, CLI_STATS, CLI_DIAGRAM, CLI_COMPARE, CLI_BENCH, CLI_SCREEN };

struct cli_opts {
	enum cli_mode mode;
	long packet; /* 1-based, 0 = all */
	long cmp_a, cmp_b;
	long max_packets;
	int ascii;
	int demo;
	int width, height;
	int no_route;
	const char *diagram_file;
	const char *diagram_text; /* the description in use (built-in or file) */
	size_t diagram_len;
	int color; /* 1 force, -1 never, 0 when stdout is a terminal */
	int no_mouse;
	int screen_w, screen_h; /* --screen WxH */
	const char *keys;	/* --keys */
};
/* --bench-render: times for make bench */
int cli_bench(struct capture_trace *t, const struct cli_opts *o);
/* --compare A,B */
int cli_compare(const struct capture_trace *t, const struct cli_opts *o);
/* --diagram */
int cli_diagram(const struct capture_trace *t, const struct cli_opts *o);
/* `nfpath capture ...`: argv[0] is "capture" */
int capture_main(int argc, char **argv);

#endif
