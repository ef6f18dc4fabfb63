/* Fates on the real traces of tests/fixtures/real (README there says what
 * the kernel did) and on the bundled Docker recording. */
#include "helpers.h"

#include "../../capture/dropreason.h"
#include "../../capture/fate.h"
#include "../../render/print.h"
#include "../../render/text.h"

#define REAL "tests/fixtures/real/"

static const struct nfp_fate *F(const struct loaded *L, size_t pkt_number)
{
	const struct nfp_packet *p = capture_trace_packet(L->t, pkt_number);
	ck_assert_ptr_nonnull(p);
	return &p->fate;
}

static void count_kinds(const struct loaded *L, unsigned long *n)
{
	memset(n, 0, sizeof(unsigned long) * NFP_FATE__COUNT);
	for (size_t i = 0; i < capture_trace_count(L->t); i++)
		n[pkt_at(L->t, i)->fate.kind]++;
	/* the streamed counts agree with the packets */
	for (int k = 0; k < NFP_FATE__COUNT; k++)
		ck_assert_uint_eq(capture_trace_stats(L->t)->fate.kind[k], n[k]);
}

/* legacy TRACE + LOG, with the iptables-save of the run: REJECT and DROP at
 * the right box with the rule, the REJECT's ICMP answer linked */
START_TEST(legacy_reject_drop_with_rules)
{
	struct loaded L = load_files(REAL "06-legacy-trace-and-LOG.dmesg", REAL "06-legacy-iptables-save.txt", NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	unsigned long n[NFP_FATE__COUNT];
	count_kinds(&L, n);
	ck_assert_uint_eq(n[NFP_FATE_FORWARDED], 26);
	ck_assert_uint_eq(n[NFP_FATE_SENT], 3);
	ck_assert_uint_eq(n[NFP_FATE_DELIVERED], 2);
	ck_assert_uint_eq(n[NFP_FATE_DROPPED], 4);
	ck_assert_uint_eq(n[NFP_FATE_REJECTED], 1);
	ck_assert_uint_eq(n[NFP_FATE_UNKNOWN], 0);
	/* 6. TCP a -> c:81, REJECT in FORWARD, answered by ICMP port unreachable */
	const struct nfp_fate *f = F(&L, 23);
	ck_assert_int_eq(f->kind, NFP_FATE_REJECTED);
	ck_assert_int_eq(f->by, NFP_FATE_BY_RULE);
	ck_assert_str_eq(nfp_box_name(f->box), "filter:FORWARD");
	ck_assert_int_eq(f->rule, 4);
	ck_assert_str_eq(S(&L, f->chain), "FORWARD");
	ck_assert_str_eq(S(&L, f->rule_text),
			 "-A FORWARD -p tcp -m tcp --dport 81 -j REJECT --reject-with icmp-port-unreachable");
	ck_assert_uint_eq(f->answer, 24);
	ck_assert_uint_eq(F(&L, 24)->answers, 23);
	ck_assert_int_eq(F(&L, 24)->kind, NFP_FATE_SENT);
	/* 7. UDP a -> c:9999, DROP in FORWARD (after its LOG rule) */
	f = F(&L, 25);
	ck_assert_int_eq(f->kind, NFP_FATE_DROPPED);
	ck_assert_str_eq(nfp_box_name(f->box), "filter:FORWARD");
	ck_assert_int_eq(f->rule, 2);
	ck_assert_uint_eq(f->hop, 6);
	ck_assert_str_eq(S(&L, f->dev), "agbpa");
	/* 14. TCP a -> r:2525 DROPped in INPUT, three SYN retransmits */
	for (size_t p = 30; p <= 32; p++) {
		ck_assert_int_eq(F(&L, p)->kind, NFP_FATE_DROPPED);
		ck_assert_str_eq(nfp_box_name(F(&L, p)->box), "filter:INPUT");
		ck_assert_str_eq(S(&L, F(&L, p)->rule_text), "-A INPUT -p tcp -m tcp --dport 2525 -j DROP");
	}
	ck_assert_uint_eq(capture_trace_stats(L.t)->fate.died_at[NFP_LAYER_NETWORK][NFP_BOX_FILTER_INPUT][0], 3);
	/* 1. bridged ping a->b leaves through the port to b; 3. r->a is made here */
	ck_assert_int_eq(F(&L, 1)->kind, NFP_FATE_FORWARDED);
	ck_assert_str_eq(S(&L, F(&L, 1)->dev), "agbpb");
	ck_assert_int_eq(F(&L, 9)->kind, NFP_FATE_SENT);
	ck_assert_str_eq(S(&L, F(&L, 9)->dev), "agbbr0");
	/* its reply and 5. the SYN to the closed port reach the local input path */
	ck_assert_int_eq(F(&L, 10)->kind, NFP_FATE_DELIVERED);
	ck_assert_int_eq(F(&L, 21)->kind, NFP_FATE_DELIVERED);
	/* 2. routed + MASQUERADE leaves by agbpc */
	ck_assert_int_eq(F(&L, 5)->kind, NFP_FATE_FORWARDED);
	ck_assert_str_eq(S(&L, F(&L, 5)->dev), "agbpc");
	unload(&L);
}
END_TEST

/* without the ruleset, legacy TRACE lines carry no verdict: the fate says so
 * instead of guessing */
START_TEST(legacy_without_rules_says_unknown)
{
	struct loaded L = load_files(REAL "06-legacy-trace-and-LOG.dmesg", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	const struct nfp_fate *f = F(&L, 25);
	ck_assert_int_eq(f->kind, NFP_FATE_UNKNOWN);
	ck_assert_int_eq(f->why, NFP_WHY_NO_VERDICT);
	ck_assert_str_eq(nfp_box_name(f->box), "filter:FORWARD");
	ck_assert_int_eq(F(&L, 1)->kind, NFP_FATE_FORWARDED);
	unload(&L);
}
END_TEST

/* ebtables --log then a DROP with no log: the trace just ends in
 * eb:filter:FORWARD; the ruleset's next rule that matches is the DROP */
START_TEST(ebtables_drop_inferred_from_rules)
{
	struct loaded L = load_files(REAL "04b-ebtables-nft-log-drop-prefix.kmsg", REAL "04-ebtables-nft-save.txt", NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	const struct nfp_fate *f = F(&L, 1);
	ck_assert_int_eq(f->kind, NFP_FATE_DROPPED);
	ck_assert_int_eq(f->by, NFP_FATE_BY_INFERRED);
	ck_assert_str_eq(nfp_box_name(f->box), "eb:filter:FORWARD");
	ck_assert_int_eq(f->rule, 2);
	ck_assert_str_eq(S(&L, f->rule_text), "-A FORWARD -p IPv4 --ip-dst 10.77.1.3 --ip-proto udp --ip-dport 9999 -j DROP");
	/* 9998 and 9997 and the ICMP answers were logged at eb:nat:POSTROUTING */
	for (size_t p = 2; p <= 5; p++) {
		ck_assert_int_eq(F(&L, p)->kind, NFP_FATE_FORWARDED);
		ck_assert_str_eq(nfp_box_name(F(&L, p)->box), "eb:nat:POSTROUTING");
	}
	ck_assert_str_eq(S(&L, F(&L, 2)->dev), "agbpb");
	unload(&L);
	/* without the rules it cannot say, and says where it ends */
	L = load_files(REAL "04b-ebtables-nft-log-drop-prefix.kmsg", NULL, NULL);
	ck_assert_int_eq(F(&L, 1)->kind, NFP_FATE_UNKNOWN);
	ck_assert_int_eq(F(&L, 1)->why, NFP_WHY_IN_CHAIN);
	ck_assert_str_eq(nfp_box_name(F(&L, 1)->box), "eb:filter:FORWARD");
	unload(&L);
}
END_TEST

/* nft traces say "verdict drop" for a reject: the rule's text tells */
START_TEST(nft_reject_is_rejected)
{
	struct loaded L = load_files(REAL "02-iptnft-nft-monitor-trace.txt", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	unsigned long n[NFP_FATE__COUNT];
	count_kinds(&L, n);
	ck_assert_uint_eq(n[NFP_FATE_REJECTED], 1);
	ck_assert_uint_eq(n[NFP_FATE_DROPPED], 1);
	ck_assert_uint_eq(n[NFP_FATE_UNKNOWN], 0);
	ck_assert_int_eq(F(&L, 23)->kind, NFP_FATE_REJECTED);
	ck_assert_str_eq(nfp_box_name(F(&L, 23)->box), "filter:FORWARD");
	ck_assert_str_eq(S(&L, F(&L, 23)->chain), "AGB-FWD");
	ck_assert_int_eq(F(&L, 24)->kind, NFP_FATE_DROPPED);
	ck_assert_str_eq(S(&L, F(&L, 24)->rule_text), "udp dport 9999 counter drop");
	unload(&L);
	L = load_files(REAL "03-nft-native-a-monitor-trace.txt", REAL "03-nft-native-a-list-ruleset.txt", NULL);
	count_kinds(&L, n);
	ck_assert_uint_eq(n[NFP_FATE_REJECTED], 2); /* TCP and TCP6 to port 81 */
	ck_assert_uint_eq(n[NFP_FATE_DROPPED], 1);
	unload(&L);
}
END_TEST

/* nft log rules: "tcp dport 2525 log prefix ... drop" logs, then drops; the
 * log line has no verdict, the rule text's last statement is it */
START_TEST(nft_log_rule_that_drops)
{
	struct loaded L = load_files(REAL "05-nft-log-all-families.dmesg", REAL "05-nft-log-a-list-ruleset.txt", NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	unsigned long n[NFP_FATE__COUNT];
	count_kinds(&L, n);
	ck_assert_uint_eq(n[NFP_FATE_DROPPED], 4); /* UDP to 9999 in forward, three SYNs to 2525 in input */
	ck_assert_uint_eq(n[NFP_FATE_REJECTED], 2); /* TCP and TCP6 to 81 */
	for (size_t i = 0; i < capture_trace_count(L.t); i++) {
		const struct nfp_fate *f = &pkt_at(L.t, i)->fate;
		if (f->kind != NFP_FATE_DROPPED && f->kind != NFP_FATE_REJECTED)
			continue;
		const char *rt = S(&L, f->rule_text);
		ck_assert_msg(strstr(rt, "dport 2525") || strstr(rt, "dport 9999") || strstr(rt, "dport 81"), "%s", rt);
	}
	unload(&L);
}
END_TEST

/* a real capture (tests/fixtures/hosts-a.rec, kernel 6.18): each echo reply
 * reached the root-run ping's raw socket, and its original was then freed
 * with NO_SOCKET in ping_rcv. The drop is kept as a hop; it is not a death. */
START_TEST(ping_rcv_after_raw_delivery)
{
	struct loaded L = load_files("tests/fixtures/hosts-a.rec", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	unsigned long n[NFP_FATE__COUNT];
	count_kinds(&L, n);
	ck_assert_uint_eq(n[NFP_FATE_DROPPED], 0);
	ck_assert_uint_eq(n[NFP_FATE_DELIVERED], 3);
	ck_assert_uint_eq(n[NFP_FATE_SENT], 3);
	unsigned long drops = 0;
	for (size_t i = 0; i < capture_trace_count(L.t); i++)
		for (uint32_t k = 0; k < pkt_at(L.t, i)->nhops; k++) {
			const struct nfp_hop *h = capture_packet_hop(L.t, pkt_at(L.t, i), k);
			if (h->kind != NFP_KIND_DROP)
				continue;
			drops++;
			ck_assert_str_eq(capture_str(L.t, h->drop_location), "ping_rcv");
			/* no verdict on the packet, and the lists say so */
			ck_assert_int_eq(h->verdict, NFP_V_NONE);
			char kind[64];
			render_hop_kind(L.t, h, kind, sizeof(kind));
			ck_assert_str_eq(kind, "freed");
		}
	ck_assert_uint_eq(drops, 3);
	char w[512];
	ck_assert_uint_gt(capture_dropreason_words("NO_SOCKET", "ping_rcv", "eth0", w, sizeof(w)), 0);
	ck_assert_ptr_nonnull(strstr(w, "raw sockets"));
	ck_assert_int_eq(capture_dropreason_after_delivery("NO_SOCKET", "tcp_v4_rcv"), 0);
	unload(&L);
}
END_TEST

/* the bundled Docker recording: every packet went somewhere, named */
START_TEST(demo_fates_and_names)
{
	struct loaded L = load_files("assets/demo/lab-docker.rec", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	unsigned long n[NFP_FATE__COUNT];
	count_kinds(&L, n);
	ck_assert_uint_eq(n[NFP_FATE_FORWARDED], 16);
	ck_assert_uint_eq(n[NFP_FATE_SENT], 1);
	ck_assert_uint_eq(n[NFP_FATE_DELIVERED], 1);
	ck_assert_str_eq(capture_fate_dev_name(L.t, F(&L, 1)), "c2");
	char s[128];
	render_fate_short(L.t, pkt_at(L.t, 0), s, sizeof(s), 0);
	ck_assert_str_eq(s, "\xe2\x86\x92 c2");
	render_fate_short(L.t, pkt_at(L.t, 0), s, sizeof(s), 1);
	ck_assert_str_eq(s, "-> c2");
	render_fate_short(L.t, pkt_at(L.t, 5), s, sizeof(s), 1);
	ck_assert_str_eq(s, "@ local");
	/* NAT targets show their action in lists */
	const struct nfp_packet *p9 = pkt_at(L.t, 8);
	render_verdict_label(L.t, capture_packet_hop(L.t, p9, 2), s, sizeof(s), 1);
	ck_assert_str_eq(s, "dnat to 172.17.0.4:80");
	/* the filter words */
	ck_assert_int_eq(capture_fate_filter(L.t, pkt_at(L.t, 0), "drop"), 0);
	ck_assert_int_eq(capture_fate_filter(L.t, pkt_at(L.t, 0), "fate:forwarded"), 1);
	ck_assert_int_eq(capture_fate_filter(L.t, pkt_at(L.t, 5), "delivered"), 1);
	ck_assert_int_eq(capture_fate_filter(L.t, pkt_at(L.t, 0), "c2"), -1);
	unload(&L);
}
END_TEST

START_TEST(render_fate_words)
{
	struct loaded L = load_files(REAL "06-legacy-trace-and-LOG.dmesg", REAL "06-legacy-iptables-save.txt", NULL);
	const struct nfp_packet *p = pkt_at(L.t, 24);
	char s[256];
	render_fate_short(L.t, p, s, sizeof(s), 0);
	ck_assert_str_eq(s, "\xe2\x9c\x97 drop filter:FORWARD");
	render_fate_short(L.t, p, s, sizeof(s), 1);
	ck_assert_str_eq(s, "X drop filter:FORWARD");
	render_fate_phrase(L.t, p, s, sizeof(s), 1);
	ck_assert_str_eq(s, "dropped at filter:FORWARD by rule 2 of FORWARD");
	ck_assert_int_eq(capture_fate_filter(L.t, p, "drop"), 1);
	ck_assert_int_eq(capture_fate_filter(L.t, p, "dropped"), 1);
	ck_assert_int_eq(capture_fate_filter(L.t, pkt_at(L.t, 22), "drop"), 1); /* rejected died too */
	ck_assert_int_eq(capture_fate_filter(L.t, pkt_at(L.t, 22), "fate:dropped"), 0);
	ck_assert_int_eq(capture_fate_filter(L.t, pkt_at(L.t, 22), "fate:rejected"), 1);
	ck_assert_int_eq(capture_fate_filter(L.t, p, "fate:unknown"), 0);
	/* the masquerade of 2. in lists */
	render_verdict_label(L.t, capture_packet_hop(L.t, pkt_at(L.t, 4), 8), s, sizeof(s), 1);
	ck_assert_str_eq(s, "masquerade");
	struct capture_buf b = { 0 };
	render_fate_text(&b, L.t, pkt_at(L.t, 22), 1);
	ck_assert_ptr_nonnull(strstr(b.p, "rejected at filter:FORWARD by rule 4 of FORWARD: -A FORWARD"));
	ck_assert_ptr_nonnull(strstr(b.p, "; answered by packet 24"));
	capture_buf_free(&b);
	/* JSON: the fate object and a lower-case protocol */
	ck_assert_int_eq(render_json_packet(&b, L.t, 25), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "\"proto\":\"udp\""));
	ck_assert_ptr_nonnull(strstr(b.p, "\"fate\":{\"kind\":\"dropped\",\"by\":\"rule\",\"box\":\"filter:FORWARD\""));
	ck_assert_ptr_nonnull(strstr(b.p, "\"hop\":7,\"chain\":\"FORWARD\",\"rule\":2,"));
	capture_buf_free(&b);
	unload(&L);
}
END_TEST

/* The kernel's own drop record (NFP_KIND_DROP, from the drop tracer) on a
 * real packet: the reason is the fate; NETFILTER_DROP only confirms a rule. */
START_TEST(kernel_drop_hop)
{
	struct loaded L = load_files(REAL "06-legacy-trace-and-LOG.dmesg", REAL "06-legacy-iptables-save.txt", NULL);
	/* 16. ping a -> 10.77.2.99: replay its first three hops, then a drop
	 * where the kernel would record one */
	struct capture_trace *t = resolving_trace();
	const struct nfp_packet *src = pkt_at(L.t, 34);
	for (uint32_t i = 0; i < 3; i++) {
		struct nfp_hop h = *capture_packet_hop(L.t, src, i);
		const char *tab = S(&L, h.table), *ch = S(&L, h.chain), *in = S(&L, h.in), *pin = S(&L, h.physin);
		h.table = capture_strpool_intern(capture_trace_strpool(t), tab, strlen(tab));
		h.chain = capture_strpool_intern(capture_trace_strpool(t), ch, strlen(ch));
		h.in = capture_strpool_intern(capture_trace_strpool(t), in, strlen(in));
		h.physin = capture_strpool_intern(capture_trace_strpool(t), pin, strlen(pin));
		h.out = h.physout = h.rule_text = h.prefix = h.jump = 0;
		ck_assert_int_ge(capture_trace_add(t, &h), 0);
	}
	struct nfp_hop d = *capture_packet_hop(L.t, src, 2);
	d.kind = NFP_KIND_DROP;
	d.verdict = 0;
	d.table = d.chain = d.out = d.physout = d.rule_text = d.prefix = d.jump = 0;
	d.in = capture_strpool_intern(capture_trace_strpool(t), "agbbr0", 6);
	d.physin = 0;
	d.drop_reason = capture_strpool_intern(capture_trace_strpool(t), "IP_RPFILTER", 11);
	d.drop_location = capture_strpool_intern(capture_trace_strpool(t), "ip_rcv_finish_core", 18);
	ck_assert_int_ge(capture_trace_add(t, &d), 0);
	capture_trace_flush(t);
	ck_assert_uint_eq(capture_trace_count(t), 1);
	const struct nfp_fate *f = &pkt_at(t, 0)->fate;
	ck_assert_int_eq(f->kind, NFP_FATE_DROPPED);
	ck_assert_int_eq(f->by, NFP_FATE_BY_KERNEL);
	ck_assert_uint_eq(f->hop, 3);
	ck_assert_str_eq(capture_str(t, f->reason), "IP_RPFILTER");
	ck_assert_str_eq(capture_str(t, f->location), "ip_rcv_finish_core");
	ck_assert_uint_eq(capture_trace_stats(t)->fate.reasons[0].n, 1);
	char s[128];
	render_fate_short(t, pkt_at(t, 0), s, sizeof(s), 1);
	ck_assert_str_eq(s, "X drop IP_RPFILTER");
	capture_trace_free(t);
	unload(&L);
}
END_TEST

/* a hop of one trace into another, its strings re-interned */
static struct nfp_hop copy_hop(struct capture_trace *to, const struct capture_trace *from, const struct nfp_hop *h)
{
	struct nfp_hop c = *h;
	uint32_t *ids[] = { &c.table, &c.chain, &c.in, &c.out, &c.physin, &c.physout, &c.rule_text, &c.prefix, &c.jump };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *s = capture_str(from, *ids[i]);
		*ids[i] = *ids[i] ? capture_strpool_intern(capture_trace_strpool(to), s, strlen(s)) : 0;
	}
	c.box = 0;
	return c;
}

/* In a live capture nfpath's probes sit at every hook: the Docker lab's
 * ping c1 -> c2 (the recording's packet 2) replayed up to its accept in
 * filter:FORWARD leaves, as the whole one does, only if the POSTROUTING
 * probes saw it. */
START_TEST(live_probes_say_whether_it_left)
{
	struct loaded L = load_files("tests/fixtures/lab-docker-user-drop.rec", NULL, NULL);
	const struct nfp_packet *src = pkt_at(L.t, 1);
	ck_assert_int_eq(src->fate.kind, NFP_FATE_FORWARDED);
	ck_assert_uint_eq(src->nhops, 15);
	ck_assert_str_eq(nfp_box_name(capture_packet_hop(L.t, src, 11)->box), "filter:FORWARD");
	for (int cut = 0; cut < 2; cut++) {
		struct capture_trace *t = resolving_trace();
		uint32_t n = cut ? 12 : src->nhops;
		for (uint32_t i = 0; i < n; i++) {
			struct nfp_hop h = copy_hop(t, L.t, capture_packet_hop(L.t, src, i));
			ck_assert_int_ge(capture_trace_add(t, &h), 0);
		}
		capture_trace_flush(t);
		ck_assert_uint_eq(capture_trace_count(t), 1);
		const struct nfp_fate *f = &pkt_at(t, 0)->fate;
		if (cut) {
			ck_assert_int_eq(f->kind, NFP_FATE_UNKNOWN);
			ck_assert_int_eq(f->why, NFP_WHY_NOT_OUT);
			ck_assert_str_eq(nfp_box_name(f->box), "filter:FORWARD");
		} else {
			ck_assert_int_eq(f->kind, NFP_FATE_FORWARDED);
		}
		capture_trace_free(t);
	}
	unload(&L);
}
END_TEST

/* The Docker lab on iptables-legacy, a DOCKER-USER DROP inserted before the
 * capture and deleted between two pings: the capture's ruleset still has
 * the DROP as rule 1, so the second ping's TRACE line for rule 1 (now
 * Docker's RETURN) resolves to "drop"; its hops go on to POSTROUTING and
 * it was forwarded. */
START_TEST(legacy_drop_deleted_mid_capture)
{
	struct loaded L = load_files("tests/fixtures/lab-legacy-docker-user-drop.rec", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_trace_count(L.t), 3);
	const struct nfp_fate *f = F(&L, 1);
	ck_assert_int_eq(f->kind, NFP_FATE_DROPPED);
	ck_assert_int_eq(f->rule, 1);
	ck_assert_str_eq(S(&L, f->chain), "DOCKER-USER");
	ck_assert_str_eq(S(&L, f->rule_text), "-A DOCKER-USER -p icmp -j DROP");
	ck_assert_int_eq(F(&L, 2)->kind, NFP_FATE_FORWARDED);
	ck_assert_str_eq(capture_fate_dev_name(L.t, F(&L, 2)), "c2");
	ck_assert_int_eq(F(&L, 3)->kind, NFP_FATE_FORWARDED);
	ck_assert_str_eq(capture_fate_dev_name(L.t, F(&L, 3)), "c1");
	char s[256];
	render_fate_phrase(L.t, pkt_at(L.t, 0), s, sizeof(s), 1);
	ck_assert_str_eq(s, "dropped at filter:FORWARD by rule 1 of DOCKER-USER");
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fate");
	TCase *tc = tcase_create("real");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, legacy_reject_drop_with_rules);
	tcase_add_test(tc, legacy_without_rules_says_unknown);
	tcase_add_test(tc, ebtables_drop_inferred_from_rules);
	tcase_add_test(tc, nft_reject_is_rejected);
	tcase_add_test(tc, nft_log_rule_that_drops);
	tcase_add_test(tc, demo_fates_and_names);
	tcase_add_test(tc, ping_rcv_after_raw_delivery);
	tcase_add_test(tc, render_fate_words);
	tcase_add_test(tc, kernel_drop_hop);
	tcase_add_test(tc, live_probes_say_whether_it_left);
	tcase_add_test(tc, legacy_drop_deleted_mid_capture);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
