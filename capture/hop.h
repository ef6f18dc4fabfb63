/* hop: one traversal event of one packet through one netfilter chain.
 *
 * Every source (kernel log text, nft/xtables monitor text, recordings, live
 * nftables trace and NFLOG) fills this same struct; nothing downstream knows
 * which source it was. Strings are interned ids into the trace's strpool
 * (0 = absent), which keeps a hop around 140 bytes. */
#ifndef NFP_HOP_H
#define NFP_HOP_H

#include <stddef.h>
#include <stdint.h>

/* Netfilter protocol families, numbered as the kernel's NFPROTO_*. */
enum nfp_family {
	NFP_FAM_UNSPEC = 0,
	NFP_FAM_INET = 1,
	NFP_FAM_IPV4 = 2,
	NFP_FAM_ARP = 3,
	NFP_FAM_NETDEV = 5,
	NFP_FAM_BRIDGE = 7,
	NFP_FAM_IPV6 = 10,
};

enum nfp_kind {
	NFP_KIND_RULE,
	NFP_KIND_RETURN,
	NFP_KIND_POLICY,
	NFP_KIND_LOG,	/* a LOG/log-prefix line: no rule number, the chain is in the prefix */
	NFP_KIND_PACKET, /* nft trace "packet:" event: entry into a base chain */
	NFP_KIND_DROP,	 /* the kernel freed the packet (skb:kfree_skb): drop_reason, drop_location */
};

enum nfp_verdict {
	NFP_V_NONE,
	NFP_V_ACCEPT,
	NFP_V_DROP,
	NFP_V_CONTINUE,
	NFP_V_RETURN,
	NFP_V_JUMP,
	NFP_V_GOTO,
	NFP_V_QUEUE,
	NFP_V_STOLEN,
	NFP_V_BREAK,
	NFP_V_REJECT,
	NFP_V_OTHER,
};

enum nfp_ct_state {
	NFP_CT_UNKNOWN,
	NFP_CT_NEW,
	NFP_CT_ESTABLISHED,
	NFP_CT_RELATED,
	NFP_CT_INVALID,
	NFP_CT_UNTRACKED,
};

enum nfp_dir { NFP_DIR_UNKNOWN, NFP_DIR_ORIGINAL, NFP_DIR_REPLY };

enum nfp_layer { NFP_LAYER_NONE, NFP_LAYER_LINK, NFP_LAYER_NETWORK };

enum nfp_source {
	NFP_SRC_KLOG,	/* kernel log line (iptables TRACE, LOG, nft log) */
	NFP_SRC_EBLOG,	/* ebtables --log line */
	NFP_SRC_NFTMON, /* nft monitor trace text */
	NFP_SRC_XTMON,	/* xtables-monitor --trace text */
	NFP_SRC_NFTRACE, /* live nftables trace netlink */
	NFP_SRC_NFLOG,	/* live nfnetlink_log */
	NFP_SRC_REC,	/* nfpath recording (keeps the original source in the record) */
	NFP_SRC_KDROP,	/* live kernel drop event (eBPF on skb:kfree_skb, drops.c) */
	NFP_SRC__COUNT,
};

/* pk.flags */
#define NFP_PK_IPID 0x0001u
#define NFP_PK_PORTS 0x0002u
#define NFP_PK_ICMP 0x0004u  /* type/code valid */
#define NFP_PK_ICMPID 0x0008u /* echo id/seq in sport/dport */
#define NFP_PK_TTL 0x0010u
#define NFP_PK_LEN 0x0020u
#define NFP_PK_MACS 0x0040u
#define NFP_PK_MARK 0x0080u
#define NFP_PK_DF 0x0100u
#define NFP_PK_ADDRS 0x0200u
#define NFP_PK_PROTO 0x0400u
#define NFP_PK_ARP 0x0800u /* an ARP packet: arp_op valid (see struct nfp_pkt) */

/* The packet as seen at one hop. l3 is 4, 6, or 0 (unknown/ARP); addresses
 * are 16 bytes with IPv4 in the first 4. For ICMP echo, sport/dport hold the
 * echo id and sequence. For ARP (NFP_PK_ARP, l3 0, no NFP_PK_PROTO), arp_op
 * is the operation (1 request, 2 reply), src/dst (NFP_PK_ADDRS) the sender
 * and target protocol addresses and mac_src/mac_dst the sender and target
 * hardware addresses when the source printed them, else the frame's. */
struct nfp_pkt {
	uint8_t src[16], dst[16];
	uint8_t mac_src[6], mac_dst[6];
	uint32_t mark;
	uint32_t ipid; /* IPv4 ID; IPv6 flow label */
	uint16_t flags;
	uint16_t sport, dport;
	uint16_t len;
	uint8_t l3, proto, ttl;
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags;
	uint8_t arp_op; /* NFP_PK_ARP */
};

/* The packet an ICMP error carries back (its first bytes: the header of the
 * packet that caused the error), as the source showed it: it names the
 * connection the error belongs to (conntrack calls the error RELATED). */
#define NFP_IN_ADDRS 0x01u
#define NFP_IN_PORTS 0x02u  /* sport/dport valid (TCP, UDP, ...) */
#define NFP_IN_ICMPID 0x04u /* an ICMP echo inside: sport holds the echo id */
#define NFP_IN_IPID 0x08u   /* ipid and proto of an IPv4 header inside (nft traces keep
			       only its first 12 bytes: no addresses) */
/* A tunnel's outer packet (the hop's pk is the UDP packet that carries the
 * frame): the tunnel and its VNI, and the identity of the packet inside
 * where the source kept enough bytes (NFP_IN_ADDRS, NFP_IN_IPID, and for
 * ICMP echo NFP_IN_ICMPID with the id in sport and the sequence in dport).
 * nft trace events keep 20 bytes of the transport header: UDP, the VXLAN
 * header and 4 bytes of the inner frame, so the VNI but no inner identity;
 * an NFLOG payload has it all. Such an inner is never an ICMP error's. */
#define NFP_IN_VXLAN 0x10u
#define NFP_IN_GENEVE 0x20u
#define NFP_IN_TUNNEL (NFP_IN_VXLAN | NFP_IN_GENEVE)
struct nfp_inner {
	uint8_t src[16], dst[16];
	uint16_t sport, dport, ipid;
	uint8_t l3, proto, flags;
	uint8_t vni[3]; /* NFP_IN_TUNNEL: the 24-bit VNI, network order (no room for
			   a uint32_t without growing every hop) */
};

/* The header inside an ICMP error (not a tunnel's carried packet). */
static inline int nfp_inner_is_error(const struct nfp_inner *in)
{
	return in->flags && !(in->flags & NFP_IN_TUNNEL);
}
static inline uint32_t nfp_inner_vni(const struct nfp_inner *in)
{
	return (uint32_t)in->vni[0] << 16 | (uint32_t)in->vni[1] << 8 | in->vni[2];
}
static inline void nfp_inner_set_vni(struct nfp_inner *in, uint32_t vni)
{
	in->vni[0] = (uint8_t)(vni >> 16);
	in->vni[1] = (uint8_t)(vni >> 8);
	in->vni[2] = (uint8_t)vni;
}
/* "vxlan", "geneve", or NULL when the hop's packet carries no tunnel */
const char *nfp_tunnel_name(const struct nfp_inner *in);

/* hop.flags */
#define NFP_HOP_TRACE_ID 0x01u
#define NFP_HOP_HANDLE 0x02u
#define NFP_HOP_TS 0x04u
#define NFP_HOP_CT 0x08u      /* ct_state/ct_dir from the kernel; ct_state UNKNOWN: the
				 kernel reports conntrack with such events and sent none,
				 so conntrack did not track this packet */
#define NFP_HOP_PROBE 0x10u   /* nfpath's own waypoint chain, not a host rule */
#define NFP_HOP_HAVE_PKT 0x20u /* pk holds fields from this event */
#define NFP_HOP_SAME_PKT 0x40u /* a recording's same=1: pk and inner are the previous
				  H line's (capture_rec_parse sets it, the input
				  resolves it; nothing after the input sees it) */

struct nfp_hop {
	struct nfp_pkt pk;
	struct nfp_inner inner; /* an ICMP error's inner header, or a tunnel's carried
				 * packet (NFP_IN_TUNNEL); inner.flags 0 otherwise */
	double ts;	 /* seconds (wall or monotonic, whatever the source gave) */
	uint64_t handle; /* nftables rule handle */
	uint32_t trace_id;
	uint32_t table, chain, in, out, physin, physout; /* strpool ids */
	uint32_t rule_text; /* text carried by the source itself (nft monitor) */
	uint32_t prefix;    /* log prefix as printed */
	uint32_t jump;	    /* jump/goto target chain */
	uint32_t ct_id;
	uint32_t drop_reason;	/* NFP_KIND_DROP: reason as the tracepoint names it ("IP_RPFILTER") */
	uint32_t drop_location; /* NFP_KIND_DROP: kernel function that freed it ("ip_rcv_finish_core") */
	uint32_t drop_ns;	/* NFP_KIND_DROP: 0 when it happened in the traced namespace; else the
				 * traced namespace's veth whose peer's namespace it was (a container:
				 * named like any device), or "netns INODE" */
	uint32_t host;	    /* the host it was seen on (a recording's #S record, or the hop's
			     * host=): "node1" or "node1/NETNS"; 0 when the input named none */
	uint32_t line;	    /* 1-based input line, 0 when live */
	int32_t rule;	    /* rule number in chain, -1 when none */
	uint16_t box;	    /* enum nfp_box, set by the stitcher */
	uint16_t file;	    /* index of the input file */
	uint8_t family, kind, verdict, source;
	uint8_t ct_state, ct_dir, layer, flags;
	uint8_t hook;	    /* enum nfp_hook, 0 unknown */
	int16_t prio;	    /* base chain priority when known (nft) */
	uint8_t have_prio;
	uint8_t unplaced;   /* enum capture_box_why when box is NONE, set by the stitcher */
};

const char *nfp_family_name(int fam);  /* "ip", "ip6", "bridge", ... */
const char *nfp_kind_name(int kind);
const char *nfp_verdict_name(int v);
const char *nfp_ct_name(int ct);
const char *nfp_dir_name(int d);
const char *nfp_layer_name(int l);
const char *nfp_source_name(int s);
int nfp_verdict_parse(const char *s, int len);
/* A kernel verdict code (NF_DROP .. NF_QUEUE with its queue number in the
 * upper bits, NFT_CONTINUE .. NFT_RETURN as their negative values) -> enum
 * nfp_verdict; NFP_V_OTHER for codes with no name here (NF_REPEAT). */
int nfp_verdict_code(uint32_t code);

/* Why an input line gave no hop, counted per cause (trace stats, --stats):
 * the skipped causes, then from NFP_WHY_BAD_FIELD on the malformed ones. */
enum nfp_why {
	NFP_WHY_NOT_TRACE,   /* not trace output */
	NFP_WHY_PACKET_LINE, /* a monitor's packet line: fields for the events after it */
	NFP_WHY_TOOL_NOTE,   /* a trace tool's own message, no event */
	NFP_WHY_BAD_FIELD,   /* malformed: a field cannot be read */
	NFP_WHY_TRUNCATED,   /* malformed: cut short, a mandatory field is missing */
	NFP_WHY_UNSUPPORTED, /* malformed: a kind of trace output nfpath does not read */
	NFP_WHY_TOO_LONG,    /* malformed: longer than the line limit */
	NFP_WHY__COUNT,
};
const char *nfp_why_name(int why);

/* The one vocabulary for family and protocol words, for every decoder.
 * nfp_family_parse: "ip", "ip6", "inet", "bridge", "netdev", "arp" (as nft
 * and the log prefixes write them; "eb" too, ebtables' prefix word) -> enum
 * nfp_family, -1 when not a family word. nfp_proto_parse: an IP protocol
 * word in any case ("tcp", "TCP", "ICMPv6", "ipv6-icmp") or a decimal
 * number <= 255 -> its number, -1 otherwise. nfp_proto_name: the lower-case
 * name nft and tcpdump print ("tcp", "icmpv6"), NULL when it has none.
 * nfp_pkt_proto_name: the same for a packet's fields ("arp" for ARP), NULL
 * when unknown. */
int nfp_family_parse(const char *s, size_t n);
int nfp_proto_parse(const char *s, size_t n);
const char *nfp_proto_name(int proto);
const char *nfp_pkt_proto_name(const struct nfp_pkt *pk);

/* One hex digit -> 0..15, -1 when c is none. */
int nfp_hexval(char c);

#endif
