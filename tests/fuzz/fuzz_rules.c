/* rules files: iptables-save, ebtables-save, nft -a list ruleset */
#include "../../capture/rules.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_rules *r = capture_rules_new();
	const char *err;
	capture_rules_load(r, (const char *)data, size, &err);
	int hook, prio, nat;
	capture_rules_lookup(r, NFP_FAM_IPV4, "filter", "FORWARD", NFP_KIND_RULE, 1, 0, 0, NULL);
	capture_rules_lookup(r, NFP_FAM_INET, "filter", "input", NFP_KIND_POLICY, -1, 1, 4, "x");
	capture_rules_chain_hook(r, NFP_FAM_INET, "filter", "input", &hook, &prio, &nat);
	capture_rules_free(r);
	return 0;
}
