/* kernel log lines (iptables TRACE, nf_log, ebtables log) */
#include "../../capture/parse.h"
#include "fuzz_common.h"

static struct capture_strpool *sp;

static void one(const char *s, size_t n)
{
	struct nfp_hop h;
	const char *err;
	capture_klog_parse(s, n, sp, &h, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp = capture_strpool_new();
	FOR_EACH_LINE(data, size, one);
	capture_strpool_free(sp);
	return 0;
}
