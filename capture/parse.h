/* parse: pure text decoders, one line in, at most one hop out.
 *
 * Each decoder works on a byte buffer that need not be NUL-terminated and
 * may hold any bytes. Results: NFP_PARSE_HOP (hop filled), or why the line
 * gives no hop, one cause each (counted per cause, see enum nfp_why):
 *   NFP_PARSE_SKIP         not trace output
 *   NFP_PARSE_STATE        trace output that only updates decoder state (a
 *                          monitor's packet line)
 *   NFP_PARSE_NOTE         a trace tool's own message, no event
 *   NFP_PARSE_BAD          trace output with a field that cannot be read
 *   NFP_PARSE_TRUNCATED    trace output cut short: a mandatory field is missing
 *   NFP_PARSE_UNSUPPORTED  trace output of a kind nfpath does not read
 * The negative ones are malformed lines and set *err (a static string that
 * says why). Device, table and chain names are interned in sp. */
#ifndef NFP_PARSE_H
#define NFP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "hop.h"
#include "strpool.h"

enum {
	NFP_PARSE_UNSUPPORTED = -3,
	NFP_PARSE_TRUNCATED = -2,
	NFP_PARSE_BAD = -1,
	NFP_PARSE_SKIP = 0,
	NFP_PARSE_HOP = 1,
	NFP_PARSE_STATE = 2,
	NFP_PARSE_NOTE = 3,
};

/* The count a result adds to (enum nfp_why; NFP_PARSE_HOP has none: -1). */
int capture_parse_why(int result);

/* Strips a dmesg / syslog / journalctl / kmsg prefix. Returns the offset
 * of the message; sets *ts (and returns has_ts in *has_ts) when the prefix
 * holds a time. */
size_t capture_klog_strip(const char *s, size_t n, double *ts, int *has_ts);

/* iptables TRACE, nf_log (LOG target, nft "log prefix") and ebtables --log
 * lines, with or without a kernel log prefix. */
int capture_klog_parse(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h,
		       const char **err);

/* "table:chain:rule|return|policy:N" (iptables TRACE, after "TRACE: "):
 * 1 and table/chain/kind/rule filled; 0 when s is not of that form; -1 when
 * it is but a part is wrong (*err set). */
int capture_iptrace_header(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h, const char **err);

/* Field decoders shared by the text formats (pure, bounded by n). */
int capture_parse_ipv4(const char *s, size_t n, uint8_t out[16]);
int capture_parse_ip(const char *s, size_t n, uint8_t out[16], uint8_t *l3);
int capture_parse_mac(const char *s, size_t n, uint8_t out[6]);
/* An ARP header (Ethernet/IPv4 layout) from raw bytes into pk: operation,
 * sender/target addresses. 0, or -1 when the bytes are not one. */
int capture_arp_decode(const uint8_t *b, size_t n, struct nfp_pkt *pk);
/* Parses an unsigned decimal (base 10) or 0x-hex (base 16 or auto when
 * base is 0); returns -1 unless the whole span is a number <= max. */
int capture_parse_uint(const char *s, size_t n, int base, uint64_t max, uint64_t *out);

/* Interprets a log prefix that names a chain ("eb:nat:PREROUTING",
 * "nft:ip:filter:FORWARD", "filter:INPUT", "TRACE: eb:filter:FORWARD ")
 * and fills family/table/chain. Returns 1 when it named one. */
int capture_prefix_chain(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h);

/* State kept across lines by the monitor-text decoders: the packet fields
 * of the last "packet:"/"PACKET:" line per trace id. */
struct capture_mon_pkt {
	uint32_t id;
	uint8_t family, used;
	uint8_t ct_state, ct_dir; /* from "ct state/direction" words, 0 if none */
	uint32_t in, out, ct_id;
	struct nfp_pkt pk;
	struct nfp_inner inner; /* an ICMP error's inner header, from @th / the transport header */
};
struct capture_mon_state {
	struct capture_mon_pkt slot[64];
	unsigned next;
	unsigned last; /* the slot found last: a packet's events come together */
	/* the kernel sends conntrack attributes with trace events (Linux
	 * 6.16+): set by the live capture from the kernel version, and by the
	 * nftrace decoder when an event carried them. Then an event after
	 * conntrack without them is a packet conntrack did not track. */
	uint8_t kernel_ct;
};

/* The remembered packet of trace id `id` in family `fam`; created (reset)
 * when create is set, else NULL when unknown. */
struct capture_mon_pkt *capture_mon_slot(struct capture_mon_state *st, uint32_t id, uint8_t fam, int create);
/* Copies a remembered packet (devices, fields, conntrack) into a hop. */
void capture_mon_apply(struct nfp_hop *h, const struct capture_mon_pkt *sl);

/* A trace monitor's own message, no trace event ("NEWGEN: ..." of
 * xtables-monitor, "# new generation ..." of nft monitor, xtables-monitor's
 * "unsupported layer 4 protocol value"): the bytes of s it takes (n for a
 * whole line; a message glued in front of a trace line takes only its
 * own), 0 when s starts with none. */
size_t capture_monitor_note(const char *s, size_t n);

/* `nft monitor trace` output ("trace id 6cb16a53 ip filter FORWARD ..."). */
int capture_nftmon_parse(const char *s, size_t n, struct capture_mon_state *st, struct capture_strpool *sp,
			 struct nfp_hop *h, const char **err);
/* `xtables-monitor --trace` output ("PACKET: 2 6cb16a53 IN=.." and
 * " TRACE: 2 6cb16a53 filter:FORWARD:rule:0x2:ACCEPT  -4 -t filter ..."). */
int capture_xtmon_parse(const char *s, size_t n, struct capture_mon_state *st, struct capture_strpool *sp,
			struct nfp_hop *h, const char **err);

/* Decodes an IPv4/IPv6 header plus transport header from raw bytes (as in
 * NFLOG payloads, nft trace NETWORK_HEADER, xtables-monitor NH=). Returns 0,
 * or -1 when the bytes are not a readable IP header. th may be NULL. */
int capture_pkt_decode(const uint8_t *nh, size_t nlen, const uint8_t *th, size_t tlen, struct nfp_pkt *pk);
/* The header inside an ICMP or ICMPv6 error, from a whole packet (an
 * NFLOG payload): 0 and *in filled, or -1 when nh holds no error or too
 * little of it. */
int capture_pkt_inner(const uint8_t *nh, size_t nlen, struct nfp_inner *in);
/* The same from the bytes after the ICMP header of an error of that proto
 * and type, as many as the source kept: with 12 bytes of an IPv4 header,
 * its ID and protocol only (NFP_IN_IPID). */
int capture_icmp_inner(uint8_t proto, uint8_t type, const uint8_t *b, size_t n, struct nfp_inner *in);
/* A tunnel's outer packet: pk is its decoded header (UDP to 4789 or 8472:
 * VXLAN; 6081: Geneve), th its transport header bytes, UDP header first, as
 * many as the source kept. 1 when they carry a tunnel header: *in is reset
 * to the tunnel (NFP_IN_VXLAN / NFP_IN_GENEVE), its VNI and, when the bytes
 * reach the carried IP header, its identity; 0 otherwise (*in untouched). */
int capture_tunnel_decode(const struct nfp_pkt *pk, const uint8_t *th, size_t tlen, struct nfp_inner *in);
/* The same from a whole packet, IP header first (an NFLOG payload). */
int capture_pkt_tunnel(const uint8_t *nh, size_t nlen, struct nfp_inner *in);
/* ICMP (proto 1) or ICMPv6 (58) types that report an error about a packet */
int capture_icmp_is_error(uint8_t proto, uint8_t type);

#endif
