/* input: byte stream -> lines -> the right decoder -> trace.
 *
 * Incremental, so a file, a pipe and a growing live stream go through the
 * same code: feed any chunk, complete lines are decoded at once, a partial
 * line waits for the next chunk. Each line picks its decoder (kernel log,
 * nft monitor, xtables-monitor); a stream whose first line is the recording
 * header is read as a recording. Lines longer than NFP_MAX_LINE are
 * reported and skipped, so one huge line cannot exhaust memory. */
#ifndef NFP_INPUT_H
#define NFP_INPUT_H

#include <signal.h>
#include <stddef.h>

#include "parse.h"
#include "record.h"
#include "trace.h"

#define NFP_MAX_LINE NFP_REC_MAX_LINE

typedef void (*capture_diag_fn)(void *ctx, const char *file, unsigned long line, const char *msg);

struct capture_input {
	struct capture_trace *t;
	const char *name; /* for messages; not owned */
	uint16_t file_idx;
	int is_rec, first;
	unsigned long line;
	unsigned long hops, bad;
	unsigned long blocks_apart; /* blocks decoded apart and merged (capture_block_merge) */
	struct capture_mon_state mon;
	char *part; /* partial line */
	size_t plen, pcap;
	int overlong;
	capture_diag_fn diag;
	void *diag_ctx;
	/* capture_read_fd ends early, as at end of input, once *stop is set */
	const volatile sig_atomic_t *stop;
	/* capture_read_fd calls it when the stream pauses (packets settled) */
	void (*idle)(void *ctx);
	void *idle_ctx;
	/* the recording's #S record: its host (strpool id, 0 none) and
	 * clocks at the start (0 when absent); hops without a host of their
	 * own get this one */
	uint32_t host;
	double realtime, monotonic;
	/* the packet fields of the last H line, for a same=1 line after it */
	struct nfp_pkt last_pk;
	struct nfp_inner last_inner;
	int have_last;
	int rec_version; /* the recording header's version */
	/* when set, decoded hops go here instead of into the trace (a merge
	 * collects each input's hops first); -1 with errno stops the input */
	int (*take)(void *ctx, const struct nfp_hop *h);
	void *take_ctx;
};

void capture_input_init(struct capture_input *in, struct capture_trace *t, const char *name, uint16_t file_idx,
			capture_diag_fn diag, void *ctx);
/* Decodes every complete line in buf. -1 with errno on ENOMEM. */
int capture_input_feed(struct capture_input *in, const char *buf, size_t len);
/* Decodes a last line without newline; frees the partial buffer. */
int capture_input_end(struct capture_input *in);

/* One line through the decoders (no newline). Exposed for fuzzing. */
int capture_input_line(struct capture_input *in, const char *s, size_t n);

/* A block of complete lines decoded apart from the stream, so another
 * thread can do it: only decoders that need nothing from earlier lines
 * run (kernel log formats). Hops hold strpool ids of the pool the block was
 * decoded with and line numbers counted from the block's start.
 * Ownership: the block owns its arrays; reuse it across calls, free with
 * capture_block_free. */
struct capture_block {
	struct nfp_hop *hops;
	size_t nhops, caphops;
	struct capture_block_bad {
		unsigned long line;
		const char *msg; /* static string */
		uint8_t why;	 /* enum nfp_why */
	} *bad;
	size_t nbad, capbad;
	unsigned long lines, skipped;
	unsigned long skip_why[NFP_WHY__COUNT]; /* skipped lines per cause */
	int needs_state; /* a line needs the stream's state (monitor text): decode it in order instead */
};

/* Decodes buf[0..len) (whole lines, the last may lack its newline) into b,
 * interning into sp. -1 with errno on ENOMEM. Stops early, with
 * b->needs_state set, at the first monitor-text line. */
int capture_block_decode(struct capture_block *b, const char *buf, size_t len, struct capture_strpool *sp);
/* Adds a decoded block at the input's position, as if its lines had been
 * fed: line numbers, counts, messages, hops. map (NULL when the block used
 * the trace's own pool) turns the block pool's ids into the trace's; every
 * id in the block is below nmap. -1 with errno on ENOMEM. */
int capture_block_merge(struct capture_input *in, const struct capture_block *b, const uint32_t *map, size_t nmap);
void capture_block_free(struct capture_block *b);

#endif
