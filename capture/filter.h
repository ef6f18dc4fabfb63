/* filter: which packets the capture traces, as nft match rules.
 *
 * Three ways in, one result: a tcpdump-style expression ("host 172.17.0.3
 * and tcp port 80") translated here, raw nft expressions (-e, copied as
 * given), or the default (ICMP and ICMPv6 echo). The result is a list of
 * nft matches per table family; a packet matching any one of them is
 * traced. nft has no `or` inside a rule, so an expression becomes its
 * disjunctive normal form, one rule per alternative.
 *
 * The translator is a pure function over the text: no nft, no kernel. It
 * refuses what it cannot translate exactly, with the byte offset of the
 * word at fault, never a guess. */
#ifndef NFP_FILTER_H
#define NFP_FILTER_H

#include <stddef.h>

#define CAPTURE_FILTER_RULES 64	    /* per family */
#define CAPTURE_FILTER_RULE_LEN 400 /* one rule's matches, with its NUL */

enum { CAPTURE_FILTER_BRIDGE, CAPTURE_FILTER_INET };

/* Caller-owned (about 50 KiB: allocate it, do not put it on a small
 * stack). rule[fam][i] for i < n[fam] are nft match expressions without
 * any statement; "" matches every packet. A family with n == 0 traces
 * nothing (an ARP-only filter in the inet table). */
struct capture_filter {
	char rule[2][CAPTURE_FILTER_RULES][CAPTURE_FILTER_RULE_LEN];
	int n[2];
};

struct capture_filter_error {
	char msg[160];
	size_t pos, len; /* the word at fault: bytes [pos, pos+len) of the expression */
};

/* tcpdump-style expression -> f. 0 ok; -1 with e filled in. */
int capture_filter_translate(const char *expr, struct capture_filter *f, struct capture_filter_error *e);

/* an nft match expression as given, the same in both families.
 * 0 ok, -1 when f is full or expr too long. */
int capture_filter_add_raw(struct capture_filter *f, const char *expr);

/* ICMP and ICMPv6 echo request/reply, and ICMP echo inside a tunnel:
 * nfpath's default selection */
#define CAPTURE_FILTER_ECHO4 "icmp type { echo-request, echo-reply }"
#define CAPTURE_FILTER_ECHO6 "icmpv6 type { echo-request, echo-reply }"
/* and IPv4 echo carried in VXLAN (4789, flannel's 8472) or Geneve without
 * options (6081): the outer packet loses the trace mark the inner one had
 * (skb_scrub_packet), so it needs its own. The inner Ethernet frame starts
 * 16 bytes into the UDP header: its type at bit 224, the IPv4 protocol at
 * 312 and, behind a 20-byte header, the ICMP type at 400. */
#define CAPTURE_FILTER_ECHO_TUNNEL                                                                         \
	"udp dport { 4789, 6081, 8472 } @th,224,16 0x0800 @th,312,8 1 @th,400,8 { 0, 8 }"
void capture_filter_default(struct capture_filter *f);

/* argv words joined by single spaces, as tcpdump reads its expression.
 * Returns 0, or -1 when it does not fit in cap. */
int capture_filter_join(char *out, size_t cap, int argc, char *const argv[]);

#endif
