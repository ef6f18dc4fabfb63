/* Boxes, rules and resolution on the real traces of tests/fixtures/real
 * (copies of ../shared/samples/real-traces; its README says what the
 * kernel did) and on real traces made for these tests. */
#include "helpers.h"

#define REAL "tests/fixtures/real/"

static int starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* kube-proxy's ruleset: 10,015 chains, far past any per-table cap */
START_TEST(kube_rules_every_chain)
{
	struct loaded L = load_files(REAL "07-kube-trace.txt", REAL "07-kube-iptables-save.txt", NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_rules_count(L.r), 27515);
	int sep_dnat = 0, svc = 0;
	for (size_t p = 0; p < L.t->npkts; p++)
		for (uint32_t i = 0; i < L.t->pkts[p].nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			const char *ch = S(&L, h->chain), *rt = S(&L, h->rule_text);
			if (!starts(ch, "KUBE-") || h->kind != NFP_KIND_RULE)
				continue;
			ck_assert_msg(*rt, "%s rule %d has no text", ch, h->rule);
			ck_assert_msg(h->verdict != NFP_V_NONE, "%s rule %d has no verdict", ch, h->rule);
			if (starts(ch, "KUBE-SEP-") && strstr(rt, "-j DNAT")) {
				sep_dnat++;
				ck_assert_int_eq(h->verdict, NFP_V_ACCEPT);
				/* the comment is part of the text */
				ck_assert_ptr_nonnull(strstr(rt, "--comment \"ns"));
			}
			if (starts(ch, "KUBE-SVC-") && h->verdict == NFP_V_JUMP && starts(S(&L, h->jump), "KUBE-SEP-"))
				svc++;
		}
	/* three curls to three ClusterIPs, each DNATed once */
	ck_assert_int_eq(sep_dnat, 3);
	ck_assert_int_eq(svc, 3);
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boxes");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, kube_rules_every_chain);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
