/* kernel drop records (the eBPF ring buffer's struct nfp_drop_event) and
 * the names tables they are read with (reason/sym/ns text, /proc/kallsyms) */
#include "../../capture/drops.h"
#include "../../capture/parse.h"
#include "fuzz_common.h"

#include <stdlib.h>

static uint32_t ifname(void *ctx, uint32_t ifindex)
{
	struct capture_strpool *sp = ctx;
	return ifindex & 1 ? capture_strpool_intern(sp, "eth0", 4) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_drops_names *n = capture_drops_names_new();
	struct capture_strpool *sp = capture_strpool_new();
	if (!n || !sp)
		abort();
	static const char base[] = "reason 2 NOT_SPECIFIED\nreason 16 IP_RPFILTER\nsym ffffffff82054970 ip_rcv_finish_core\n"
				   "ns 4026532176\nns 4026532542 veth11171a6\n";
	capture_drops_names_parse(n, base, sizeof(base) - 1);
	/* the input as a record, then as names text of both kinds */
	struct nfp_hop h;
	const char *err;
	capture_drops_decode(data, size, n, sp, ifname, sp, 0, &h, &err);
	capture_drops_names_parse(n, (const char *)data, size);
	capture_drops_names_kallsyms(n, (const char *)data, size);
	capture_drops_decode(data, size, n, sp, ifname, sp, 0, &h, &err);
	uint64_t a;
	if (size >= 8) {
		memcpy(&a, data, 8);
		capture_drops_symbol(n, a);
	}
	capture_drops_names_free(n);
	capture_strpool_free(sp);
	return 0;
}
