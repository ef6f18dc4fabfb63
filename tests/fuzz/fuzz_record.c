/* nfpath recordings: every line, and each decoded hop written back */
#include "../../capture/record.h"
#include "fuzz_common.h"

static struct capture_strpool *sp;

static void one(const char *s, size_t n)
{
	struct nfp_hop h;
	struct capture_rec_loss lost;
	int nk;
	uint32_t k, v;
	const char *err;
	if (capture_rec_parse(s, n, sp, &h, &lost, &nk, &k, &v, &err) == NFP_REC_HOP) {
		struct capture_buf b = { 0 };
		capture_rec_write_hop(&b, &h, sp);
		capture_buf_free(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp = capture_strpool_new();
	FOR_EACH_LINE(data, size, one);
	capture_strpool_free(sp);
	return 0;
}
