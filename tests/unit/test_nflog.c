/* NFLOG through libnetfilter_log: the config requests the capture sends
 * (checked attribute by attribute, as the kernel reads them), and the live
 * dispatch over real datagrams from the lab (tests/fixtures/netlink). */
#include "helpers.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include "../../capture/nflog.h"

static size_t slurp(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

struct cfg {
	const struct nlattr *tb[NFULA_CFG_MAX + 1];
};

static int cfg_cb(const struct nlattr *a, void *data)
{
	struct cfg *c = data;
	if (mnl_attr_get_type(a) <= NFULA_CFG_MAX)
		c->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

START_TEST(config_requests)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = capture_nflog_cmd(buf, 7, 10, 0, NFULNL_CFG_CMD_PF_BIND);
	ck_assert_uint_eq(nlh->nlmsg_type, (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ck_assert_uint_eq(nlh->nlmsg_seq, 7);
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(g->nfgen_family, 10);
	ck_assert_uint_eq(g->version, NFNETLINK_V0);
	ck_assert_uint_eq(ntohs(g->res_id), 0);
	struct cfg c;
	memset(&c, 0, sizeof(c));
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(*g), cfg_cb, &c), 0);
	ck_assert(c.tb[NFULA_CFG_CMD] && mnl_attr_get_payload_len(c.tb[NFULA_CFG_CMD]) == 1);
	ck_assert_uint_eq(*(const uint8_t *)mnl_attr_get_payload(c.tb[NFULA_CFG_CMD]), NFULNL_CFG_CMD_PF_BIND);
	ck_assert(!c.tb[NFULA_CFG_MODE]);

	nlh = capture_nflog_whole_packets(buf, 8, 5, NFULNL_CFG_F_SEQ | NFULNL_CFG_F_CONNTRACK);
	g = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(ntohs(g->res_id), 5);
	ck_assert_uint_eq(g->nfgen_family, 0);
	memset(&c, 0, sizeof(c));
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(*g), cfg_cb, &c), 0);
	ck_assert(!c.tb[NFULA_CFG_CMD]);
	ck_assert(c.tb[NFULA_CFG_MODE] && mnl_attr_get_payload_len(c.tb[NFULA_CFG_MODE]) >= 5);
	const struct nfulnl_msg_config_mode *m = mnl_attr_get_payload(c.tb[NFULA_CFG_MODE]);
	ck_assert_uint_eq(ntohl(m->copy_range), 0xffff);
	ck_assert_uint_eq(m->copy_mode, NFULNL_COPY_PACKET);
	ck_assert_uint_eq(ntohs(mnl_attr_get_u16(c.tb[NFULA_CFG_FLAGS])), NFULNL_CFG_F_SEQ | NFULNL_CFG_F_CONNTRACK);
	ck_assert_uint_eq(ntohl(mnl_attr_get_u32(c.tb[NFULA_CFG_QTHRESH])), 1);
	ck_assert_uint_eq(ntohl(mnl_attr_get_u32(c.tb[NFULA_CFG_TIMEOUT])), 0);
}
END_TEST

struct seen {
	int by_source[NFP_SRC__COUNT];
	double ts;
	int stop_after;
};

static int on_hop(void *ctx, struct nfp_hop *h)
{
	struct seen *s = ctx;
	s->by_source[h->source]++;
	ck_assert(h->flags & NFP_HOP_TS);
	ck_assert(h->ts == s->ts);
	return --s->stop_after == 0 ? -1 : 0;
}

static uint32_t ifname(void *ctx, uint32_t idx)
{
	char n[16];
	snprintf(n, sizeof(n), "if%u", idx);
	return capture_strpool_intern(ctx, n, strlen(n));
}

START_TEST(live_dispatch)
{
	static uint32_t buf[65536 / 4];
	struct capture_strpool *sp = capture_strpool_new();
	struct capture_nl_state st;
	memset(&st, 0, sizeof(st));
	struct seen s = { { 0 }, 12.5, 0 };
	for (int i = 0; i < 4; i++) {
		char path[128];
		snprintf(path, sizeof(path), FIXTURES "/netlink/nftrace-%d.bin", i);
		size_t n = slurp(path, buf, sizeof(buf));
		ck_assert_int_eq(capture_nl_dispatch(&st, buf, n, s.ts, sp, ifname, sp, on_hop, &s), 0);
	}
	ck_assert_int_eq(s.by_source[NFP_SRC_NFTRACE], 4);
	ck_assert_int_eq(s.by_source[NFP_SRC_NFLOG], 0);
	/* the lab's NFLOG datagrams in order: no gap; one left out: one lost */
	unsigned long before = st.events;
	for (int i = 0; i < 6; i++) {
		char path[128];
		snprintf(path, sizeof(path), FIXTURES "/netlink/nflog-%d.bin", i);
		size_t n = slurp(path, buf, sizeof(buf));
		if (i == 3)
			continue;
		ck_assert_int_eq(capture_nl_dispatch(&st, buf, n, s.ts, sp, ifname, sp, on_hop, &s), 0);
	}
	ck_assert_int_eq(s.by_source[NFP_SRC_NFLOG], 5);
	ck_assert_uint_eq(st.events - before, 5);
	ck_assert_uint_eq(st.nflog_lost, 1);
	/* the hop callback's failure stops the datagram */
	s.stop_after = 1;
	size_t n = slurp(FIXTURES "/netlink/nflog-0.bin", buf, sizeof(buf));
	ck_assert_int_eq(capture_nl_dispatch(&st, buf, n, s.ts, sp, ifname, sp, on_hop, &s), -1);
	capture_strpool_free(sp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nflog");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, config_requests);
	tcase_add_test(tc, live_dispatch);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
