/* live: the privileged capture (`nfpath capture`).
 *
 * Enters the traced network namespace, installs nfpath's own nft tables
 * (flags owner: the kernel deletes them when this process's netlink socket
 * closes, however it ends), subscribes to nftables trace events, and writes
 * every event as a recording line. It never touches other tables.
 *
 * Errors come back as a status with a message; only tui/ prints. */
#ifndef NFP_LIVE_H
#define NFP_LIVE_H

#include <signal.h>
#include <stddef.h>

#include "filter.h"

struct capture_live_opts {
	const char *netns;   /* ip netns name, PID, or path; NULL = current */
	const struct capture_filter *sel; /* what to trace (filter.h); NULL = ICMP echo */
	const char *sel_text; /* the selection as the user gave it, for the header */
	const char *host_name; /* the host the recording names (#S); NULL: hostname[/netns] */
	const char *expr[8]; /* the raw -e expressions in sel, to name the one nft refuses */
	int nexpr;
	int rate;	     /* traced packets/s for the whole selection, 0 = no limit */
	int no_bridge;	     /* the namespace has no bridge: the inet table decides every packet */
	int owner_pid;	     /* named in the tables' comment, for a second capture to tell (0 = none) */
	int no_setup;	     /* only listen */
	int no_nflog;	     /* leave nf_log bindings alone (no legacy TRACE) */
	int no_drops;	     /* --no-drops: no kernel drop reasons (eBPF) */
	int groups[8];	     /* extra NFLOG groups ("log group N" rules) */
	int ngroups;
	long count;	     /* stop after this many complete packets, 0 = never */
	double seconds;	     /* stop after this long, 0 = never */
	double grace;	     /* a packet is complete after this long without a hop */
	int out_fd;	     /* where records go */
	const char *out_name; /* for messages */
	const volatile sig_atomic_t *stop; /* set by the caller's signal handler */
	void (*note)(const char *line); /* once at set-up: e.g. why drop reasons are off */
};

struct capture_live_result {
	unsigned long events, hops_written, packets, complete, overruns, write_errors;
	unsigned long nflog_lost; /* gaps in NFLOG sequence numbers */
	unsigned long rx_dropped; /* received but over the queue limit */
	int nflog_bound;	  /* legacy TRACE via nfnetlink_log was armed */
	int drops_on;		  /* kernel drop reasons were traced (eBPF) */
	char drops_note[200];	  /* why not, in one line, when drops_on is 0 */
	unsigned long drops_shown; /* drop hops written (of traced or selected packets) */
	unsigned long drops_lost;  /* drop events the ring buffer could not take */
	unsigned long drops_limited; /* drop events over the rate cap (not sent, like rate-limited packets) */
	int stopped_by; /* 0 count/time, 1 signal, 2 output closed */
	unsigned long listings; /* ruleset listings after the first (a chain unknown to it was traced) */
};

enum capture_live_status {
	NFP_LIVE_OK,
	NFP_LIVE_NO_PRIV,  /* not root / no CAP_NET_ADMIN */
	NFP_LIVE_NETNS,	   /* cannot enter the namespace */
	NFP_LIVE_KERNEL,   /* nf_tables / trace not available */
	NFP_LIVE_SETUP,	   /* nft refused the trace tables or the expression */
	NFP_LIVE_BUSY,	   /* another capture, or a table of our name, is in the namespace */
	NFP_LIVE_IO,	   /* writing the recording failed */
	NFP_LIVE_NOMEM,
};

/* Runs until count/seconds/stop. msg (cap bytes) explains a failure. */
enum capture_live_status capture_live_run(const struct capture_live_opts *o, struct capture_live_result *res,
					  char *msg, size_t cap);

/* The nft script nfpath installs, for --help/man and tests. Returns the
 * length written (like snprintf). */
int capture_live_script(const struct capture_live_opts *o, char *out, size_t cap);

#define NFP_TABLE "nfpath"

#endif
