/* explain: a paragraph saying why a packet is at a hop and what happens
 * next, for the hop detail pane. Pure text from the model (no curses). */
#ifndef NFP_RENDER_EXPLAIN_H
#define NFP_RENDER_EXPLAIN_H

#include "../capture/record.h"
#include "../capture/trace.h"
#include "diagram.h"

/* Appends the explanation of hop h of packet p (escaped text). d may be
 * NULL (then skipped boxes are not named). */
int render_explain(struct capture_buf *b, const struct capture_trace *t, const struct render_diagram *d,
		   const struct nfp_packet *p, uint32_t h);
/* Appends the detail lines of the hop: box, chain, kind, rule text,
 * verdict, devices, addresses (with NAT rewrites), conntrack. */
int render_hop_fields(struct capture_buf *b, const struct capture_trace *t, const struct nfp_packet *p, uint32_t h,
		      int ascii);

#endif
