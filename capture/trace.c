/* trace: hop store, packet stitcher and flow grouping (see trace.h).
 *
 * Stitching. A hop joins an open packet when
 *  - it carries the packet's trace id and the packet fields agree, or
 *  - its packet identity agrees: same IP ID (IPv4) or flow label, protocol,
 *    ICMP echo id/sequence and length; addresses are not compared because
 *    NAT rewrites them and de-NAT happens between hops, or
 *  - it has no IP ID (ebtables lines) and its addresses and protocol equal
 *    those at the packet's latest hop,
 * and it does not go back to an entry box the packet already passed (that
 * is the next packet of the same conversation), nor come seconds after the
 * packet's last hop. Trace ids are only a hint: the kernel recomputes them
 * at each base chain and reuses them. IPv6 flow label 0 is no identity.
 *
 * Flows. Each packet contributes the connection tuples it showed at any
 * hop (pre- and post-NAT); a packet whose tuple is already known joins that
 * flow, in the direction the tuple was first seen. An ICMP error joins the
 * flow of the header inside it, the other way. Conntrack state is the
 * kernel's when a hop carries it, else inferred as conntrack would have it
 * (see assign_flow). */
#include "trace.h"
#include "grow.h"

#include "box.h"
#include "parse.h"
#include "fate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nfp_flow {
	uint32_t id; /* the flow number packets carry in nfp_packet.flow */
	uint32_t first_packet;
	uint32_t npackets;
	uint32_t ct_id;
	size_t last_packet; /* its latest packet, counted from the first ever (pkt_base + index) */
	uint8_t replied;    /* a packet went the reply way: conntrack's NEW is over */
	uint8_t last_dir;   /* direction of its latest packet */
};

/* The trace's state: private to this file, read through trace.h. */
struct capture_trace {
	struct capture_strpool *sp;
	const struct capture_rules *rules; /* optional, not owned */
	struct nfp_hop *hops;
	size_t nhops, caphops;
	struct nfp_packet *pkts;
	size_t npkts, cappkts;
	/* flows that still have packets in memory; with max_packets set, flows
	 * whose packets are all gone are dropped, so flows[i].id != i */
	struct nfp_flow *flows;
	size_t nflows, capflows;
	size_t flows_total; /* flows ever seen */
	struct capture_trace_stats st;
	size_t max_packets; /* 0 = unlimited; past it the oldest complete packets are forgotten */
	double grace;	    /* seconds without a hop before a packet is complete (NFP_GRACE) */
	struct capture_trace_hooks hooks;
	size_t pkt_base;    /* packets dropped before pkts[0]: pkts[i] is number pkt_base + i + 1 */
	/* stitcher state */
	uint32_t open[64];
	int nopen;
	uint32_t seq;
	size_t flows_done; /* packets [0, flows_done) have flows */
	struct flow_slot *fh;
	size_t fhcap, fhcount;
	/* the latest IPv4 packets by IP ID (a ring, allocated on first use):
	 * an ICMP error that keeps only the start of the header it answers
	 * (nft traces: no addresses) finds its connection by that ID */
	struct ipid_memo *idmemo;
	unsigned idnext;
	struct capture_boxmap boxmap;
	/* the first host a hop named (strpool id), and whether another host
	 * came: the outputs show hosts only when there are several */
	uint32_t host_first;
	uint8_t host_many;
	/* names learnt for devices and addresses (strpool ids, key -> name),
	 * each on the host whose recording named it (0: no host named) */
	struct nfp_name {
		uint32_t key, val, host;
		uint8_t kind;
	} *names;
	size_t nnames, capnames;
};

struct flow_key {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint8_t l3, proto;
};

struct flow_slot {
	struct flow_key k;
	uint32_t flow; /* index into trace->flows; NFP_NONE: empty */
	uint8_t a_is_orig_src;
};

#define IDMEMO 1024
struct ipid_memo {
	struct flow_key k; /* a tuple the packet registered */
	uint8_t src[16];   /* its sender, where an error goes back to */
	uint16_t ipid;
	uint8_t proto, a_is_src, used;
};

struct capture_trace *capture_trace_new(const struct capture_trace_hooks *hooks)
{
	struct capture_trace *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->sp = capture_strpool_new();
	if (!t->sp) {
		free(t);
		return NULL;
	}
	if (hooks)
		t->hooks = *hooks;
	t->grace = NFP_GRACE;
	return t;
}

void capture_trace_free(struct capture_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->npkts; i++)
		free(t->pkts[i].hops);
	free(t->pkts);
	free(t->hops);
	free(t->flows);
	free(t->fh);
	free(t->idmemo);
	free(t->names);
	if (t->hooks.resolve_free)
		t->hooks.resolve_free(t->hooks.resolve_ctx);
	capture_boxmap_free(&t->boxmap);
	capture_strpool_free(t->sp);
	free(t);
}

/* ---- stitching ------------------------------------------------------- */

static int pk_has(const struct nfp_pkt *p, unsigned f)
{
	return (p->flags & f) == f;
}

/* An IP ID (IPv4) or flow label (IPv6) that tells packets apart. Flow label
 * 0 is what every IPv6 packet without one carries (neighbour discovery,
 * most of what the kernel sends itself): it names no packet. */
static int pk_id(const struct nfp_pkt *p)
{
	return pk_has(p, NFP_PK_IPID) && !(p->l3 == 6 && p->ipid == 0);
}

static int ident_match(const struct nfp_packet *p, const struct nfp_hop *h, int *strong)
{
	const struct nfp_pkt *a = &p->ident, *b = &h->pk;
	*strong = 0;
	if (pk_has(a, NFP_PK_PROTO) && pk_has(b, NFP_PK_PROTO) && a->proto != b->proto)
		return 0;
	if (pk_has(a, NFP_PK_ICMPID) && pk_has(b, NFP_PK_ICMPID) && (a->sport != b->sport || a->dport != b->dport))
		return 0;
	if (pk_has(a, NFP_PK_ICMP) && pk_has(b, NFP_PK_ICMP) && a->icmp_type != b->icmp_type)
		return 0;
	if (pk_id(a) && pk_id(b)) {
		if (a->ipid != b->ipid || a->l3 != b->l3)
			return 0;
		if (a->l3 == 4 && pk_has(a, NFP_PK_LEN) && pk_has(b, NFP_PK_LEN) && a->len != b->len)
			return 0;
		*strong = 1;
		return 1;
	}
	/* no IP ID on one side: addresses at the latest hop must agree */
	const struct nfp_pkt *c = &p->cur;
	if (pk_has(c, NFP_PK_ADDRS) && pk_has(b, NFP_PK_ADDRS)) {
		if (c->l3 != b->l3 || memcmp(c->src, b->src, 16) != 0 || memcmp(c->dst, b->dst, 16) != 0)
			return 0;
		if (pk_has(c, NFP_PK_PROTO) && pk_has(b, NFP_PK_PROTO) && c->proto != b->proto)
			return 0;
		if (pk_has(c, NFP_PK_PORTS) && pk_has(b, NFP_PK_PORTS) && (c->sport != b->sport || c->dport != b->dport))
			return 0;
		return 1;
	}
	/* nothing to compare (no packet fields): only a trace id can tie it */
	return -1;
}

static void close_packet(struct capture_trace *t, uint32_t pi)
{
	t->pkts[pi].open = 0;
}

static void open_remove(struct capture_trace *t, int idx)
{
	memmove(&t->open[idx], &t->open[idx + 1], (size_t)(t->nopen - idx - 1) * sizeof(t->open[0]));
	t->nopen--;
}

/* The one completion rule (see trace.h): with clock, packets quiet for
 * more than grace seconds of the stream's clock; always, packets with no
 * hop among the last NFP_IDLE_HOPS. A packet's quiet time starts at the
 * first tick after its latest hop, so it is never closed early. */
static void close_idle(struct capture_trace *t, int clock, double now)
{
	for (int i = t->nopen - 1; i >= 0; i--) {
		struct nfp_packet *p = &t->pkts[t->open[i]];
		int idle = t->seq - p->last_seq > NFP_IDLE_HOPS;
		if (clock && p->fresh) {
			p->fresh = 0;
			p->quiet_since = now;
		} else if (clock && now - p->quiet_since > t->grace) {
			idle = 1;
		}
		if (idle) {
			close_packet(t, t->open[i]);
			open_remove(t, i);
		}
	}
}

/* The number of the packet at index i of t->pkts. */
static size_t number_of(const struct capture_trace *t, size_t i)
{
	return t->pkt_base + i + 1;
}

static void settle(struct capture_trace *t);
static size_t trim(struct capture_trace *t, size_t max);

static long new_packet(struct capture_trace *t)
{
	if (capture_grow((void **)&t->pkts, &t->cappkts, t->npkts + 1, sizeof(*t->pkts)) < 0)
		return -1;
	struct nfp_packet *p = &t->pkts[t->npkts];
	memset(p, 0, sizeof(*p));
	p->flow = NFP_NONE;
	p->ins = NFP_NONE;
	p->open = 1;
	p->fresh = 1;
	if (t->nopen == (int)(sizeof(t->open) / sizeof(t->open[0]))) {
		close_packet(t, t->open[0]);
		open_remove(t, 0);
	}
	t->open[t->nopen++] = (uint32_t)t->npkts;
	return (long)t->npkts++;
}

/* ---- tunnels ------------------------------------------------------------
 * A packet that enters a VXLAN or Geneve tunnel is carried by another, the
 * outer UDP packet, which the kernel traces as a packet of its own (with
 * another trace id: skb_scrub_packet clears the trace mark and the input
 * device the id is made of). Its hops join the carried packet's journey:
 *  - by the outer packet's identity (IP ID, length), once one of its hops
 *    joined: the rest of its walk on this host and its walk on the far host;
 *  - by the carried packet's identity, when the source kept its header
 *    (NFLOG payloads);
 *  - else where it is made: the carried packet's latest hop, on the same
 *    host, was at postrouting out of a device, a moment before, and the
 *    outer packet is exactly the encapsulation longer (an IPv4 underlay: 20
 *    IP + 8 UDP + 8 VXLAN + 14 Ethernet). nft trace events keep only 20
 *    bytes of the transport header, so this is what live captures need.
 * Where it is undone (the far host), the carried packet's first hop, at an
 * entry hook, comes a moment after the outer packet reached the tunnel's
 * socket and is exactly that much shorter: it joins the journey there when
 * its own identity does not (a recording of the far host alone). */

#define TUN_NEAR 0.05 /* seconds between the two ends of an encapsulation, at most */

int capture_hop_is_tunnel(const struct nfp_hop *h)
{
	if (h->inner.flags & NFP_IN_TUNNEL)
		return 1;
	const struct nfp_pkt *pk = &h->pk;
	return h->kind == NFP_KIND_DROP && (pk->flags & NFP_PK_PROTO) && pk->proto == 17 && (pk->flags & NFP_PK_PORTS) &&
	       (pk->dport == 4789 || pk->dport == 8472 || pk->dport == 6081);
}

/* bytes an outer packet adds: its IP and UDP headers, the tunnel header,
 * the carried Ethernet header */
static unsigned tun_overhead(const struct nfp_pkt *outer)
{
	return (outer->l3 == 6 ? 40u : 20u) + 8 + 8 + 14;
}

static int hop_leaves(const struct nfp_hop *h)
{
	return h->hook == NFP_HOOK_OUTPUT || h->hook == NFP_HOOK_POSTROUTING || h->hook == NFP_HOOK_EGRESS;
}

static int hop_enters(const struct nfp_hop *h)
{
	return h->hook == NFP_HOOK_PREROUTING || h->hook == NFP_HOOK_INPUT || h->hook == NFP_HOOK_INGRESS ||
	       h->hook == NFP_HOOK_BROUTING;
}

int capture_hop_tunnel_side(const struct nfp_hop *h)
{
	if (!capture_hop_is_tunnel(h) || h->kind == NFP_KIND_DROP)
		return 0;
	return hop_leaves(h) ? 1 : hop_enters(h) ? 2 : 0;
}

uint64_t capture_hop_tunnel_key(const struct nfp_hop *h)
{
	const struct nfp_pkt *pk = &h->pk;
	if ((pk->flags & (NFP_PK_IPID | NFP_PK_LEN | NFP_PK_ADDRS)) != (NFP_PK_IPID | NFP_PK_LEN | NFP_PK_ADDRS) ||
	    (pk->l3 == 6 && !pk->ipid))
		return 0;
	const uint8_t *s = pk->src + (pk->l3 == 6 ? 15 : 3), *d = pk->dst + (pk->l3 == 6 ? 15 : 3);
	return (uint64_t)1 << 63 | (uint64_t)(pk->ipid & 0xfffff) << 32 | (uint64_t)pk->len << 16 | (uint64_t)*s << 8 | *d;
}

static int near_after(const struct nfp_packet *p, const struct nfp_hop *h)
{
	if (!(h->flags & NFP_HOP_TS) || !p->has_ts)
		return 1; /* no clock: order alone */
	return h->ts - p->last_ts >= -TUN_NEAR && h->ts - p->last_ts <= TUN_NEAR;
}

static int outer_match(const struct nfp_pkt *a, const struct nfp_pkt *b)
{
	if (!pk_has(a, NFP_PK_ADDRS) || !pk_has(b, NFP_PK_ADDRS) || a->l3 != b->l3)
		return 0;
	if (pk_id(a) && pk_id(b))
		return a->ipid == b->ipid && (!pk_has(a, NFP_PK_LEN) || !pk_has(b, NFP_PK_LEN) || a->len == b->len);
	/* no IP ID: the same addresses and ports (a drop event may lack it) */
	return memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0 &&
	       (!pk_has(a, NFP_PK_PORTS) || !pk_has(b, NFP_PK_PORTS) || (a->sport == b->sport && a->dport == b->dport));
}

/* the carried packet a tunnel hop showed is packet p */
static int carried_match(const struct nfp_packet *p, const struct nfp_inner *in)
{
	const struct nfp_pkt *a = &p->ident;
	if (!(in->flags & (NFP_IN_IPID | NFP_IN_ICMPID | NFP_IN_PORTS)) || !pk_has(a, NFP_PK_PROTO) || a->proto != in->proto)
		return 0;
	if ((in->flags & NFP_IN_IPID) && (!pk_id(a) || a->l3 != 4 || a->ipid != in->ipid))
		return 0;
	if ((in->flags & NFP_IN_ICMPID) && (!pk_has(a, NFP_PK_ICMPID) || a->sport != in->sport || a->dport != in->dport))
		return 0;
	return 1;
}

static int usable(const struct capture_trace *t, const struct nfp_packet *p, const struct nfp_hop *h)
{
	if (p->nhops >= NFP_MAX_HOPS)
		return 0;
	return !((h->flags & NFP_HOP_TS) && p->has_ts && h->ts - p->last_ts > NFP_PACKET_GAP &&
		 t->hops[p->hops[p->nhops - 1]].verdict != NFP_V_QUEUE);
}

/* The open packet a tunnel hop belongs to (see above), -1 for none. */
static int find_tunnel(struct capture_trace *t, const struct nfp_hop *h)
{
	for (int i = t->nopen - 1; i >= 0; i--) {
		const struct nfp_packet *p = &t->pkts[t->open[i]];
		if (p->outer.flags && usable(t, p, h) && outer_match(&p->outer, &h->pk))
			return i;
	}
	if (h->inner.flags & (NFP_IN_IPID | NFP_IN_ICMPID | NFP_IN_PORTS)) {
		for (int i = t->nopen - 1; i >= 0; i--) {
			const struct nfp_packet *p = &t->pkts[t->open[i]];
			if (usable(t, p, h) && carried_match(p, &h->inner))
				return i;
		}
		return -1;
	}
	if (!hop_leaves(h) || !pk_has(&h->pk, NFP_PK_LEN))
		return -1;
	for (int i = t->nopen - 1; i >= 0; i--) {
		const struct nfp_packet *p = &t->pkts[t->open[i]];
		if (p->tun == NFP_TUN_INSIDE || p->outer.flags || !usable(t, p, h))
			continue;
		/* its latest hop on this host: the far host's walk may have
		 * come in between (the readers' clocks) */
		uint32_t last = NFP_NONE;
		for (uint32_t k = 0; k < p->nhops; k++) {
			const struct nfp_hop *o = &t->hops[p->hops[k]];
			/* a kernel drop event is no step of the walk (and a
			 * capture records the drops of the whole machine) */
			if (o->host == h->host && o->kind != NFP_KIND_DROP && (last == NFP_NONE || p->hops[k] > last))
				last = p->hops[k];
		}
		if (last == NFP_NONE)
			continue;
		const struct nfp_hop *lh = &t->hops[last];
		if (lh->hook != NFP_HOOK_POSTROUTING || !lh->out || !pk_has(&lh->pk, NFP_PK_LEN))
			continue;
		if ((h->flags & NFP_HOP_TS) && (lh->flags & NFP_HOP_TS) && (h->ts < lh->ts || h->ts - lh->ts > TUN_NEAR))
			continue;
		if ((unsigned)lh->pk.len + tun_overhead(&h->pk) == h->pk.len)
			return i;
	}
	return -1;
}

/* The open packet whose tunnel a hop of the carried packet comes out of
 * on this host, -1 for none. */
static int find_decap(struct capture_trace *t, const struct nfp_hop *h)
{
	if (!hop_enters(h) || !h->in || !pk_has(&h->pk, NFP_PK_LEN))
		return -1;
	for (int i = t->nopen - 1; i >= 0; i--) {
		const struct nfp_packet *p = &t->pkts[t->open[i]];
		if (p->tun != NFP_TUN_INSIDE || p->host != h->host || !usable(t, p, h) || !near_after(p, h))
			continue;
		if ((p->last_hook != NFP_HOOK_INPUT && p->last_hook != NFP_HOOK_PREROUTING) || !pk_has(&p->outer, NFP_PK_LEN))
			continue;
		if ((unsigned)h->pk.len + tun_overhead(&p->outer) == p->outer.len)
			return i;
	}
	return -1;
}

/* The journey's hops in the order the packet went, once it is complete:
 * the walk to the tunnel on the host that made the outer packet, the
 * outer packet's walk out of it, the outer packet's walk into the far
 * host, the walk out of the tunnel there. Each walk keeps its hops' order
 * of arrival. The readers' clocks and the stitcher's guesses while the
 * walks came in do not decide it: what each hop is does. A journey through
 * more than one tunnel, or whose tunnel hops do not say which host made
 * them, stays as it came. */
static int tun_order_cmp(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void tunnel_order(struct capture_trace *t, struct nfp_packet *p)
{
	if (!p->outer.flags || p->nhops < 2)
		return;
	uint32_t from = 0, to = 0;
	int have_from = 0, have_to = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = &t->hops[p->hops[i]];
		if (!capture_hop_is_tunnel(h) || h->kind == NFP_KIND_DROP)
			continue;
		if (hop_leaves(h)) {
			if (have_from && from != h->host)
				return;
			from = h->host;
			have_from = 1;
		} else if (hop_enters(h)) {
			if (have_to && to != h->host)
				return;
			to = h->host;
			have_to = 1;
		}
	}
	if ((have_from && have_to && from == to) || (!have_from && !have_to))
		return;
	uint64_t *k = malloc(p->nhops * sizeof(*k));
	if (!k)
		return; /* the order as it came */
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = &t->hops[p->hops[i]];
		int tun = capture_hop_is_tunnel(h);
		uint64_t g;
		if (have_from && h->host == from)
			g = tun ? 1 : 0;
		else if (have_to && h->host == to)
			g = tun ? 2 : 3;
		else if (!have_from) /* only the far end was seen: the rest came before */
			g = tun ? 1 : 0;
		else
			g = tun ? 2 : 3;
		k[i] = g << 32 | p->hops[i];
	}
	qsort(k, p->nhops, sizeof(*k), tun_order_cmp);
	for (uint32_t i = 0; i < p->nhops; i++)
		p->hops[i] = (uint32_t)k[i];
	free(k);
}

/* A frame the bridge floods (to a group address: broadcast, multicast)
 * is cloned for each port it leaves by and passed up as well; nft's
 * trace id hashes the sk_buff and its input device, so every copy gets an
 * id of its own, and a copy without addresses (nft prints ARP's operation
 * alone) has nothing else to tie it to its frame. A copy's bridge or arp
 * hop joins the open packet of the same frame: the same MACs and ARP
 * operation, arrived at the bridge from the port the copy came in by. */
static int flood_copy(const struct capture_trace *t, const struct nfp_packet *p, const struct nfp_hop *h)
{
	const struct nfp_hop *first = &t->hops[p->hops[0]];
	const struct nfp_pkt *a = &first->pk, *b = &h->pk;
	if ((h->family != NFP_FAM_BRIDGE && h->family != NFP_FAM_ARP) || !pk_has(b, NFP_PK_MACS) || !(b->mac_dst[0] & 1) ||
	    !pk_has(a, NFP_PK_MACS) || memcmp(a->mac_src, b->mac_src, 6) != 0 || memcmp(a->mac_dst, b->mac_dst, 6) != 0)
		return 0;
	if ((a->flags & b->flags & NFP_PK_ARP) && a->arp_op != b->arp_op)
		return 0;
	if ((h->flags & NFP_HOP_TS) && p->has_ts && h->ts - p->last_ts > 0.05)
		return 0;
	if (first->family != NFP_FAM_BRIDGE || !first->in)
		return 0;
	return h->family == NFP_FAM_ARP || !h->in || h->in == first->in;
}

static int find_packet(struct capture_trace *t, const struct nfp_hop *h)
{
	if (capture_hop_is_tunnel(h))
		return find_tunnel(t, h);
	int rank = nfp_box_rank(capture_box_own(t, h));
	int best = -1, best_strong = -1;
	/* newest first, and ties keep the newest: the first candidate with
	 * the best score this hop can reach is the answer */
	int reachable = ((h->flags & NFP_HOP_TRACE_ID) ? 2 : 0) + (pk_id(&h->pk) ? 1 : 0);
	for (int i = t->nopen - 1; i >= 0 && best_strong < reachable; i--) {
		const struct nfp_packet *p = &t->pkts[t->open[i]];
		int strong;
		/* no real path is this long: a stream repeating one packet must
		 * not grow it without end */
		if (p->nhops >= NFP_MAX_HOPS)
			continue;
		/* one packet crosses all its chains within milliseconds (the
		 * neighbour queue holds it up to ~3 s); only a queue to user
		 * space holds it longer. Seconds apart, it is another packet,
		 * however alike (an ARP reply and a later request). */
		if ((h->flags & NFP_HOP_TS) && p->has_ts && h->ts - p->last_ts > NFP_PACKET_GAP &&
		    t->hops[p->hops[p->nhops - 1]].verdict != NFP_V_QUEUE)
			continue;
		int m = ident_match(p, h, &strong);
		int same_tid = (h->flags & NFP_HOP_TRACE_ID) && p->trace_id == h->trace_id;
		/* the journey moves to another host (merged recordings): trace
		 * ids are each host's own, only the packet's identity (its IP
		 * ID) ties the hops, and the walk starts again at an entry box */
		int moved = h->host && p->host && h->host != p->host;
		if (moved) {
			same_tid = 0;
			if (!strong)
				continue;
		}
		if (m == 0)
			continue;
		if (m < 0 && !same_tid && !flood_copy(t, p, h))
			continue;
		/* back at an entry box it already passed: the next packet. A
		 * matching trace id and IP ID together outweigh the rank, which
		 * is only a guess for nft chains of unknown priority. */
		if (!moved && rank && rank <= 5 && rank < p->maxrank && !(same_tid && strong))
			continue;
		int score = (same_tid ? 2 : 0) + (strong ? 1 : 0);
		if (score > best_strong) {
			best_strong = score;
			best = i;
		}
	}
	if (best_strong < 1) {
		/* out of a tunnel on this host: only its length and moment tie it */
		int d = find_decap(t, h);
		if (d >= 0)
			return d;
	}
	return best;
}

/* The drop hop of p that is drop h seen by another host's capture, or -1.
 * Two namespaces of one machine joined by a veth (the two-host lab) each
 * trace the other as a peer, so both captures record each kernel drop in
 * either: the same reason and place within a few milliseconds (the
 * merge's clock correction is far smaller), one of them naming the peer
 * namespace it happened in (drop_ns). */
static long drop_twin(const struct capture_trace *t, const struct nfp_packet *p, const struct nfp_hop *h)
{
	if (!h->host || !(h->flags & NFP_HOP_TS))
		return -1;
	for (uint32_t i = p->nhops; i-- > 0;) {
		const struct nfp_hop *o = &t->hops[p->hops[i]];
		if (o->kind == NFP_KIND_DROP && o->host && o->host != h->host && (o->flags & NFP_HOP_TS) &&
		    o->drop_reason == h->drop_reason && o->drop_location == h->drop_location &&
		    (o->drop_ns != 0) != (h->drop_ns != 0) && fabs(o->ts - h->ts) < 0.005)
			return (long)i;
	}
	return -1;
}

long capture_trace_match(struct capture_trace *t, const struct nfp_hop *h)
{
	int oi = find_packet(t, h);
	return oi < 0 ? -1 : (long)number_of(t, t->open[oi]);
}

long capture_trace_add(struct capture_trace *t, const struct nfp_hop *src)
{
	if (t->max_packets && t->npkts > t->max_packets + t->max_packets / 4 + 64) {
		/* keep memory bounded on endless input: finish what is idle,
		 * then let the oldest packets go (amortised: a quarter at once) */
		close_idle(t, 0, 0);
		settle(t);
		trim(t, t->max_packets);
	}
	if (capture_grow((void **)&t->hops, &t->caphops, t->nhops + 1, sizeof(*t->hops)) < 0)
		return -1;
	struct nfp_hop *h = &t->hops[t->nhops];
	*h = *src;
	if (h->host && !t->host_first)
		t->host_first = h->host;
	else if (h->host && h->host != t->host_first)
		t->host_many = 1;
	t->st.hops++;
	if (h->source < NFP_SRC__COUNT)
		t->st.by_source[h->source]++;
	t->seq++;

	int oi = find_packet(t, h);
	long pi;
	if (oi >= 0) {
		pi = t->open[oi];
		/* most recently used last, so eviction takes the stalest */
		uint32_t v = t->open[oi];
		open_remove(t, oi);
		t->open[t->nopen++] = v;
	} else {
		pi = new_packet(t);
		if (pi < 0)
			return -1;
	}
	struct nfp_packet *p = &t->pkts[pi];
	if (h->kind == NFP_KIND_DROP && oi >= 0) {
		long twin = drop_twin(t, p, h);
		if (twin >= 0) {
			/* the host whose own namespace it was keeps it */
			if (h->drop_ns || !t->hops[p->hops[twin]].drop_ns)
				return (long)number_of(t, (size_t)pi);
			memmove(&p->hops[twin], &p->hops[twin + 1], (p->nhops - (size_t)twin - 1) * sizeof(p->hops[0]));
			p->nhops--;
			if (p->ins != NFP_NONE && p->ins > (uint32_t)twin)
				p->ins--;
		}
	}
	if (p->nhops == p->cap) {
		uint32_t nc = p->cap ? p->cap * 2 : 8;
		uint32_t *nh = realloc(p->hops, nc * sizeof(*nh));
		if (!nh)
			return -1;
		p->hops = nh;
		p->cap = nc;
	}
	capture_box_place(t, p, h);
	if (h->host && p->host && p->host != h->host) {
		/* the journey is on another host. The hosts' clocks (events
		 * stamped as read) cannot say which came first within a
		 * millisecond; the packet can: each host that routes it takes
		 * one from its TTL, so the walk with the higher TTL came first;
		 * at equal TTLs, a packet made on this host (no input device)
		 * that another host received (its walk starts with one) left
		 * here first. Either way this walk goes before. */
		const struct nfp_hop *f = &t->hops[p->hops[0]];
		for (uint32_t i = 0; i < p->nhops && !(f->pk.flags & NFP_PK_TTL); i++)
			f = &t->hops[p->hops[i]];
		int before;
		if ((h->pk.flags & f->pk.flags & NFP_PK_TTL) && h->pk.ttl != f->pk.ttl)
			before = h->pk.ttl > f->pk.ttl;
		else
			before = f->in && !h->in;
		p->ins = before ? 0 : NFP_NONE;
		/* back on a host it was on: its walk there goes on where it
		 * stopped (the readers' clocks interleaved the two walks) */
		for (uint32_t i = p->nhops; i-- > 0;)
			if (t->hops[p->hops[i]].host == h->host) {
				p->ins = i + 1 == p->nhops ? NFP_NONE : i + 1;
				break;
			}
	}
	if (p->ins == NFP_NONE) {
		p->hops[p->nhops++] = (uint32_t)t->nhops;
	} else {
		memmove(&p->hops[p->ins + 1], &p->hops[p->ins], (p->nhops - p->ins) * sizeof(p->hops[0]));
		p->hops[p->ins++] = (uint32_t)t->nhops;
		p->nhops++;
	}
	t->nhops++;

	if (h->host) {
		if (p->host && p->host != h->host)
			p->maxrank = 0; /* another host: its walk starts over */
		p->host = h->host;
	}
	int tun = capture_hop_is_tunnel(h);
	if (p->nhops > 1 && tun != (p->tun == NFP_TUN_INSIDE))
		p->maxrank = 0; /* into or out of a tunnel: another packet's walk */
	if (tun) {
		if (h->pk.flags & NFP_PK_ADDRS) {
			struct nfp_pkt o = h->pk;
			if (!pk_id(&o) && pk_id(&p->outer)) {
				o.ipid = p->outer.ipid;
				o.flags |= NFP_PK_IPID;
			}
			p->outer = o;
		}
		p->tun = NFP_TUN_INSIDE;
	} else if (p->tun == NFP_TUN_INSIDE) {
		p->tun = NFP_TUN_OUT;
	}
	if (h->kind != NFP_KIND_DROP)
		p->last_hook = h->hook;
	int rank = nfp_box_rank(h->box);
	if (rank > p->maxrank)
		p->maxrank = (uint8_t)rank;
	if (h->flags & NFP_HOP_TRACE_ID)
		p->trace_id = h->trace_id;
	/* the outer packet's conntrack entry is the tunnel's, shared by every
	 * packet it carries */
	if (h->ct_id && !p->ct_id && !tun)
		p->ct_id = h->ct_id;
	p->last_seq = t->seq;
	if (h->flags & NFP_HOP_TS) {
		p->last_ts = h->ts;
		p->has_ts = 1;
	}
	p->fresh = 1;
	const struct nfp_pkt *pk = &h->pk;
	if (tun && !p->ident_outer && p->ident.flags)
		return (long)number_of(t, (size_t)pi); /* the carried packet stays the packet */
	if (!tun && p->ident_outer) {
		/* out of the tunnel: the packet it carried is the journey's */
		memset(&p->ident, 0, sizeof(p->ident));
		p->ident_outer = 0;
	} else if (tun && !p->ident.flags) {
		p->ident_outer = 1;
	}
	if (pk->flags & NFP_PK_ADDRS) {
		p->cur = *pk;
		if (!(p->ident.flags & NFP_PK_ADDRS)) {
			/* identity from the first hop with an address; an IP ID
			 * from a later hop (ebtables first) fills it in below */
			p->ident = *pk;
		}
	}
	if ((pk->flags & NFP_PK_IPID) && !(p->ident.flags & NFP_PK_IPID)) {
		p->ident.ipid = pk->ipid;
		p->ident.flags |= NFP_PK_IPID;
		if (pk->flags & NFP_PK_LEN) {
			p->ident.len = pk->len;
			p->ident.flags |= NFP_PK_LEN;
		}
		if (pk->flags & NFP_PK_ICMPID) {
			p->ident.sport = pk->sport;
			p->ident.dport = pk->dport;
			p->ident.flags |= NFP_PK_ICMPID;
		}
	}
	return (long)number_of(t, (size_t)pi);
}

/* ---- flows ----------------------------------------------------------- */

static uint32_t key_hash(const struct flow_key *k)
{
	/* a word at a time; keys are built zeroed, so padding is stable */
	const unsigned char *b = (const unsigned char *)k;
	uint64_t h = 0x9e3779b97f4a7c15ull, w;
	size_t i = 0;
	for (; i + 8 <= sizeof(*k); i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, b + i, sizeof(*k) - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

static struct flow_slot *slot_find(struct capture_trace *t, const struct flow_key *k)
{
	if (!t->fhcap)
		return NULL;
	size_t mask = t->fhcap - 1, i = key_hash(k) & mask;
	while (t->fh[i].flow != NFP_NONE) {
		if (memcmp(&t->fh[i].k, k, sizeof(*k)) == 0)
			return &t->fh[i];
		i = (i + 1) & mask;
	}
	return &t->fh[i];
}

/* Moves the tuple table to nc slots; with remap, slots of flows mapped to
 * NFP_NONE are left out and the rest renumbered. */
static int slot_rehash(struct capture_trace *t, size_t nc, const uint32_t *remap)
{
	struct flow_slot *n = malloc(nc * sizeof(*n));
	if (!n)
		return -1;
	for (size_t i = 0; i < nc; i++)
		n[i].flow = NFP_NONE;
	struct flow_slot *old = t->fh;
	size_t oc = t->fhcap;
	t->fh = n;
	t->fhcap = nc;
	t->fhcount = 0;
	for (size_t i = 0; i < oc; i++) {
		uint32_t f = old[i].flow;
		if (f != NFP_NONE && remap)
			f = remap[f];
		if (f == NFP_NONE)
			continue;
		struct flow_slot *s = slot_find(t, &old[i].k);
		*s = old[i];
		s->flow = f;
		t->fhcount++;
	}
	free(old);
	return 0;
}

static int slot_grow(struct capture_trace *t)
{
	return slot_rehash(t, t->fhcap ? t->fhcap * 2 : 256, NULL);
}

/* canonical key of a tuple; *a_is_src tells whether the key's first
 * endpoint is the given source */
static void make_key(struct flow_key *k, int *a_is_src, uint8_t l3, uint8_t proto, const uint8_t *src,
		     const uint8_t *dst, uint16_t ps, uint16_t pd)
{
	memset(k, 0, sizeof(*k));
	k->l3 = l3;
	k->proto = proto;
	int c = memcmp(src, dst, 16);
	if (c < 0 || (c == 0 && ps <= pd)) {
		memcpy(k->a, src, 16);
		memcpy(k->b, dst, 16);
		k->pa = ps;
		k->pb = pd;
		*a_is_src = 1;
	} else {
		memcpy(k->a, dst, 16);
		memcpy(k->b, src, 16);
		k->pa = pd;
		k->pb = ps;
		*a_is_src = 0;
	}
}

/* key of a packet's tuple at one hop */
static int tuple_key(const struct nfp_pkt *pk, struct flow_key *k, int *a_is_src)
{
	if (!(pk->flags & NFP_PK_ADDRS))
		return -1;
	uint16_t ps = 0, pd = 0;
	if (pk->flags & NFP_PK_ICMPID)
		ps = pd = pk->sport; /* echo id names the "connection" both ways */
	else if (pk->flags & NFP_PK_PORTS) {
		ps = pk->sport;
		pd = pk->dport;
	}
	make_key(k, a_is_src, pk->l3, pk->proto, pk->src, pk->dst, ps, pd);
	return 0;
}

/* key of the connection an ICMP error answers, from the packet inside it */
static int inner_key(const struct nfp_inner *in, struct flow_key *k, int *a_is_src)
{
	if (!(in->flags & NFP_IN_ADDRS) || !nfp_inner_is_error(in))
		return -1;
	uint16_t ps = 0, pd = 0;
	if (in->flags & NFP_IN_ICMPID)
		ps = pd = in->sport;
	else if (in->flags & NFP_IN_PORTS) {
		ps = in->sport;
		pd = in->dport;
	}
	make_key(k, a_is_src, in->l3, in->proto, in->src, in->dst, ps, pd);
	return 0;
}

/* A hop of the tunnel packet that carried p: its tuple, conntrack and
 * class are the tunnel's (one UDP flow for everything it carries), not the
 * packet's. A packet seen only as the tunnel's outer packet is that one. */
static int outer_hop(const struct nfp_packet *p, const struct nfp_hop *h)
{
	return !p->ident_outer && capture_hop_is_tunnel(h);
}

/* Hops without ports or echo id (ebtables lines) give a weaker tuple that
 * would merge every conversation between two hosts; when a packet has a
 * full tuple anywhere, only full tuples count. */
static int tuple_usable(const struct nfp_pkt *pk, int need_full)
{
	return !need_full || (pk->flags & (NFP_PK_PORTS | NFP_PK_ICMPID));
}

/* The distinct connection tuples a packet showed, hop by hop: hops
 * between NAT rewrites repeat one tuple, so each run is given once. */
struct tuple_walk {
	const struct capture_trace *t;
	const struct nfp_packet *p;
	uint32_t i;
	int need_full, have_last;
	struct flow_key last;
};

static int tuple_next(struct tuple_walk *w, struct flow_key *k, int *a_is_src)
{
	while (w->i < w->p->nhops) {
		const struct nfp_hop *h = &w->t->hops[w->p->hops[w->i++]];
		const struct nfp_pkt *pk = &h->pk;
		if (outer_hop(w->p, h) || !tuple_usable(pk, w->need_full) || tuple_key(pk, k, a_is_src) < 0)
			continue;
		if (w->have_last && memcmp(k, &w->last, sizeof(*k)) == 0)
			continue;
		w->last = *k;
		w->have_last = 1;
		return 1;
	}
	return 0;
}

/* What conntrack makes of a packet, as far as its fields tell. */
enum pkt_class {
	PC_TRACKED,	/* an IP packet conntrack tracks by its tuple */
	PC_NOT_IP,	/* ARP, or no IP header seen: conntrack never sees it */
	PC_UNTRACKED,	/* ICMPv6 neighbour discovery and MLD: conntrack leaves it untracked */
	PC_ICMP_ERROR,	/* RELATED to the connection of the packet inside it */
	PC_BLIND,	/* no protocol (xtables-monitor IPv6), or ICMP with neither type nor
			   echo id (ebtables log lines): echo, error or neighbour discovery */
};

/* the ICMPv6 types nf_conntrack_proto_icmpv6 marks untracked (noct_valid_new) */
static int icmpv6_untracked_type(uint8_t type)
{
	return (type >= 130 && type <= 136) || type == 143;
}

static int classify(const struct capture_trace *t, const struct nfp_packet *p, const struct nfp_inner **inner)
{
	int ip = 0, icmp = 0, typed = 0, untracked = 0, error = 0, proto = 0;
	*inner = NULL;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = &t->hops[p->hops[i]];
		const struct nfp_pkt *pk = &h->pk;
		if (outer_hop(p, h))
			continue;
		if ((pk->flags & NFP_PK_ADDRS) && (pk->l3 == 4 || pk->l3 == 6))
			ip = 1;
		proto |= (pk->flags & NFP_PK_PROTO) != 0;
		if ((pk->flags & NFP_PK_PROTO) && (pk->proto == 1 || pk->proto == 58)) {
			icmp = 1;
			if (pk->flags & (NFP_PK_ICMP | NFP_PK_ICMPID))
				typed = 1;
			if ((pk->flags & NFP_PK_ICMP) && pk->proto == 58 && icmpv6_untracked_type(pk->icmp_type))
				untracked = 1;
			if ((pk->flags & NFP_PK_ICMP) && capture_icmp_is_error(pk->proto, pk->icmp_type))
				error = 1;
		}
		if (!*inner && (h->inner.flags & NFP_IN_ADDRS) && nfp_inner_is_error(&h->inner))
			*inner = &h->inner;
	}
	if (!ip)
		return PC_NOT_IP;
	if (untracked)
		return PC_UNTRACKED;
	if (error || *inner)
		return PC_ICMP_ERROR;
	if ((icmp && !typed) || !proto)
		return PC_BLIND;
	return PC_TRACKED;
}

static int tcp_after_handshake(const struct capture_trace *t, const struct nfp_packet *p)
{
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_pkt *pk = &t->hops[p->hops[i]].pk;
		/* flags are known when any is set: ACK at least, after a SYN */
		if ((pk->flags & NFP_PK_PROTO) && pk->proto == 6 && pk->tcp_flags)
			return !(pk->tcp_flags & 0x02);
	}
	return 0;
}

static int remember_key(struct capture_trace *t, const struct flow_key *k, uint32_t flow, uint8_t a_is_orig_src)
{
	if ((t->fhcount + 2) * 2 > t->fhcap && slot_grow(t) < 0)
		return -1;
	struct flow_slot *s = slot_find(t, k);
	if (s->flow == NFP_NONE) {
		s->k = *k;
		s->flow = flow;
		s->a_is_orig_src = a_is_orig_src;
		t->fhcount++;
	}
	return 0;
}

static void remember_ipid(struct capture_trace *t, const struct nfp_packet *p, int need_full)
{
	if (!t->idmemo && !(t->idmemo = calloc(IDMEMO, sizeof(*t->idmemo))))
		return; /* only a fallback: go without */
	struct tuple_walk w = { .t = t, .p = p, .need_full = need_full };
	struct ipid_memo *m = &t->idmemo[t->idnext % IDMEMO];
	int a_is_src;
	if (!tuple_next(&w, &m->k, &a_is_src))
		return;
	t->idnext++;
	memcpy(m->src, p->ident.src, 16);
	m->ipid = (uint16_t)p->ident.ipid;
	m->proto = p->ident.proto;
	m->a_is_src = (uint8_t)a_is_src;
	m->used = 1;
}

/* The flow of the latest packet with the IP ID and protocol inside an
 * error that went back to that packet's sender; *dir the error's way. */
static uint32_t error_by_ipid(struct capture_trace *t, const struct nfp_packet *p, const struct nfp_inner *in, int *dir)
{
	if (!t->idmemo)
		return NFP_NONE;
	for (unsigned k = 1; k <= IDMEMO && k <= t->idnext; k++) {
		const struct ipid_memo *m = &t->idmemo[(t->idnext - k) % IDMEMO];
		if (!m->used || m->ipid != in->ipid || m->proto != in->proto)
			continue;
		int back = 0;
		for (uint32_t i = 0; i < p->nhops && !back; i++) {
			const struct nfp_pkt *pk = &t->hops[p->hops[i]].pk;
			back = (pk->flags & NFP_PK_ADDRS) && pk->l3 == 4 && memcmp(pk->dst, m->src, 16) == 0;
		}
		if (!back)
			continue;
		struct flow_slot *s = slot_find(t, &m->k);
		if (!s || s->flow == NFP_NONE)
			return NFP_NONE; /* its flow is forgotten */
		*dir = (m->a_is_src == s->a_is_orig_src) ? NFP_DIR_REPLY : NFP_DIR_ORIGINAL;
		return s->flow;
	}
	return NFP_NONE;
}

static int assign_flow(struct capture_trace *t, uint32_t pi)
{
	struct nfp_packet *p = &t->pkts[pi];
	const struct nfp_inner *inner;
	int cls = classify(t, p, &inner);
	int need_full = 0;
	for (uint32_t i = 0; i < p->nhops && !need_full; i++)
		need_full = !outer_hop(p, &t->hops[p->hops[i]]) &&
			    (t->hops[p->hops[i]].pk.flags & (NFP_PK_PORTS | NFP_PK_ICMPID));
	uint32_t flow = NFP_NONE;
	int dir = NFP_DIR_ORIGINAL, related = 0;
	struct flow_key ck = { 0 };
	if (p->ct_id) {
		/* the kernel's conntrack id names the flow outright */
		ck.l3 = 255;
		memcpy(ck.a, &p->ct_id, sizeof(p->ct_id));
		struct flow_slot *s = slot_find(t, &ck);
		if (s && s->flow != NFP_NONE)
			flow = s->flow;
	}
	struct tuple_walk w = { .t = t, .p = p, .need_full = need_full };
	struct flow_key k;
	int a_is_src;
	if (cls == PC_ICMP_ERROR) {
		/* an error belongs to the connection of the packet inside it and
		 * goes back the other way; its own addresses name no connection
		 * (two errors between the same hosts answer different flows) */
		for (uint32_t i = 0; flow == NFP_NONE && inner && i < p->nhops; i++) {
			/* before and after de-NAT the inner header differs too */
			if (inner_key(&t->hops[p->hops[i]].inner, &k, &a_is_src) < 0)
				continue;
			struct flow_slot *s = slot_find(t, &k);
			if (s && s->flow != NFP_NONE) {
				flow = s->flow;
				dir = (a_is_src == s->a_is_orig_src) ? NFP_DIR_REPLY : NFP_DIR_ORIGINAL;
			}
		}
		for (uint32_t i = 0; flow == NFP_NONE && i < p->nhops; i++) {
			const struct nfp_inner *in = &t->hops[p->hops[i]].inner;
			if ((in->flags & NFP_IN_IPID) && !(in->flags & NFP_IN_ADDRS) && nfp_inner_is_error(in))
				flow = error_by_ipid(t, p, in, &dir);
		}
		related = flow != NFP_NONE;
	}
	while (cls != PC_ICMP_ERROR && flow == NFP_NONE && tuple_next(&w, &k, &a_is_src)) {
		struct flow_slot *s = slot_find(t, &k);
		if (s && s->flow != NFP_NONE) {
			int d = (a_is_src == s->a_is_orig_src) ? NFP_DIR_ORIGINAL : NFP_DIR_REPLY;
			/* without type or echo id, only the address pair is left:
			 * a request and its answer take turns; two in a row the
			 * same way are two conversations (two errors, two pings) */
			if (cls == PC_BLIND && t->flows[s->flow].last_dir == d)
				break;
			flow = s->flow;
			dir = d;
		}
	}
	int fresh = flow == NFP_NONE;
	if (fresh) {
		if (capture_grow((void **)&t->flows, &t->capflows, t->nflows + 1, sizeof(*t->flows)) < 0)
			return -1;
		flow = (uint32_t)t->nflows++;
		t->flows[flow] = (struct nfp_flow){ (uint32_t)t->flows_total++, pi, 0, p->ct_id, 0, 0, 0 };
	}
	/* kernel direction wins over the inferred one */
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = &t->hops[p->hops[i]];
		if ((h->flags & NFP_HOP_CT) && h->ct_dir && !outer_hop(p, h)) {
			dir = h->ct_dir;
			break;
		}
	}
	struct nfp_flow *f = &t->flows[flow];
	p->flow = f->id;
	f->last_packet = t->pkt_base + pi;
	p->dir = (uint8_t)dir;
	p->ct_kernel = 0;
	int kernel_none = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = &t->hops[p->hops[i]];
		if (!(h->flags & NFP_HOP_CT) || outer_hop(p, h))
			continue;
		if (h->ct_state) {
			p->ct = h->ct_state;
			p->ct_kernel = 1;
			break;
		}
		kernel_none = 1;
	}
	if (!p->ct_kernel && kernel_none) {
		/* the kernel sends conntrack with such events and sent none */
		p->ct = NFP_CT_UNKNOWN;
		p->ct_kernel = 1;
	} else if (!p->ct_kernel) {
		/* conntrack's rule: NEW until a packet went the reply way */
		switch (cls) {
		case PC_NOT_IP:
			p->ct = NFP_CT_UNKNOWN;
			break;
		case PC_UNTRACKED:
			p->ct = NFP_CT_UNTRACKED;
			break;
		case PC_ICMP_ERROR:
			p->ct = related ? NFP_CT_RELATED : NFP_CT_UNKNOWN;
			break;
		case PC_BLIND:
			/* an echo, an error, neighbour discovery: no telling */
			p->ct = NFP_CT_UNKNOWN;
			break;
		default:
			/* a TCP segment without SYN comes after the handshake,
			 * reply included, even when the reply was not traced */
			if (tcp_after_handshake(t, p))
				f->replied = 1;
			p->ct = (dir == NFP_DIR_REPLY || f->replied) ? NFP_CT_ESTABLISHED : NFP_CT_NEW;
		}
	}
	if (dir == NFP_DIR_REPLY)
		f->replied = 1;
	f->last_dir = (uint8_t)dir;
	f->npackets++;
	/* remember every tuple this packet showed, oriented to the flow */
	w = (struct tuple_walk){ .t = t, .p = p, .need_full = need_full };
	while (cls != PC_ICMP_ERROR && tuple_next(&w, &k, &a_is_src))
		if (remember_key(t, &k, flow, (uint8_t)(dir == NFP_DIR_ORIGINAL ? a_is_src : !a_is_src)) < 0)
			return -1;
	if (p->ct_id && remember_key(t, &ck, flow, 0) < 0)
		return -1;
	if (cls != PC_ICMP_ERROR && p->ident.l3 == 4 && pk_id(&p->ident) && (p->ident.flags & NFP_PK_PROTO))
		remember_ipid(t, p, need_full);
	return 0;
}

/* Assigns flows to the complete packets at the front, in packet order,
 * resolves and counts them, and hands them on. */
static void settle(struct capture_trace *t)
{
	while (t->flows_done < t->npkts && !t->pkts[t->flows_done].open) {
		size_t pi = t->flows_done;
		tunnel_order(t, &t->pkts[pi]);
		if (assign_flow(t, (uint32_t)pi) < 0)
			return;
		/* the packet is final: resolve it, count it, hand it on */
		const struct nfp_packet *p = &t->pkts[pi];
		for (uint32_t i = 0; i < p->nhops; i++) {
			struct nfp_hop *h = &t->hops[p->hops[i]];
			if (t->hooks.resolve)
				t->hooks.resolve(t->hooks.resolve_ctx, t, h);
			t->st.box_verdict[h->layer < 3 ? h->layer : 0][h->box < NFP_BOX__COUNT ? h->box : 0]
					 [h->verdict <= NFP_V_OTHER ? h->verdict : NFP_V_OTHER]++;
		}
		capture_fate_compute(t, number_of(t, pi));
		t->flows_done++;
		if (t->hooks.on_done)
			t->hooks.on_done(t->hooks.done_ctx, t, number_of(t, pi));
	}
}

/* ---- bounded memory ---------------------------------------------------- */

static void compact_hops(struct capture_trace *t)
{
	size_t live = 0;
	for (size_t i = 0; i < t->npkts; i++)
		live += t->pkts[i].nhops;
	if (t->nhops < 8192 || live * 2 > t->nhops)
		return;
	uint32_t *remap = malloc(t->nhops * sizeof(*remap));
	if (!remap)
		return; /* try again next time */
	for (size_t i = 0; i < t->nhops; i++)
		remap[i] = NFP_NONE;
	for (size_t i = 0; i < t->npkts; i++)
		for (uint32_t k = 0; k < t->pkts[i].nhops; k++)
			remap[t->pkts[i].hops[k]] = 0;
	size_t w = 0;
	for (size_t i = 0; i < t->nhops; i++)
		if (remap[i] != NFP_NONE) {
			t->hops[w] = t->hops[i];
			remap[i] = (uint32_t)w++;
		}
	for (size_t i = 0; i < t->npkts; i++)
		for (uint32_t k = 0; k < t->pkts[i].nhops; k++)
			t->pkts[i].hops[k] = remap[t->pkts[i].hops[k]];
	t->nhops = w;
	free(remap);
}

/* Flows not seen for a window of packets before the oldest one kept are
 * forgotten, with their tuples: a later packet of the connection starts a
 * new flow, as in a capture started then. The margin is for packets still
 * open (their flow not yet assigned) whose flow's older packets just went.
 * Run when forgettable flows could outnumber the rest, so the cost is
 * amortised over the packets that made them. */
static void compact_flows(struct capture_trace *t)
{
	if (t->nflows < 1024 || t->nflows < 3 * t->npkts)
		return;
	uint32_t *remap = malloc(t->nflows * sizeof(*remap));
	if (!remap)
		return; /* try again next time */
	size_t w = 0;
	for (size_t f = 0; f < t->nflows; f++)
		remap[f] = t->flows[f].last_packet + t->npkts >= t->pkt_base ? (uint32_t)w++ : NFP_NONE;
	size_t cap = 256, keep = 0;
	for (size_t i = 0; i < t->fhcap; i++)
		if (t->fh[i].flow != NFP_NONE && remap[t->fh[i].flow] != NFP_NONE)
			keep++;
	while (cap < (keep + 2) * 3)
		cap *= 2;
	/* the table first: if it cannot move, nothing has changed */
	if (slot_rehash(t, cap, remap) < 0) {
		free(remap);
		return;
	}
	for (size_t f = 0; f < t->nflows; f++)
		if (remap[f] != NFP_NONE)
			t->flows[remap[f]] = t->flows[f];
	free(remap);
	t->nflows = w;
	if (t->capflows > 2 * w + 256) {
		struct nfp_flow *nf = realloc(t->flows, (w + 256) * sizeof(*nf));
		if (nf) {
			t->flows = nf;
			t->capflows = w + 256;
		}
	}
}

static size_t trim(struct capture_trace *t, size_t max)
{
	if (!max || t->npkts <= max)
		return 0;
	size_t k = t->npkts - max;
	if (k > t->flows_done)
		k = t->flows_done; /* only finished packets go */
	if (!k)
		return 0;
	for (size_t i = 0; i < k; i++)
		free(t->pkts[i].hops);
	memmove(t->pkts, t->pkts + k, (t->npkts - k) * sizeof(*t->pkts));
	t->npkts -= k;
	t->flows_done -= k;
	for (int i = 0; i < t->nopen; i++)
		t->open[i] -= (uint32_t)k;
	for (size_t f = 0; f < t->nflows; f++)
		t->flows[f].first_packet = t->flows[f].first_packet >= k ? t->flows[f].first_packet - (uint32_t)k : NFP_NONE;
	t->pkt_base += k;
	/* handed to on_done already (streamed): gone from memory, not lost */
	if (!t->hooks.on_done)
		t->st.dropped_packets += k;
	compact_hops(t);
	compact_flows(t);
	return k;
}

/* ---- completion and packet numbers ------------------------------------ */

/* settles what closed, then forgets the oldest complete packets past the
 * window (amortised like capture_trace_add) */
static void finish(struct capture_trace *t)
{
	settle(t);
	if (t->max_packets && t->npkts > t->max_packets + t->max_packets / 4 + 64)
		trim(t, t->max_packets);
}

void capture_trace_tick(struct capture_trace *t, double now)
{
	close_idle(t, 1, now);
	finish(t);
}

void capture_trace_flush(struct capture_trace *t)
{
	while (t->nopen) {
		close_packet(t, t->open[t->nopen - 1]);
		t->nopen--;
	}
	finish(t);
}

size_t capture_trace_first(const struct capture_trace *t)
{
	return t->pkt_base + 1;
}

size_t capture_trace_last(const struct capture_trace *t)
{
	return t->pkt_base + t->npkts;
}

const struct nfp_packet *capture_trace_packet(const struct capture_trace *t, size_t num)
{
	if (num <= t->pkt_base || num > t->pkt_base + t->npkts)
		return NULL;
	return &t->pkts[num - t->pkt_base - 1];
}

size_t capture_trace_open_count(const struct capture_trace *t)
{
	return (size_t)t->nopen;
}

size_t capture_trace_count(const struct capture_trace *t)
{
	return t->npkts;
}

size_t capture_trace_packet_number(const struct capture_trace *t, const struct nfp_packet *p)
{
	if (!p || !t->npkts || p < t->pkts || p >= t->pkts + t->npkts)
		return 0;
	return t->pkt_base + (size_t)(p - t->pkts) + 1;
}

size_t capture_trace_open_packet(const struct capture_trace *t, size_t k)
{
	if (k >= (size_t)t->nopen)
		return 0;
	return t->pkt_base + t->open[k] + 1;
}

struct nfp_packet *capture_trace_packet_mut(struct capture_trace *t, size_t num)
{
	if (num <= t->pkt_base || num > t->pkt_base + t->npkts)
		return NULL;
	return &t->pkts[num - t->pkt_base - 1];
}

const struct nfp_hop *capture_packet_hop(const struct capture_trace *t, const struct nfp_packet *p, uint32_t i)
{
	return &t->hops[p->hops[i]];
}

const char *capture_str(const struct capture_trace *t, uint32_t id)
{
	return capture_strpool_get(t->sp, id);
}

struct nfp_hop *capture_packet_hop_mut(struct capture_trace *t, const struct nfp_packet *p, uint32_t i)
{
	return &t->hops[p->hops[i]];
}

size_t capture_trace_hop_count(const struct capture_trace *t)
{
	return t->nhops;
}

const struct nfp_hop *capture_trace_hop(const struct capture_trace *t, size_t i)
{
	return i < t->nhops ? &t->hops[i] : NULL;
}

/* ---- the rest of the model, read and set ------------------------------ */

const struct capture_trace_stats *capture_trace_stats(const struct capture_trace *t)
{
	return &t->st;
}

struct capture_trace_stats *capture_trace_counters(struct capture_trace *t)
{
	return &t->st;
}

const struct capture_rules *capture_trace_rules(const struct capture_trace *t)
{
	return t->rules;
}

void capture_trace_set_rules(struct capture_trace *t, const struct capture_rules *rules)
{
	t->rules = rules;
}

int capture_trace_many_hosts(const struct capture_trace *t)
{
	return t->host_many;
}

size_t capture_trace_flows_total(const struct capture_trace *t)
{
	return t->flows_total;
}

size_t capture_trace_flow_count(const struct capture_trace *t)
{
	return t->nflows;
}

unsigned long capture_trace_unplaced(const struct capture_trace *t, int why)
{
	return why >= 0 && why < NFP_UNPLACED__COUNT ? t->boxmap.unplaced[why] : 0;
}

struct capture_boxmap *capture_trace_boxmap(struct capture_trace *t)
{
	return &t->boxmap;
}

size_t capture_trace_window(const struct capture_trace *t)
{
	return t->max_packets;
}

void capture_trace_set_window(struct capture_trace *t, size_t max)
{
	t->max_packets = max;
}

void capture_trace_set_grace(struct capture_trace *t, double seconds)
{
	t->grace = seconds;
}

struct capture_strpool *capture_trace_strpool(struct capture_trace *t)
{
	return t->sp;
}

const struct capture_strpool *capture_trace_strings(const struct capture_trace *t)
{
	return t->sp;
}

size_t capture_str_len(const struct capture_trace *t, uint32_t id)
{
	return capture_strpool_len(t->sp, id);
}

/* ---- names ----------------------------------------------------------- */

size_t capture_trace_name_count(const struct capture_trace *t)
{
	return t->nnames;
}

int capture_trace_name_at(const struct capture_trace *t, size_t i, int *kind, uint32_t *key, uint32_t *val)
{
	if (i >= t->nnames)
		return -1;
	*kind = t->names[i].kind;
	*key = t->names[i].key;
	*val = t->names[i].val;
	return 0;
}


int capture_trace_add_name(struct capture_trace *t, uint32_t host, int kind, uint32_t key, uint32_t val)
{
	for (size_t i = 0; i < t->nnames; i++)
		if (t->names[i].kind == kind && t->names[i].key == key && t->names[i].host == host) {
			t->names[i].val = val;
			return 0;
		}
	if (capture_grow((void **)&t->names, &t->capnames, t->nnames + 1, sizeof(*t->names)) < 0)
		return -1;
	t->names[t->nnames++] = (struct nfp_name){ key, val, host, (uint8_t)kind };
	return 0;
}

/* Two hosts' recordings can name one key differently (each host has its
 * eth1; Docker gives each host's first container 172.17.0.2): the name is
 * the one the asked host's recording gave, or one given without a host;
 * for no host, or an address its own host did not name, the name every
 * host agrees on, else none. A device is never named by another host. */
uint32_t capture_trace_name_on(const struct capture_trace *t, uint32_t host, int kind, const char *key)
{
	if (!t->nnames || !key)
		return 0;
	uint32_t id = capture_strpool_find(t->sp, key, strlen(key));
	if (id == UINT32_MAX || id == 0)
		return 0;
	uint32_t any = 0, hostless = 0;
	int agree = 1;
	for (size_t i = 0; i < t->nnames; i++) {
		const struct nfp_name *n = &t->names[i];
		if (n->kind != kind || n->key != id)
			continue;
		if (host && n->host == host)
			return n->val;
		if (!n->host)
			hostless = n->val;
		if (any && any != n->val)
			agree = 0;
		if (!any)
			any = n->val;
	}
	if (host && kind == 1)
		return hostless;
	return agree ? any : 0;
}

uint32_t capture_trace_name(const struct capture_trace *t, int kind, const char *key)
{
	return capture_trace_name_on(t, 0, kind, key);
}
