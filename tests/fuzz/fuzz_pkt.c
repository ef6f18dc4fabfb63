/* raw IP headers (NFLOG payloads, trace headers, xtables-monitor NH=), and
 * the VXLAN/Geneve frames a tunnel's outer packet carries */
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
	/* a tunnel's outer packet: whole, and as a trace's transport header */
	struct nfp_inner in;
	memset(&in, 0, sizeof(in));
	capture_pkt_tunnel(data, size, &in);
	struct nfp_pkt udp = { .flags = NFP_PK_PROTO | NFP_PK_PORTS, .proto = 17 };
	udp.dport = size && data[0] & 1 ? 8472 : 6081;
	capture_tunnel_decode(&udp, data, size, &in);
	return 0;
}
