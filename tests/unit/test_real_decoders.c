/* Decoders against real traces: tests/fixtures/real (see its README for
 * what the kernel did), the dmesg styles made with the real dmesg
 * (tests/fixtures/dmesg-styles) and a real xtables-monitor trace with
 * every verdict kind (tests/fixtures/xtables-monitor-trace-verdicts.txt). */
#include "helpers.h"

#include "../../capture/record.h"
#include "../../render/print.h"
#include "../../render/text.h"

#define REAL FIXTURES "/real/"

/* the hop decoded from input line `line` (1-based), NULL when none */
static const struct nfp_hop *hop_of_line(const struct loaded *L, uint32_t line)
{
	for (size_t i = 0; i < capture_trace_hop_count(L->t); i++)
		if (capture_trace_hop(L->t, i)->line == line)
			return capture_trace_hop(L->t, i);
	return NULL;
}

/* the packet that holds the hop of input line `line` */
static size_t packet_of_line(const struct loaded *L, uint32_t line)
{
	for (size_t p = 0; p < capture_trace_count(L->t); p++)
		for (uint32_t i = 0; i < pkt_at(L->t, p)->nhops; i++)
			if (hop_at(L, p, i)->line == line)
				return p;
	ck_abort_msg("no packet holds line %u", line);
	return 0;
}

static void summary_of_line(const struct loaded *L, uint32_t line, char *out, size_t cap)
{
	render_packet_summary(L->t, pkt_at(L->t, packet_of_line(L, line)), out, cap);
}

/* Every line is a hop or counted under one cause. */
static void assert_all_counted(const struct loaded *L)
{
	unsigned long causes = 0;
	for (int w = 0; w < NFP_WHY__COUNT; w++)
		causes += capture_trace_stats(L->t)->why[w];
	ck_assert_uint_eq(capture_trace_stats(L->t)->hops + causes, capture_trace_stats(L->t)->lines);
	ck_assert_uint_eq(capture_trace_stats(L->t)->skipped + capture_trace_stats(L->t)->bad, causes);
}

/* xtables-monitor --trace: JUMP/GOTO targets, numeric verdicts, handles,
 * SPORT/DPORT and TCP flags (issue 11 item 1) */
START_TEST(xtmon_real_jump_and_ports)
{
	struct loaded L = load_files(REAL "02-iptnft-xtables-monitor-trace.txt", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	/* 15 JUMP lines used to be "bad table:chain:type field" */
	ck_assert_uint_eq(capture_trace_stats(L.t)->bad, 0);
	ck_assert_uint_eq(capture_trace_stats(L.t)->hops, 196);
	ck_assert_uint_eq(capture_trace_stats(L.t)->why[NFP_WHY_PACKET_LINE], 102);
	assert_all_counted(&L);
	/* line 6: " TRACE: 2 a32685b9 nat:PREROUTING:rule:0x6:JUMP:AGB-DNAT  -4 -t nat ..." */
	const struct nfp_hop *h = hop_of_line(&L, 6);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->kind, NFP_KIND_RULE);
	ck_assert_int_eq(h->verdict, NFP_V_JUMP);
	ck_assert_str_eq(S(&L, h->jump), "AGB-DNAT");
	ck_assert(h->flags & NFP_HOP_HANDLE);
	ck_assert_uint_eq(h->handle, 6);
	ck_assert_int_eq(h->rule, -1); /* a handle, not a position */
	/* line 81: the DNAT SYN c -> 10.77.2.1:8080 (PACKET line 80: SPORT/DPORT, SYN) */
	h = hop_of_line(&L, 81);
	ck_assert_ptr_nonnull(h);
	ck_assert(h->pk.flags & NFP_PK_PROTO);
	ck_assert_uint_eq(h->pk.proto, 6);
	ck_assert(h->pk.flags & NFP_PK_PORTS);
	ck_assert_uint_eq(h->pk.sport, 42976);
	ck_assert_uint_eq(h->pk.dport, 8080);
	ck_assert_uint_eq(h->pk.tcp_flags, 0x02);
	char sum[256];
	summary_of_line(&L, 81, sum, sizeof(sum));
	ck_assert_msg(strstr(sum, "TCP") && strstr(sum, "[SYN]"), "%s", sum);
	/* the SYN is its own flow, not one with the pings before it (line 6) */
	ck_assert_uint_ne(pkt_at(L.t, packet_of_line(&L, 81))->flow, pkt_at(L.t, packet_of_line(&L, 6))->flow);
	unload(&L);
}
END_TEST

START_TEST(xtmon_real_goto_return)
{
	struct loaded L = load_files(FIXTURES "/xtables-monitor-trace-verdicts.txt", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_trace_stats(L.t)->bad, 0);
	ck_assert_uint_eq(capture_trace_stats(L.t)->hops, 14);
	assert_all_counted(&L);
	/* "filter:NFPDEC-U:rule:0x6:GOTO:NFPDEC-G" */
	const struct nfp_hop *h = hop_of_line(&L, 12);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->verdict, NFP_V_GOTO);
	ck_assert_str_eq(S(&L, h->jump), "NFPDEC-G");
	/* "filter:NFPDEC-U:rule:0x5:0xfffffffb" is -j RETURN */
	h = hop_of_line(&L, 19);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->verdict, NFP_V_RETURN);
	ck_assert_uint_eq(h->handle, 5);
	/* UDP (ports, no TCP flags): ports kept, no TCP claimed */
	ck_assert(h->pk.flags & NFP_PK_PORTS);
	ck_assert_uint_eq(h->pk.dport, 5353);
	ck_assert(!(h->pk.flags & NFP_PK_PROTO) || h->pk.proto != 6);
	ck_assert_int_eq(nfp_verdict_code(0xfffffffbu), NFP_V_RETURN);
	ck_assert_int_eq(nfp_verdict_code(0x00010003u), NFP_V_QUEUE);
	ck_assert_int_eq(nfp_verdict_code(0), NFP_V_DROP);
	unload(&L);
}
END_TEST

/* nft 1.0.6 trace text: ICMPv6 echo id/seq as "parameter-problem", TCP
 * flags as "== syn" (item 3); both files, with and without -a */
START_TEST(nft106_icmpv6_echo_and_tcp_flags)
{
	static const char *const files[] = { REAL "02-iptnft-nft-monitor-trace.txt", REAL "02-iptnft-nft-a-monitor-trace.txt",
					     REAL "03-nft-native-monitor-trace.txt", REAL "03-nft-native-a-monitor-trace.txt" };
	for (size_t f = 0; f < 4; f++) {
		struct loaded L = load_files(files[f], NULL, NULL);
		ck_assert_int_eq(L.st, NFP_LOAD_OK);
		assert_all_counted(&L);
		int echo = 0, syn = 0;
		for (size_t i = 0; i < capture_trace_hop_count(L.t); i++) {
			const struct nfp_pkt *pk = &capture_trace_hop(L.t, i)->pk;
			if (pk->proto == 58 && (pk->flags & NFP_PK_ICMP) && pk->icmp_type == 128) {
				ck_assert(pk->flags & NFP_PK_ICMPID);
				ck_assert_uint_eq(pk->dport, 1 + (pk->dport > 1)); /* sequence 1 or 2 */
				echo++;
			}
			if (pk->proto == 6 && (pk->tcp_flags & 0x02) && !(pk->tcp_flags & 0x10))
				syn++;
		}
		ck_assert_int_gt(echo, 0);
		ck_assert_int_gt(syn, 0);
		/* an echo request never shares a packet with a neighbour advert */
		for (size_t p = 0; p < capture_trace_count(L.t); p++) {
			int req = 0, nd = 0;
			for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
				const struct nfp_pkt *pk = &hop_at(&L, p, i)->pk;
				req |= pk->proto == 58 && pk->icmp_type == 128;
				nd |= pk->proto == 58 && pk->icmp_type == 136;
			}
			ck_assert(!(req && nd));
		}
		unload(&L);
	}
}
END_TEST

START_TEST(nft106_syn_summary)
{
	struct loaded L = load_files(REAL "02-iptnft-nft-monitor-trace.txt", NULL, NULL);
	int found = 0;
	for (size_t p = 0; p < capture_trace_count(L.t); p++) {
		char sum[256];
		render_packet_summary(L.t, pkt_at(L.t, p), sum, sizeof(sum));
		found += strstr(sum, "TCP") && strstr(sum, "[SYN]") != NULL;
	}
	ck_assert_int_gt(found, 0);
	unload(&L);
}
END_TEST

/* ARP from the arp logger, ebtables --log-arp, nft and xtables-monitor
 * traces: operation and addresses (item 4) */
START_TEST(arp_fields)
{
	char sum[256];
	/* 05: nft log in bridge and arp tables (nf_log ARP lines) */
	struct loaded L = load_files(REAL "05-nft-log-all-families.dmesg", NULL, NULL);
	ck_assert_uint_eq(capture_trace_stats(L.t)->bad, 0);
	assert_all_counted(&L);
	/* line 1: "nft:bridge:agblb:prec ... ARP ... OPCODE=1 ... IPSRC=10.77.1.2 ... IPDST=10.77.1.1" */
	const struct nfp_hop *h = NULL;
	uint32_t req_line = 0, rep_line = 0;
	for (size_t i = 0; i < capture_trace_hop_count(L.t); i++) {
		const struct nfp_hop *x = capture_trace_hop(L.t, i);
		if ((x->pk.flags & NFP_PK_ARP) && x->pk.arp_op == 1 && !req_line)
			req_line = x->line;
		if ((x->pk.flags & NFP_PK_ARP) && x->pk.arp_op == 2 && !rep_line)
			rep_line = x->line;
	}
	ck_assert_uint_ne(req_line, 0);
	ck_assert_uint_ne(rep_line, 0);
	h = hop_of_line(&L, req_line);
	ck_assert(h->pk.flags & NFP_PK_ADDRS);
	ck_assert_uint_eq(h->pk.l3, 0);
	summary_of_line(&L, req_line, sum, sizeof(sum));
	ck_assert_msg(strstr(sum, "ARP request 10.77.1.2 > 10.77.1.1"), "%s", sum);
	summary_of_line(&L, rep_line, sum, sizeof(sum));
	ck_assert_msg(strstr(sum, "ARP reply "), "%s", sum);
	/* a request and a reply are never one packet */
	ck_assert_uint_ne(packet_of_line(&L, req_line), packet_of_line(&L, rep_line));
	/* the arp table's own hop is in the arp family */
	for (size_t i = 0; i < capture_trace_hop_count(L.t); i++)
		if (capture_trace_hop(L.t, i)->prefix && strstr(S(&L, capture_trace_hop(L.t, i)->prefix), "nft:arp:"))
			ck_assert_int_eq(capture_trace_hop(L.t, i)->family, NFP_FAM_ARP);
	unload(&L);

	/* 04: ebtables --log-arp, line 13 a request 10.77.1.2 > 10.77.1.1, line 17 its reply */
	L = load_files(REAL "04-ebtables-nft-log.dmesg", NULL, NULL);
	h = hop_of_line(&L, 13);
	ck_assert_ptr_nonnull(h);
	ck_assert(h->pk.flags & NFP_PK_ARP);
	ck_assert_uint_eq(h->pk.arp_op, 1);
	summary_of_line(&L, 13, sum, sizeof(sum));
	ck_assert_msg(strstr(sum, "ARP request 10.77.1.2 > 10.77.1.1"), "%s", sum);
	summary_of_line(&L, 17, sum, sizeof(sum));
	ck_assert_msg(strstr(sum, "ARP reply 10.77.1.1 > 10.77.1.2"), "%s", sum);
	ck_assert_uint_ne(packet_of_line(&L, 13), packet_of_line(&L, 17));
	/* a recording keeps it ARP: operation, sender/target, l3 0 */
	struct capture_buf rb = { 0 };
	ck_assert_int_eq(capture_rec_write_hop(&rb, h, capture_trace_strpool(L.t)), 0);
	struct nfp_hop g;
	struct capture_rec_loss lost;
	int nk;
	uint32_t rk, rv;
	const char *rerr = NULL;
	ck_assert_int_eq(capture_rec_parse(rb.p, rb.len - 1, capture_trace_strpool(L.t), &g, &lost, &nk, &rk, &rv, &rerr), NFP_REC_HOP);
	ck_assert(g.pk.flags & NFP_PK_ARP);
	ck_assert_uint_eq(g.pk.arp_op, 1);
	ck_assert_uint_eq(g.pk.l3, 0);
	ck_assert_mem_eq(g.pk.src, h->pk.src, 16);
	ck_assert_mem_eq(g.pk.dst, h->pk.dst, 16);
	capture_buf_free(&rb);
	unload(&L);

	/* 03: nft trace prints the operation only; xtables-monitor the header in NH= */
	L = load_files(REAL "03-nft-native-monitor-trace.txt", NULL, NULL);
	int ops[3] = { 0, 0, 0 };
	for (size_t i = 0; i < capture_trace_hop_count(L.t); i++)
		if (capture_trace_hop(L.t, i)->pk.flags & NFP_PK_ARP)
			ops[capture_trace_hop(L.t, i)->pk.arp_op < 3 ? capture_trace_hop(L.t, i)->pk.arp_op : 0]++;
	ck_assert_int_gt(ops[1], 0);
	ck_assert_int_gt(ops[2], 0);
	ck_assert_int_eq(ops[0], 0);
	unload(&L);
	L = load_files(REAL "03-nft-native-xtables-monitor-trace.txt", NULL, NULL);
	/* line 59: the TRACE after "PACKET: 7 2b9e6fdf ... MACPROTO=0806 NH=0001080006040001..." */
	h = hop_of_line(&L, 59);
	ck_assert_ptr_nonnull(h);
	ck_assert(h->pk.flags & NFP_PK_ARP);
	ck_assert_uint_eq(h->pk.arp_op, 1);
	ck_assert_uint_eq(h->pk.src[3], 2);
	ck_assert_uint_eq(h->pk.dst[3], 1);
	ck_assert_uint_eq(h->pk.mac_dst[0], 0xff); /* the frame's, not the ARP target's */
	unload(&L);
}
END_TEST

/* every dmesg style reads like plain dmesg: the same hops, the timestamp
 * out of the prefix, no "?" chains (item 2) */
START_TEST(dmesg_styles)
{
	static const struct {
		const char *file;
		int ts; /* 1: monotonic seconds like plain, 2: time of day, 0: none */
	} styles[] = {
		{ "raw", 1 },	 { "decode", 1 }, { "iso", 2 },	   { "decode-iso", 2 }, { "ctime", 2 },	 { "T", 2 },
		{ "decode-ctime", 2 }, { "delta", 0 }, { "reltime", 0 }, { "e", 0 },	 { "showdelta", 1 }, { "notime", 0 },
		{ "t", 0 },
	};
	struct loaded P = load_files(FIXTURES "/dmesg-styles/plain.txt", NULL, NULL);
	ck_assert_uint_eq(capture_trace_stats(P.t)->bad, 0);
	ck_assert_uint_eq(capture_trace_stats(P.t)->hops, capture_trace_stats(P.t)->lines);
	for (size_t k = 0; k < sizeof(styles) / sizeof(styles[0]); k++) {
		char path[256];
		snprintf(path, sizeof(path), FIXTURES "/dmesg-styles/%s.txt", styles[k].file);
		struct loaded L = load_files(path, NULL, NULL);
		ck_assert_msg(capture_trace_stats(L.t)->bad == 0 && capture_trace_stats(L.t)->hops == capture_trace_stats(P.t)->hops, "%s: %lu hops, %lu bad", path,
			      capture_trace_stats(L.t)->hops, capture_trace_stats(L.t)->bad);
		for (size_t i = 0; i < capture_trace_hop_count(L.t); i++) {
			const struct nfp_hop *a = capture_trace_hop(P.t, i), *b = capture_trace_hop(L.t, i);
			ck_assert_msg(a->kind == b->kind && a->rule == b->rule && a->family == b->family, "%s:%zu", path, i);
			ck_assert_str_eq(S(&P, a->table) ? S(&P, a->table) : "", S(&L, b->table) ? S(&L, b->table) : "");
			ck_assert_str_eq(S(&P, a->chain) ? S(&P, a->chain) : "", S(&L, b->chain) ? S(&L, b->chain) : "");
			ck_assert_str_eq(S(&P, a->prefix) ? S(&P, a->prefix) : "", S(&L, b->prefix) ? S(&L, b->prefix) : "");
			ck_assert_int_eq(!!(b->flags & NFP_HOP_TS), styles[k].ts != 0);
			if (styles[k].ts == 1)
				ck_assert_double_eq_tol(a->ts, b->ts, 1e-6);
		}
		unload(&L);
	}
	/* the first line of -T and iso: "15:54:10" */
	struct loaded L = load_files(FIXTURES "/dmesg-styles/iso.txt", NULL, NULL);
	ck_assert_double_eq_tol(capture_trace_hop(L.t, 0)->ts, 15 * 3600 + 54 * 60 + 10.317258, 1e-6);
	unload(&L);
	unload(&P);
}
END_TEST

/* a real TRACE/LOG line cut short is a counted, reported truncated line
 * (item 5); the lines are real lines of 06-legacy-trace-and-LOG.dmesg cut
 * where a log collector's line limit would */
START_TEST(truncated_lines)
{
	struct loaded L = load_files(FIXTURES "/truncated-lines.dmesg", NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_trace_stats(L.t)->hops, 1);
	ck_assert_uint_eq(capture_trace_stats(L.t)->why[NFP_WHY_TRUNCATED], 4);
	ck_assert_uint_eq(L.diags, 4);
	assert_all_counted(&L);
	unload(&L);
}
END_TEST

/* --stats names each cause (contract: nothing disappears silently) */
START_TEST(stats_per_cause)
{
	struct loaded L = load_files(REAL "03-nft-native-xtables-monitor-trace.txt", NULL, NULL);
	struct capture_buf b = { 0 };
	ck_assert_int_eq(render_print_stats(&b, L.t), 0);
	ck_assert_msg(strstr(b.p, "lines skipped   164\n  164 packet lines"), "%s", b.p);
	ck_assert_msg(strstr(b.p, "lines malformed 0\n"), "%s", b.p);
	capture_buf_free(&b);
	unload(&L);
	L = load_text("NEWGEN: GENID=5 PID=1 NAME=iptables-nft-res\n\nhello\n", NULL);
	ck_assert_uint_eq(capture_trace_stats(L.t)->why[NFP_WHY_TOOL_NOTE], 1);
	ck_assert_uint_eq(capture_trace_stats(L.t)->why[NFP_WHY_NOT_TRACE], 2);
	unload(&L);
	/* xtables-monitor's stderr message (03's capture stopped with it), alone
	 * or glued in front of the trace line it interrupted (2>&1) */
	L = load_text("PACKET: 10 79836c5c IN=agbbr0 OUT=agbbr0 MACSRC=2:77:0:0:0:a MACDST=2:77:0:0:0:b MACPROTO=86dd "
		      "SRC=fd77:1::2 DST=fd77:1::3 LEN=84 TC=0 HOPLIMIT=64 FLOWLBL=555561\n"
		      "unsupported layer 4 protocol value\n"
		      "unsupported layer 4 protocol value TRACE: 10 79836c5c agb6:fwdc:rule:0x2:CONTINUE  -6 -t agb6\n",
		      NULL);
	ck_assert_uint_eq(capture_trace_stats(L.t)->why[NFP_WHY_TOOL_NOTE], 1);
	ck_assert_uint_eq(capture_trace_stats(L.t)->hops, 1);
	ck_assert_uint_eq(capture_trace_stats(L.t)->bad, 0);
	unload(&L);
}
END_TEST

START_TEST(vocabulary)
{
	ck_assert_int_eq(nfp_family_parse("ip6", 3), NFP_FAM_IPV6);
	ck_assert_int_eq(nfp_family_parse("eb", 2), NFP_FAM_BRIDGE);
	ck_assert_int_eq(nfp_family_parse("unspec", 6), -1);
	ck_assert_int_eq(nfp_family_parse("ipx", 3), -1);
	ck_assert_int_eq(nfp_proto_parse("ICMPv6", 6), 58);
	ck_assert_int_eq(nfp_proto_parse("ipv6-icmp", 9), 58);
	ck_assert_int_eq(nfp_proto_parse("TCP", 3), 6);
	ck_assert_int_eq(nfp_proto_parse("255", 3), 255);
	ck_assert_int_eq(nfp_proto_parse("256", 3), -1);
	ck_assert_str_eq(nfp_proto_name(17), "udp");
	struct nfp_pkt pk = { .flags = NFP_PK_ARP };
	ck_assert_str_eq(nfp_pkt_proto_name(&pk), "arp");
	ck_assert_int_eq(nfp_hexval('F'), 15);
	ck_assert_int_eq(nfp_hexval('g'), -1);
}
END_TEST

/* every hop of L, in the trace's hop order, each written whole */
static void write_plain(const struct loaded *L, struct capture_buf *out)
{
	for (size_t i = 0; i < capture_trace_hop_count(L->t); i++)
		ck_assert_int_eq(capture_rec_write_hop(out, capture_trace_hop(L->t, i), capture_trace_strpool(L->t)), 0);
}

/* The live capture writes a hop whose packet fields are the previous
 * hop line's as "same=1" (capture_rec_write_hop_tail). Read back, such a
 * recording must hold exactly the hops written whole, on real captures:
 * an ICMP flood through the plain lab (a packet's hops mostly alike,
 * NAT-free), an ICMP error with the header inside it, a tunnel's outer
 * packets, a drop in DOCKER-USER, rule texts that need escaping. */
START_TEST(record_same_reads_back)
{
	static const char *const recs[] = { FIXTURES "/lab-flood-head.rec", FIXTURES "/live-nflog-icmp-error.rec",
					    FIXTURES "/tunnel/x2x-host1.rec", FIXTURES "/lab-docker-user-drop.rec",
					    /* rule texts with "!=", written escaped */
					    FIXTURES "/lab2-host1.rec" };
	for (size_t f = 0; f < sizeof(recs) / sizeof(recs[0]); f++) {
		struct loaded L = load_files(recs[f], NULL, NULL);
		const struct capture_strpool *sp = capture_trace_strpool(L.t);
		struct capture_buf plain = { 0 }, tailed = { 0 };
		struct capture_rec_tail tail;
		memset(&tail, 0, sizeof(tail));
		ck_assert_int_eq(capture_buf_put(&plain, NFP_REC_MAGIC "\n", strlen(NFP_REC_MAGIC) + 1), 0);
		ck_assert_int_eq(capture_buf_put(&tailed, NFP_REC_MAGIC "\n", strlen(NFP_REC_MAGIC) + 1), 0);
		size_t hops = 0, same = 0;
		/* in packet order, the tail kept from one packet to the next, as
		 * the capture writes them */
		for (size_t p = 0; p < capture_trace_count(L.t); p++)
			for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
				const struct nfp_hop *h = hop_at(&L, p, i);
				same += tail.n && memcmp(&tail.pk, &h->pk, sizeof(h->pk)) == 0 &&
					memcmp(&tail.in, &h->inner, sizeof(h->inner)) == 0;
				hops++;
				ck_assert_int_eq(capture_rec_write_hop(&plain, h, sp), 0);
				ck_assert_int_eq(capture_rec_write_hop_tail(&tailed, h, sp, &tail), 0);
			}
		ck_assert_uint_gt(hops, 0);
		struct loaded P = load_text(plain.p, NULL), T = load_text(tailed.p, NULL);
		ck_assert_uint_eq(P.diags, 0);
		ck_assert_uint_eq(T.diags, 0);
		struct capture_buf pb = { 0 }, tb = { 0 };
		write_plain(&P, &pb);
		write_plain(&T, &tb);
		ck_assert_uint_eq(capture_trace_hop_count(T.t), hops);
		ck_assert_uint_eq(pb.len, tb.len);
		ck_assert_msg(memcmp(pb.p, tb.p, pb.len) == 0, "%s: the hops read back differ", recs[f]);
		/* the flood's packets repeat their fields at most hops, and the
		 * recording is much smaller for it */
		if (f == 0) {
			ck_assert_uint_gt(same * 2, hops);
			ck_assert_uint_lt(tailed.len * 10, plain.len * 7);
		}
		capture_buf_free(&plain);
		capture_buf_free(&tailed);
		capture_buf_free(&pb);
		capture_buf_free(&tb);
		unload(&P);
		unload(&T);
		unload(&L);
	}
}
END_TEST

/* same=1 means nothing without a hop line before it, or beside packet
 * fields of its own: both are reported, never read as a packet without
 * fields; a version this reader does not know is refused */
START_TEST(record_same_needs_a_line_before)
{
	static const char *const bad[] = {
		NFP_REC_MAGIC "\nH\tsrc=nftrace\tfam=ip\tkind=policy\tsame=1\n",
		NFP_REC_MAGIC "\nH\tsrc=nftrace\tfam=ip\tkind=policy\tproto=1\n"
			      "H\tsrc=nftrace\tfam=ip\tkind=policy\tproto=1\tsame=1\n",
		"# nfpath recording v3\nH\tsrc=nftrace\tfam=ip\tkind=policy\tproto=1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct loaded L = load_text(bad[i], NULL);
		ck_assert_msg(L.diags >= 1, "case %zu read silently", i);
		unload(&L);
	}
	/* a refused line between: the same=1 after it is reported, never
	 * given the fields of the line before the refused one (the reader
	 * merged it into packet 1 when packet 2's line was bad or too long) */
	static const char head[] = NFP_REC_MAGIC "\nH\tsrc=nftrace\tfam=ip\tkind=policy\tproto=1\n";
	static const char tail[] = "H\tsrc=nftrace\tfam=ip\tkind=policy\tsame=1\n";
	for (int c = 0; c < 2; c++) {
		struct capture_buf b = { 0 };
		ck_assert_int_eq(capture_buf_put(&b, head, strlen(head)), 0);
		if (c == 0) {
			static const char bad_line[] = "H\tsrc=nftrace\tfam=ip\tkind=policy\tproto=6\tttl=999\n";
			ck_assert_int_eq(capture_buf_put(&b, bad_line, strlen(bad_line)), 0);
		} else {
			static const char start[] = "H\tsrc=nftrace\tfam=ip\tkind=policy\tproto=6\ttext=";
			ck_assert_int_eq(capture_buf_put(&b, start, strlen(start)), 0);
			for (int k = 0; k < NFP_REC_MAX_LINE; k++)
				ck_assert_int_eq(capture_buf_putc(&b, 'a'), 0);
			ck_assert_int_eq(capture_buf_putc(&b, '\n'), 0);
		}
		ck_assert_int_eq(capture_buf_put(&b, tail, strlen(tail)), 0);
		struct loaded L = load_text(b.p, NULL);
		ck_assert_msg(L.diags >= 2, "case %d: the same=1 line was not reported", c);
		ck_assert_uint_eq(capture_trace_hop_count(L.t), 1);
		unload(&L);
		capture_buf_free(&b);
	}
	/* and a v1 recording still reads */
	struct loaded L = load_text("# nfpath recording v1\nH\tsrc=nftrace\tfam=ip\tkind=policy\tproto=1\n", NULL);
	ck_assert_uint_eq(L.diags, 0);
	ck_assert_uint_eq(capture_trace_hop_count(L.t), 1);
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("real decoders");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, xtmon_real_jump_and_ports);
	tcase_add_test(tc, xtmon_real_goto_return);
	tcase_add_test(tc, nft106_icmpv6_echo_and_tcp_flags);
	tcase_add_test(tc, nft106_syn_summary);
	tcase_add_test(tc, arp_fields);
	tcase_add_test(tc, dmesg_styles);
	tcase_add_test(tc, truncated_lines);
	tcase_add_test(tc, stats_per_cause);
	tcase_add_test(tc, vocabulary);
	tcase_add_test(tc, record_same_reads_back);
	tcase_add_test(tc, record_same_needs_a_line_before);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
