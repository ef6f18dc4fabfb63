/* hop: names of the model's enums, shared by every printer and reader. */
#include "hop.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
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
static const char *const source_names[] = { "klog", "eblog", "nftmon", "xtmon", "nftrace", "nflog", "rec", "kdrop" };

static const char *const why_names[] = {
	[NFP_WHY_NOT_TRACE] = "not trace output",
	[NFP_WHY_PACKET_LINE] = "packet lines (fields for the events after them)",
	[NFP_WHY_TOOL_NOTE] = "trace tool messages, no event",
	[NFP_WHY_BAD_FIELD] = "bad field",
	[NFP_WHY_TRUNCATED] = "truncated",
	[NFP_WHY_UNSUPPORTED] = "unsupported",
	[NFP_WHY_TOO_LONG] = "too long",
};

const char *nfp_why_name(int w) { return NAME_OF(why_names, w); }
const char *nfp_family_name(int f) { return NAME_OF(fam_names, f); }
const char *nfp_kind_name(int k) { return NAME_OF(kind_names, k); }
const char *nfp_verdict_name(int v) { return NAME_OF(verdict_names, v); }
const char *nfp_ct_name(int c) { return NAME_OF(ct_names, c); }
const char *nfp_dir_name(int d) { return NAME_OF(dir_names, d); }
const char *nfp_layer_name(int l) { return NAME_OF(layer_names, l); }
const char *nfp_source_name(int s) { return NAME_OF(source_names, s); }

const char *nfp_tunnel_name(const struct nfp_inner *in)
{
	return (in->flags & NFP_IN_VXLAN) ? "vxlan" : (in->flags & NFP_IN_GENEVE) ? "geneve" : NULL;
}

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

int nfp_verdict_code(uint32_t code)
{
	switch ((int32_t)code) {
	case NFT_CONTINUE:
		return NFP_V_CONTINUE;
	case NFT_BREAK:
		return NFP_V_BREAK;
	case NFT_JUMP:
		return NFP_V_JUMP;
	case NFT_GOTO:
		return NFP_V_GOTO;
	case NFT_RETURN:
		return NFP_V_RETURN;
	}
	/* NF_DROP may carry an errno and NF_QUEUE a queue number above the low byte */
	switch (code & NF_VERDICT_MASK) {
	case NF_DROP:
		return NFP_V_DROP;
	case NF_ACCEPT:
		return NFP_V_ACCEPT;
	case NF_STOLEN:
		return NFP_V_STOLEN;
	case NF_QUEUE:
		return NFP_V_QUEUE;
	}
	return NFP_V_OTHER;
}

static int word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

int nfp_family_parse(const char *s, size_t n)
{
	if (word_is(s, n, "eb"))
		return NFP_FAM_BRIDGE;
	for (int f = NFP_FAM_INET; f < (int)(sizeof(fam_names) / sizeof(fam_names[0])); f++)
		if (fam_names[f] && word_is(s, n, fam_names[f]))
			return f;
	return -1;
}

static const struct {
	const char *name;
	uint8_t num;
} proto_names[] = {
	{ "icmp", 1 }, { "tcp", 6 },  { "udp", 17 }, { "icmpv6", 58 },	  { "sctp", 132 }, { "udplite", 136 },
	{ "dccp", 33 }, { "esp", 50 }, { "ah", 51 },  { "gre", 47 },	  { "igmp", 2 },   { "ipv6-icmp", 58 },
};

int nfp_proto_parse(const char *s, size_t n)
{
	char low[16];
	if (n && n < sizeof(low)) {
		for (size_t i = 0; i < n; i++)
			low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
			if (word_is(low, n, proto_names[i].name))
				return proto_names[i].num;
	}
	if (!n || n > 3)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 255 ? v : -1;
}

const char *nfp_proto_name(int proto)
{
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++)
		if (proto_names[i].num == proto)
			return proto_names[i].name;
	return NULL;
}

const char *nfp_pkt_proto_name(const struct nfp_pkt *pk)
{
	if (pk->flags & NFP_PK_ARP)
		return "arp";
	return (pk->flags & NFP_PK_PROTO) ? nfp_proto_name(pk->proto) : NULL;
}

int nfp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
