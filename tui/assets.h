/* assets: files embedded into the binary at build time (assets/embed.sh),
 * so nfpath works from any directory. */
#ifndef NFP_ASSETS_H
#define NFP_ASSETS_H

#include <stddef.h>

struct nfp_asset {
	const char *name;
	const char *data;
	size_t len;
	int is_rules;
};

extern const struct nfp_asset nfp_asset_demo[];
extern const size_t nfp_asset_demo_count;
extern const char nfp_asset_diagram[];
extern const size_t nfp_asset_diagram_len;

#endif
