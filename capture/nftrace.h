/* nftrace: NFT_MSG_TRACE netlink messages -> hops.
 *
 * A pure decoder over one message buffer, so saved messages serve as test
 * fixtures and fuzz seeds. Every attribute is optional. The kernel sends
 * the packet headers only in the first event of each base-chain run; the
 * state (shared with the text monitors) carries them to the next events of
 * the same trace id. */
#ifndef NFP_NFTRACE_H
#define NFP_NFTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* Trace attributes newer than some installed kernel headers (Linux 6.16+) */
#define NFP_NFTA_TRACE_CT_ID 18
#define NFP_NFTA_TRACE_CT_DIRECTION 19
#define NFP_NFTA_TRACE_CT_STATUS 20
#define NFP_NFTA_TRACE_CT_STATE 21
#define NFP_NFTA_TRACE_MAX 21

/* The next whole netlink message in buf[0..len) at *off, advancing *off;
 * NULL when none is left. Stricter than libmnl's mnl_nlmsg_ok, which casts
 * a length over 2 GiB to a negative int and accepts it. */
const void *capture_nl_next(const void *buf, size_t len, size_t *off);

/* ifindex -> interned device name (0 when unknown); may be NULL */
typedef uint32_t (*capture_ifname_fn)(void *ctx, uint32_t ifindex);

/* Decodes one netlink message (header included). Returns NFP_PARSE_HOP,
 * NFP_PARSE_SKIP (not a trace message) or NFP_PARSE_BAD (*err set). */
int capture_nftrace_decode(const void *msg, size_t len, struct capture_mon_state *st, struct capture_strpool *sp,
			   capture_ifname_fn ifname, void *ctx, struct nfp_hop *h, const char **err);

#endif
