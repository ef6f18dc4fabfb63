/* tunnel: the tunnel step of a journey, for the outputs.
 *
 * A packet that crossed a VXLAN or Geneve tunnel carries its outer
 * packet's hops among its own (the stitcher put them there, see trace.c):
 * this module says where they are and what the step was, from those hops
 * alone. Pure: reads the trace, allocates nothing. */
#ifndef NFP_TUNNEL_H
#define NFP_TUNNEL_H

#include <stdint.h>

#include "hop.h"
#include "trace.h"

struct capture_tunnel {
	uint32_t first, last; /* positions (0-based) of its outer packet's first and last hop in the packet */
	uint32_t nhops;	      /* its outer packet's hops */
	uint32_t from_host, to_host; /* hosts where it went in and came out (strpool ids, 0 when not seen) */
	/* devices, strpool ids (0 when not seen): the tunnel device it went
	 * into, the underlay device the outer packet left by, the one it
	 * arrived by, the tunnel device it came out of */
	uint32_t dev_in, under_out, under_in, dev_out;
	struct nfp_pkt outer; /* the outer packet's fields (addresses, UDP ports) */
	uint32_t vni;
	const char *kind; /* "vxlan", "geneve"; static */
	int has_vni;
	int died;	  /* the journey ended inside the tunnel: no hop of the carried packet after it */
};

/* 1 and *tu filled when packet p crossed a tunnel, 0 when not. */
int capture_packet_tunnel(const struct capture_trace *t, const struct nfp_packet *p, struct capture_tunnel *tu);

#endif
