/* raw IP headers (NFLOG payloads, trace headers, xtables-monitor NH=) */
#include "../../capture/parse.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfp_pkt pk;
	memset(&pk, 0, sizeof(pk));
	size_t cut = size ? data[0] % (size + 1) : 0;
	capture_pkt_decode(data, cut, cut < size ? data + cut : NULL, size - cut, &pk);
	memset(&pk, 0, sizeof(pk));
	capture_pkt_decode(data, size, NULL, 0, &pk);
	return 0;
}
