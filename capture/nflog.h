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

#include "nftrace.h"
#include "parse.h"

/* Decodes one message; seq and has_seq carry NFULA_SEQ (for loss counting). */
int capture_nflog_decode(const void *msg, size_t len, struct capture_strpool *sp, capture_ifname_fn ifname, void *ctx,
			 struct nfp_hop *h, uint32_t *seq, int *has_seq, const char **err);

/* Builds an NFULNL_MSG_CONFIG request into buf: family pf, group, and any
 * of cmd (NFULNL_CFG_CMD_*, 0 = none), copy mode/range, flags, qthresh and
 * timeout (negative = leave out). Returns its length, 0 if cap is short. */
size_t capture_nflog_config(void *buf, size_t cap, uint32_t seq, uint8_t pf, uint16_t group, int cmd, int copy_mode,
			    uint32_t copy_range, int flags, int qthresh, int timeout);

#endif
