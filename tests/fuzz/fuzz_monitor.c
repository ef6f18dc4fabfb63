/* nft monitor trace and xtables-monitor --trace text, with their state */
#include "../../capture/parse.h"
#include "fuzz_common.h"

static struct capture_strpool *sp;
static struct capture_mon_state st;

static void one(const char *s, size_t n)
{
	struct nfp_hop h;
	const char *err;
	capture_nftmon_parse(s, n, &st, sp, &h, &err);
	capture_xtmon_parse(s, n, &st, sp, &h, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp = capture_strpool_new();
	memset(&st, 0, sizeof(st));
	FOR_EACH_LINE(data, size, one);
	capture_strpool_free(sp);
	return 0;
}
