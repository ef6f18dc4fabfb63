/* query: questions the viewers ask the model about packets: does a packet
 * match what a person typed, which packet comes next in its flow. They
 * read the trace only; indices are into trace->pkts. */
#ifndef NFP_QUERY_H
#define NFP_QUERY_H

#include <stddef.h>

#include "trace.h"

/* Does packet pkts[i] match needle? A fate word ("drop", "dropped",
 * "reject", "forwarded", "fate:unknown", see capture_fate_filter) asks
 * for packets of that fate; anything else is a case-sensitive substring. It is
 * searched in described (the one line the caller shows for the packet, may
 * be NULL) and in every hop's box, chain, devices and the names the
 * capture learnt for them. An empty needle matches everything. */
int capture_packet_matches(const struct capture_trace *t, size_t i, const char *needle, const char *described);

enum capture_next {
	CAPTURE_NEXT_ANY,	/* the next packet of the flow */
	CAPTURE_NEXT_SAME_DIR,	/* the next one in the same direction (first vs later) */
	CAPTURE_NEXT_OTHER_DIR, /* the other direction: the next one, or for a reply its request before it */
};
/* The packet after pkts[from] in its flow as asked, or -1 when there is
 * none (or pkts[from] has no flow yet). */
long capture_packet_next_in_flow(const struct capture_trace *t, size_t from, enum capture_next how);

#endif
