/* query: packet matching and flow navigation for the viewers (query.h). */
#include "query.h"

#include <string.h>

/* s or the name learnt for device s */
static int dev_matches(const struct capture_trace *t, uint32_t host, uint32_t id, const char *needle)
{
	if (!id)
		return 0;
	const char *s = capture_str(t, id);
	if (strstr(s, needle))
		return 1;
	uint32_t nm = capture_trace_name_on(t, host, 1, s);
	return nm && strstr(capture_str(t, nm), needle);
}

int capture_query_match(const struct capture_trace *t, size_t num, const char *needle, const char *described)
{
	if (!needle[0])
		return 1;
	const struct nfp_packet *p = capture_trace_packet(t, num);
	if (!p)
		return 0;
	int fm = capture_fate_filter(t, p, needle); /* "drop", "fate:unknown", ... */
	if (fm >= 0)
		return fm;
	if (described && strstr(described, needle))
		return 1;
	for (uint32_t k = 0; k < p->nhops; k++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, k);
		if (strstr(nfp_box_name(h->box), needle) || strstr(capture_str(t, h->chain), needle) ||
		    dev_matches(t, h->host, h->in, needle) || dev_matches(t, h->host, h->out, needle) || dev_matches(t, h->host, h->physin, needle) ||
		    dev_matches(t, h->host, h->physout, needle))
			return 1;
	}
	return 0;
}

size_t capture_query_next(const struct capture_trace *t, size_t num, enum capture_next how)
{
	const struct nfp_packet *p = capture_trace_packet(t, num);
	if (!p || p->flow == NFP_NONE)
		return 0;
	size_t first = capture_trace_first(t), last = capture_trace_last(t);
	for (size_t n = num + 1; n <= last; n++) {
		const struct nfp_packet *q = capture_trace_packet(t, n);
		if (q->flow != p->flow)
			continue;
		if (how == CAPTURE_NEXT_SAME_DIR && q->dir != p->dir)
			continue;
		if (how == CAPTURE_NEXT_OTHER_DIR && q->dir == p->dir)
			continue;
		return n;
	}
	if (how == CAPTURE_NEXT_OTHER_DIR) /* a reply selected: its request came before */
		for (size_t n = num; n-- > first;) {
			const struct nfp_packet *q = capture_trace_packet(t, n);
			if (q->flow == p->flow && q->dir != p->dir)
				return n;
		}
	return 0;
}
