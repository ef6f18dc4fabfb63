/* load: files and rule sets into a trace, with messages for people.
 *
 * Used by every entry point (printers, TUI, demo) so they read input the
 * same way. Diagnostics go through the caller's function; this module
 * never prints. */
#ifndef NFP_LOAD_H
#define NFP_LOAD_H

#include <signal.h>
#include <stddef.h>

#include "input.h"
#include "rules.h"
#include "trace.h"

enum capture_load_status {
	NFP_LOAD_OK = 0,
	NFP_LOAD_OPEN_FAILED, /* a file could not be opened or read (errno) */
	NFP_LOAD_NO_TRACE,    /* the inputs held no trace line at all */
	NFP_LOAD_RULES_BAD,   /* a --rules file is none of the formats */
	NFP_LOAD_NOMEM,
};

struct capture_source {
	const char *name; /* path, "-" for stdin */
	const char *data; /* in-memory text (embedded sample), or NULL to read name */
	size_t len;
};

/* What to load. Pointers are the caller's and are only read. */
struct capture_load_req {
	const struct capture_source *src; /* traces */
	size_t nsrc;
	const struct capture_source *rules; /* --rules files */
	size_t nrules;
	capture_diag_fn diag; /* messages about input lines, or NULL */
	void *diag_ctx;
	/* when set (by a signal handler), reading stops as if every input
	 * had ended: what was read is still settled and kept */
	const volatile sig_atomic_t *stop;
	/* called when a stream pauses, after the packets in flight were
	 * settled (a printer flushes what it wrote), or NULL */
	void (*idle)(void *ctx);
	void *idle_ctx;
};

/* Reads every source into t (then settles and resolves it). On failure
 * *bad names the source at fault (NULL for NFP_LOAD_NO_TRACE over several
 * sources: each empty one went to diag) and *why may say more. */
enum capture_load_status capture_load(struct capture_trace *t, struct capture_rules *rules,
				      const struct capture_load_req *rq, const char **bad, const char **why);

#endif
