/* merge: several live streams (one per host) into one trace, as they come.
 *
 * Each stream is decoded by its own capture_input into a queue of hops;
 * hops leave the queues for the trace in wall-clock order across the
 * streams, each stream's own order kept (a hop without a time goes right
 * after its predecessor). A hop is released when it is the earliest queued
 * one and every stream still running has a hop queued (nothing earlier can
 * come), or when it has waited `hold` seconds: a quiet or slow host holds
 * the others back by at most that much, and its hops that come later than
 * that are placed late rather than never. A stream that ended holds
 * nothing back. The trace decides completion as for one stream; the
 * caller ticks it only while nothing is held (held hops may belong to an
 * open packet).
 *
 * Clocks are taken as the hosts give them (wall clock; hosts of one
 * journey should run NTP): unlike the file merge (load.c), a live merge
 * cannot look at the whole recording first to estimate offsets. One order
 * does not depend on them: a tunnel's outer packet entering a host waits
 * (within the hold) for its hops leaving the other.
 *
 * Ownership: the merge owns its inputs and queues; the trace and the
 * names are the caller's and must outlive it. */
#ifndef NFP_MERGE_H
#define NFP_MERGE_H

#include <stddef.h>

#include "input.h"
#include "trace.h"

#define NFP_MERGE_HOLD 0.5 /* seconds a hop waits for a quiet host, by default */

struct capture_merge;

/* n streams named names[i] (for messages; not copied). NULL on ENOMEM. */
struct capture_merge *capture_merge_new(struct capture_trace *t, size_t n, const char *const *names, double hold,
					capture_diag_fn diag, void *diag_ctx);
void capture_merge_free(struct capture_merge *m);

/* Bytes of stream i that arrived at now (monotonic seconds). -1 with
 * errno on ENOMEM. */
int capture_merge_feed(struct capture_merge *m, size_t i, const char *buf, size_t len, double now);
/* Stream i ended (its output closed, or it failed): its last line without
 * newline is decoded and it holds nothing back from now on. */
int capture_merge_end(struct capture_merge *m, size_t i, double now);
/* Moves every hop whose place is known by now into the trace. Returns the
 * number moved, or -1 with errno on ENOMEM. */
long capture_merge_release(struct capture_merge *m, double now);

/* Hops waiting in the queues, or a stream in mid-line: the trace must not
 * call packets complete by the clock yet. */
int capture_merge_busy(const struct capture_merge *m);
/* Every stream ended and every hop moved. */
int capture_merge_done(const struct capture_merge *m);
/* Stream i's decoder (its host once the recording's #S record came). */
const struct capture_input *capture_merge_input(const struct capture_merge *m, size_t i);

#endif
