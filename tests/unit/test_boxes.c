/* Boxes, rules and resolution on the real traces of tests/fixtures/real
 * (copies of ../shared/samples/real-traces; its README says what the
 * kernel did) and on real traces made for these tests. */
#include "helpers.h"

#include "../../render/explain.h"

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
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
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


static char *explain_hop(const struct loaded *L, size_t p, uint32_t i)
{
	struct capture_buf b = { 0 };
	render_explain(&b, L->t, NULL, pkt_at(L->t, p), i);
	render_hop_fields(&b, L->t, pkt_at(L->t, p), i, 0);
	return b.p;
}

/* every hop in chain ch (table tab) sits on box want */
static int hops_in(const struct loaded *L, const char *tab, const char *ch, int want, int *bad)
{
	int n = 0;
	for (size_t p = 0; p < capture_trace_count(L->t); p++)
		for (uint32_t i = 0; i < pkt_at(L->t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(L, p, i);
			if (strcmp(S(L, h->chain), ch) != 0 || (tab && strcmp(S(L, h->table), tab) != 0))
				continue;
			n++;
			if (h->box != want)
				(*bad)++;
		}
	return n;
}

static int unplaced(const struct loaded *L)
{
	int n = 0;
	for (size_t p = 0; p < capture_trace_count(L->t); p++)
		for (uint32_t i = 0; i < pkt_at(L->t, p)->nhops; i++)
			n += hop_at(L, p, i)->box == NFP_BOX_NONE;
	return n;
}

/* kube-proxy: the explanation names the service, the endpoint and what
 * the random test means (item: rule comments) */
START_TEST(kube_explained)
{
	struct loaded L = load_files(REAL "07-kube-trace.txt", REAL "07-kube-iptables-save.txt", NULL);
	int svc = 0, sep = 0;
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			const char *ch = S(&L, h->chain), *rt = S(&L, h->rule_text);
			char *e = explain_hop(&L, p, i);
			if (strcmp(ch, "KUBE-SVC-OKODV4CKGJIW6BZD") == 0 && strstr(rt, "KUBE-SEP-")) {
				svc++;
				ck_assert_msg(strstr(e, "service chain for ns3/svc-1501:http"), "%s", e);
				ck_assert_msg(strstr(e, "endpoint 10.244.18.4:8080"), "%s", e);
				ck_assert_msg(strstr(e, "probability 0.33333333349 (about 1 in 3)"), "%s", e);
				/* the comment is in the rule text shown */
				ck_assert_ptr_nonnull(strstr(e, "--comment \"ns3/svc-1501:http -> 10.244.18.4:8080\""));
			}
			if (strcmp(ch, "KUBE-SEP-YUDL7GTK75EHBVYG") == 0 && strstr(rt, "DNAT")) {
				sep++;
				ck_assert_msg(strstr(e, "endpoint chain of ns3/svc-1501:http: DNAT to the endpoint "
							"10.244.18.4:8080"),
					      "%s", e);
			}
			free(e);
		}
	ck_assert_int_eq(svc, 1);
	ck_assert_int_eq(sep, 1);
	unload(&L);
}
END_TEST

/* user chains sit on the box of the base chain that called them, in the
 * xtables-monitor and nft monitor traces of iptables-nft (item 1) */
START_TEST(user_chains_on_caller_box)
{
	const char *files[] = { REAL "02-iptnft-xtables-monitor-trace.txt", REAL "02-iptnft-nft-monitor-trace.txt" };
	for (int f = 0; f < 2; f++) {
		struct loaded L = load_files(files[f], NULL, NULL);
		int bad = 0;
		ck_assert_int_ge(hops_in(&L, "filter", "AGB-FWD", NFP_BOX_FILTER_FORWARD, &bad), 7);
		ck_assert_int_gt(hops_in(&L, "nat", "AGB-DNAT", NFP_BOX_NAT_PREROUTING, &bad), 0);
		ck_assert_int_eq(bad, 0);
		ck_assert_int_eq(unplaced(&L), 0);
		unload(&L);
	}
	/* the Docker lab: a return from STAGE-2 back into STAGE-1 */
	struct loaded L = load_files("assets/demo/lab-docker.rec", NULL, NULL);
	int bad = 0;
	ck_assert_int_gt(hops_in(&L, "filter", "DOCKER-ISOLATION-STAGE-1", NFP_BOX_FILTER_FORWARD, &bad), 0);
	ck_assert_int_eq(bad, 0);
	unload(&L);
}
END_TEST

/* nft base chains without --rules: the devices say the hook, the name
 * only chooses between what they allow (item 10) */
START_TEST(nft_chains_without_rules)
{
	const char *files[] = { REAL "03-nft-native-monitor-trace.txt", REAL "03-nft-native-a-monitor-trace.txt" };
	for (int f = 0; f < 2; f++) {
		struct loaded L = load_files(files[f], NULL, NULL);
		int bad = 0;
		/* fwdc with IN and OUT set was drawn at mangle:PREROUTING */
		ck_assert_int_gt(hops_in(&L, "agbf", "fwdc", NFP_BOX_FILTER_FORWARD, &bad), 10);
		ck_assert_int_gt(hops_in(&L, "agbf", "agb_fwd", NFP_BOX_FILTER_FORWARD, &bad), 5);
		ck_assert_int_gt(hops_in(&L, "agbbr", "fwdc", NFP_BOX_EB_FILTER_FORWARD, &bad), 10);
		ck_assert_int_gt(hops_in(&L, "agbf", "inc", NFP_BOX_FILTER_INPUT, &bad), 0);
		/* netdev ingress: "ingc" is not INPUT */
		ck_assert_int_gt(hops_in(&L, "agbnd", "ingc", NFP_BOX_INGRESS, &bad), 5);
		/* arp tables go to the arp places, never filter:INPUT */
		ck_assert_int_gt(hops_in(&L, "agbarp", "inc", NFP_BOX_ARP_INPUT, &bad), 0);
		ck_assert_int_gt(hops_in(&L, "agbarp", "outc", NFP_BOX_ARP_OUTPUT, &bad), 0);
		ck_assert_int_eq(bad, 0);
		ck_assert_int_eq(unplaced(&L), 0);
		unload(&L);
	}
}
END_TEST

/* nft log lines: inet tables found for ip/ip6 hops, netdev and arp
 * places, and --rules' type line with a device (item 4) */
START_TEST(nft_log_families)
{
	struct loaded L = load_files(REAL "05-nft-log-all-families.dmesg", REAL "05-nft-log-a-list-ruleset.txt", NULL);
	int bad = 0;
	ck_assert_int_gt(hops_in(&L, "agbl", "prec", NFP_BOX_RAW_PREROUTING, &bad), 20);
	ck_assert_int_gt(hops_in(&L, "agbl", "fwdc", NFP_BOX_FILTER_FORWARD, &bad), 20);
	ck_assert_int_gt(hops_in(&L, "agbl", "outc", NFP_BOX_FILTER_OUTPUT, &bad), 0);
	ck_assert_int_gt(hops_in(&L, "agbln", "ingc", NFP_BOX_INGRESS, &bad), 5);
	ck_assert_int_gt(hops_in(&L, "agbla", "inc", NFP_BOX_ARP_INPUT, &bad), 0);
	ck_assert_int_gt(hops_in(&L, "agblnat", "postc", NFP_BOX_NAT_POSTROUTING, &bad), 0);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(unplaced(&L), 0);
	/* a rule text for the inet rules, found by prefix */
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			if (strcmp(S(&L, h->prefix), "agb INPUT drop:") == 0) {
				ck_assert_int_eq(h->box, NFP_BOX_FILTER_INPUT);
				ck_assert_str_eq(S(&L, h->rule_text), "tcp dport 2525 log prefix \"agb INPUT drop: \" drop");
			}
		}
	unload(&L);
	/* without --rules the custom prefixes cannot be placed: said, and
	 * counted per cause */
	L = load_files(REAL "05-nft-log-all-families.dmesg", NULL, NULL);
	ck_assert_int_eq(unplaced(&L), 6);
	ck_assert_uint_eq(capture_trace_unplaced(L.t, NFP_UNPLACED_LOG_NO_CHAIN), 6);
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++)
			if (!hop_at(&L, p, i)->box) {
				ck_assert_int_eq(hop_at(&L, p, i)->unplaced, NFP_UNPLACED_LOG_NO_CHAIN);
				char *e = explain_hop(&L, p, i);
				ck_assert_ptr_nonnull(strstr(e, "Not placed on the diagram: a log line whose prefix"));
				free(e);
			}
	unload(&L);
}
END_TEST

/* LOG targets: by prefix in --rules, or right after the TRACE line of the
 * rule that logged (item 5) */
START_TEST(log_hops_on_their_chain)
{
	struct loaded L = load_files(REAL "06-legacy-trace-and-LOG.dmesg", REAL "06-legacy-iptables-save.txt", NULL);
	int fwd_drop = 0, in2525 = 0, plain = 0;
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			if (h->kind != NFP_KIND_LOG)
				continue;
			const char *pf = S(&L, h->prefix);
			if (strcmp(pf, "fwd-drop") == 0 || strcmp(pf, "fwd-drop ") == 0) {
				fwd_drop++;
				ck_assert_int_eq(h->box, NFP_BOX_FILTER_FORWARD);
			} else if (strncmp(pf, "INPUT drop 2525", 15) == 0) {
				in2525++;
				ck_assert_int_eq(h->box, NFP_BOX_FILTER_INPUT);
			} else if (!*pf) {
				plain++;
				ck_assert_int_ne(h->box, NFP_BOX_NONE);
				ck_assert_int_eq(h->box, hop_at(&L, p, i - 1)->box);
			}
		}
	ck_assert_int_gt(fwd_drop, 0);
	ck_assert_int_gt(in2525, 0);
	ck_assert_int_gt(plain, 5);
	ck_assert_int_eq(unplaced(&L), 0);
	unload(&L);
	/* ebtables: a custom prefix, and no prefix at all */
	L = load_files(REAL "04b-ebtables-nft-log-drop-prefix.kmsg", REAL "04-ebtables-nft-save.txt", NULL);
	int custom = 0;
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			if (strcmp(S(&L, h->prefix), "agb-plain-prefix") == 0) {
				custom++;
				ck_assert_int_eq(h->box, NFP_BOX_EB_FILTER_FORWARD);
				ck_assert_ptr_nonnull(strstr(S(&L, h->rule_text), "--ip-dport 9998"));
			}
		}
	ck_assert_int_eq(custom, 1);
	ck_assert_int_eq(unplaced(&L), 0);
	unload(&L);
}
END_TEST

/* the bridged ping a -> b lands on the same (layer, box) pairs from the
 * legacy TRACE and from nft monitor / xtables-monitor (item 9) */
static void pairs_of(const struct loaded *L, size_t p, int pairs[3][NFP_BOX__COUNT])
{
	memset(pairs, 0, sizeof(int) * 3 * NFP_BOX__COUNT);
	for (uint32_t i = 0; i < pkt_at(L->t, p)->nhops; i++) {
		const struct nfp_hop *h = hop_at(L, p, i);
		pairs[h->layer][h->box] = 1;
	}
}

START_TEST(bridged_same_boxes_any_tool)
{
	struct loaded leg = load_files(REAL "06-legacy-trace-and-LOG.dmesg", REAL "06-legacy-iptables-save.txt", NULL);
	static int want[3][NFP_BOX__COUNT], got[3][NFP_BOX__COUNT];
	pairs_of(&leg, 0, want);
	ck_assert_int_eq(want[NFP_LAYER_LINK][NFP_BOX_FILTER_FORWARD], 1);
	const char *files[] = { REAL "02-iptnft-nft-monitor-trace.txt", REAL "02-iptnft-xtables-monitor-trace.txt" };
	for (int f = 0; f < 2; f++) {
		struct loaded L = load_files(files[f], NULL, NULL);
		/* packet 1 is the first bridged echo request a -> b */
		ck_assert_uint_eq(hop_at(&L, 0, 0)->pk.src[3], 2);
		ck_assert_uint_eq(hop_at(&L, 0, 0)->pk.dst[3], 3);
		pairs_of(&L, 0, got);
		int n = 0;
		for (int l = 0; l < 3; l++)
			for (int b = 0; b < NFP_BOX__COUNT; b++)
				if (got[l][b]) {
					n++;
					ck_assert_msg(want[l][b], "%s: %s on the %s layer, not in the legacy trace", files[f],
						      nfp_box_name(b), nfp_layer_name(l));
				}
		ck_assert_int_ge(n, 4);
		unload(&L);
	}
	unload(&leg);
}
END_TEST

/* legacy TRACE calls the unconditional DROP in front of Docker's RETURN
 * "filter:DOCKER-USER:return:1"; with the ruleset it is that rule, and the
 * packet is dropped (item 12; made by tests/fixtures/make_legacy_final_rule.sh) */
START_TEST(legacy_final_rule_is_the_rule)
{
	struct loaded L = load_files("tests/fixtures/legacy-docker-user-drop.dmesg",
				     "tests/fixtures/legacy-docker-user-drop-iptables-save.txt", NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	int n = 0;
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			if (strcmp(S(&L, h->chain), "DOCKER-USER") != 0)
				continue;
			n++;
			ck_assert_int_eq(h->kind, NFP_KIND_RULE);
			ck_assert_int_eq(h->rule, 1);
			ck_assert_str_eq(S(&L, h->rule_text), "-A DOCKER-USER -j DROP");
			ck_assert_int_eq(h->verdict, NFP_V_DROP);
			ck_assert_int_eq(h->box, NFP_BOX_FILTER_FORWARD);
			ck_assert_uint_eq(i + 1, pkt_at(L.t, p)->nhops); /* nothing after a drop */
		}
	ck_assert_int_ge(n, 2);
	unload(&L);
	/* without the ruleset nfpath says what the kernel printed */
	L = load_files("tests/fixtures/legacy-docker-user-drop.dmesg", NULL, NULL);
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			if (strcmp(S(&L, h->chain), "DOCKER-USER") == 0)
				ck_assert_int_eq(h->kind, NFP_KIND_RETURN);
		}
	unload(&L);
}
END_TEST

/* nft chains named c1 (input) and c2 (prerouting): the trace does not say
 * their hooks, so "hook unknown" rather than a guess; --rules says them */
START_TEST(nft_hook_unknown)
{
	struct loaded L = load_files("tests/fixtures/nft-hook-unnamed-monitor-trace.txt", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	int n = 0;
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			n++;
			ck_assert_int_eq(h->box, NFP_BOX_NONE);
			ck_assert_int_eq(h->unplaced, NFP_UNPLACED_HOOK_UNKNOWN);
		}
	ck_assert_int_gt(n, 3);
	ck_assert_uint_eq(capture_trace_unplaced(L.t, NFP_UNPLACED_HOOK_UNKNOWN), (unsigned long)n);
	unload(&L);
	L = load_files("tests/fixtures/nft-hook-unnamed-monitor-trace.txt", "tests/fixtures/nft-hook-unnamed-a-list-ruleset.txt",
		       NULL);
	int bad = 0;
	ck_assert_int_gt(hops_in(&L, "nfpb", "c1", NFP_BOX_FILTER_INPUT, &bad), 0);
	ck_assert_int_eq(bad, 0);
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			const struct nfp_hop *h = hop_at(&L, p, i);
			if (strcmp(S(&L, h->chain), "c2") == 0)
				ck_assert_int_eq(nfp_box_hook(h->box), NFP_HOOK_PREROUTING);
		}
	ck_assert_int_eq(unplaced(&L), 0);
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("boxes");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, kube_rules_every_chain);
	tcase_add_test(tc, kube_explained);
	tcase_add_test(tc, user_chains_on_caller_box);
	tcase_add_test(tc, nft_chains_without_rules);
	tcase_add_test(tc, nft_log_families);
	tcase_add_test(tc, log_hops_on_their_chain);
	tcase_add_test(tc, bridged_same_boxes_any_tool);
	tcase_add_test(tc, legacy_final_rule_is_the_rule);
	tcase_add_test(tc, nft_hook_unknown);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
