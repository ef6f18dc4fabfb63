/* one netlink datagram through the nftables trace and NFLOG decoders, as
 * the live capture does */
#include <libmnl/libmnl.h>
#include <stdlib.h>

#include "../../capture/nflog.h"
#include "../../capture/nftrace.h"
#include "fuzz_common.h"

static uint32_t ifname(void *ctx, uint32_t idx)
{
	char n[16];
	int l = 0;
	n[l++] = 'i';
	n[l++] = (char)('0' + idx % 10);
	return capture_strpool_intern(ctx, n, (size_t)l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct capture_mon_state st;
	memset(&st, 0, sizeof(st));
	/* aligned copy: the kernel hands netlink messages aligned */
	uint32_t *buf = malloc(size + 4);
	memcpy(buf, data, size);
	const struct nlmsghdr *nlh;
	size_t off = 0;
	while ((nlh = capture_nl_next(buf, size, &off)) != NULL) {
		struct nfp_hop h;
		const char *err;
		uint32_t seq;
		int has;
		if (capture_nftrace_decode(nlh, nlh->nlmsg_len, &st, sp, ifname, sp, &h, &err) == NFP_PARSE_SKIP)
			capture_nflog_decode(nlh, nlh->nlmsg_len, sp, ifname, sp, &h, &seq, &has, &err);
	}
	free(buf);
	capture_strpool_free(sp);
	return 0;
}
