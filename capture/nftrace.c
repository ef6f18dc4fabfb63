/* nftrace: decoder of nftables trace netlink events (see nftrace.h). */
#include "nftrace.h"

#include <arpa/inet.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>

const void *capture_nl_next(const void *buf, size_t len, size_t *off)
{
	if (*off >= len || len - *off < sizeof(struct nlmsghdr))
		return NULL;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)buf + *off);
	uint32_t ml;
	memcpy(&ml, &nlh->nlmsg_len, sizeof(ml));
	if (ml < sizeof(struct nlmsghdr) || ml > len - *off)
		return NULL;
	size_t step = (size_t)NLMSG_ALIGN(ml);
	*off += step < len - *off ? step : len - *off;
	return nlh;
}

struct attrs {
	const struct nlattr *tb[NFP_NFTA_TRACE_MAX + 1];
};

/* The attributes of the message's payload from offset on, by type, like
 * mnl_attr_parse() (it stops at the first one that does not fit; this
 * walk also never reads past nlmsg_len where libmnl rounds it up).
 * Inline, because a flood brings a million events a second and the
 * library's callback and calls per attribute were a tenth of the
 * decoder's time. Types past max are ignored (newer kernels). */
static void attrs_of(const struct nlmsghdr *nlh, size_t offset, const struct nlattr **tb, int max)
{
	const char *base = (const char *)nlh;
	size_t end = nlh->nlmsg_len;
	for (size_t at = MNL_NLMSG_HDRLEN + MNL_ALIGN(offset); at < end && end - at >= sizeof(struct nlattr);) {
		const struct nlattr *a = (const struct nlattr *)(const void *)(base + at);
		if (a->nla_len < sizeof(struct nlattr) || a->nla_len > end - at)
			break;
		int type = a->nla_type & NLA_TYPE_MASK;
		if (type > 0 && type <= max)
			tb[type] = a;
		at += MNL_ALIGN(a->nla_len);
	}
}

static int verdict_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (type > 0 && type <= NFTA_VERDICT_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int u32_ok(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) >= 4;
}

static uint32_t be32(const struct nlattr *a)
{
	uint32_t v;
	memcpy(&v, mnl_attr_get_payload(a), 4);
	return ntohl(v);
}

static int str_attr(const struct nlattr *a, const char **s, size_t *n)
{
	if (!a)
		return -1;
	size_t l = mnl_attr_get_payload_len(a);
	const char *p = mnl_attr_get_payload(a);
	const char *z = memchr(p, '\0', l);
	*s = p;
	*n = z ? (size_t)(z - p) : l;
	return 0;
}

static uint8_t ct_state_of(uint32_t bits)
{
	/* nft ct state bits: invalid 1, established 2, related 4, new 8, untracked 64 */
	if (bits & 64)
		return NFP_CT_UNTRACKED;
	if (bits & 1)
		return NFP_CT_INVALID;
	if (bits & 8)
		return NFP_CT_NEW;
	if (bits & 4)
		return NFP_CT_RELATED;
	if (bits & 2)
		return NFP_CT_ESTABLISHED;
	return NFP_CT_UNKNOWN;
}

int capture_nftrace_decode(const void *msg, size_t len, struct capture_mon_state *st, struct capture_strpool *sp,
			   capture_ifname_fn ifname, void *ctx, struct nfp_hop *h, const char **err)
{
	const struct nlmsghdr *nlh = msg;
	if (len < sizeof(*nlh) || !mnl_nlmsg_ok(nlh, (int)len)) {
		*err = "truncated netlink message";
		return NFP_PARSE_BAD;
	}
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
		return NFP_PARSE_SKIP;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg)) {
		*err = "trace message without nfgenmsg";
		return NFP_PARSE_BAD;
	}
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct attrs at;
	memset(&at, 0, sizeof(at));
	attrs_of(nlh, sizeof(*nfg), at.tb, NFP_NFTA_TRACE_MAX);
	const struct nlattr *const *tb = at.tb;
	memset(h, 0, sizeof(*h));
	h->rule = -1;
	h->source = NFP_SRC_NFTRACE;
	h->family = nfg->nfgen_family;
	const char *s;
	size_t n;
	if (str_attr(tb[NFTA_TRACE_TABLE], &s, &n) == 0)
		h->table = capture_strpool_intern_at(sp, 0, s, n);
	if (str_attr(tb[NFTA_TRACE_CHAIN], &s, &n) == 0)
		h->chain = capture_strpool_intern_at(sp, 1, s, n);
	if (h->table == UINT32_MAX || h->chain == UINT32_MAX || !h->table || !h->chain) {
		*err = "trace event without table or chain";
		return NFP_PARSE_BAD;
	}
	if (u32_ok(tb[NFTA_TRACE_ID])) {
		h->trace_id = be32(tb[NFTA_TRACE_ID]);
		h->flags |= NFP_HOP_TRACE_ID;
	}
	if (tb[NFTA_TRACE_RULE_HANDLE] && mnl_attr_get_payload_len(tb[NFTA_TRACE_RULE_HANDLE]) >= 8) {
		uint64_t v;
		memcpy(&v, mnl_attr_get_payload(tb[NFTA_TRACE_RULE_HANDLE]), 8);
		h->handle = be64toh(v);
		h->flags |= NFP_HOP_HANDLE;
	}
	uint32_t type = u32_ok(tb[NFTA_TRACE_TYPE]) ? be32(tb[NFTA_TRACE_TYPE]) : 0;
	h->kind = type == NFT_TRACETYPE_POLICY ? NFP_KIND_POLICY
		  : type == NFT_TRACETYPE_RETURN ? NFP_KIND_RETURN
						 : NFP_KIND_RULE;
	if (tb[NFTA_TRACE_VERDICT]) {
		const struct nlattr *vt[NFTA_VERDICT_MAX + 1];
		memset(vt, 0, sizeof(vt));
		if (mnl_attr_parse_nested(tb[NFTA_TRACE_VERDICT], verdict_cb, vt) >= 0) {
			if (u32_ok(vt[NFTA_VERDICT_CODE]))
				h->verdict = (uint8_t)nfp_verdict_code(be32(vt[NFTA_VERDICT_CODE]));
			if (str_attr(vt[NFTA_VERDICT_CHAIN], &s, &n) == 0) {
				uint32_t j = capture_strpool_intern(sp, s, n);
				h->jump = j == UINT32_MAX ? 0 : j;
			}
		}
	}
	if (h->kind == NFP_KIND_POLICY && u32_ok(tb[NFTA_TRACE_POLICY]))
		h->verdict = (uint8_t)nfp_verdict_code(be32(tb[NFTA_TRACE_POLICY]));

	/* packet headers: present in the first event of a base-chain run */
	uint32_t id = h->trace_id;
	struct capture_mon_pkt *sl = NULL;
	int have_pkt = tb[NFTA_TRACE_NETWORK_HEADER] || tb[NFTA_TRACE_IIF] || tb[NFTA_TRACE_OIF];
	if (have_pkt) {
		sl = capture_mon_slot(st, id, h->family, 1);
		sl->in = sl->out = 0;
		sl->ct_state = sl->ct_dir = 0;
		sl->ct_id = 0;
		memset(&sl->pk, 0, sizeof(sl->pk));
		if (u32_ok(tb[NFTA_TRACE_IIF]) && ifname)
			sl->in = ifname(ctx, be32(tb[NFTA_TRACE_IIF]));
		if (u32_ok(tb[NFTA_TRACE_OIF]) && ifname)
			sl->out = ifname(ctx, be32(tb[NFTA_TRACE_OIF]));
		const struct nlattr *nh = tb[NFTA_TRACE_NETWORK_HEADER], *th = tb[NFTA_TRACE_TRANSPORT_HEADER];
		if (nh)
			capture_pkt_decode(mnl_attr_get_payload(nh), mnl_attr_get_payload_len(nh),
					   th ? mnl_attr_get_payload(th) : NULL, th ? mnl_attr_get_payload_len(th) : 0,
					   &sl->pk);
		memset(&sl->inner, 0, sizeof(sl->inner));
		if (th && (sl->pk.flags & NFP_PK_ICMP) && mnl_attr_get_payload_len(th) > 8)
			capture_icmp_inner(sl->pk.proto, sl->pk.icmp_type, (const uint8_t *)mnl_attr_get_payload(th) + 8,
					   mnl_attr_get_payload_len(th) - 8, &sl->inner);
		else if (th)
			capture_tunnel_decode(&sl->pk, mnl_attr_get_payload(th), mnl_attr_get_payload_len(th), &sl->inner);
		const struct nlattr *ll = tb[NFTA_TRACE_LL_HEADER];
		if (ll && mnl_attr_get_payload_len(ll) >= 14) {
			const uint8_t *e = mnl_attr_get_payload(ll);
			memcpy(sl->pk.mac_dst, e, 6);
			memcpy(sl->pk.mac_src, e + 6, 6);
			sl->pk.flags |= NFP_PK_MACS;
		}
		if (u32_ok(tb[NFTA_TRACE_MARK])) {
			sl->pk.mark = be32(tb[NFTA_TRACE_MARK]);
			if (sl->pk.mark)
				sl->pk.flags |= NFP_PK_MARK;
		}
		if (u32_ok(tb[NFP_NFTA_TRACE_CT_STATE])) {
			st->kernel_ct = 1;
			sl->ct_state = ct_state_of(be32(tb[NFP_NFTA_TRACE_CT_STATE]));
			const struct nlattr *d = tb[NFP_NFTA_TRACE_CT_DIRECTION];
			if (d && mnl_attr_get_payload_len(d) >= 1)
				sl->ct_dir = *(const uint8_t *)mnl_attr_get_payload(d) ? NFP_DIR_REPLY : NFP_DIR_ORIGINAL;
			if (u32_ok(tb[NFP_NFTA_TRACE_CT_ID]))
				sl->ct_id = be32(tb[NFP_NFTA_TRACE_CT_ID]);
		}
	} else {
		sl = capture_mon_slot(st, id, h->family, 0);
	}
	/* A rule event without a handle is the kernel's note that a chain
	 * ran out of rules: at a base chain's entry it only carries the packet
	 * (nft monitor prints it as the "packet:" line, a policy event
	 * follows); in a jumped-to chain it is the implicit return. */
	if (h->kind == NFP_KIND_RULE && !(h->flags & NFP_HOP_HANDLE) && h->verdict == NFP_V_CONTINUE) {
		if (have_pkt)
			return NFP_PARSE_SKIP;
		h->kind = NFP_KIND_RETURN;
		h->verdict = NFP_V_RETURN;
	}
	if (sl)
		capture_mon_apply(h, sl);
	return NFP_PARSE_HOP;
}
