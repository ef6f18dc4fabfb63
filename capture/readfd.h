/* readfd: a whole file or pipe into a trace, decoding on two threads.
 *
 * Decoding a kernel log line costs about twice what stitching its hop
 * does, so a second thread decodes blocks of lines ahead of the stitcher
 * while the calling thread stitches (and decodes too when it would
 * otherwise wait). The result is the same as feeding the stream to
 * capture_input_feed: same packets, line numbers, counts and messages in
 * the same order. Recordings and monitor text, whose lines depend on
 * earlier ones, are decoded in order on the calling thread. */
#ifndef NFP_READFD_H
#define NFP_READFD_H

#include "input.h"

/* Reads fd to EOF (or until *in->stop) into in. A pipe's lines are
 * decoded as they arrive; a last line without newline waits in in for
 * more (a growing file) or for capture_input_end. -1 with errno on a read
 * error or ENOMEM. */
int capture_read_fd(struct capture_input *in, int fd);

#endif
