/* nflog: decoder and config builder for nfnetlink_log (see nflog.h). */
#include "nflog.h"

#include <arpa/inet.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
/* the kernel's header first: it knows attributes the library's copy does
 * not, and both use the same include guard */
#include <linux/netfilter/nfnetlink_log.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <string.h>

static int has(const struct nlattr *a, size_t n)
{
	return a && mnl_attr_get_payload_len(a) >= n;
}

static uint32_t be32at(const struct nlattr *a)
{
	uint32_t v;
	memcpy(&v, mnl_attr_get_payload(a), 4);
	return ntohl(v);
}

int capture_nflog_decode(const void *msg, size_t len, struct capture_strpool *sp, capture_ifname_fn ifname, void *ctx,
			 struct nfp_hop *h, uint32_t *seq, int *has_seq, const char **err)
{
	const struct nlmsghdr *nlh = msg;
	*has_seq = 0;
	if (len < sizeof(*nlh) || !mnl_nlmsg_ok(nlh, (int)len)) {
		*err = "truncated netlink message";
		return NFP_PARSE_BAD;
	}
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_ULOG || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFULNL_MSG_PACKET)
		return NFP_PARSE_SKIP;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg)) {
		*err = "log message without nfgenmsg";
		return NFP_PARSE_BAD;
	}
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	/* libnetfilter_log's parser checks each known attribute's type and
	 * length; it skips ones it does not know */
	struct nlattr *tb[NFULA_MAX + 1];
	memset(tb, 0, sizeof(tb));
	if (nflog_nlmsg_parse(nlh, tb) < 0) {
		*err = "malformed log attributes";
		return NFP_PARSE_BAD;
	}
	memset(h, 0, sizeof(*h));
	h->rule = -1;
	h->source = NFP_SRC_NFLOG;
	h->family = nfg->nfgen_family;
	h->kind = NFP_KIND_LOG;
	if (has(tb[NFULA_SEQ], 4)) {
		*seq = be32at(tb[NFULA_SEQ]);
		*has_seq = 1;
	}
	if (tb[NFULA_PREFIX]) {
		const char *p = mnl_attr_get_payload(tb[NFULA_PREFIX]);
		size_t pl = mnl_attr_get_payload_len(tb[NFULA_PREFIX]);
		const char *z = memchr(p, '\0', pl);
		if (z)
			pl = (size_t)(z - p);
		int r = 0;
		if (pl > 7 && memcmp(p, "TRACE: ", 7) == 0)
			r = capture_iptrace_header(p + 7, pl - 7, sp, h, err);
		if (r < 0)
			return NFP_PARSE_BAD;
		if (r == 0) {
			/* a user's "log group" rule: the prefix may name the chain,
			 * and the packet header always names the hook */
			const struct nlattr *ph = tb[NFULA_PACKET_HDR];
			if (ph && mnl_attr_get_payload_len(ph) >= sizeof(struct nfulnl_msg_packet_hdr)) {
				const struct nfulnl_msg_packet_hdr *hdr = mnl_attr_get_payload(ph);
				if (hdr->hook <= 5)
					h->hook = (uint8_t)(hdr->hook == 5 ? 8 /* NFP_HOOK_BROUTING */ : hdr->hook + 1);
			}
			while (pl && p[pl - 1] == ' ')
				pl--;
			uint32_t id = capture_strpool_intern(sp, p, pl);
			h->prefix = id == UINT32_MAX ? 0 : id;
			uint8_t fam = h->family;
			capture_prefix_chain(p, pl, sp, h);
			if (h->family == NFP_FAM_INET || h->family == NFP_FAM_UNSPEC)
				h->family = fam;
		}
	}
	if (ifname) {
		if (has(tb[NFULA_IFINDEX_INDEV], 4))
			h->in = ifname(ctx, be32at(tb[NFULA_IFINDEX_INDEV]));
		if (has(tb[NFULA_IFINDEX_OUTDEV], 4))
			h->out = ifname(ctx, be32at(tb[NFULA_IFINDEX_OUTDEV]));
		if (has(tb[NFULA_IFINDEX_PHYSINDEV], 4))
			h->physin = ifname(ctx, be32at(tb[NFULA_IFINDEX_PHYSINDEV]));
		if (has(tb[NFULA_IFINDEX_PHYSOUTDEV], 4))
			h->physout = ifname(ctx, be32at(tb[NFULA_IFINDEX_PHYSOUTDEV]));
	}
	if (tb[NFULA_PAYLOAD]) {
		const uint8_t *pl = mnl_attr_get_payload(tb[NFULA_PAYLOAD]);
		size_t n = mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]);
		if (h->family == NFP_FAM_BRIDGE && n >= 14 && !(n && (pl[0] >> 4 == 4 || pl[0] >> 4 == 6))) {
			/* bridge logs may start at the Ethernet header */
			memcpy(h->pk.mac_dst, pl, 6);
			memcpy(h->pk.mac_src, pl + 6, 6);
			h->pk.flags |= NFP_PK_MACS;
			pl += 14;
			n -= 14;
		}
		capture_pkt_decode(pl, n, NULL, 0, &h->pk);
		if (capture_pkt_inner(pl, n, &h->inner) < 0) /* an ICMP error's flow */
			capture_pkt_tunnel(pl, n, &h->inner);  /* or a tunnel's packet */
	}
	if (has(tb[NFULA_HWHEADER], 14) && !(h->pk.flags & NFP_PK_MACS)) {
		const uint8_t *e = mnl_attr_get_payload(tb[NFULA_HWHEADER]);
		memcpy(h->pk.mac_dst, e, 6);
		memcpy(h->pk.mac_src, e + 6, 6);
		h->pk.flags |= NFP_PK_MACS;
	}
	if (has(tb[NFULA_MARK], 4)) {
		h->pk.mark = be32at(tb[NFULA_MARK]);
		if (h->pk.mark)
			h->pk.flags |= NFP_PK_MARK;
	}
	if (has(tb[NFULA_CT_INFO], 4)) {
		/* ESTABLISHED 0, RELATED 1, NEW 2, ESTABLISHED_REPLY 3,
		 * RELATED_REPLY 4, UNTRACKED 7 */
		uint32_t ci = be32at(tb[NFULA_CT_INFO]);
		static const uint8_t st[] = { NFP_CT_ESTABLISHED, NFP_CT_RELATED, NFP_CT_NEW, NFP_CT_ESTABLISHED,
					      NFP_CT_RELATED };
		if (ci < 5) {
			h->ct_state = st[ci];
			h->ct_dir = ci >= 3 ? NFP_DIR_REPLY : NFP_DIR_ORIGINAL;
			h->flags |= NFP_HOP_CT;
		} else if (ci == 7) {
			h->ct_state = NFP_CT_UNTRACKED;
			h->flags |= NFP_HOP_CT;
		}
	}
	if (has(tb[NFULA_TIMESTAMP], 16)) {
		uint64_t sec, usec;
		memcpy(&sec, mnl_attr_get_payload(tb[NFULA_TIMESTAMP]), 8);
		memcpy(&usec, (const char *)mnl_attr_get_payload(tb[NFULA_TIMESTAMP]) + 8, 8);
		h->ts = (double)be64toh(sec) + (double)be64toh(usec) / 1e6;
		h->flags |= NFP_HOP_TS;
	}
	if (!h->table && !h->prefix && !(h->pk.flags & NFP_PK_ADDRS)) {
		*err = "log message with neither prefix nor packet";
		return NFP_PARSE_BAD;
	}
	h->flags |= NFP_HOP_HAVE_PKT;
	return NFP_PARSE_HOP;
}

struct nlmsghdr *capture_nflog_cmd(void *buf, uint32_t seq, uint8_t pf, uint16_t group, uint8_t cmd)
{
	struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, pf, group);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nflog_attr_put_cfg_cmd(nlh, cmd);
	return nlh;
}

struct nlmsghdr *capture_nflog_whole_packets(void *buf, uint32_t seq, uint16_t group, uint16_t flags)
{
	struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, 0, group);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nflog_attr_put_cfg_mode(nlh, NFULNL_COPY_PACKET, 0xffff);
	/* the library has no helpers for these three */
	mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(flags));
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(0));
	return nlh;
}

int capture_nl_dispatch(struct capture_nl_state *st, const void *buf, size_t n, double ts, struct capture_strpool *sp,
			capture_ifname_fn ifname, void *ifctx, capture_nl_hop_fn on_hop, void *ctx)
{
	const struct nlmsghdr *nlh;
	size_t off = 0;
	while ((nlh = capture_nl_next(buf, n, &off)) != NULL) {
		struct nfp_hop h;
		const char *err;
		uint32_t lseq;
		int has_seq = 0;
		st->events++;
		int dr = capture_nftrace_decode(nlh, nlh->nlmsg_len, &st->mon, sp, ifname, ifctx, &h, &err);
		if (dr == NFP_PARSE_SKIP)
			dr = capture_nflog_decode(nlh, nlh->nlmsg_len, sp, ifname, ifctx, &h, &lseq, &has_seq, &err);
		if (dr != NFP_PARSE_HOP)
			continue;
		if (h.source == NFP_SRC_NFLOG && has_seq) {
			/* NFLOG numbers its messages per group: a gap is events lost */
			const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
			unsigned gi = ntohs(g->res_id) % 16;
			if (st->nflog_seq_valid[gi] && lseq > st->nflog_next[gi])
				st->nflog_lost += lseq - st->nflog_next[gi];
			st->nflog_next[gi] = lseq + 1;
			st->nflog_seq_valid[gi] = 1;
		}
		/* arrival time for both: NFLOG's own stamp is the packet's, the
		 * same for all its hops, and trace events have none */
		h.ts = ts;
		h.flags |= NFP_HOP_TS;
		if (on_hop(ctx, &h) < 0)
			return -1;
	}
	return 0;
}
