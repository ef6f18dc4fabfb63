/* output: dispatch from the chosen mode to its writer. */
#include <stdio.h>

#include "cli.h"

int cli_output(struct capture_trace *t, const struct cli_opts *o, const struct capture_source *src, size_t nsrc)
{
	(void)src;
	(void)nsrc;
	switch (o->mode) {
	case CLI_PRINT:
	case CLI_JSON:
	case CLI_STATS:
		return cli_print_all(t, o);
	default:
		return cli_print_all(t, &(struct cli_opts){ .mode = CLI_PRINT, .packet = o->packet, .ascii = o->ascii });
	}
}
