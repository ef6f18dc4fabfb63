/* trace: the hop store and the stitcher.
 *
 * Hops arrive in input order from any source (capture_trace_add); the
 * stitcher groups them into packets (by trace id and packet identity, see
 * trace.c) and packets into flows (by connection tuple across NAT, or the
 * kernel's conntrack id). Everything downstream reads packets and flows
 * through the functions below: struct capture_trace is opaque (defined in
 * trace.c). Packets are struct nfp_packet, read-only outside capture/;
 * their hops[] are handles for capture_packet_hop, not positions.
 *
 * Completion belongs to the trace alone. A packet is complete when it is
 * pushed out of the open set (the 64 most recently touched packets), has
 * had no hop for NFP_IDLE_HOPS hops of the stream, has had no hop for
 * `grace` seconds of the stream's clock (capture_trace_tick), or the input
 * ended (capture_trace_flush). Complete packets get their flows in packet
 * order, are resolved, counted, and handed to on_done; past the window
 * (capture_trace_set_window) the oldest complete ones are forgotten.
 *
 * Packets are addressed by number: the first packet ever is 1, and a
 * number stays the packet's while it is kept (capture_trace_packet).
 *
 * Ownership: the trace owns its hops, packets, flows and strpool. Pointers
 * into the arrays are invalidated by the next capture_trace_add(),
 * capture_trace_tick() or capture_trace_flush(). */
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
#define NFP_IDLE_HOPS 4096 /* a packet with no hop among this many is complete */
#define NFP_GRACE 0.3	   /* default seconds without a hop before a packet is complete */

struct nfp_packet {
	uint32_t *hops; /* in traversal order: handles for capture_packet_hop */
	uint32_t nhops, cap;
	uint32_t flow;	/* flow number (0-based, stable), NFP_NONE until assigned */
	uint32_t trace_id;
	uint32_t last_seq; /* trace->seq when last touched */
	uint32_t ct_id;
	uint32_t host;	/* the host of its latest hop that named one (strpool id) */
	uint32_t ins;	/* where that host's hops go in hops[]: NFP_NONE at the end; else
			 * before the walk of a host it reached (merged recordings) */
	double last_ts; /* time of the latest hop that had one (has_ts) */
	/* ct: the state; ct_kernel: the kernel said so (with ct UNKNOWN: the
	 * kernel reported no conntrack for it: not tracked) */
	uint8_t dir, ct, ct_kernel, maxrank, open, has_ts;
	uint8_t fresh;	    /* a hop came since the last tick */
	double quiet_since; /* the stream's clock at the first tick after its latest hop */
	struct nfp_pkt ident; /* fields of the first hop that had them */
	struct nfp_pkt cur;   /* fields at the latest hop that had them */
	/* a tunnel's outer packet carried it (VXLAN, Geneve): its fields at
	 * the latest tunnel hop (outer.flags 0: never in a tunnel). ident and
	 * cur stay the carried packet's. */
	struct nfp_pkt outer;
	uint8_t tun;	    /* NFP_TUN_NEVER, NFP_TUN_INSIDE (encapsulated now), NFP_TUN_OUT */
	uint8_t last_hook;  /* enum nfp_hook of its latest hop */
	uint8_t ident_outer; /* ident and cur are the outer packet's: no carried packet's hop came yet */
	struct nfp_fate fate; /* set when the packet settles (fate.h) */
};
enum { NFP_TUN_NEVER, NFP_TUN_INSIDE, NFP_TUN_OUT };

/* A hop of a tunnel's outer packet: its trace event showed the tunnel
 * header, or the kernel dropped a UDP packet to a tunnel port. */
int capture_hop_is_tunnel(const struct nfp_hop *h);
/* Which end of the tunnel a hop of its outer packet is at: 1 where it is
 * made and leaves (output, postrouting), 2 where it arrives (prerouting,
 * input), 0 neither (no tunnel hop, a drop, a hook not known). */
int capture_hop_tunnel_side(const struct nfp_hop *h);
/* The outer packet's identity, the same on both hosts (IP ID, length, the
 * addresses' last bytes; the underlay does not NAT it); 0 without IP ID. */
uint64_t capture_hop_tunnel_key(const struct nfp_hop *h);


struct capture_trace_stats {
	unsigned long lines, skipped, bad, hops, lost_events, dropped_packets;
	unsigned long why[NFP_WHY__COUNT]; /* skipped and bad lines per cause (enum nfp_why) */
	unsigned long overruns; /* kernel queue overruns: events lost, number unknown */
	unsigned long by_source[NFP_SRC__COUNT];
	/* hops of settled packets by [layer][box][verdict] */
	unsigned long box_verdict[3][NFP_BOX__COUNT][NFP_V_OTHER + 1];
	struct capture_fate_stats fate; /* packets by fate, as they settle */
};

struct capture_trace;

/* What the owner plugs in at creation; every member is optional. */
struct capture_trace_hooks {
	/* fills in a complete packet's hop (rule text, implied verdict)
	 * before it is counted; resolve_free(resolve_ctx) runs when the
	 * trace is freed (the trace owns resolve_ctx) */
	void (*resolve)(void *ctx, struct capture_trace *t, struct nfp_hop *h);
	void *resolve_ctx;
	void (*resolve_free)(void *ctx);
	/* called once per complete packet, in packet-number order, with its
	 * number; the packet is readable (capture_trace_packet) until the
	 * trace forgets it. done_ctx is the caller's. */
	void (*on_done)(void *ctx, const struct capture_trace *t, size_t num);
	void *done_ctx;
};


/* hooks may be NULL (no resolving, no on_done). NULL with errno on failure. */
struct capture_trace *capture_trace_new(const struct capture_trace_hooks *hooks);
void capture_trace_free(struct capture_trace *t);

/* Copies hop h into the trace and stitches it. Returns the number of the
 * packet it joined, or -1 with errno on allocation failure. */
long capture_trace_add(struct capture_trace *t, const struct nfp_hop *h);
/* The number of the open packet hop h would join, or -1 when it would
 * start a new one (the live capture keeps a kernel drop only when it
 * belongs to a traced packet). Changes nothing. */
long capture_trace_match(struct capture_trace *t, const struct nfp_hop *h);

/* The stream's clock moved to now (seconds, any clock that only goes
 * forward; the arrival time of the data fed last): packets quiet for more
 * than grace seconds, or NFP_IDLE_HOPS hops, are complete. Call it after
 * feeding each batch of input and when the input pauses, but not while a
 * line is cut short (the rest of the packet may be on its way). */
void capture_trace_tick(struct capture_trace *t, double now);

/* The input ended: every open packet is complete. */
void capture_trace_flush(struct capture_trace *t);

/* Packets by number: the oldest kept, and the newest (first > last when
 * none is kept); NULL for a number not kept (forgotten, or not yet seen). */
size_t capture_trace_first(const struct capture_trace *t);
size_t capture_trace_last(const struct capture_trace *t);
const struct nfp_packet *capture_trace_packet(const struct capture_trace *t, size_t num);
/* open packets (not yet complete) */
size_t capture_trace_open_count(const struct capture_trace *t);

/* Kept packets, numbered capture_trace_first() .. capture_trace_last()
 * without gaps: iterate by number, never by an array index:
 *	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++)
 *		p = capture_trace_packet(t, n);
 * capture_trace_count is how many that is. */
size_t capture_trace_count(const struct capture_trace *t);
/* The number of kept packet p (a pointer capture_trace_packet gave), 0 when
 * p is not one of t's kept packets. */
size_t capture_trace_packet_number(const struct capture_trace *t, const struct nfp_packet *p);
/* The number of the k-th open packet (k < capture_trace_open_count), 0
 * past the end; open packets are kept, so capture_trace_packet finds it. */
size_t capture_trace_open_packet(const struct capture_trace *t, size_t k);

/* Counters of the input and of settled packets (read-only view). */
const struct capture_trace_stats *capture_trace_stats(const struct capture_trace *t);
/* The ruleset given to the trace (capture_trace_set_rules), NULL if none. */
const struct capture_rules *capture_trace_rules(const struct capture_trace *t);
/* Whether hops named two or more hosts (the outputs show hosts then). */
int capture_trace_many_hosts(const struct capture_trace *t);
/* Flows ever seen, and flows still held (those with packets in memory). */
size_t capture_trace_flows_total(const struct capture_trace *t);
size_t capture_trace_flow_count(const struct capture_trace *t);
/* Hops left off the diagram for cause why (enum capture_box_why). */
unsigned long capture_trace_unplaced(const struct capture_trace *t, int why);
/* The window of packets kept (0: unlimited), see capture_trace_set_window. */
size_t capture_trace_window(const struct capture_trace *t);
/* Length of interned string id (capture_str gives its text). */
size_t capture_str_len(const struct capture_trace *t, uint32_t id);
/* The string pool, read-only (for writers that take one). */
const struct capture_strpool *capture_trace_strings(const struct capture_trace *t);

/* The hop store in arrival order: capture_trace_hop_count() hops, the
 * i-th by capture_trace_hop(t, i). Store positions are no packet numbers
 * and move when the hops of forgotten packets are compacted away (after
 * capture_trace_add/tick/flush): read a packet's hops with
 * capture_packet_hop; this view is for writing a whole recording and for
 * tests of the decoders. */
size_t capture_trace_hop_count(const struct capture_trace *t);
const struct nfp_hop *capture_trace_hop(const struct capture_trace *t, size_t i);

/* Names recorded with capture_trace_add_name, i < capture_trace_name_count:
 * fills kind, key and val (strpool ids); -1 past the end. */
size_t capture_trace_name_count(const struct capture_trace *t);
int capture_trace_name_at(const struct capture_trace *t, size_t i, int *kind, uint32_t *key, uint32_t *val);

/* ---- for the sources and the model (capture/) ---- */

/* The string pool the trace's hops point into: sources intern into it.
 * Owned by the trace, lives as long as it. */
struct capture_strpool *capture_trace_strpool(struct capture_trace *t);
/* The counters a source adds to (lines read, skipped, bad, losses). */
struct capture_trace_stats *capture_trace_counters(struct capture_trace *t);
/* The ruleset hops are placed and resolved against; not owned, must
 * outlive the trace or be replaced. */
void capture_trace_set_rules(struct capture_trace *t, const struct capture_rules *rules);
/* Keep at most about max complete packets (0: all); past it the oldest
 * complete ones are forgotten (after on_done, when there is one). */
void capture_trace_set_window(struct capture_trace *t, size_t max);
/* Seconds of the stream's clock without a hop before a packet is complete
 * (NFP_GRACE by default). */
void capture_trace_set_grace(struct capture_trace *t, double seconds);
/* The hop -> box placement state (box.c's), owned by the trace. */
struct capture_boxmap *capture_trace_boxmap(struct capture_trace *t);
/* Writable views for the model's own stages (box placement, resolving,
 * fate): same lifetime rules as the const ones. */
struct nfp_packet *capture_trace_packet_mut(struct capture_trace *t, size_t num);
struct nfp_hop *capture_packet_hop_mut(struct capture_trace *t, const struct nfp_packet *p, uint32_t i);

/* Records a name for a device (kind 1) or address text (kind 2) that the
 * recording of host (strpool id, 0 when it named none) gave. */
int capture_trace_add_name(struct capture_trace *t, uint32_t host, int kind, uint32_t key, uint32_t val);
/* The name of a device or address on host (a hop's host; 0 when not
 * known), 0 when none: another host's name for a device is never given,
 * and for no host only a name every host that named it agrees on. */
uint32_t capture_trace_name_on(const struct capture_trace *t, uint32_t host, int kind, const char *key);
uint32_t capture_trace_name(const struct capture_trace *t, int kind, const char *key);

/* Hop i (< p->nhops) of kept packet p, in traversal order. */
const struct nfp_hop *capture_packet_hop(const struct capture_trace *t, const struct nfp_packet *p, uint32_t i);

/* The packet's conntrack state as a word: "not tracked" when the kernel
 * reported no conntrack for it, "unknown" when nothing tells (ARP, an ICMP
 * error whose connection was not seen). Static strings. */
static inline const char *capture_packet_ct_name(const struct nfp_packet *p)
{
	if (p->ct == NFP_CT_UNKNOWN)
		return p->ct_kernel ? "not tracked" : "unknown";
	return nfp_ct_name(p->ct);
}

/* The text of interned string id ("" for 0); lives as long as the trace. */
const char *capture_str(const struct capture_trace *t, uint32_t id);

#endif
