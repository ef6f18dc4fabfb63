/* fate: how each packet's walk ended, computed once when it settles.
 *
 * Every packet gets one fate: forwarded (left through a device or bridge
 * port), delivered (reached the local input path), sent (made here and
 * left), dropped (by a rule, a chain's policy, or the kernel with a drop
 * reason), rejected (a REJECT rule, with the answer it sent when that was
 * traced), queued / stolen (a verdict said so), or unknown (the trace just
 * ends: the fate says after which box and what the kernel could have done
 * there). The printers, the diagram, the comparison and the explorer all
 * read this one result; none of them works it out again.
 *
 * The stitcher calls capture_fate_compute() for each packet as it settles,
 * after its hops are resolved (verdicts from rule text), so a fate never
 * changes afterwards except for the reject-answer links, which name a
 * packet that may settle later. */
#ifndef NFP_FATE_H
#define NFP_FATE_H

#include <stddef.h>
#include <stdint.h>

#include "box.h"

struct capture_trace;
struct nfp_packet;

enum nfp_fate_kind {
	NFP_FATE_UNKNOWN,
	NFP_FATE_FORWARDED,
	NFP_FATE_DELIVERED,
	NFP_FATE_SENT,
	NFP_FATE_DROPPED,
	NFP_FATE_REJECTED,
	NFP_FATE_QUEUED,
	NFP_FATE_STOLEN,
	NFP_FATE__COUNT
};

/* what decided it */
enum nfp_fate_by {
	NFP_FATE_BY_NONE,     /* no verdict: where the walk ended */
	NFP_FATE_BY_RULE,     /* a rule's verdict (hop) */
	NFP_FATE_BY_POLICY,   /* a base chain's policy (hop) */
	NFP_FATE_BY_KERNEL,   /* an NFP_KIND_DROP hop: the kernel freed it (reason) */
	NFP_FATE_BY_INFERRED, /* the trace ends in a chain; --rules says which later rule takes it */
};

/* why an unknown fate is unknown: what the kernel does next */
enum nfp_fate_why {
	NFP_WHY_NONE,
	NFP_WHY_ROUTING,    /* IPv4: next comes the routing decision (no route, rp_filter, martians) */
	NFP_WHY_BRIDGING,   /* next comes the bridging decision (port state, MAC lookup) */
	NFP_WHY_IN_CHAIN,   /* ends inside a chain after a rule that continues: later rules untraced */
	NFP_WHY_NO_VERDICT, /* the last hop's verdict is not in the trace (no --rules) */
	NFP_WHY_NO_BOX,	    /* no hop could be placed on the diagram */
	NFP_WHY_NOT_OUT,    /* a live capture's POSTROUTING probe never saw it leave */
	NFP_WHY_ROUTING6,   /* IPv6: next comes ip6's routing decision (no route, forwarding off, scope) */
	NFP_WHY_NEIGH,	    /* ARP: next comes the neighbour layer (arp_process: arp_ignore, arp_filter) */
	NFP_WHY_UP,	    /* a frame of no known family handed up: its protocol's handler comes next */
};

#define NFP_FATE_F_ROUTED 0x01 /* forwarded: seen only leaving the bridge's OUTPUT, from another host's address */
#define NFP_FATE_F_FLOODED 0x02 /* forwarded: the bridge flooded the frame to nports ports */
#define NFP_FATE_F_UP 0x04	 /* flooded: a copy went up to the host as well */

struct nfp_fate {
	uint8_t kind, by, why, layer;
	uint16_t box;	    /* where it died, or the last box it crossed */
	uint8_t flags;	    /* NFP_FATE_F_* */
	uint8_t nports;	    /* NFP_FATE_F_FLOODED: the ports it left by (255: 255 or more) */
	uint32_t hop;	    /* 0-based hop that decided it (or the last placed hop); UINT32_MAX none */
	uint32_t table, chain; /* strpool ids of the deciding hop's table and chain */
	int32_t rule;	    /* rule number in that chain, -1 none */
	uint32_t rule_text; /* strpool id, 0 none */
	uint32_t reason, location; /* strpool ids from an NFP_KIND_DROP hop (also NETFILTER_DROP on a rule) */
	uint32_t dev;	    /* forwarded/sent: the port or device it left by; delivered/unknown: where it came in */
	uint32_t dev_host;  /* strpool id of the host dev is on (its name is that host's), 0 none */
	size_t answer;	    /* rejected: number of the packet the kernel sent in answer, 0 none */
	size_t answers;	    /* this packet is the answer to the REJECT of packet number N, 0 none */
};

/* Addresses the settled packets showed to be this host's own: sources of
 * what it made (IP OUTPUT first, or ARP / neighbour discovery it sent,
 * which are never routed) and destinations of what it delivered. A frame
 * seen only at the bridge's OUTPUT came from the host's IP layer: made here
 * when its source is one of these, routed here when it is not. */
#define NFP_FATE_HOSTS 16
struct capture_fate_hosts {
	uint8_t addr[NFP_FATE_HOSTS][16];
	uint8_t l3[NFP_FATE_HOSTS];
	uint8_t n, next;
	size_t looked; /* packets up to this number were looked at ahead of their turn */
};

/* Counted as packets settle (--stats streams: the packets are gone by then). */
#define NFP_FATE_NREASONS 64
struct capture_fate_stats {
	unsigned long kind[NFP_FATE__COUNT];
	/* dropped [0] and rejected [1] packets by [layer][box] of death */
	unsigned long died_at[3][NFP_BOX__COUNT][2];
	struct {
		uint32_t reason; /* strpool id */
		unsigned long n;
	} reasons[NFP_FATE_NREASONS];
	unsigned long reasons_other; /* reasons past the table */
	/* not a count: fate.c's memory of this host's addresses, which lives
	 * as long as the counts */
	struct capture_fate_hosts hosts;
};

/* Computes packet num's fate into its .fate and counts it in the trace's stats.
 * Also links a REJECT with its answer: a packet settling now that answers
 * an earlier rejected one (or one still in flight that answers num). */
void capture_fate_compute(struct capture_trace *t, size_t num);

const char *capture_fate_kind_name(int kind); /* "forwarded", ... */
/* What the kernel could have done where an unknown fate's trace ends, in
 * words ("" for other fates). Static text. */
const char *capture_fate_why_text(int why);
/* The name learnt for the fate's device (a container, a netns), or "". */
const char *capture_fate_dev_name(const struct capture_trace *t, const struct nfp_fate *f);

/* The packet filter's fate words: "drop"/"dropped" (dropped or rejected),
 * "reject"/"rejected", "forwarded", "delivered", "sent", "queued",
 * "stolen", and "fate:KIND" for any kind. Returns 1 when p matches, 0 when
 * not, -1 when needle is not a fate word (the caller matches text). */
int capture_fate_filter(const struct capture_trace *t, const struct nfp_packet *p, const char *needle);

#endif
