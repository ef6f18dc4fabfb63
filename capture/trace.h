/* trace: the hop store and the stitcher.
 *
 * Hops arrive in input order from any source (capture_trace_add); the
 * stitcher groups them into packets (by trace id and packet identity, see
 * trace.c) and packets into flows (by connection tuple across NAT, or the
 * kernel's conntrack id). Everything downstream reads packets and flows
 * through this struct; the fields are read-only outside capture/.
 *
 * Ownership: the trace owns its hops, packets, flows and strpool. Pointers
 * into the arrays are invalidated by the next capture_trace_add(). */
#ifndef NFP_TRACE_H
#define NFP_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "box.h"
#include "fate.h"
#include "hop.h"
#include "strpool.h"

struct capture_rules;

#define NFP_NONE UINT32_MAX
#define NFP_MAX_HOPS 4096 /* hops of one packet; more start a new packet */
#define NFP_PACKET_GAP 5.0 /* seconds between two hops of one packet, at most (but NFQUEUE) */

struct nfp_packet {
	uint32_t *hops; /* indices into trace->hops, in traversal order */
	uint32_t nhops, cap;
	uint32_t flow;	/* flow number (0-based, stable), NFP_NONE until assigned */
	uint32_t trace_id;
	uint32_t last_seq; /* trace->seq when last touched */
	uint32_t ct_id;
	double last_ts; /* time of the latest hop that had one (has_ts) */
	/* ct: the state; ct_kernel: the kernel said so (with ct UNKNOWN: the
	 * kernel reported no conntrack for it: not tracked) */
	uint8_t dir, ct, ct_kernel, maxrank, open, has_ts;
	struct nfp_pkt ident; /* fields of the first hop that had them */
	struct nfp_pkt cur;   /* fields at the latest hop that had them */
	struct nfp_fate fate; /* set when the packet settles (fate.h) */
};

struct nfp_flow {
	uint32_t id; /* the flow number packets carry in nfp_packet.flow */
	uint32_t first_packet;
	uint32_t npackets;
	uint32_t ct_id;
	size_t last_packet; /* its latest packet, counted from the first ever (pkt_base + index) */
	uint8_t replied;    /* a packet went the reply way: conntrack's NEW is over */
	uint8_t last_dir;   /* direction of its latest packet */
};

struct capture_trace_stats {
	unsigned long lines, skipped, bad, hops, lost_events, dropped_packets;
	unsigned long why[NFP_WHY__COUNT]; /* skipped and bad lines per cause (enum nfp_why) */
	unsigned long overruns; /* kernel queue overruns: events lost, number unknown */
	unsigned long by_source[NFP_SRC__COUNT];
	/* hops of settled packets by [layer][box][verdict] */
	unsigned long box_verdict[3][NFP_BOX__COUNT][NFP_V_OTHER + 1];
	struct capture_fate_stats fate; /* packets by fate, as they settle */
};

struct capture_resolver;

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
	size_t max_packets; /* 0 = unlimited; past it the oldest packets go */
	/* called once per packet when it is complete, its flow known and its
	 * hops resolved, in packet order (streaming printers) */
	void (*on_done)(void *ctx, const struct capture_trace *t, size_t pi);
	void *done_ctx;
	struct capture_resolver *resolver;
	size_t pkt_base;    /* packets dropped before pkts[0]: pkts[i] is number pkt_base + i + 1 */
	/* stitcher state */
	uint32_t open[64];
	int nopen;
	uint32_t seq;
	size_t flows_done; /* packets [0, flows_done) have flows */
	struct flow_slot *fh;
	size_t fhcap, fhcount;
	struct capture_boxmap boxmap;
	/* names learnt for devices and addresses (strpool ids, key -> name) */
	struct nfp_name {
		uint32_t key, val;
		uint8_t kind;
	} *names;
	size_t nnames, capnames;
};

struct capture_trace *capture_trace_new(void);
void capture_trace_free(struct capture_trace *t);

/* Copies hop h into the trace and stitches it. Returns the packet index it
 * joined, or -1 with errno on allocation failure. */
long capture_trace_add(struct capture_trace *t, const struct nfp_hop *h);

/* Closes packets idle for more than idle_seq hops (0: all) and assigns
 * flows to every closed packet in packet order. */
void capture_trace_settle(struct capture_trace *t, uint32_t idle_seq);

/* Drops the oldest packets (closed, with flows) until at most max remain,
 * and compacts the hops when half of them belong to dropped packets.
 * Indices into pkts shift down by the number dropped (returned). */
size_t capture_trace_trim(struct capture_trace *t, size_t max);

/* Records a name for a device (kind 1) or address text (kind 2). */
int capture_trace_add_name(struct capture_trace *t, int kind, uint32_t key, uint32_t val);
/* The name for a device or address string id, 0 when none. */
uint32_t capture_trace_name(const struct capture_trace *t, int kind, const char *key);

static inline const struct nfp_hop *capture_packet_hop(const struct capture_trace *t, const struct nfp_packet *p,
							uint32_t i)
{
	return &t->hops[p->hops[i]];
}

/* The packet's conntrack state as a word: "not tracked" when the kernel
 * reported no conntrack for it, "unknown" when nothing tells (ARP, an ICMP
 * error whose connection was not seen). Static strings. */
static inline const char *capture_packet_ct_name(const struct nfp_packet *p)
{
	if (p->ct == NFP_CT_UNKNOWN)
		return p->ct_kernel ? "not tracked" : "unknown";
	return nfp_ct_name(p->ct);
}

static inline const char *capture_str(const struct capture_trace *t, uint32_t id)
{
	return capture_strpool_get(t->sp, id);
}

#endif
