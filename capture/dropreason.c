/* dropreason: kernel drop reasons -> diagram box and words (dropreason.h).
 *
 * The reasons are the names of enum skb_drop_reason without their prefix
 * (include/net/dropreason-core.h); where one reason is used at several
 * places (IP_INHDR: a bad header on input, or the TTL running out while
 * forwarding) the freeing function tells them apart. */
#include "dropreason.h"

#include "box.h"
#include "trace.h"

#include <stdio.h>
#include <string.h>

struct place {
	const char *prefix; /* a reason, or a reason prefix ending in '_' or '*' */
	int box, layer;
};

/* the first match wins: exact names before families */
static const struct place by_reason[] = {
	{ "IP_RPFILTER", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "IP_INNOROUTES", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "IP_INADDRERRORS", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "IP_INVALID_SOURCE", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "IP_LOCAL_SOURCE", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "IP_LOCALNET", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "IP_INVALID_DEST", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "PKT_TOO_BIG", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "XFRM_POLICY", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "IP_OUTNOROUTES", NFP_BOX_ROUTE_OUT, NFP_LAYER_NETWORK },
	{ "NO_SOCKET", NFP_BOX_SOCKET_LOOKUP, NFP_LAYER_NETWORK },
	{ "IP_NOPROTO", NFP_BOX_SOCKET_LOOKUP, NFP_LAYER_NETWORK },
	{ "SOCKET_*", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "TCP_*", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "UDP_CSUM", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "ICMP_CSUM", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "PROTO_MEM", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "NEIGH_*", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "QDISC_*", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "TC_EGRESS", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "FQ_*", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "BPF_CGROUP_EGRESS", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "BRIDGE_*", NFP_BOX_BRIDGE_CHECK, NFP_LAYER_LINK },
	{ "OTHERHOST", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "PKT_TOO_SMALL", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "IP_CSUM", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "IPV6DISABLED", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "UNHANDLED_PROTO", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "TC_INGRESS", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "CPU_BACKLOG", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "INVALID_PROTO", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "UNICAST_IN_L2_MULTICAST", NFP_BOX_INGRESS, NFP_LAYER_LINK },
};

/* the freeing function, when the reason alone does not tell */
static const struct place by_location[] = {
	{ "ip_forward", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "ip6_forward", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "ip_route_input*", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "ip_rcv_finish*", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "ip_error", NFP_BOX_ROUTE_IN, NFP_LAYER_NETWORK },
	{ "ip_rcv*", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "ipv6_rcv*", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "ip6_rcv*", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "__netif_receive*", NFP_BOX_INGRESS, NFP_LAYER_LINK },
	{ "ip_local_deliver*", NFP_BOX_SOCKET_LOOKUP, NFP_LAYER_NETWORK },
	{ "ip6_input*", NFP_BOX_SOCKET_LOOKUP, NFP_LAYER_NETWORK },
	{ "tcp_*", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "udp*", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "__udp*", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "icmp*", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "raw_*", NFP_BOX_LOCAL_PROCESS, NFP_LAYER_NETWORK },
	{ "ip_finish_output*", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "ip6_finish_output*", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "neigh_*", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "__dev_queue_xmit", NFP_BOX_EGRESS, NFP_LAYER_LINK },
	{ "br_*", NFP_BOX_BRIDGE_CHECK, NFP_LAYER_LINK },
};

static int matches(const char *pat, const char *s)
{
	size_t pl = strlen(pat);
	if (pl && pat[pl - 1] == '*')
		return strncmp(pat, s, pl - 1) == 0;
	if (pl && pat[pl - 1] == '_')
		return strncmp(pat, s, pl) == 0;
	return strcmp(pat, s) == 0;
}

static const struct place *lookup(const struct place *tab, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (matches(tab[i].prefix, s))
			return &tab[i];
	return NULL;
}

int capture_dropreason_box(const char *reason, const char *location, int *layer)
{
	const struct place *pl = NULL;
	/* one reason, two places: the TTL check while forwarding */
	if (reason && strcmp(reason, "IP_INHDR") == 0 && location && strstr(location, "forward"))
		pl = lookup(by_location, sizeof(by_location) / sizeof(by_location[0]), location);
	if (!pl && reason && strcmp(reason, "IP_INHDR") == 0)
		pl = &(const struct place){ "IP_INHDR", NFP_BOX_INGRESS, NFP_LAYER_LINK };
	if (!pl)
		pl = lookup(by_reason, sizeof(by_reason) / sizeof(by_reason[0]), reason);
	if (!pl)
		pl = lookup(by_location, sizeof(by_location) / sizeof(by_location[0]), location);
	*layer = pl ? pl->layer : NFP_LAYER_NONE;
	return pl ? pl->box : NFP_BOX_NONE;
}

void capture_dropreason_place(const struct capture_trace *t, const struct nfp_packet *p, struct nfp_hop *h)
{
	const char *reason = h->drop_reason ? capture_str(t, h->drop_reason) : NULL;
	const char *loc = h->drop_location ? capture_str(t, h->drop_location) : NULL;
	h->box = NFP_BOX_NONE;
	h->layer = NFP_LAYER_NONE;
	/* freed after raw sockets got their copy: no verdict on the packet */
	if (capture_dropreason_after_delivery(reason, loc))
		h->verdict = NFP_V_NONE;
	/* the drop hop is the newest: the packet's earlier hops are before it */
	uint32_t before = p->nhops;
	if (h->drop_ns) {
		/* inside a container's namespace, off this diagram: it sits where
		 * the packet left for that namespace, when it did here */
		if (before) {
			h->box = NFP_BOX_IFACE_OUTPUT;
			h->layer = NFP_LAYER_LINK;
		}
		return;
	}
	if (reason && strcmp(reason, "NETFILTER_DROP") == 0) {
		/* the rule that dropped it is already a hop: the same box; else
		 * the last box the packet reached */
		const struct nfp_hop *last = NULL;
		for (uint32_t i = before; i-- > 0;) {
			const struct nfp_hop *o = capture_packet_hop(t, p, i);
			/* the rule was on the host that dropped it (merged recordings) */
			if (!o->box || o->kind == NFP_KIND_DROP || o->host != h->host)
				continue;
			if (o->verdict == NFP_V_DROP || o->verdict == NFP_V_REJECT) {
				last = o;
				break;
			}
			if (!last)
				last = o;
		}
		if (last) {
			h->box = last->box;
			h->layer = last->layer;
		}
		return;
	}
	int layer;
	int box = capture_dropreason_box(reason, loc, &layer);
	h->box = (uint16_t)box;
	h->layer = (uint8_t)layer;
}

struct words {
	const char *reason;
	const char *text; /* %s: the device, when the sentence names it */
	int uses_dev;
};

static const struct words words[] = {
	{ "IP_RPFILTER",
	  "The reverse-path filter dropped it: the route back to its source does not leave by %s. "
	  "Look at net.ipv4.conf.%s.rp_filter and net.ipv4.conf.all.rp_filter (the higher one counts), "
	  "and the route to the source address.",
	  2 },
	{ "IP_INNOROUTES",
	  "No route: the routing decision found no route to the destination address (counted in IpExtInNoRoutes). "
	  "Look at `ip route get <destination> from <source> iif %s`.",
	  1 },
	{ "IP_OUTNOROUTES", "No route for a packet sent from this host: look at `ip route get <destination>`.", 0 },
	{ "IP_INADDRERRORS",
	  "The routing decision refused the destination (an unreachable, prohibit or blackhole route, or an "
	  "address that cannot be forwarded). Look at `ip route get <destination> from <source> iif %s`.",
	  1 },
	{ "IP_INVALID_SOURCE", "The source address is invalid for this interface (martian source). Look at the routes "
			       "and net.ipv4.conf.%s.log_martians.",
	  1 },
	{ "IP_LOCAL_SOURCE", "It arrived with one of this host's own addresses as its source.", 0 },
	{ "IP_LOCALNET", "It came from or went to 127.0.0.0/8 on a non-loopback device (net.ipv4.conf.%s.route_localnet).",
	  1 },
	{ "NO_SOCKET",
	  "No socket: nothing listens on the destination port (a closed port; TCP answers with a reset, UDP "
	  "with ICMP port unreachable). Look at `ss -ltnu` in the destination's namespace.",
	  0 },
	{ "PING_RAW_COPY",
	  "No ping (ICMP datagram) socket wanted this echo reply, so ping_rcv freed it; raw sockets (ping run as "
	  "root, busybox ping) had already been given their own copy, so this is not where the reply was lost.",
	  0 },
	{ "SOCKET_QUEUE_PURGE",
	  "A TCP socket that already had this segment in one of its queues was closed, and sk_stream_kill_queues "
	  "freed what they held: the segment had reached the socket (or, on the sender, had been sent), so this "
	  "is not where it was lost.",
	  0 },
	{ "SOCKET_FILTER", "A socket filter (BPF attached to the socket) refused it.", 0 },
	{ "SOCKET_RCVBUFF", "The receiving socket's buffer was full: the application does not read fast enough.", 0 },
	{ "NETFILTER_DROP", "A netfilter rule dropped it: the rule hop before this one.", 0 },
	{ "OTHERHOST", "The frame was addressed to another host's MAC address (PACKET_OTHERHOST).", 0 },
	{ "PKT_TOO_SMALL", "The packet was shorter than its IP header says.", 0 },
	{ "IP_CSUM", "The IP header checksum was wrong.", 0 },
	{ "IP_INHDR", "The IP header was invalid on input, or its TTL ran out while being forwarded "
		      "(the host sends ICMP time exceeded).",
	  0 },
	{ "TTL", "Its TTL ran out while the host forwarded it: the sender's TTL (or hop limit) is too low for the path, "
		 "or the packet loops between routers.",
	  0 },
	{ "NEIGH_FAILED", "Neighbour resolution failed: no ARP/NDP answer for the next hop on %s. Look at `ip neigh show dev %s`.",
	  2 },
	{ "NEIGH_QUEUEFULL", "Too many packets waited for the neighbour (ARP/NDP) answer on %s.", 1 },
	{ "NEIGH_DEAD", "The neighbour entry was removed while the packet waited on it.", 0 },
	{ "NEIGH_CREATEFAIL", "No neighbour entry could be made (the neighbour table is full: net.ipv4.neigh.default.gc_thresh3).",
	  0 },
	{ "BRIDGE_INGRESS_STP_STATE",
	  "The bridge port %s is not forwarding (STP state blocking, listening or learning). Look at `bridge link show`.", 1 },
	{ "IP_NOPROTO", "No handler for this IP protocol on this host.", 0 },
	{ "QDISC_DROP", "The queueing discipline on %s dropped it (queue full). Look at `tc -s qdisc show dev %s`.", 2 },
	{ "TCP_CSUM", "The TCP checksum was wrong.", 0 },
	{ "UDP_CSUM", "The UDP checksum was wrong.", 0 },
	{ "IPV6DISABLED", "IPv6 is disabled on %s (net.ipv6.conf.%s.disable_ipv6).", 2 },
	{ "CPU_BACKLOG", "The CPU's input backlog was full (net.core.netdev_max_backlog).", 0 },
};

int capture_dropreason_after_delivery(const char *reason, const char *location)
{
	if (!reason || !location)
		return 0;
	return (strcmp(reason, "NO_SOCKET") == 0 && strcmp(location, "ping_rcv") == 0) ||
	       (strcmp(reason, "QUEUE_PURGE") == 0 && strcmp(location, "sk_stream_kill_queues") == 0);
}

size_t capture_dropreason_words(const char *reason, const char *location, const char *dev, char *out, size_t cap)
{
	if (!cap)
		return 0;
	out[0] = '\0';
	if (!reason)
		return 0;
	const char *r = reason;
	if (strcmp(r, "IP_INHDR") == 0 && location && strstr(location, "forward"))
		r = "TTL";
	if (capture_dropreason_after_delivery(reason, location))
		r = strcmp(reason, "QUEUE_PURGE") == 0 ? "SOCKET_QUEUE_PURGE" : "PING_RAW_COPY";
	const char *d = dev && *dev ? dev : "<device>";
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(words[i].reason, r) != 0)
			continue;
		int n = words[i].uses_dev == 2 ? snprintf(out, cap, words[i].text, d, d)
			: words[i].uses_dev == 1 ? snprintf(out, cap, words[i].text, d)
						 : snprintf(out, cap, "%s", words[i].text);
		if (n < 0)
			return 0;
		return (size_t)n < cap ? (size_t)n : cap - 1;
	}
	return 0;
}
