/* query: questions the viewers ask the model about packets: does a packet
 * match what a person typed, which packet comes next in its flow. They
 * read the trace only and address packets by number (trace.h). */
#ifndef NFP_QUERY_H
#define NFP_QUERY_H

#include <stddef.h>

#include "trace.h"

/* Does packet num match needle? A fate word ("drop", "dropped",
 * "reject", "forwarded", "fate:unknown", see capture_fate_filter) asks
 * for packets of that fate; anything else is a case-sensitive substring. It is
 * searched in described (the one line the caller shows for the packet, may
 * be NULL) and in every hop's box, chain, devices and the names the
 * capture learnt for them. An empty needle matches everything. */
int capture_query_match(const struct capture_trace *t, size_t num, const char *needle, const char *described);

enum capture_next {
	CAPTURE_NEXT_ANY,	/* the next packet of the flow */
	CAPTURE_NEXT_SAME_DIR,	/* the next one in the same direction (first vs later) */
	CAPTURE_NEXT_OTHER_DIR, /* the other direction: the next one, or for a reply its request before it */
};
/* The number of the packet after packet num in its flow as asked, or 0
 * when there is none (or packet num is not kept or has no flow yet). */
size_t capture_query_next(const struct capture_trace *t, size_t num, enum capture_next how);

#endif
