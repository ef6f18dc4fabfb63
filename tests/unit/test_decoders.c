/* Line decoders, recording round trip, rules files, boxes and escaping. */
#include "helpers.h"

#include "../../capture/names.h"
#include "../../capture/record.h"
#include "../../render/print.h"
#include "../../render/text.h"

static const char body[] = "TRACE: raw:PREROUTING:policy:2 IN=docker0 OUT= PHYSIN=veth-c1 "
			   "MAC=52:ce:18:da:ec:f9:8a:76:ba:b2:42:fb:08:00 SRC=172.17.0.2 DST=172.17.0.3 LEN=84 "
			   "TOS=0x00 PREC=0x00 TTL=64 ID=47289 DF PROTO=ICMP TYPE=8 CODE=0 ID=6458 SEQ=1 MARK=0x2a";

static int parse1(const char *line, struct capture_strpool *sp, struct nfp_hop *h, const char **err)
{
	return capture_klog_parse(line, strlen(line), sp, h, err);
}

START_TEST(klog_prefixes)
{
	static const char *const pre[] = {
		"",
		"[ 1234.567890] ",
		"Nov 26 16:00:01 dockerhost kernel: ",
		"Nov 26 16:00:01 dockerhost kernel: [ 1234.567890] ",
		"[ 1234.567890] dockerhost kernel: ",		 /* journalctl -o short-monotonic */
		"2026-11-26T16:00:01+0000 dockerhost kernel: ",	 /* short-iso */
		"Nov 26 16:00:01.123456 dockerhost kernel: ",	 /* short-precise */
		"4,1234,1234567890,-;",				 /* /dev/kmsg */
		"[Thu Nov 26 16:00:01 2026] ",			 /* dmesg -T */
	};
	struct capture_strpool *sp = capture_strpool_new();
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		char line[1024];
		snprintf(line, sizeof(line), "%s%s", pre[i], body);
		struct nfp_hop h;
		const char *err = NULL;
		ck_assert_msg(parse1(line, sp, &h, &err) == NFP_PARSE_HOP, "prefix %zu: %s", i, err ? err : "");
		ck_assert_str_eq(capture_strpool_get(sp, h.table), "raw");
		ck_assert_str_eq(capture_strpool_get(sp, h.chain), "PREROUTING");
		ck_assert_int_eq(h.kind, NFP_KIND_POLICY);
		ck_assert_int_eq(h.rule, 2);
		ck_assert_str_eq(capture_strpool_get(sp, h.physin), "veth-c1");
		/* ID appears twice: IP ID first, ICMP id after PROTO */
		ck_assert_uint_eq(h.pk.ipid, 47289);
		ck_assert_uint_eq(h.pk.sport, 6458);
		ck_assert_uint_eq(h.pk.dport, 1);
		ck_assert_uint_eq(h.pk.icmp_type, 8);
		ck_assert_uint_eq(h.pk.mark, 0x2a);
		ck_assert_uint_eq(h.pk.mac_src[0], 0x8a);
		ck_assert_uint_eq(h.pk.mac_dst[0], 0x52);
		ck_assert(h.pk.flags & NFP_PK_DF);
		if (i == 1 || i == 3 || i == 4)
			ck_assert(h.flags & NFP_HOP_TS && h.ts > 1234.56 && h.ts < 1234.57);
		if (i == 7)
			ck_assert(h.flags & NFP_HOP_TS && h.ts > 1234.56 && h.ts < 1234.57);
		if (i == 2)
			ck_assert(h.flags & NFP_HOP_TS && h.ts == 16 * 3600 + 1);
	}
	capture_strpool_free(sp);
}
END_TEST

START_TEST(klog_protocols)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct nfp_hop h;
	const char *err;
	/* UDP: the second LEN= is the UDP length */
	ck_assert_int_eq(parse1("TRACE: filter:OUTPUT:rule:3 IN= OUT=eth0 SRC=10.0.0.1 DST=10.0.0.53 LEN=60 TOS=0x00 "
				"PREC=0x00 TTL=64 ID=11 PROTO=UDP SPT=5353 DPT=53 LEN=40 UID=0 GID=0",
				sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_uint_eq(h.pk.len, 60);
	ck_assert_uint_eq(h.pk.proto, 17);
	ck_assert_uint_eq(h.pk.dport, 53);
	/* IPv6 (ip6tables TRACE) */
	ck_assert_int_eq(parse1("TRACE: filter:INPUT:rule:1 IN=eth0 OUT= SRC=fe80:0000:0000:0000:0000:0000:0000:0001 "
				"DST=ff02:0000:0000:0000:0000:0000:0000:0001 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=123 "
				"PROTO=ICMPv6 TYPE=128 CODE=0 ID=5 SEQ=2",
				sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_int_eq(h.family, NFP_FAM_IPV6);
	ck_assert_uint_eq(h.pk.l3, 6);
	ck_assert_uint_eq(h.pk.ipid, 123);
	ck_assert_uint_eq(h.pk.icmp_type, 128);
	ck_assert_uint_eq(h.pk.sport, 5);
	/* ICMP error: the inner packet in [...] must not overwrite fields */
	ck_assert_int_eq(parse1("TRACE: filter:FORWARD:rule:2 IN=eth0 OUT=eth1 SRC=192.0.2.1 DST=10.0.0.1 LEN=88 "
				"TOS=0x00 PREC=0xC0 TTL=63 ID=9 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.0.1 DST=192.0.2.1 "
				"LEN=60 TOS=0x00 PREC=0x00 TTL=1 ID=77 PROTO=UDP SPT=1 DPT=2 LEN=40 ] MTU=1500",
				sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_uint_eq(h.pk.icmp_type, 3);
	ck_assert_uint_eq(h.pk.ipid, 9);
	ck_assert_uint_eq(h.pk.src[0], 192);
	/* nft "log prefix" line naming its chain */
	ck_assert_int_eq(parse1("nft:inet:filter:input IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
				"SRC=198.51.100.7 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=5 DF PROTO=TCP "
				"SPT=41000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0",
				sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_int_eq(h.kind, NFP_KIND_LOG);
	ck_assert_str_eq(capture_strpool_get(sp, h.table), "filter");
	ck_assert_str_eq(capture_strpool_get(sp, h.chain), "input");
	ck_assert_int_eq(h.family, NFP_FAM_IPV4);
	/* ebtables-nft style nf_log bridge fields */
	ck_assert_int_eq(parse1("eb:filter:FORWARD IN=vh1 OUT=vh2 MACSRC=02:00:00:00:00:01 MACDST=02:00:00:00:00:02 "
				"MACPROTO=0800 SRC=10.0.0.1 DST=10.0.0.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=3 DF "
				"PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1",
				sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_int_eq(h.family, NFP_FAM_BRIDGE);
	ck_assert_str_eq(capture_strpool_get(sp, h.chain), "FORWARD");
	ck_assert_uint_eq(h.pk.mac_dst[5], 2);
	/* ebtables --log-ip6 and --log-arp lines */
	ck_assert_int_eq(parse1("TRACE: eb:filter:INPUT IN=p1 OUT= MAC source = 02:00:00:00:00:01 MAC dest = "
				"33:33:00:00:00:01 proto = 0x86dd IPv6 SRC=fe80::1 IPv6 DST=ff02::1, IPv6 "
				"priority=0x0, Next Header=58",
				sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_uint_eq(h.pk.l3, 6);
	ck_assert_uint_eq(h.pk.proto, 58);
	ck_assert_int_eq(parse1("TRACE: eb:nat:PREROUTING IN=p1 OUT= MAC source = 02:00:00:00:00:01 MAC dest = "
				"ff:ff:ff:ff:ff:ff proto = 0x0806 ARP HTYPE=1, PTYPE=0x0800, OPCODE=1 ARP MAC SRC=02:00:00:00:00:01 "
				"ARP IP SRC=10.0.0.1 ARP MAC DST=00:00:00:00:00:00 ARP IP DST=10.0.0.2",
				sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_uint_eq(h.pk.dst[3], 2);
	capture_strpool_free(sp);
}
END_TEST

START_TEST(klog_rejects_and_skips)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct nfp_hop h;
	const char *err = NULL;
	ck_assert_int_eq(parse1("[ 1.0] usb 1-1: new high-speed USB device", sp, &h, &err), NFP_PARSE_SKIP);
	ck_assert_int_eq(parse1("", sp, &h, &err), NFP_PARSE_SKIP);
	ck_assert_int_eq(parse1("TRACE: filter:INPUT:rule:1 IN=lo", sp, &h, &err), NFP_PARSE_TRUNCATED);
	ck_assert_int_eq(parse1("TRACE: filter:INPUT:rule:1 IN=lo OUT= SRC=1.2.3 DST=1.2.3.4", sp, &h, &err),
			 NFP_PARSE_BAD);
	ck_assert_str_eq(err, "bad SRC address");
	ck_assert_int_eq(parse1("TRACE: filter:INPUT:rule:99999999999 IN=lo OUT= SRC=1.2.3.4 DST=1.2.3.4", sp, &h, &err),
			 NFP_PARSE_BAD);
	/* hostile bytes in a device name are kept as bytes, not interpreted */
	ck_assert_int_eq(parse1("TRACE: filter:INPUT:rule:1 IN=ev\x1b[2Jil OUT= SRC=1.2.3.4 DST=1.2.3.4", sp, &h, &err),
			 NFP_PARSE_HOP);
	ck_assert_str_eq(capture_strpool_get(sp, h.in), "ev\x1b[2Jil");
	capture_strpool_free(sp);
}
END_TEST

START_TEST(monitor_lines)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct capture_mon_state st;
	memset(&st, 0, sizeof(st));
	struct nfp_hop h;
	const char *err = NULL;
	const char *pl = "trace id 0c9ff17e ip filter FORWARD packet: iif \"br0\" oif \"br0\" ip saddr 10.9.0.2 ip daddr "
			 "10.9.0.3 ip ttl 64 ip id 43394 ip length 84 tcp sport 1234 tcp dport 80 tcp flags == syn | ack "
			 "ct state established ct direction reply ct id 3735928559";
	ck_assert_int_eq(capture_nftmon_parse(pl, strlen(pl), &st, sp, &h, &err), NFP_PARSE_STATE);
	const char *rl = "trace id 0c9ff17e ip filter FORWARD rule iifname \"br0\" counter packets 4 bytes 336 jump "
			 "DOCKER-USER # handle 12 (verdict jump DOCKER-USER)";
	ck_assert_int_eq(capture_nftmon_parse(rl, strlen(rl), &st, sp, &h, &err), NFP_PARSE_HOP);
	ck_assert_int_eq(h.verdict, NFP_V_JUMP);
	ck_assert_str_eq(capture_strpool_get(sp, h.jump), "DOCKER-USER");
	ck_assert_uint_eq(h.handle, 12);
	ck_assert_str_eq(capture_strpool_get(sp, h.rule_text), "iifname \"br0\" counter jump DOCKER-USER");
	ck_assert_uint_eq(h.pk.ipid, 43394);
	ck_assert_uint_eq(h.pk.dport, 80);
	ck_assert_uint_eq(h.ct_state, NFP_CT_ESTABLISHED);
	ck_assert_uint_eq(h.ct_dir, NFP_DIR_REPLY);
	ck_assert_uint_eq(h.ct_id, 3735928559u);
	ck_assert_str_eq(capture_strpool_get(sp, h.out), "br0");
	const char *bad = "trace id zz ip filter FORWARD policy accept";
	ck_assert_int_eq(capture_nftmon_parse(bad, strlen(bad), &st, sp, &h, &err), NFP_PARSE_BAD);
	/* xtables-monitor: NH= hex with the ffffff sign-extension bug */
	const char *xp = "PACKET: 7 ac2e69f6 IN=vh1 MACSRC=ae:65:e:ad:d2:1b MACDST=62:b7:d2:dc:24:c4 MACPROTO=0800 "
			 "NH=45000054ffffffae3e4000400178540a0900020a090003 ";
	ck_assert_int_eq(capture_xtmon_parse(xp, strlen(xp), &st, sp, &h, &err), NFP_PARSE_STATE);
	const char *xt = " TRACE: 7 ac2e69f6 nfxbr:pre:rule:0x4:CONTINUE  ";
	ck_assert_int_eq(capture_xtmon_parse(xt, strlen(xt), &st, sp, &h, &err), NFP_PARSE_HOP);
	ck_assert_uint_eq(h.pk.ipid, 0xae3e);
	ck_assert_uint_eq(h.pk.dst[3], 3);
	ck_assert_uint_eq(h.pk.mac_src[2], 0x0e);
	ck_assert_uint_eq(h.handle, 4);
	ck_assert_int_eq(h.verdict, NFP_V_CONTINUE);
	capture_strpool_free(sp);
}
END_TEST

START_TEST(record_round_trip)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct nfp_hop h;
	memset(&h, 0, sizeof(h));
	h.family = NFP_FAM_BRIDGE;
	h.kind = NFP_KIND_RULE;
	h.verdict = NFP_V_JUMP;
	h.source = NFP_SRC_NFTRACE;
	h.rule = 7;
	h.handle = 123456789012ull;
	h.trace_id = 0xdeadbeef;
	h.ts = 1700000000.123456;
	h.ct_state = NFP_CT_RELATED;
	h.ct_dir = NFP_DIR_REPLY;
	h.ct_id = 99;
	h.hook = NFP_HOOK_FORWARD;
	h.prio = -200;
	h.have_prio = 1;
	h.flags = NFP_HOP_TRACE_ID | NFP_HOP_HANDLE | NFP_HOP_TS | NFP_HOP_CT | NFP_HOP_PROBE;
	const char *hostile = "tab\there=eq\\back\nnl\x1b[31m\xff";
	h.table = capture_strpool_intern(sp, "filter", 6);
	h.chain = capture_strpool_intern(sp, hostile, strlen(hostile));
	h.in = capture_strpool_intern(sp, "veth\x1b", 5);
	h.out = capture_strpool_intern(sp, "o", 1);
	h.physin = capture_strpool_intern(sp, "pi", 2);
	h.physout = capture_strpool_intern(sp, "po", 2);
	h.rule_text = capture_strpool_intern(sp, "ip saddr 1.2.3.4 jump X", 23);
	h.prefix = capture_strpool_intern(sp, "TRACE: ", 7);
	h.jump = capture_strpool_intern(sp, "X", 1);
	h.pk.l3 = 6;
	capture_parse_ip("2001:db8::1", 11, h.pk.src, &h.pk.l3);
	capture_parse_ip("2001:db8::2", 11, h.pk.dst, &h.pk.l3);
	h.pk.proto = 58;
	h.pk.icmp_type = 128;
	h.pk.sport = 5;
	h.pk.dport = 6;
	h.pk.ipid = 0xfffff;
	h.pk.ttl = 9;
	h.pk.len = 1280;
	h.pk.mark = 0xffffffff;
	h.pk.tcp_flags = 0x12;
	memcpy(h.pk.mac_src, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(h.pk.mac_dst, "\x02\x00\x00\x00\x00\x02", 6);
	h.pk.flags = NFP_PK_ADDRS | NFP_PK_PROTO | NFP_PK_ICMP | NFP_PK_ICMPID | NFP_PK_IPID | NFP_PK_TTL |
		     NFP_PK_LEN | NFP_PK_MARK | NFP_PK_MACS | NFP_PK_DF;
	struct capture_buf b = { 0 };
	ck_assert_int_eq(capture_rec_write_hop(&b, &h, sp), 0);
	ck_assert_ptr_null(memchr(b.p, '\x1b', b.len));
	ck_assert_ptr_eq(memchr(b.p, '\n', b.len), b.p + b.len - 1);
	struct nfp_hop g;
	struct capture_rec_loss lost;
	int nk;
	uint32_t k, v;
	const char *err = NULL;
	ck_assert_int_eq(capture_rec_parse(b.p, b.len - 1, sp, &g, &lost, &nk, &k, &v, &err), NFP_REC_HOP);
	ck_assert_int_eq(g.source, h.source);
	ck_assert_int_eq(g.family, h.family);
	ck_assert_int_eq(g.kind, h.kind);
	ck_assert_int_eq(g.verdict, h.verdict);
	ck_assert_int_eq(g.rule, h.rule);
	ck_assert_uint_eq(g.handle, h.handle);
	ck_assert_uint_eq(g.trace_id, h.trace_id);
	ck_assert_double_eq_tol(g.ts, h.ts, 1e-6);
	ck_assert_int_eq(g.ct_state, h.ct_state);
	ck_assert_int_eq(g.ct_dir, h.ct_dir);
	ck_assert_uint_eq(g.ct_id, h.ct_id);
	ck_assert_int_eq(g.hook, h.hook);
	ck_assert_int_eq(g.prio, h.prio);
	ck_assert_uint_eq(g.flags & ~NFP_HOP_HAVE_PKT, h.flags);
	ck_assert_uint_eq(g.table, h.table);
	ck_assert_uint_eq(g.chain, h.chain);
	ck_assert_uint_eq(g.in, h.in);
	ck_assert_uint_eq(g.out, h.out);
	ck_assert_uint_eq(g.physin, h.physin);
	ck_assert_uint_eq(g.physout, h.physout);
	ck_assert_uint_eq(g.rule_text, h.rule_text);
	ck_assert_uint_eq(g.prefix, h.prefix);
	ck_assert_uint_eq(g.jump, h.jump);
	ck_assert_mem_eq(&g.pk, &h.pk, sizeof(h.pk));
	/* lost-event and name records */
	ck_assert_int_eq(capture_rec_parse("L\tlost=42", 9, sp, &g, &lost, &nk, &k, &v, &err), NFP_REC_LOST);
	ck_assert_int_eq(capture_rec_parse("L\tlost=0\toverruns=3", 19, sp, &g, &lost, &nk, &k, &v, &err), NFP_REC_LOST);
	ck_assert_uint_eq(lost.overruns, 3);
	ck_assert_int_eq(capture_rec_parse("L\tlost=42", 9, sp, &g, &lost, &nk, &k, &v, &err), NFP_REC_LOST);
	ck_assert_uint_eq(lost.lost, 42);
	const char *nr = "N\tkind=dev\tkey=veth0\tname=c1";
	ck_assert_int_eq(capture_rec_parse(nr, strlen(nr), sp, &g, &lost, &nk, &k, &v, &err), NFP_REC_NAME);
	ck_assert_str_eq(capture_strpool_get(sp, v), "c1");
	ck_assert_int_eq(capture_rec_parse("H\tfam=ip\tkind=rule\trule=x", 24, sp, &g, &lost, &nk, &k, &v, &err), -1);
	ck_assert_int_eq(capture_rec_parse("H\tfam=ip\tkind=rule\tin=\\x4", 25, sp, &g, &lost, &nk, &k, &v, &err), -1);
	capture_buf_free(&b);
	capture_strpool_free(sp);
}
END_TEST

/* the #S host record: host and clocks round-trip, a hop's own host= too,
 * and the line is a comment to the hop parser (older readers skip it) */
START_TEST(record_host)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct capture_buf b = { 0 };
	const char host[] = "node1/nfpl-h1\t=\x1b";
	ck_assert_int_eq(capture_rec_write_start(&b, host, sizeof(host) - 1, 1764434000.25, 812.5), 0);
	ck_assert_ptr_null(memchr(b.p, '\x1b', b.len));
	struct capture_rec_start st;
	const char *err = NULL;
	ck_assert_int_eq(capture_rec_parse_start(b.p, b.len - 1, sp, &st, &err), 1);
	ck_assert_str_eq(capture_strpool_get(sp, st.host), host);
	ck_assert_double_eq_tol(st.realtime, 1764434000.25, 1e-6);
	ck_assert_double_eq_tol(st.monotonic, 812.5, 1e-6);
	struct nfp_hop g;
	struct capture_rec_loss lost;
	int nk;
	uint32_t k, v;
	ck_assert_int_eq(capture_rec_parse(b.p, b.len - 1, sp, &g, &lost, &nk, &k, &v, &err), 0);
	ck_assert_int_eq(capture_rec_parse_start("# nfpath recording v1", 21, sp, &st, &err), 0);
	ck_assert_int_eq(capture_rec_parse_start("#S\trealtime=x", 14, sp, &st, &err), -1);
	ck_assert_int_eq(capture_rec_parse_start("#S\trealtime=-1", 15, sp, &st, &err), -1);
	struct nfp_hop h;
	memset(&h, 0, sizeof(h));
	h.rule = -1;
	h.family = NFP_FAM_IPV4;
	h.host = capture_strpool_intern(sp, "b", 1);
	b.len = 0;
	ck_assert_int_eq(capture_rec_write_hop(&b, &h, sp), 0);
	ck_assert_int_eq(capture_rec_parse(b.p, b.len - 1, sp, &g, &lost, &nk, &k, &v, &err), NFP_REC_HOP);
	ck_assert_uint_eq(g.host, h.host);
	capture_buf_free(&b);
	capture_strpool_free(sp);
}
END_TEST

START_TEST(rules_files)
{
	struct capture_rules *r = capture_rules_new();
	const char *err = NULL;
	const char *ipt = "# Generated by ip6tables-save v1.8.9\n*filter\n:INPUT DROP [1:2]\n:MINE - [0:0]\n"
			  "-A INPUT -j MINE\n-A MINE -p ipv6-icmp -j ACCEPT\n-A MINE -j RETURN\nCOMMIT\n";
	ck_assert_int_eq(capture_rules_load(r, ipt, strlen(ipt), &err), 3);
	ck_assert_str_eq(capture_rules_lookup(r, NFP_FAM_IPV6, "filter", "MINE", NFP_KIND_RULE, 2, 0, 0, NULL),
			 "-A MINE -j RETURN");
	ck_assert_str_eq(capture_rules_lookup(r, NFP_FAM_IPV6, "filter", "INPUT", NFP_KIND_POLICY, 2, 0, 0, NULL),
			 ":INPUT DROP");
	ck_assert_ptr_null(capture_rules_lookup(r, NFP_FAM_IPV4, "filter", "MINE", NFP_KIND_RULE, 2, 0, 0, NULL));
	const char *nft = "table inet filter { # handle 5\n\tset blocked { # handle 3\n\t\ttype ipv4_addr\n"
			  "\t\telements = { 10.0.0.1 }\n\t}\n\tchain input { # handle 1\n"
			  "\t\ttype filter hook input priority filter + 5; policy drop;\n"
			  "\t\tip saddr @blocked counter packets 7 bytes 420 drop # handle 4\n"
			  "\t\tlog prefix \"IN-DROP \" # handle 6\n\t}\n"
			  "\tchain post { # handle 2\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			  "\t\tmasquerade # handle 8\n\t}\n}\n";
	ck_assert_int_eq(capture_rules_load(r, nft, strlen(nft), &err), 3);
	ck_assert_str_eq(capture_rules_lookup(r, NFP_FAM_INET, "filter", "input", NFP_KIND_RULE, -1, 1, 4, NULL),
			 "ip saddr @blocked counter drop");
	ck_assert_str_eq(capture_rules_lookup(r, NFP_FAM_INET, "filter", "input", NFP_KIND_POLICY, -1, 0, 0, NULL),
			 "policy drop");
	ck_assert_str_eq(capture_rules_lookup(r, NFP_FAM_INET, "x", "y", NFP_KIND_LOG, -1, 0, 0, "IN-DROP"),
			 "log prefix \"IN-DROP \"");
	int hook, prio, nat;
	ck_assert_int_eq(capture_rules_chain_hook(r, NFP_FAM_INET, "filter", "input", &hook, &prio, &nat), 0);
	ck_assert_int_eq(hook, NFP_HOOK_INPUT);
	ck_assert_int_eq(prio, 5);
	ck_assert_int_eq(capture_rules_chain_hook(r, NFP_FAM_INET, "filter", "post", &hook, &prio, &nat), 0);
	ck_assert_int_eq(nat, 1);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_INET, hook, prio, nat), NFP_BOX_NAT_POSTROUTING);
	ck_assert_int_eq(capture_rules_load(r, "hello world\n", 12, &err), -1);
	capture_rules_free(r);
}
END_TEST

START_TEST(box_mapping)
{
	ck_assert_int_eq(nfp_box_for_builtin(NFP_FAM_BRIDGE, "broute", 6, "BROUTING", 8), NFP_BOX_EB_BROUTE_BROUTING);
	ck_assert_int_eq(nfp_box_for_builtin(NFP_FAM_IPV4, "security", 8, "FORWARD", 7), NFP_BOX_SECURITY_FORWARD);
	ck_assert_int_eq(nfp_box_for_builtin(NFP_FAM_IPV4, "filter", 6, "DOCKER", 6), NFP_BOX_NONE);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_IPV4, NFP_HOOK_PREROUTING, -300, 0), NFP_BOX_RAW_PREROUTING);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_IPV4, NFP_HOOK_PREROUTING, -100, 1), NFP_BOX_NAT_PREROUTING);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_INET, NFP_HOOK_INPUT, 50, 0), NFP_BOX_SECURITY_INPUT);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_IPV6, NFP_HOOK_OUTPUT, -150, 0), NFP_BOX_MANGLE_OUTPUT);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_BRIDGE, NFP_HOOK_FORWARD, -200, 0), NFP_BOX_EB_FILTER_FORWARD);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_BRIDGE, NFP_HOOK_OUTPUT, 200, 0), NFP_BOX_EB_FILTER_OUTPUT);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_NETDEV, NFP_HOOK_INGRESS, 0, 0), NFP_BOX_INGRESS);
	ck_assert_int_eq(nfp_box_for_hook(NFP_FAM_NETDEV, NFP_HOOK_EGRESS, 0, 0), NFP_BOX_EGRESS);
	/* the reference's layer signatures */
	static const struct {
		const char *line;
		int layer;
	} sig[] = {
		{ "TRACE: raw:PREROUTING:policy:2 IN=br0 OUT= PHYSIN=vethX SRC=1.1.1.1 DST=2.2.2.2", NFP_LAYER_LINK },
		{ "TRACE: filter:FORWARD:rule:1 IN=br0 OUT=br0 PHYSIN=a PHYSOUT=b SRC=1.1.1.1 DST=2.2.2.2", NFP_LAYER_LINK },
		{ "TRACE: nat:POSTROUTING:policy:1 IN= OUT=br0 PHYSOUT=b SRC=1.1.1.1 DST=2.2.2.2", NFP_LAYER_LINK },
		{ "TRACE: filter:FORWARD:rule:1 IN=br0 OUT=eth0 PHYSIN=a SRC=1.1.1.1 DST=2.2.2.2", NFP_LAYER_NETWORK },
		{ "TRACE: nat:POSTROUTING:policy:1 IN= OUT=br0 SRC=1.1.1.1 DST=2.2.2.2", NFP_LAYER_NETWORK },
		{ "TRACE: filter:INPUT:policy:1 IN=br0 OUT= PHYSIN=a SRC=1.1.1.1 DST=2.2.2.2", NFP_LAYER_NETWORK },
		{ "TRACE: raw:OUTPUT:policy:1 IN= OUT=br0 SRC=1.1.1.1 DST=2.2.2.2", NFP_LAYER_NETWORK },
	};
	for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++) {
		struct loaded L = load_text(sig[i].line, NULL);
		ck_assert_msg(hop_at(&L, 0, 0)->layer == sig[i].layer, "signature %zu", i);
		unload(&L);
	}
}
END_TEST

START_TEST(escaping)
{
	struct capture_buf b = { 0 };
	const char raw[] = "a\x1b[31mb\\c\xff\xc3\xa9\x7f\xe2\x80\xae";
	ck_assert_int_eq(render_esc(&b, raw, sizeof(raw) - 1, 0), 0);
	ck_assert_str_eq(b.p, "a\\x1b[31mb\\\\c\\xff\xc3\xa9\\x7f\\xe2\\x80\\xae");
	b.len = 0;
	ck_assert_int_eq(render_esc(&b, raw, sizeof(raw) - 1, 1), 0);
	ck_assert_str_eq(b.p, "a\\x1b[31mb\\\\c\\xff\\xc3\\xa9\\x7f\\xe2\\x80\\xae");
	b.len = 0;
	ck_assert_int_eq(render_json_str(&b, "q\"\x01", 3), 0);
	ck_assert_str_eq(b.p, "\"q\\\"\\u0001\"");
	/* JSON escapes a reader turns back into the bytes: controls, C1 and
	 * bidi as \uXXXX, a non-UTF-8 byte as U+FFFD, other UTF-8 raw */
	b.len = 0;
	ck_assert_int_eq(render_json_str(&b, raw, sizeof(raw) - 1), 0);
	ck_assert_str_eq(b.p, "\"a\\u001b[31mb\\\\c\\ufffd\xc3\xa9\\u007f\\u202e\"");
	b.len = 0;
	ck_assert_int_eq(render_json_str(&b, "\xc2\x9b", 2), 0);
	ck_assert_str_eq(b.p, "\"\\u009b\"");
	capture_buf_free(&b);
}
END_TEST

START_TEST(name_parsers)
{
	char ifn[64], ns[128];
	int id;
	ck_assert_int_eq(capture_names_parse_link("5: veth35a37f1@if4: <BROADCAST,UP> mtu 1500 master docker0 \\    link/ether "
						  "ce:17:e1:ec:ad:dd brd ff:ff:ff:ff:ff:ff link-netnsid 1 promiscuity 1",
						  ifn, sizeof(ifn), ns, sizeof(ns), &id),
			 0);
	ck_assert_str_eq(ifn, "veth35a37f1");
	ck_assert_int_eq(id, 1);
	ck_assert_str_eq(ns, "");
	ck_assert_int_eq(capture_names_parse_link("2: eth0@if2: <UP> mtu 1500 \\    link/ether 5e:53:13:92:73:ef brd "
						  "ff:ff:ff:ff:ff:ff link-netns nfpl-out promiscuity 0",
						  ifn, sizeof(ifn), ns, sizeof(ns), &id),
			 0);
	ck_assert_str_eq(ifn, "eth0");
	ck_assert_str_eq(ns, "nfpl-out");
	ck_assert_int_eq(capture_names_parse_link("garbage", ifn, sizeof(ifn), ns, sizeof(ns), &id), -1);
	char name[64], cid[16], sb[128], ips[128];
	ck_assert_int_eq(capture_names_parse_docker("/c1|eaea4eba94612b04ff28a63d32de0ee3258daa6eff00f037648b0a5ec224c9a8|"
						    "/run/docker/netns/92042cab9a14|172.17.0.2,\n",
						    name, sizeof(name), cid, sizeof(cid), sb, sizeof(sb), ips, sizeof(ips)),
			 0);
	ck_assert_str_eq(name, "c1");
	ck_assert_str_eq(cid, "eaea4eba9461");
	ck_assert_str_eq(sb, "/run/docker/netns/92042cab9a14");
	ck_assert_str_eq(ips, "172.17.0.2,");
	ck_assert_int_eq(capture_names_parse_docker("no pipes here", name, sizeof(name), cid, sizeof(cid), sb, sizeof(sb),
						    ips, sizeof(ips)),
			 -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decoders");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, klog_prefixes);
	tcase_add_test(tc, klog_protocols);
	tcase_add_test(tc, klog_rejects_and_skips);
	tcase_add_test(tc, monitor_lines);
	tcase_add_test(tc, record_round_trip);
	tcase_add_test(tc, record_host);
	tcase_add_test(tc, rules_files);
	tcase_add_test(tc, box_mapping);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, name_parsers);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
