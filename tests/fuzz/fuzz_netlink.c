/* one netlink datagram through capture_nl_dispatch, the live capture's own
 * dispatch (trace and NFLOG decoders, NFLOG loss counting); each hop is
 * stitched into a trace as the capture does */
#include <libmnl/libmnl.h>
#include <stdlib.h>

#include "../../capture/nflog.h"
#include "../../capture/trace.h"
#include "fuzz_common.h"

static uint32_t ifname(void *ctx, uint32_t idx)
{
	char n[16];
	int l = 0;
	n[l++] = 'i';
	n[l++] = (char)('0' + idx % 10);
	return capture_strpool_intern(ctx, n, (size_t)l);
}

static int hop(void *ctx, struct nfp_hop *h)
{
	return capture_trace_add(ctx, h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_trace *t = capture_trace_new(NULL);
	struct capture_nl_state st;
	memset(&st, 0, sizeof(st));
	/* aligned copy: the kernel hands netlink messages aligned */
	uint32_t *buf = malloc(size + 4);
	memcpy(buf, data, size);
	/* twice: the second pass sees the state the first left (NFLOG
	 * sequence numbers, the trace decoder's) */
	for (int pass = 0; t && pass < 2; pass++)
		capture_nl_dispatch(&st, buf, size, 1000.0 + pass, capture_trace_strpool(t), ifname, capture_trace_strpool(t), hop, t);
	free(buf);
	capture_trace_free(t);
	return 0;
}
