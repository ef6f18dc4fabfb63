/* hop: names of the model's enums, shared by every printer and reader. */
#include "hop.h"

#include <string.h>

#define NAME_OF(tab, i) ((i) >= 0 && (size_t)(i) < sizeof(tab) / sizeof(tab[0]) && tab[i] ? tab[i] : "?")

static const char *const fam_names[] = {
	[NFP_FAM_UNSPEC] = "unspec", [NFP_FAM_INET] = "inet",	  [NFP_FAM_IPV4] = "ip",
	[NFP_FAM_ARP] = "arp",	     [NFP_FAM_NETDEV] = "netdev", [NFP_FAM_BRIDGE] = "bridge",
	[NFP_FAM_IPV6] = "ip6",
};
static const char *const kind_names[] = { "rule", "return", "policy", "log", "packet", "drop" };
static const char *const verdict_names[] = {
	"", "accept", "drop", "continue", "return", "jump", "goto", "queue", "stolen", "break", "reject", "other",
};
static const char *const ct_names[] = { "unknown", "new", "established", "related", "invalid", "untracked" };
static const char *const dir_names[] = { "unknown", "original", "reply" };
static const char *const layer_names[] = { "", "link", "network" };
static const char *const source_names[] = { "klog", "eblog", "nftmon", "xtmon", "nftrace", "nflog", "rec" };

const char *nfp_family_name(int f) { return NAME_OF(fam_names, f); }
const char *nfp_kind_name(int k) { return NAME_OF(kind_names, k); }
const char *nfp_verdict_name(int v) { return NAME_OF(verdict_names, v); }
const char *nfp_ct_name(int c) { return NAME_OF(ct_names, c); }
const char *nfp_dir_name(int d) { return NAME_OF(dir_names, d); }
const char *nfp_layer_name(int l) { return NAME_OF(layer_names, l); }
const char *nfp_source_name(int s) { return NAME_OF(source_names, s); }

int nfp_verdict_parse(const char *s, int len)
{
	for (int v = 1; v < (int)(sizeof(verdict_names) / sizeof(verdict_names[0])); v++) {
		const char *n = verdict_names[v];
		if ((int)strlen(n) != len)
			continue;
		int ok = 1;
		for (int i = 0; i < len && ok; i++) {
			char c = s[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			ok = c == n[i];
		}
		if (ok)
			return v;
	}
	return NFP_V_OTHER;
}
