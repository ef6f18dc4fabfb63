/* tunnel: the tunnel step of a journey (see tunnel.h). */
#include "tunnel.h"

#include "box.h"

#include <string.h>

int capture_packet_tunnel(const struct capture_trace *t, const struct nfp_packet *p, struct capture_tunnel *tu)
{
	memset(tu, 0, sizeof(*tu));
	int seen = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (!capture_hop_is_tunnel(h))
			continue;
		if (!seen) {
			tu->first = i;
			seen = 1;
		}
		tu->last = i;
		tu->nhops++;
		if ((h->pk.flags & NFP_PK_ADDRS) && !(tu->outer.flags & NFP_PK_ADDRS))
			tu->outer = h->pk;
		if ((h->inner.flags & NFP_IN_TUNNEL) && !tu->kind) {
			tu->kind = nfp_tunnel_name(&h->inner);
			tu->vni = nfp_inner_vni(&h->inner);
			tu->has_vni = 1;
		}
		int side = capture_hop_tunnel_side(h);
		if (side == 1) {
			tu->from_host = h->host;
			if (h->out)
				tu->under_out = h->out;
			/* at postrouting the kernel gives the tunnel device as the
			 * outer packet's input device (ip_output's skb->dev) */
			if (h->hook == NFP_HOOK_POSTROUTING && h->in)
				tu->dev_in = h->in;
		} else if (side == 2) {
			if (!tu->to_host)
				tu->to_host = h->host;
			if (h->in && !tu->under_in)
				tu->under_in = h->in;
		}
	}
	if (!seen)
		return 0;
	if (!tu->kind) /* only a drop of it was seen: by its port (Geneve's is 6081) */
		tu->kind = tu->outer.dport == 6081 ? "geneve" : "vxlan";
	/* the carried packet's way into the tunnel and out of it */
	for (uint32_t i = tu->first; i-- > 0 && !tu->dev_in;) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->out && h->kind != NFP_KIND_DROP)
			tu->dev_in = h->out;
	}
	tu->died = 1;
	for (uint32_t i = tu->last + 1; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (capture_hop_is_tunnel(h))
			continue;
		tu->died = 0;
		if (h->in && h->kind != NFP_KIND_DROP) {
			tu->dev_out = h->in;
			break;
		}
	}
	return 1;
}
