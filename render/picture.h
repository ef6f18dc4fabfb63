/* picture: the --diagram and --compare outputs as text, built from the same
 * diagram, route and alignment code the TUI draws with. */
#ifndef NFP_RENDER_PICTURE_H
#define NFP_RENDER_PICTURE_H

#include "../capture/record.h"
#include "../capture/trace.h"
#include "diagram.h"

struct render_picture_opts {
	int width, height, ascii, color;
};

/* The diagram with the route of packet num (0: no route; a number not kept:
 * an empty route), current hop 0. */
int render_picture_diagram(struct capture_buf *b, const struct render_diagram *d, const struct capture_trace *t,
			   size_t num, const struct render_picture_opts *o);
/* Detail line of hop h of packet p: "hop 4/14  link nat:PREROUTING policy 2 accept" */
void render_hop_detail(const struct capture_trace *t, const struct nfp_packet *p, uint32_t h, char *out, size_t cap);

/* "enters at veth0594f4b [c1], leaves at veth57a3dec [c2]" (escaped) */
void render_route_caption(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap,
			  int ascii);

#endif
