/* drops: the kernel's packet drops with their reason (live capture).
 *
 * An eBPF program on the BTF tracepoint skb:kfree_skb (drops.bpf.c) sends
 * one struct nfp_drop_event per drop of a traced namespace; this module
 * loads and attaches it with libbpf, reads its ring buffer, and decodes the
 * records into hops of kind NFP_KIND_DROP. The decoder is pure: it reads
 * bytes and a names table (reason numbers, kernel symbols, namespaces),
 * so saved events are fixtures and fuzz seeds.
 *
 * The names come from the running kernel at set-up, while the capture
 * still holds its privileges: reason names from the kernel's BTF (enum
 * skb_drop_reason, whose numbering differs between versions), call sites
 * from /proc/kallsyms (real addresses need CAP_SYSLOG), namespaces from the
 * veth peers of the traced one. After set-up the attached program needs no
 * privilege: reading the ring buffer is reading a file descriptor.
 *
 * Errors: functions returning int give -1 (errno set) or a status; the
 * opener fills a one-line reason. Nothing here prints. */
#ifndef NFP_DROPS_H
#define NFP_DROPS_H

#include <stddef.h>
#include <stdint.h>

#include "drops_event.h"
#include "hop.h"
#include "strpool.h"

/* ---- names: reasons, symbols, namespaces ---- */
struct capture_drops_names;

/* Empty table; NULL on ENOMEM. Owned by the caller (capture_drops_names_free). */
struct capture_drops_names *capture_drops_names_new(void);
void capture_drops_names_free(struct capture_drops_names *n);

/* Text form, one fact per line, for fixtures and tests (also what
 * capture_drops_names_dump writes):
 *   reason NUM NAME        enum skb_drop_reason value as the tracepoint prints it
 *   sym HEXADDR NAME       a kernel text symbol
 *   ns INODE [DEV]         a traced namespace; DEV is the traced namespace's
 *                          veth whose peer lives there (absent: the traced one)
 * Unknown or malformed lines are skipped. Returns 0, -1 on ENOMEM. */
int capture_drops_names_parse(struct capture_drops_names *n, const char *text, size_t len);
/* Appends the text form of everything known (kernel symbols only those
 * named in addrs[0..naddrs), to keep fixtures small) to a malloc'd string
 * in *out (caller frees). -1 on ENOMEM. */
int capture_drops_names_dump(const struct capture_drops_names *n, const uint64_t *addrs, size_t naddrs, char **out,
			     size_t *outlen);

/* /proc/kallsyms text: keeps the text symbols (t/T), sorted for lookup.
 * 0 or -1 on ENOMEM. */
int capture_drops_names_kallsyms(struct capture_drops_names *n, const char *text, size_t len);
/* A reason or a namespace, one at a time. 0 or -1 on ENOMEM. */
int capture_drops_names_reason(struct capture_drops_names *n, uint32_t num, const char *name, size_t len);
int capture_drops_names_ns(struct capture_drops_names *n, uint32_t inode, const char *dev);
/* The namespaces recorded, by index (the loader's in-kernel filter). */
size_t capture_drops_names_ns_count(const struct capture_drops_names *n);
uint32_t capture_drops_names_ns_inode(const struct capture_drops_names *n, size_t i);

/* Name of a reason ("IP_RPFILTER") or NULL when the table has none. */
const char *capture_drops_reason(const struct capture_drops_names *n, uint32_t num);
/* The function holding addr ("ip_rcv_finish_core"), or NULL. */
const char *capture_drops_symbol(const struct capture_drops_names *n, uint64_t addr);
/* Number of a reason by name, or -1. */
long capture_drops_reason_num(const struct capture_drops_names *n, const char *name);

/* ---- the decoder ---- */
typedef uint32_t (*capture_ifname_fn)(void *ctx, uint32_t ifindex);

/* Decodes one ring-buffer record (buf, len bytes) into a hop of kind
 * NFP_KIND_DROP: reason and location names, the device (named by
 * ifname(ifctx, ifindex) when the drop happened in the traced namespace,
 * else drop_ns names the veth towards the namespace it happened in), and
 * the packet fields of its IPv4/IPv6 header, decoded as every other
 * source's. ts_off (seconds) is added to the record's monotonic time.
 * Returns NFP_PARSE_HOP, or NFP_PARSE_BAD with *err set (a static string). */
int capture_drops_decode(const void *buf, size_t len, const struct capture_drops_names *names,
			 struct capture_strpool *sp, capture_ifname_fn ifname, void *ifctx, double ts_off,
			 struct nfp_hop *h, const char **err);

/* ---- the live tracer ---- */
struct capture_drops;

struct capture_drops_opts {
	long max_per_sec; /* drops per second sent by the kernel, 0 = no cap */
	int no_drops;	  /* --no-drops: do not even try */
};

/* In the traced namespace, with the capture's full privileges: reads the
 * names, loads and attaches the program. NULL when drop reasons cannot be
 * had here; why (cap bytes) then says so in one line (no BTF, no
 * CAP_BPF/CAP_PERFMON, no reason argument, --no-drops, ...). */
struct capture_drops *capture_drops_open(const struct capture_drops_opts *o, char *why, size_t cap);

/* Takes what the ring buffer holds without waiting: each record is
 * handed to cb(ctx, bytes, len). Returns the number taken, -1 on error. */
int capture_drops_poll(struct capture_drops *d, void (*cb)(void *ctx, const void *rec, size_t len), void *ctx);

/* Drops the kernel could not send (ring buffer full) and those over the
 * rate cap, since open. */
void capture_drops_counts(const struct capture_drops *d, unsigned long *lost, unsigned long *limited);

/* The names read at open (owned by d). */
const struct capture_drops_names *capture_drops_names_of(const struct capture_drops *d);

/* The capture's selection, to tell a drop of a selected packet whose
 * hops were all rate-limited away (shown) from any other (not shown). Only
 * the default selection (ICMP echo) is judged here: any other is a filter
 * turned into nft rules (--host/--proto/--port too), which the decoder
 * does not evaluate, so no drop is taken as selected by it. */
struct capture_drops_sel {
	int custom; /* a selection other than the default */
};

struct capture_drops_stats {
	unsigned long seen;	/* records read */
	unsigned long joined;	/* drop hops of traced packets */
	unsigned long selected; /* of selected packets without a traced hop */
	unsigned long other;	/* not shown: no trace, not selected */
	unsigned long bad;	/* records that did not decode */
};

/* 1 when the selection takes the packet of hop h. Pure. */
int capture_drops_selected(const struct capture_drops_sel *sel, const struct nfp_hop *h);

struct capture_trace;
/* Reads the ring buffer and holds each record `hold` seconds (the same
 * packet's trace events come over another socket and must be stitched
 * first; hold 0 at the end takes all), then decodes each: a drop of a
 * traced packet, or of a selected one, goes into t as a hop (and so into
 * the recording with its packet); the others are only counted. -1 on
 * ENOMEM. */
int capture_drops_pump(struct capture_drops *d, struct capture_trace *t, const struct capture_drops_sel *sel,
		       capture_ifname_fn ifname, void *ifctx, double now_mono, double hold, struct capture_drops_stats *st);

/* Detaches and frees. NULL is fine. */
void capture_drops_close(struct capture_drops *d);

#endif
