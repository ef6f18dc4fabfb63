/* box: where a hop sits on the netfilter diagram.
 *
 * A box is a table's chain at a hook ("nat:PREROUTING"); together with the
 * layer (link when called from the bridge, network otherwise) it names one
 * box of the drawn diagram. Mapping rules follow shared reference §1-§2. */
#ifndef NFP_BOX_H
#define NFP_BOX_H

#include <stddef.h>
#include <stdint.h>

enum nfp_hook {
	NFP_HOOK_NONE,
	NFP_HOOK_PREROUTING,
	NFP_HOOK_INPUT,
	NFP_HOOK_FORWARD,
	NFP_HOOK_OUTPUT,
	NFP_HOOK_POSTROUTING,
	NFP_HOOK_INGRESS,
	NFP_HOOK_EGRESS,
	NFP_HOOK_BROUTING,
};

#define NFP_BOXES(_)                                                  \
	_(NONE, "", 0, NONE, 0)                                        \
	_(EB_BROUTE_BROUTING, "eb:broute:BROUTING", 1, BROUTING, 1)   \
	_(EB_NAT_PREROUTING, "eb:nat:PREROUTING", 1, PREROUTING, 2)   \
	_(RAW_PREROUTING, "raw:PREROUTING", 0, PREROUTING, 3)         \
	_(MANGLE_PREROUTING, "mangle:PREROUTING", 0, PREROUTING, 4)   \
	_(NAT_PREROUTING, "nat:PREROUTING", 0, PREROUTING, 5)         \
	_(EB_FILTER_INPUT, "eb:filter:INPUT", 1, INPUT, 6)            \
	_(EB_FILTER_FORWARD, "eb:filter:FORWARD", 1, FORWARD, 6)      \
	_(MANGLE_INPUT, "mangle:INPUT", 0, INPUT, 7)                  \
	_(FILTER_INPUT, "filter:INPUT", 0, INPUT, 8)                  \
	_(SECURITY_INPUT, "security:INPUT", 0, INPUT, 9)              \
	_(NAT_INPUT, "nat:INPUT", 0, INPUT, 10)                       \
	_(MANGLE_FORWARD, "mangle:FORWARD", 0, FORWARD, 7)            \
	_(FILTER_FORWARD, "filter:FORWARD", 0, FORWARD, 8)            \
	_(SECURITY_FORWARD, "security:FORWARD", 0, FORWARD, 9)        \
	_(RAW_OUTPUT, "raw:OUTPUT", 0, OUTPUT, 3)                     \
	_(MANGLE_OUTPUT, "mangle:OUTPUT", 0, OUTPUT, 4)               \
	_(NAT_OUTPUT, "nat:OUTPUT", 0, OUTPUT, 5)                     \
	_(FILTER_OUTPUT, "filter:OUTPUT", 0, OUTPUT, 8)               \
	_(SECURITY_OUTPUT, "security:OUTPUT", 0, OUTPUT, 9)           \
	_(MANGLE_POSTROUTING, "mangle:POSTROUTING", 0, POSTROUTING, 11) \
	_(NAT_POSTROUTING, "nat:POSTROUTING", 0, POSTROUTING, 12)     \
	_(EB_NAT_OUTPUT, "eb:nat:OUTPUT", 1, OUTPUT, 13)              \
	_(EB_FILTER_OUTPUT, "eb:filter:OUTPUT", 1, OUTPUT, 14)        \
	_(EB_NAT_POSTROUTING, "eb:nat:POSTROUTING", 1, POSTROUTING, 15) \
	_(INGRESS, "ingress", 2, INGRESS, 0)                          \
	_(EGRESS, "egress", 2, EGRESS, 16)                            \
	_(BRIDGE_CHECK, "bridge_check", 3, NONE, 0)                   \
	_(ROUTE_IN, "route_in", 3, NONE, 0)                           \
	_(SOCKET_LOOKUP, "socket_lookup", 3, NONE, 0)                 \
	_(LOCAL_PROCESS, "local_process", 3, NONE, 0)                 \
	_(ROUTE_OUT, "route_out", 3, NONE, 0)                         \
	_(IFACE_OUTPUT, "interface_output", 3, NONE, 0)               \
	_(ARP_INPUT, "arp:INPUT", 4, INPUT, 0)                        \
	_(ARP_FORWARD, "arp:FORWARD", 4, FORWARD, 0)                  \
	_(ARP_OUTPUT, "arp:OUTPUT", 4, OUTPUT, 0)

enum nfp_box {
#define NFP_BOX_ENUM(sym, name, cls, hook, rank) NFP_BOX_##sym,
	NFP_BOXES(NFP_BOX_ENUM)
#undef NFP_BOX_ENUM
	NFP_BOX__COUNT
};

/* Box class: 0 iptables (ip/ip6 tables), 1 ebtables, 2 netdev, 3 a node of
 * the diagram that is no chain (routing decision, socket lookup, ...), named
 * as the diagram names it: only kernel drops (NFP_KIND_DROP) sit there,
 * placed by capture/dropreason.c; 4 arp (the arp family's hooks: ARP never
 * passes the IP chains; the diagram has no ARP boxes, so these are named
 * places off the drawing). */
const char *nfp_box_name(int box);
int nfp_box_class(int box);
int nfp_box_hook(int box);
/* Position along a packet's walk: a hop whose rank is lower than the
 * packet's furthest rank so far starts a new traversal. */
int nfp_box_rank(int box);
int nfp_box_parse(const char *s, int len); /* NFP_BOX_NONE when unknown */
const char *nfp_hook_name(int hook);	   /* "PREROUTING" ... */
int nfp_hook_parse(const char *s, int len);

/* Box for a built-in chain name in an x_tables/ebtables table
 * ("nat", "PREROUTING"); NFP_BOX_NONE when it is not a built-in chain. */
int nfp_box_for_builtin(int family, const char *table, int tlen, const char *chain, int clen);
/* Box for an nftables base chain from its family, hook and priority
 * (nat-type chains always land on the nat box of their hook). */
int nfp_box_for_hook(int family, int hook, int prio, int is_nat);

/* ---- hop -> box (the stitcher's placement) ---- */

struct capture_trace;
struct nfp_packet;
struct nfp_hop;

/* Why a hop stays off the diagram (nfp_hop.unplaced when box is NONE). */
enum capture_box_why {
	NFP_UNPLACED_NONE,
	NFP_UNPLACED_HOOK_UNKNOWN,   /* an nft base chain, hook not in the trace nor --rules */
	NFP_UNPLACED_NO_CALLER,	     /* a user chain whose calling base chain was not traced */
	NFP_UNPLACED_LOG_NO_CHAIN,   /* a log line: prefix names no chain, no --rules rule has it */
	NFP_UNPLACED_UNKNOWN_CHAIN,  /* not a built-in chain of its table, not in --rules */
	NFP_UNPLACED_KERNEL_DROP,    /* the kernel freed the packet outside any chain */
	NFP_UNPLACED_NO_CHAIN,	     /* the event names no table or chain */
	NFP_UNPLACED__COUNT,
};
/* The message for people, "" for NONE; static strings. */
const char *capture_box_why_text(int why);

/* Placement state, owned by the trace (zeroed with it, freed with
 * capture_boxmap_free). */
struct capture_boxmap {
	struct capture_box_memo { /* memo of a hop's own box */
		uint32_t table, chain;
		int16_t prio;
		uint16_t box;
		uint8_t family, source, pk, why, valid, hook, have_prio;
	} memo[256];
	struct capture_box_bridge {
		uint32_t host, dev; /* strpool ids: each host's bridges are its own */
	} *bridges;		    /* devices shown carrying br_netfilter calls */
	size_t nbridges, capbridges;
	unsigned long unplaced[NFP_UNPLACED__COUNT]; /* hops left off the diagram, per cause */
};
void capture_boxmap_free(struct capture_boxmap *m);

/* The box a hop names by itself: a built-in chain, a base chain whose hook
 * the hop or the ruleset (t->rules) gives, or an nft base chain guessed
 * from its name. NFP_BOX_NONE for user chains and unknown chains. */
int capture_box_own(struct capture_trace *t, const struct nfp_hop *h);
/* Sets h->box, h->layer and h->unplaced for hop h about to join packet p
 * (whose earlier hops are already placed): a user chain takes the box of
 * the base chain that called it; a log line the box of its rule (found by
 * prefix in --rules, or the traced rule just before it); an nft base chain
 * the hook its devices allow; an iptables chain called from the bridge is
 * on the link layer (and a bridged FORWARD moves the packet's PREROUTING
 * hops there too). A hop left on NFP_BOX_NONE gets its cause, counted in
 * t->boxmap.unplaced. */
void capture_box_place(struct capture_trace *t, const struct nfp_packet *p, struct nfp_hop *h);

#endif
