/* text: safe text for terminals and JSON, and one-line descriptions of
 * packets and hops shared by the printers and the TUI.
 *
 * Every string that came from outside (device names, prefixes, rule text)
 * goes through render_esc before it is shown: control bytes, DEL and
 * invalid UTF-8 become "\xHH", a backslash becomes "\\", so no input can
 * move the cursor or change the terminal. */
#ifndef NFP_RENDER_TEXT_H
#define NFP_RENDER_TEXT_H

#include <stddef.h>

#include "../capture/record.h"
#include "../capture/trace.h"

/* Appends the escaped form of s[0..n) to b. ascii: also escape bytes
 * >= 0x80 (for non-UTF-8 terminals). -1 on ENOMEM. */
int render_esc(struct capture_buf *b, const char *s, size_t n, int ascii);
/* Appends s as a JSON string literal (quotes included) that a JSON reader
 * turns back into s: C0, DEL, C1 controls and bidi overrides as \uXXXX
 * (so none reaches a terminal raw), a byte that is not UTF-8 as \ufffd.
 * Valid UTF-8 and valid JSON whatever s held. -1 on ENOMEM. */
int render_json_str(struct capture_buf *b, const char *s, size_t n);

/* "192.168.0.2" or "fe80::1" into out (>= 46 bytes); "" without address */
void render_addr(const struct nfp_pkt *pk, int dst, char *out, size_t cap);
/* Protocol word: "ICMP", "TCP", "UDP", "ICMPv6", "proto 47" */
void render_proto(const struct nfp_pkt *pk, char *out, size_t cap);

/* The hop of packet p with the most packet detail (for summaries). */
const struct nfp_hop *render_best_hop(const struct capture_trace *t, const struct nfp_packet *p);
/* "ICMP echo-request 192.168.0.2 > 192.168.0.3 id 90 seq 1" (unescaped
 * device-free text: only numbers and fixed words) */
void render_packet_summary(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap);

/* The hosts p's hops name (strpool ids, never 0), in the order the packet
 * reached them, each once; at most max. Returns how many. */
int render_packet_hosts(const struct capture_trace *t, const struct nfp_packet *p, uint32_t *out, int max);
/* Which host's netfilter a diagram of p at hop shows: the hop's host when
 * p crossed two hosts or more, else 0 (every hop, no label). label gets
 * "host NAME (K of N)" (escaped), or "" with 0. */
uint32_t render_journey_host(const struct capture_trace *t, const struct nfp_packet *p, uint32_t hop, char *label,
			     size_t cap, int ascii);
/* The first hop of the host after hop's host in p's journey (around to
 * the first host after the last), or -1 when p crossed fewer than two. */
long render_next_host_hop(const struct capture_trace *t, const struct nfp_packet *p, uint32_t hop);

/* Rule text of a hop (its own or from --rules), or "" when unknown. */
const char *render_hop_rule(const struct capture_trace *t, const struct nfp_hop *h);
/* "rule 4", "policy", "return 1", "log", "handle 12" */
void render_hop_kind(const struct capture_trace *t, const struct nfp_hop *h, char *out, size_t cap);

/* The verdict as lists show it: a NAT rule's action from its text
 * ("dnat to 172.17.0.4:80", "masquerade", "snat to 10.0.0.1"), else the
 * verdict's name ("accept", "drop"), "" when none. Escaped (ascii: also
 * bytes >= 0x80). */
void render_verdict_label(const struct capture_trace *t, const struct nfp_hop *h, char *out, size_t cap, int ascii);

/* A packet's fate at a glance, for lists and status lines:
 * "✗ drop filter:FORWARD", "✗ reject filter:FORWARD", "→ c2", "⊙ local",
 * "? after raw:PREROUTING" (ASCII: "X", "->", "@", "?"). Escaped. */
void render_fate_short(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap, int ascii);
/* The fate in one sentence: "dropped at filter:FORWARD by rule 1 of
 * DOCKER-USER: -A DOCKER-USER -p icmp -j DROP", "forwarded: left through
 * veth57a3dec [c2]", "unknown: the trace ends after ...; <why>". Escaped.
 * Appends to b; -1 on ENOMEM. */
int render_fate_text(struct capture_buf *b, const struct capture_trace *t, const struct nfp_packet *p, int ascii);
struct capture_tunnel;
/* The tunnel step in one line: "flannel.1 -> eth1 ==> eth1 -> flannel.1,
 * 192.168.77.1:52216 > 192.168.77.2:8472 vxlan vni 1" (arrows "→ ⟶" unless
 * ascii; "?" for a device the trace does not name). -1 on ENOMEM. */
int render_tunnel_text(struct capture_buf *b, const struct capture_trace *t, const struct capture_tunnel *tu, int ascii);
/* The fate as a phrase after "packet N": "forwarded to c2", "dropped at
 * filter:FORWARD by rule 1 of DOCKER-USER", "delivered locally", "ends
 * after raw:PREROUTING (fate unknown)". Escaped. */
void render_fate_phrase(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap, int ascii);
/* Who decided, short: "rule 1 of DOCKER-USER", "the policy of FORWARD",
 * "the kernel (IP_RPFILTER)", "" when nothing did. Escaped. */
void render_fate_by(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap, int ascii);
/* What happened at hop h, in words: "rule 4 jump DOCKER", "rule #13
 * accept", "rule 1 masquerade" (the NAT its rule text names, where the
 * trace says accept: render_verdict_label), "policy accept", "end of
 * chain: return", "log". */
void render_hop_action(const struct capture_trace *t, const struct nfp_hop *h, char *out, size_t cap);
/* What the kernel said of a drop hop (NFP_KIND_DROP, skb:kfree_skb), in
 * one phrase: "dropped by the kernel: NO_SOCKET in tcp_v4_rcv", "freed by
 * the kernel after delivery: NO_SOCKET in ping_rcv", with ", in the netns
 * behind eth1 [nfpl-host2]" when it happened in another namespace than the
 * traced one. Escaped (ascii: also bytes >= 0x80); appends to b; -1 on
 * ENOMEM. Nothing for another kind of hop. */
int render_kdrop_text(struct capture_buf *b, const struct capture_trace *t, const struct nfp_hop *h, int ascii);
/* The same without the phrase before the colon: "NO_SOCKET in tcp_v4_rcv,
 * in the netns behind eth1 [nfpl-host2]". */
int render_kdrop_words(struct capture_buf *b, const struct capture_trace *t, const struct nfp_hop *h, int ascii);

/* The bridge ports of a bridged packet at a hop of the ip/ip6 family that
 * names only the bridge ("in=docker0 out=docker0", as nftables' trace
 * does): the ports the same packet's bridge-family hops name, with the
 * names the capture learnt, "vethd8ba939 [c1] > veth7a3abc5 [c2]" ("?"
 * for a side none named). 0 and "" when the hop names its ports or no
 * bridge hop does. Escaped. */
int render_bridge_ports(const struct capture_trace *t, const struct nfp_packet *p, uint32_t hop, int ascii, char *out,
			size_t cap);

/* Columns that escaped text s[0..n) takes (one per character). */
int render_cols(const char *s, size_t n);
/* s cut to w columns into out, its last column "…" ("~" with ascii) when
 * it was cut. */
void render_fit(char *out, size_t cap, const char *s, int w, int ascii);
/* The same, cutting the middle: "node1/…-host2" (a host name's machine
 * and namespace both tell hosts apart). */
void render_fit_middle(char *out, size_t cap, const char *s, int w, int ascii);
/* Appends s (escaped text, '\n' between paragraphs) wrapped at w columns:
 * lines break at spaces, a paragraph's indentation carries to its
 * continuation lines, and only a word longer than a whole line is cut,
 * ending in "…". Every line ends in '\n'. Returns the lines, -1 on ENOMEM. */
int render_wrap(struct capture_buf *b, const char *s, int w, int ascii);

/* The packet line: protocol, endpoints (the names the capture learnt, else
 * addresses), ports or ICMP id/seq, TCP flags, "ct STATE" (with_ct) and
 * the fate text given (NULL: none) in at most w columns. Addresses are
 * dropped first, then names are shortened with "…"; the fate never is. */
void render_packet_line(const struct capture_trace *t, const struct nfp_packet *p, const char *fate, int with_ct, int w,
			int ascii, char *out, size_t cap);

#endif
