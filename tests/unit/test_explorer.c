/* What the explorer's screens are made of, on real traces: the packet
 * line, wrapping, hop actions in words, and the comparison (alignment and
 * the differences in words). */
#include "helpers.h"

#include "../../render/compare.h"
#include "../../render/text.h"

#define SAMPLE "tests/fixtures/docker-c2c-ping.log"
#define DEMO "assets/demo/lab-docker.rec"
#define NFT "tests/fixtures/real/02-iptnft-nft-a-monitor-trace.txt"
#define LEGACY "tests/fixtures/real/06-legacy-trace-and-LOG.dmesg"

static int cols(const char *s)
{
	return render_cols(s, strlen(s));
}

/* nftables names rules by handle: packet 1's jump into AGB-FWD (#8) and
 * packet 3's accept of established traffic (#7) are not one step */
START_TEST(nft_alignment_keeps_different_rules_apart)
{
	struct loaded L = load_files(NFT, NULL, NULL);
	ck_assert_uint_ge(capture_trace_count(L.t), 3);
	struct render_align al;
	ck_assert_int_eq(render_align(L.t, pkt_at(L.t, 0), pkt_at(L.t, 2), &al), 0);
	int both = 0;
	for (size_t i = 0; i < al.n; i++) {
		if (al.rows[i].a < 0 || al.rows[i].b < 0)
			continue;
		const struct nfp_hop *x = capture_packet_hop(L.t, pkt_at(L.t, 0), (uint32_t)al.rows[i].a);
		const struct nfp_hop *y = capture_packet_hop(L.t, pkt_at(L.t, 2), (uint32_t)al.rows[i].b);
		ck_assert_msg(!(x->flags & NFP_HOP_HANDLE) || x->handle == y->handle,
			      "row %zu aligns rule #%llu with rule #%llu", i, (unsigned long long)x->handle,
			      (unsigned long long)y->handle);
		both++;
	}
	ck_assert_int_eq(both, 3); /* the raw chain's three steps */
	/* the summary names the filter rules each packet alone met */
	struct capture_buf b = { 0 };
	render_compare_words(&b, L.t, 1, 3, &al);
	ck_assert_ptr_nonnull(strstr(b.p, "handle 8 jump AGB-FWD only in packet 1"));
	ck_assert_ptr_nonnull(strstr(b.p, "handle 7 accept only in packet 3"));
	capture_buf_free(&b);
	render_align_free(&al);
	unload(&L);
}
END_TEST

/* request vs reply: the reply is not "the later packet"; and the ebtables
 * nat chains, which both crossed, are not among the skipped ones */
START_TEST(nat_wording_is_true)
{
	struct loaded L = load_files(SAMPLE, NULL, NULL);
	struct render_align al;
	struct capture_buf b = { 0 };
	ck_assert_int_eq(render_align(L.t, pkt_at(L.t, 0), pkt_at(L.t, 1), &al), 0);
	render_compare_words(&b, L.t, 1, 2, &al);
	ck_assert_ptr_null(strstr(b.p, "later packet"));
	ck_assert_ptr_nonnull(strstr(b.p, "packet 2 skips nat:PREROUTING, nat:POSTROUTING"));
	ck_assert_ptr_nonnull(strstr(b.p, "its replies, reversed"));
	ck_assert_ptr_null(strstr(b.p, "eb:nat"));
	capture_buf_free(&b);
	render_align_free(&al);
	ck_assert_int_eq(render_align(L.t, pkt_at(L.t, 0), pkt_at(L.t, 2), &al), 0);
	render_compare_words(&b, L.t, 1, 3, &al);
	ck_assert_ptr_nonnull(strstr(b.p, "packet 3 skips nat:PREROUTING, nat:POSTROUTING"));
	ck_assert_ptr_nonnull(strstr(b.p, "the later packets"));
	capture_buf_free(&b);
	render_align_free(&al);
	unload(&L);
}
END_TEST

/* legacy TRACE numbers policies and implicit returns: not worth reading */
START_TEST(hop_actions_read_as_words)
{
	struct loaded L = load_files(LEGACY, "tests/fixtures/real/06-legacy-iptables-save.txt", NULL);
	int policy = 0, ret = 0;
	for (size_t i = 0; i < capture_trace_hop_count(L.t); i++) {
		char a[160];
		render_hop_action(L.t, capture_trace_hop(L.t, i), a, sizeof(a));
		if (capture_trace_hop(L.t, i)->kind == NFP_KIND_POLICY) {
			ck_assert_msg(strcmp(a, "policy accept") == 0 || strcmp(a, "policy drop") == 0, "%s", a);
			policy++;
		}
	}
	ck_assert_int_gt(policy, 0);
	unload(&L);
	/* the implicit return at the end of a user chain (legacy "return:1") */
	L = load_files(SAMPLE, NULL, NULL);
	for (size_t i = 0; i < capture_trace_hop_count(L.t); i++) {
		char a[160];
		render_hop_action(L.t, capture_trace_hop(L.t, i), a, sizeof(a));
		if (capture_trace_hop(L.t, i)->kind == NFP_KIND_RETURN) {
			ck_assert_str_eq(a, "end of chain: return");
			ret++;
		}
	}
	ck_assert_int_gt(ret, 0);
	unload(&L);
	/* MASQUERADE's verdict in the trace is accept; the action says what it did */
	L = load_files(NFT, NULL, NULL);
	int masq = 0;
	for (size_t i = 0; i < capture_trace_hop_count(L.t); i++) {
		char a[160];
		render_hop_action(L.t, capture_trace_hop(L.t, i), a, sizeof(a));
		if (strstr(capture_str(L.t, capture_trace_hop(L.t, i)->rule_text), "masquerade")) {
			ck_assert_msg(strstr(a, "masquerade") != NULL && strstr(a, "accept") == NULL, "%s", a);
			masq++;
		}
	}
	ck_assert_int_gt(masq, 0);
	unload(&L);
}
END_TEST

START_TEST(wrap_breaks_between_words)
{
	const char *text = "  c            compare with the next packet of this flow and direction (first packet "
			   "against a later one)\nthe later packet skips the nat chains: conntrack applies the NAT "
			   "binding made for the first packet\n\nveryveryveryveryveryveryveryveryverylongword end";
	struct capture_buf b = { 0 };
	int n = render_wrap(&b, text, 40, 0);
	ck_assert_int_gt(n, 5);
	int lines = 0;
	for (char *s = b.p, *nl; (nl = strchr(s, '\n')); s = nl + 1, lines++) {
		*nl = '\0';
		ck_assert_msg(cols(s) <= 40, "line too long: %s", s);
		/* every line ends at a word's end or in the ellipsis */
		size_t l = strlen(s);
		if (l && strstr(text, s) == NULL && strstr(s, "\xe2\x80\xa6") == NULL) {
			/* continuation lines are indented: find their text */
			const char *t = s;
			while (*t == ' ')
				t++;
			ck_assert_msg(strstr(text, t) != NULL, "line not from the text: %s", s);
		}
		*nl = '\n';
	}
	ck_assert_int_eq(lines, n);
	ck_assert_ptr_nonnull(strstr(b.p, "(first packet\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "               against a later one)\n")); /* hangs under its text */
	ck_assert_ptr_nonnull(strstr(b.p, "\n\n"));					  /* the empty line stays one */
	ck_assert_ptr_null(strstr(b.p, "\n\n\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "veryveryveryveryveryveryveryveryverylon\xe2\x80\xa6\nend"));
	capture_buf_free(&b);
}
END_TEST

/* the packet line fits 80 columns with names, and a long fate is never cut */
START_TEST(packet_line_fits_and_keeps_the_fate)
{
	struct loaded L = load_files(DEMO, NULL, NULL);
	char line[512];
	for (size_t i = 0; i < capture_trace_count(L.t); i++) {
		render_packet_line(L.t, pkt_at(L.t, i), NULL, 1, 69, 0, line, sizeof(line));
		ck_assert_msg(cols(line) <= 69, "%s", line);
		ck_assert_ptr_nonnull(strstr(line, "  ct "));
	}
	render_packet_line(L.t, pkt_at(L.t, 0), NULL, 1, 200, 0, line, sizeof(line));
	ck_assert_str_eq(line, "ICMP echo-request c1 (172.17.0.2) > c2 (172.17.0.3) id 7 seq 0  ct new");
	render_packet_line(L.t, pkt_at(L.t, 0), NULL, 1, 69, 0, line, sizeof(line));
	ck_assert_str_eq(line, "ICMP echo-request c1 > c2 id 7 seq 0  ct new");
	const char *fate = "\xe2\x9c\x97 drop filter:FORWARD rule 4 (a long reason)";
	render_packet_line(L.t, pkt_at(L.t, 8), fate, 1, 60, 0, line, sizeof(line));
	ck_assert_msg(cols(line) <= 60, "%s", line);
	ck_assert_ptr_nonnull(strstr(line, fate));
	ck_assert_ptr_nonnull(strstr(line, "TCP "));
	unload(&L);
}
END_TEST

/* the nft backend's ip-family hops name only docker0; the bridge hops of
 * the same packet name the ports and the capture the containers */
START_TEST(bridge_ports_from_the_bridge_hops)
{
	struct loaded L = load_files(DEMO, NULL, NULL);
	const struct nfp_packet *p = pkt_at(L.t, 0);
	char ports[256];
	int found = 0;
	for (uint32_t k = 0; k < p->nhops; k++) {
		const struct nfp_hop *h = capture_packet_hop(L.t, p, k);
		int r = render_bridge_ports(L.t, p, k, 0, ports, sizeof(ports));
		if (h->family == NFP_FAM_BRIDGE) {
			ck_assert_int_eq(r, 0);
			continue;
		}
		ck_assert_int_eq(r, 1);
		ck_assert_str_eq(ports, "vethd8ba939 [c1] > veth7a3abc5 [c2]");
		found++;
	}
	ck_assert_int_gt(found, 5);
	unload(&L);
	/* legacy iptables names the ports itself (PHYSIN): nothing to add */
	L = load_files(SAMPLE, NULL, NULL);
	for (uint32_t k = 0; k < pkt_at(L.t, 0)->nhops; k++)
		if (capture_packet_hop(L.t, pkt_at(L.t, 0), k)->physin)
			ck_assert_int_eq(render_bridge_ports(L.t, pkt_at(L.t, 0), k, 0, ports, sizeof(ports)), 0);
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("explorer");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, nft_alignment_keeps_different_rules_apart);
	tcase_add_test(tc, nat_wording_is_true);
	tcase_add_test(tc, hop_actions_read_as_words);
	tcase_add_test(tc, wrap_breaks_between_words);
	tcase_add_test(tc, packet_line_fits_and_keeps_the_fate);
	tcase_add_test(tc, bridge_ports_from_the_bridge_hops);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
