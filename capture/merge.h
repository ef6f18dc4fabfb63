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
#define NFP_MERGE_FOREVER 1e300 /* hold for files: a hop waits until its place is known */

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

/* Stream i's clock runs off seconds ahead of the others': its hops are
 * placed at their time minus off. */
void capture_merge_set_offset(struct capture_merge *m, size_t i, double off);
/* How far stream b's clock runs ahead of stream a's, from the packets both
 * have queued now (see load.c): *nboth packets (0: no estimate, *off 0).
 * -1 with errno on ENOMEM. */
int capture_merge_clock_offset(const struct capture_merge *m, size_t a, size_t b, double *off, size_t *nboth);
/* While paused nothing goes to the trace: every hop is queued (until the
 * offsets are known). */
void capture_merge_pause(struct capture_merge *m, int on);
/* Files: a tunnel's outer packet never enters a host before its hops
 * leaving the other went (readers' clocks jitter by more than a hop): a
 * hop where it enters waits while the stream it left from still has them,
 * or has not been read NFP_PACKET_GAP seconds past it. */
void capture_merge_order_tunnels(struct capture_merge *m, int on);
/* After a release that stopped for it: the stream to read more of (a
 * tunnel hop waits to know), or the stream count when none. */
size_t capture_merge_wants(const struct capture_merge *m);
/* How far stream b's clock runs ahead of stream a's from the tunnel
 * crossings between the hops both have queued (see load.c): *off when
 * there are crossings both ways (*nab a to b, *nba b to a), else lo and
 * hi bound it. -1 with errno on ENOMEM. */
int capture_merge_tunnel_offset(const struct capture_merge *m, size_t a, size_t b, double *off, double *lo, double *hi,
				size_t *nab, size_t *nba);
/* Hops queued in stream i. */
size_t capture_merge_queued(const struct capture_merge *m, size_t i);
/* Stream i ended (capture_merge_end). */
int capture_merge_ended(const struct capture_merge *m, size_t i);

/* Hops waiting in the queues, or a stream in mid-line: the trace must not
 * call packets complete by the clock yet. */
int capture_merge_busy(const struct capture_merge *m);
/* Every stream ended and every hop moved. */
int capture_merge_done(const struct capture_merge *m);
/* Stream i's decoder (its host once the recording's #S record came). */
const struct capture_input *capture_merge_input(const struct capture_merge *m, size_t i);

#endif
