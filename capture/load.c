/* load: read sources and rules into a trace (see load.h). */
#include "load.h"

#include "readfd.h"


#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int slurp(const char *path, char **out, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (!b)
			break;
		if (n == cap) {
			/* rules files are small; refuse absurd ones */
			if (cap >= (64u << 20)) {
				free(b);
				b = NULL;
				errno = EFBIG;
				break;
			}
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			b = NULL;
			errno = e;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	int e = errno;
	if (fd > 0)
		close(fd);
	errno = e;
	if (!b)
		return -1;
	*out = b;
	*len = n;
	return 0;
}

enum capture_load_status capture_load(struct capture_trace *t, struct capture_rules *rules,
				      const struct capture_load_req *rq, const char **bad, const char **why)
{
	const struct capture_source *src = rq->src, *rsrc = rq->rules;
	size_t nsrc = rq->nsrc, nrsrc = rq->nrules;
	capture_diag_fn diag = rq->diag;
	void *ctx = rq->diag_ctx;
	*bad = NULL;
	*why = NULL;
	for (size_t i = 0; i < nrsrc; i++) {
		char *text = NULL;
		size_t len = rsrc[i].len;
		const char *data = rsrc[i].data;
		if (!data) {
			if (slurp(rsrc[i].name, &text, &len) < 0) {
				*bad = rsrc[i].name;
				return NFP_LOAD_OPEN_FAILED;
			}
			data = text;
		}
		long n = capture_rules_load(rules, data, len, why);
		free(text);
		if (n < 0) {
			*bad = rsrc[i].name;
			return NFP_LOAD_RULES_BAD;
		}
	}
	t->rules = rules;
	unsigned long before = t->st.hops;
	for (size_t i = 0; i < nsrc && !(rq->stop && *rq->stop); i++) {
		struct capture_input in;
		capture_input_init(&in, t, src[i].name, (uint16_t)(i < 65535 ? i : 65535), diag, ctx);
		in.stop = rq->stop;
		in.idle = rq->idle;
		in.idle_ctx = rq->idle_ctx;
		int r;
		if (src[i].data) {
			r = capture_input_feed(&in, src[i].data, src[i].len);
		} else {
			int fd = strcmp(src[i].name, "-") == 0 ? 0 : open(src[i].name, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				*bad = src[i].name;
				return NFP_LOAD_OPEN_FAILED;
			}
			r = capture_read_fd(&in, fd);
			int e = errno;
			if (fd > 0)
				close(fd);
			if (r < 0 && e != ENOMEM) {
				capture_input_end(&in);
				errno = e;
				*bad = src[i].name;
				return NFP_LOAD_OPEN_FAILED;
			}
		}
		/* the last line, when it had no newline */
		if (capture_input_end(&in) < 0)
			r = -1;
		if (r < 0)
			return NFP_LOAD_NOMEM;
		if (in.hops == 0 && diag)
			diag(ctx, src[i].name, 0, "no trace lines found");
	}
	/* the input ended: every packet in flight is complete */
	capture_trace_flush(t);
	if (nsrc && t->st.hops == before) {
		*why = "no trace lines in the input";
		return NFP_LOAD_NO_TRACE;
	}
	return NFP_LOAD_OK;
}
