/* diagram: the netfilter packet-flow diagram as data, a packet's route
 * over it, and drawing both into a canvas at any size.
 *
 * The description (assets/diagram.txt, embedded at build time) places each
 * box on a grid; the layout picks the richest of four that fits the
 * canvas: full labels with boxes ("mangle / prerouting", needs 187x47),
 * full labels between side bars (187x29), short two-line labels (97x29),
 * or one-line codes with a detail strip (61x21). Below that it says how
 * much it needs. */
#ifndef NFP_RENDER_DIAGRAM_H
#define NFP_RENDER_DIAGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "../capture/trace.h"
#include "canvas.h"

struct render_diagram;

/* Parses a description. NULL with a message ("line 12: ...") in err. */
struct render_diagram *render_diagram_parse(const char *text, size_t len, char *err, size_t cap);
void render_diagram_free(struct render_diagram *d);
int render_diagram_nnodes(const struct render_diagram *d);
int render_diagram_find(const struct render_diagram *d, const char *id); /* -1 when absent */
const char *render_diagram_node_id(const struct render_diagram *d, int node);
/* "mangle / prerouting" */
void render_diagram_node_label(const struct render_diagram *d, int node, char *out, size_t cap);

/* "rP": the code the smallest layout draws for a node */
const char *render_diagram_node_code(const struct render_diagram *d, int node);
/* "raw prerouting", "eb nat prerouting", "bridging decision" */
void render_diagram_node_name(const struct render_diagram *d, int node, char *out, size_t cap);
/* an ebtables or iptables chain box (not a routing or conntrack step) */
int render_diagram_node_is_chain(const struct render_diagram *d, int node);

/* node flags of a route */
#define RN_TRAVERSED 0x01u /* a hop happened here */
#define RN_CURRENT 0x02u   /* the hop being read */
#define RN_SKIPPED 0x04u   /* a chain box on the way without a hop */
#define RN_PASSED 0x08u	   /* a non-chain node on the way */
#define RN_A 0x10u	   /* compare: packet A was here */
#define RN_B 0x20u	   /* compare: packet B was here */

struct render_route {
	int nnodes, nedges;
	uint8_t *node;	   /* RN_* per node */
	uint16_t *first;   /* first hop number (1-based) per node, 0 = none */
	uint16_t *count;   /* hops per node */
	uint8_t *edge;	   /* per edge: 1 on the route (A), 2 (B) */
	int current;	   /* node of the current hop, -1 */
	int dead;	   /* node where the packet was dropped or rejected (its fate), -1 */
};

int render_route_init(struct render_route *r, const struct render_diagram *d);
void render_route_free(struct render_route *r);
void render_route_clear(struct render_route *r);
/* Adds packet p's route. current: 0-based hop to mark, -1 none. which:
 * 0 plain, RN_A or RN_B for a comparison. */
void render_route_add(struct render_route *r, const struct render_diagram *d, const struct capture_trace *t,
		      const struct nfp_packet *p, int current, unsigned which);
/* The same, drawing only the hops p made on host (a strpool id; 0: every
 * hop): one host's netfilter on the diagram when the journey crossed
 * several. current is still an index into all of p's hops. */
void render_route_add_host(struct render_route *r, const struct render_diagram *d, const struct capture_trace *t,
			   const struct nfp_packet *p, int current, unsigned which, uint32_t host);
/* The diagram node a hop sits on, -1 when it has no box. */
int render_hop_node(const struct render_diagram *d, const struct capture_trace *t, const struct nfp_packet *p,
		    uint32_t hop);

struct render_diagram_opts {
	int ascii;
	const char *detail;  /* one line for the detail strip (escaped), or NULL */
	const char *caption; /* a line under the legend when there is room, or NULL */
	const char *label;   /* escaped text over the diagram, at the right of its
			      * first free line ("host node2, 2 of 2"), or NULL */
	/* columns and lines the caller's screen takes beside the canvas: the
	 * too-small message names the terminal size the diagram needs (0 0:
	 * the canvas size, as --diagram --width/--height ask for it) */
	int around_w, around_h;
};

/* Draws into c (cleared first). Returns the labels used (0 full, 1 short,
 * 2 codes), or -1 when c is too small (a message is drawn instead). */
int render_diagram_draw(const struct render_diagram *d, const struct render_route *r, struct render_canvas *c,
			const struct render_diagram_opts *o);
/* The node drawn at cell (x, y) of a w x h canvas (the layout
 * render_diagram_draw picks for that size), -1 when none. */
int render_diagram_node_at(const struct render_diagram *d, int w, int h, int x, int y);
/* The size the richest layout that fits in w x h takes (0x0: none fits). */
void render_diagram_fit(const struct render_diagram *d, int w, int h, int *used_w, int *used_h);
/* Smallest canvas any tier fits in. */
void render_diagram_min_size(const struct render_diagram *d, int *w, int *h);

#endif
