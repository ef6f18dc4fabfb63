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

#include <stddef.h>

#include "parse.h"
#include "trace.h"

#define NFP_MAX_LINE 65536

typedef void (*capture_diag_fn)(void *ctx, const char *file, unsigned long line, const char *msg);

struct capture_input {
	struct capture_trace *t;
	const char *name; /* for messages; not owned */
	uint16_t file_idx;
	int is_rec, first;
	unsigned long line;
	unsigned long hops, bad;
	struct capture_mon_state mon;
	char *part; /* partial line */
	size_t plen, pcap;
	int overlong;
	capture_diag_fn diag;
	void *diag_ctx;
};

void capture_input_init(struct capture_input *in, struct capture_trace *t, const char *name, uint16_t file_idx,
			capture_diag_fn diag, void *ctx);
/* Decodes every complete line in buf. -1 with errno on ENOMEM. */
int capture_input_feed(struct capture_input *in, const char *buf, size_t len);
/* Decodes a last line without newline; frees the partial buffer. */
int capture_input_end(struct capture_input *in);
/* Reads fd to EOF through feed/end. -1 with errno on a read error. */
int capture_input_read_fd(struct capture_input *in, int fd);

/* One line through the decoders (no newline). Exposed for fuzzing. */
int capture_input_line(struct capture_input *in, const char *s, size_t n);

#endif
