/* nflog: nfnetlink_log messages -> hops, and the config messages that set
 * a logging instance up.
 *
 * The decoder is a pure function over one netlink message. Legacy iptables
 * TRACE arrives here when nfnetlink_log is the bound logger of the family
 * (prefix "TRACE: table:chain:kind:n "); ebtables/nft "log group N" rules
 * arrive with the user's prefix. Every attribute is optional. */
#ifndef NFP_NFLOG_H
#define NFP_NFLOG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "nftrace.h"
#include "parse.h"

/* Decodes one message; seq and has_seq carry NFULA_SEQ (for loss counting). */
int capture_nflog_decode(const void *msg, size_t len, struct capture_strpool *sp, capture_ifname_fn ifname, void *ctx,
			 struct nfp_hop *h, uint32_t *seq, int *has_seq, const char **err);

/* NFULNL_MSG_CONFIG requests (acked, sequence seq), built with
 * libnetfilter_log's libmnl helpers so they go out on the capture's one
 * netlink socket: the library's classic API opens a socket of its own,
 * and two sockets would lose the kernel's order between trace and NFLOG
 * events. buf holds MNL_SOCKET_BUFFER_SIZE bytes; the message is in it. */

/* a command (NFULNL_CFG_CMD_*): bind/unbind group, or pf_bind/pf_unbind
 * family pf (group 0) */
struct nlmsghdr *capture_nflog_cmd(void *buf, uint32_t seq, uint8_t pf, uint16_t group, uint8_t cmd);

/* group sends whole packets, each at once (queue threshold 1, no timeout:
 * the trace events share the socket and must stay in order), with flags
 * NFULNL_CFG_F_* */
struct nlmsghdr *capture_nflog_whole_packets(void *buf, uint32_t seq, uint16_t group, uint16_t flags);

/* ---- the live dispatch ----------------------------------------------
 * One received datagram (one or more netlink messages) through the
 * nftables trace and NFLOG decoders: what the live capture does with each,
 * and what tests/fuzz/fuzz_netlink.c drives. */

/* Kept between datagrams; zero it to start. */
struct capture_nl_state {
	struct capture_mon_state mon; /* the trace decoder's */
	uint32_t nflog_next[16];      /* NFLOG sequence expected next, per group % 16 */
	uint8_t nflog_seq_valid[16];
	unsigned long events;	  /* netlink messages seen */
	unsigned long nflog_lost; /* gaps in NFLOG sequence numbers: events the kernel dropped */
};

/* a decoded hop (h->source says which decoder), stamped with ts, the
 * datagram's arrival time; return -1 to stop (out of memory) */
typedef int (*capture_nl_hop_fn)(void *ctx, struct nfp_hop *h);

/* Returns 0, or -1 when on_hop did. Malformed messages are skipped. */
int capture_nl_dispatch(struct capture_nl_state *st, const void *buf, size_t n, double ts, struct capture_strpool *sp,
			capture_ifname_fn ifname, void *ifctx, capture_nl_hop_fn on_hop, void *ctx);

#endif
