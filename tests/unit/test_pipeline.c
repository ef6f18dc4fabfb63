/* The shared Docker sample and hand-made traces through load -> stitch. */
#include "helpers.h"

#include "../../capture/readfd.h"

#include <sys/wait.h>
#include <unistd.h>

#define SAMPLE "tests/fixtures/" /* copies of ../shared/samples */

static const char *const first_request_boxes[] = {
	"eb:broute:BROUTING", "eb:nat:PREROUTING", "raw:PREROUTING", "nat:PREROUTING",
	"eb:filter:FORWARD",  "filter:FORWARD",	   "filter:FORWARD", "filter:FORWARD",
	"filter:FORWARD",     "filter:FORWARD",	   "filter:FORWARD", "filter:FORWARD",
	"eb:nat:POSTROUTING", "nat:POSTROUTING",
};

START_TEST(sample_three_packets_one_flow)
{
	struct loaded L = load_files(SAMPLE "docker-c2c-ping.log", SAMPLE "docker-c2c-iptables-save.txt",
				     SAMPLE "docker-c2c-ebtables-save.txt");
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_trace_stats(L.t)->lines, 34);
	ck_assert_uint_eq(capture_trace_count(L.t), 3);
	ck_assert_uint_eq(capture_trace_flow_count(L.t), 1);
	ck_assert_uint_eq(pkt_at(L.t, 0)->nhops, 14);
	ck_assert_uint_eq(pkt_at(L.t, 1)->nhops, 10);
	ck_assert_uint_eq(pkt_at(L.t, 2)->nhops, 10);
	for (uint32_t i = 0; i < 14; i++) {
		const struct nfp_hop *h = hop_at(&L, 0, i);
		ck_assert_str_eq(nfp_box_name(h->box), first_request_boxes[i]);
		ck_assert_int_eq(h->layer, NFP_LAYER_LINK);
	}
	/* the user chains sit in the FORWARD box they were called from */
	ck_assert_str_eq(S(&L, hop_at(&L, 0, 6)->chain), "DOCKER-USER");
	ck_assert_str_eq(S(&L, hop_at(&L, 0, 8)->chain), "DOCKER-ISOLATION");
	ck_assert_str_eq(S(&L, hop_at(&L, 0, 10)->chain), "DOCKER");
	/* rule 4 of FORWARD resolves to its text */
	const struct nfp_hop *r4 = hop_at(&L, 0, 9);
	ck_assert_int_eq(r4->rule, 4);
	ck_assert_str_eq(S(&L, r4->rule_text), "-A FORWARD -o docker0 -j DOCKER");
	ck_assert_int_eq(r4->verdict, NFP_V_JUMP);
	ck_assert_str_eq(S(&L, r4->jump), "DOCKER");
	/* first request new; reply and second request skip both nat boxes */
	ck_assert_int_eq(pkt_at(L.t, 0)->ct, NFP_CT_NEW);
	ck_assert_int_eq(pkt_at(L.t, 0)->dir, NFP_DIR_ORIGINAL);
	ck_assert_int_eq(pkt_at(L.t, 1)->dir, NFP_DIR_REPLY);
	ck_assert_int_eq(pkt_at(L.t, 2)->dir, NFP_DIR_ORIGINAL);
	for (size_t p = 1; p < 3; p++) {
		ck_assert_int_eq(pkt_at(L.t, p)->ct, NFP_CT_ESTABLISHED);
		ck_assert_int_eq(pkt_at(L.t, p)->ct_kernel, 0);
		for (uint32_t i = 0; i < pkt_at(L.t, p)->nhops; i++) {
			int b = hop_at(&L, p, i)->box;
			ck_assert_int_ne(b, NFP_BOX_NAT_PREROUTING);
			ck_assert_int_ne(b, NFP_BOX_NAT_POSTROUTING);
		}
	}
	/* the ebtables lines (no IP ID) attached by address and position */
	ck_assert_int_eq(hop_at(&L, 2, 0)->source, NFP_SRC_EBLOG);
	ck_assert_uint_eq(hop_at(&L, 2, 2)->pk.ipid, 47310);
	unload(&L);
}
END_TEST

/* container to outside through MASQUERADE; the reply comes back to the
 * masqueraded address and is de-NATed between its hops */
static const char c2out[] =
	"TRACE: raw:PREROUTING:policy:2 IN=docker0 OUT= PHYSIN=veth-c1 MAC=02:42:ac:11:00:01:02:42:ac:11:00:02:08:00 "
	"SRC=172.17.0.2 DST=203.0.113.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1000 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1\n"
	"TRACE: nat:PREROUTING:policy:2 IN=docker0 OUT= PHYSIN=veth-c1 MAC=02:42:ac:11:00:01:02:42:ac:11:00:02:08:00 "
	"SRC=172.17.0.2 DST=203.0.113.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1000 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1\n"
	"TRACE: filter:FORWARD:rule:5 IN=docker0 OUT=eth0 PHYSIN=veth-c1 MAC=02:42:ac:11:00:01:02:42:ac:11:00:02:08:00 "
	"SRC=172.17.0.2 DST=203.0.113.2 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=1000 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1\n"
	"TRACE: nat:POSTROUTING:rule:1 IN= OUT=eth0 PHYSIN=veth-c1 SRC=172.17.0.2 DST=203.0.113.2 LEN=84 TOS=0x00 "
	"PREC=0x00 TTL=63 ID=1000 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1\n"
	"TRACE: raw:PREROUTING:policy:2 IN=eth0 OUT= MAC=aa:aa:aa:aa:aa:01:aa:aa:aa:aa:aa:02:08:00 SRC=203.0.113.2 "
	"DST=203.0.113.1 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=5000 PROTO=ICMP TYPE=0 CODE=0 ID=7 SEQ=1\n"
	"TRACE: filter:FORWARD:rule:3 IN=eth0 OUT=docker0 MAC=aa:aa:aa:aa:aa:01:aa:aa:aa:aa:aa:02:08:00 SRC=203.0.113.2 "
	"DST=172.17.0.2 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=5000 PROTO=ICMP TYPE=0 CODE=0 ID=7 SEQ=1\n";

static const char c2out_rules[] = "*nat\n:POSTROUTING ACCEPT [0:0]\n"
				  "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n";

START_TEST(masquerade_reply_joins_flow)
{
	struct loaded L = load_text(c2out, c2out_rules);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_trace_count(L.t), 2);
	ck_assert_uint_eq(capture_trace_flow_count(L.t), 1);
	ck_assert_int_eq(pkt_at(L.t, 1)->dir, NFP_DIR_REPLY);
	ck_assert_uint_eq(pkt_at(L.t, 1)->nhops, 2);
	/* routed: FORWARD with PHYSIN only, and POSTROUTING without PHYSOUT */
	ck_assert_int_eq(hop_at(&L, 0, 2)->layer, NFP_LAYER_NETWORK);
	const struct nfp_hop *m = hop_at(&L, 0, 3);
	ck_assert_int_eq(m->box, NFP_BOX_NAT_POSTROUTING);
	ck_assert_int_eq(m->layer, NFP_LAYER_NETWORK);
	ck_assert_str_eq(S(&L, m->rule_text), "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE");
	ck_assert_int_eq(m->verdict, NFP_V_ACCEPT);
	/* bridged PREROUTING stays on the link row */
	ck_assert_int_eq(hop_at(&L, 0, 0)->layer, NFP_LAYER_LINK);
	unload(&L);
}
END_TEST

/* an ebtables frame flooded to two ports is one packet with two egresses */
START_TEST(flooded_frame_is_one_packet)
{
	const char *txt =
		"TRACE: eb:nat:PREROUTING IN=p1 OUT= MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff "
		"proto = 0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.255, IP tos=0x00, IP proto=17 SPT=68 DPT=67\n"
		"TRACE: eb:filter:FORWARD IN=p1 OUT=p2 MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff "
		"proto = 0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.255, IP tos=0x00, IP proto=17 SPT=68 DPT=67\n"
		"TRACE: eb:nat:POSTROUTING IN= OUT=p2 MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff "
		"proto = 0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.255, IP tos=0x00, IP proto=17 SPT=68 DPT=67\n"
		"TRACE: eb:filter:FORWARD IN=p1 OUT=p3 MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff "
		"proto = 0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.255, IP tos=0x00, IP proto=17 SPT=68 DPT=67\n"
		"TRACE: eb:nat:POSTROUTING IN= OUT=p3 MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff "
		"proto = 0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.255, IP tos=0x00, IP proto=17 SPT=68 DPT=67\n";
	struct loaded L = load_text(txt, NULL);
	ck_assert_uint_eq(capture_trace_count(L.t), 1);
	ck_assert_uint_eq(pkt_at(L.t, 0)->nhops, 5);
	ck_assert_str_eq(S(&L, hop_at(&L, 0, 4)->out), "p3");
	ck_assert_uint_eq(hop_at(&L, 0, 4)->pk.dport, 67);
	unload(&L);
}
END_TEST

/* nft trace ids change when a bridged frame is routed; IP ID ties them */
START_TEST(trace_id_change_stays_one_packet)
{
	const char *txt =
		"trace id 11111111 bridge t pre packet: iif \"p1\" ether saddr 02:00:00:00:00:01 ether daddr 02:00:00:00:00:02 "
		"ip saddr 172.17.0.2 ip daddr 8.8.8.8 ip ttl 64 ip id 4242 ip protocol icmp ip length 84 icmp type "
		"echo-request icmp code net-unreachable icmp id 9 icmp sequence 1\n"
		"trace id 11111111 bridge t pre policy accept\n"
		"trace id 22222222 ip filter FORWARD packet: iif \"docker0\" oif \"eth0\" ip saddr 172.17.0.2 ip daddr 8.8.8.8 "
		"ip ttl 63 ip id 4242 ip length 84 icmp type echo-request icmp code net-unreachable icmp id 9 icmp sequence 1\n"
		"trace id 22222222 ip filter FORWARD rule oifname \"eth0\" counter packets 3 bytes 252 accept (verdict accept)\n"
		/* an unrelated packet reusing the first id must not join */
		"trace id 11111111 bridge t pre packet: iif \"p2\" ip saddr 172.17.0.3 ip daddr 8.8.8.8 ip id 777 "
		"ip protocol icmp ip length 84 icmp type echo-request icmp id 10 icmp sequence 1\n"
		"trace id 11111111 bridge t pre policy accept\n";
	struct loaded L = load_text(txt, NULL);
	ck_assert_uint_eq(capture_trace_count(L.t), 2);
	ck_assert_uint_eq(pkt_at(L.t, 0)->nhops, 2);
	ck_assert_str_eq(S(&L, hop_at(&L, 0, 1)->rule_text), "oifname \"eth0\" counter accept");
	ck_assert_int_eq(hop_at(&L, 0, 1)->verdict, NFP_V_ACCEPT);
	ck_assert_uint_eq(capture_trace_flow_count(L.t), 2);
	unload(&L);
}
END_TEST

/* two flows whose lines interleave are kept apart */
START_TEST(interleaved_flows)
{
	const char *a = "TRACE: raw:PREROUTING:policy:2 IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.9 LEN=60 TOS=0x00 PREC=0x00 "
			"TTL=64 ID=%d DF PROTO=TCP SPT=%d DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0\n";
	const char *f = "TRACE: filter:INPUT:rule:%d IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.9 LEN=60 TOS=0x00 PREC=0x00 "
			"TTL=64 ID=%d DF PROTO=TCP SPT=%d DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0\n";
	char txt[4096];
	int n = 0;
	n += snprintf(txt + n, sizeof(txt) - (size_t)n, a, 100, 40000);
	n += snprintf(txt + n, sizeof(txt) - (size_t)n, a, 200, 40001);
	n += snprintf(txt + n, sizeof(txt) - (size_t)n, f, 1, 100, 40000);
	n += snprintf(txt + n, sizeof(txt) - (size_t)n, f, 2, 200, 40001);
	struct loaded L = load_text(txt, NULL);
	ck_assert_uint_eq(capture_trace_count(L.t), 2);
	ck_assert_uint_eq(capture_trace_flow_count(L.t), 2);
	ck_assert_int_eq(hop_at(&L, 0, 1)->rule, 1);
	ck_assert_int_eq(hop_at(&L, 1, 1)->rule, 2);
	ck_assert_uint_eq(hop_at(&L, 1, 1)->pk.sport, 40001);
	ck_assert_uint_eq(hop_at(&L, 0, 1)->pk.tcp_flags, 0x02);
	unload(&L);
}
END_TEST

/* two pings between the same hosts (echo ids differ) are two flows even
 * though their ebtables lines look alike */
START_TEST(same_hosts_two_pings_two_flows)
{
	const char *eb = "TRACE: eb:nat:PREROUTING IN=p1 OUT= MAC source = 02:00:00:00:00:01 MAC dest = "
			 "02:00:00:00:00:02 proto = 0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.2, IP tos=0x00, IP proto=1\n";
	const char *raw = "TRACE: raw:PREROUTING:policy:2 IN=br0 OUT= PHYSIN=p1 SRC=10.0.0.1 DST=10.0.0.2 LEN=84 "
			  "TOS=0x00 PREC=0x00 TTL=64 ID=%d DF PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=1\n";
	char txt[2048];
	int n = snprintf(txt, sizeof(txt), "%s", eb);
	n += snprintf(txt + n, sizeof(txt) - (size_t)n, raw, 100, 7);
	n += snprintf(txt + n, sizeof(txt) - (size_t)n, "%s", eb);
	snprintf(txt + n, sizeof(txt) - (size_t)n, raw, 200, 8);
	struct loaded L = load_text(txt, NULL);
	ck_assert_uint_eq(capture_trace_count(L.t), 2);
	ck_assert_uint_eq(capture_trace_flow_count(L.t), 2);
	ck_assert_int_eq(pkt_at(L.t, 1)->ct, NFP_CT_NEW);
	unload(&L);
}
END_TEST

/* a line cut before its addresses is a counted, reported truncated line,
 * not an address-less hop; the rest still lands somewhere */
START_TEST(missing_fields)
{
	const char *txt = "TRACE: filter:INPUT:policy:3 IN=lo OUT= \n"
			  "TRACE: filter:INPUT:policy:3 IN=lo OUT= SRC=127.0.0.1 DST=127.0.0.1\n";
	struct loaded L = load_text(txt, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_trace_stats(L.t)->hops, 1);
	ck_assert_uint_eq(capture_trace_stats(L.t)->bad, 1);
	ck_assert_uint_eq(capture_trace_stats(L.t)->why[NFP_WHY_TRUNCATED], 1);
	ck_assert_int_eq(hop_at(&L, 0, 0)->box, NFP_BOX_FILTER_INPUT);
	ck_assert_int_eq(hop_at(&L, 0, 0)->layer, NFP_LAYER_NETWORK);
	unload(&L);
}
END_TEST

START_TEST(no_trace_lines)
{
	struct loaded L = load_text("kernel: eth0: link up\nhello\n", NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_NO_TRACE);
	ck_assert_uint_eq(capture_trace_stats(L.t)->skipped, 2);
	unload(&L);
}
END_TEST

START_TEST(malformed_lines_reported_rest_read)
{
	const char *txt = "TRACE: filter:INPUT:bogus:1 IN=lo OUT= SRC=1.2.3.4 DST=1.2.3.4\n"
			  "TRACE: filter:INPUT:rule:1 IN=lo OUT= SRC=999.2.3.4 DST=1.2.3.4\n"
			  "TRACE: filter:INPUT:rule:x IN=lo OUT= SRC=1.2.3.4 DST=1.2.3.4\n"
			  "TRACE: filter:INPUT:rule:1\n"
			  "TRACE: filter:INPUT:rule:1 IN=lo OUT= SRC=1.2.3.4 DST=1.2.3.4 LEN=84 TTL=64 ID=1 PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1\n";
	struct loaded L = load_text(txt, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	ck_assert_uint_eq(capture_trace_stats(L.t)->bad, 4);
	ck_assert_uint_eq(L.diags, 4);
	ck_assert_uint_eq(capture_trace_stats(L.t)->hops, 1);
	unload(&L);
}
END_TEST

/* every input format in one stream, each placed on a box */
START_TEST(fixture_formats)
{
	static const struct {
		const char *file;
		size_t pkts, hops;
	} f[] = {
		{ FIXTURES "/nft-monitor-trace-bridge.txt", 4, 25 },
		{ FIXTURES "/xtables-monitor-trace-bridge.txt", 4, 25 },
		{ FIXTURES "/nft-monitor-trace-iptnft.txt", 4, 13 },
		{ FIXTURES "/xtables-monitor-trace-iptnft.txt", 4, 13 },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct loaded L = load_files(f[i].file, NULL, NULL);
		ck_assert_msg(L.st == NFP_LOAD_OK, "%s", f[i].file);
		ck_assert_msg(capture_trace_count(L.t) == f[i].pkts, "%s: %zu packets", f[i].file, capture_trace_count(L.t));
		ck_assert_msg(capture_trace_hop_count(L.t) == f[i].hops, "%s: %zu hops", f[i].file, capture_trace_hop_count(L.t));
		for (size_t h = 0; h < capture_trace_hop_count(L.t); h++)
			ck_assert_msg(capture_trace_hop(L.t, h)->box != NFP_BOX_NONE, "%s hop %zu unplaced", f[i].file, h);
		unload(&L);
	}
}
END_TEST

/* --max-packets: the oldest go, numbers stay, hops are compacted */
START_TEST(bounded_memory)
{
	struct capture_trace *t = capture_trace_new(NULL);
	capture_trace_set_window(t, 100);
	struct capture_input in;
	capture_input_init(&in, t, "gen", 0, NULL, NULL);
	char line[512];
	for (int i = 0; i < 20000; i++) {
		for (int k = 0; k < 3; k++) {
			int n = snprintf(line, sizeof(line),
					 "TRACE: %s:%s:policy:1 IN=eth0 OUT= SRC=10.0.%d.%d DST=10.1.0.1 LEN=84 TTL=64 ID=%d "
					 "PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=1\n",
					 k == 0 ? "raw" : k == 1 ? "mangle" : "filter", k == 2 ? "INPUT" : "PREROUTING",
					 i / 250 % 250, i % 250, i % 65536, i);
			capture_input_feed(&in, line, (size_t)n);
		}
		/* one long conversation across all of it keeps its flow */
		for (int k = 0; k < 3 && i % 50 == 0; k++) {
			int n = snprintf(line, sizeof(line),
					 "TRACE: %s:%s:policy:1 IN=eth0 OUT= SRC=10.9.9.9 DST=10.1.0.1 LEN=84 TTL=64 ID=%d "
					 "PROTO=ICMP TYPE=8 CODE=0 ID=4242 SEQ=%d\n",
					 k == 0 ? "raw" : k == 1 ? "mangle" : "filter", k == 2 ? "INPUT" : "PREROUTING",
					 30000 + i, i / 50);
			capture_input_feed(&in, line, (size_t)n);
		}
	}
	capture_input_end(&in);
	capture_trace_flush(t);
	ck_assert_uint_le(capture_trace_count(t), 100 + 100 / 4 + 64 + 1);
	ck_assert_uint_eq(capture_trace_last(t), 20000 + 400);
	ck_assert_uint_eq(capture_trace_first(t) + capture_trace_count(t) - 1, capture_trace_last(t));
	/* flows whose packets are gone are forgotten; numbers stay */
	ck_assert_uint_eq(capture_trace_flows_total(t), 20001);
	ck_assert_uint_le(capture_trace_flow_count(t), 3 * capture_trace_count(t) + 1024);
	const struct nfp_packet *lp = NULL;
	for (size_t i = 0; i < capture_trace_count(t); i++)
		if (capture_packet_hop(t, pkt_at(t, i), 0)->pk.ipid == 30000 + 19950)
			lp = pkt_at(t, i);
	ck_assert_ptr_nonnull(lp);
	ck_assert_uint_eq(lp->flow, 1);
	/* never answered: conntrack keeps it NEW */
	ck_assert_int_eq(lp->ct, NFP_CT_NEW);
	ck_assert_uint_eq(capture_trace_stats(t)->dropped_packets, capture_trace_first(t) - 1);
	ck_assert_uint_le(capture_trace_hop_count(t), 3 * (capture_trace_count(t) + 8192));
	/* the last packet is still whole and correct after compaction */
	const struct nfp_packet *p = pkt_at(t, capture_trace_count(t) - 1);
	ck_assert_uint_eq(p->nhops, 3);
	ck_assert_int_eq(capture_packet_hop(t, p, 2)->box, NFP_BOX_FILTER_INPUT);
	ck_assert_uint_eq(capture_packet_hop(t, p, 0)->pk.ipid, 19999 % 65536);
	capture_trace_free(t);
}
END_TEST

/* the same line forever is not one endless packet */
START_TEST(endless_packet)
{
	struct capture_trace *t = capture_trace_new(NULL);
	struct capture_input in;
	capture_input_init(&in, t, "gen", 0, NULL, NULL);
	const char *l = "TRACE: filter:INPUT:rule:1 IN=lo OUT= SRC=1.2.3.4 DST=1.2.3.4 LEN=84 TTL=64 ID=7 PROTO=ICMP "
			"TYPE=8 CODE=0 ID=1 SEQ=1\n";
	for (int i = 0; i < 3 * NFP_MAX_HOPS; i++)
		capture_input_feed(&in, l, strlen(l));
	capture_input_end(&in);
	capture_trace_flush(t);
	ck_assert_uint_eq(capture_trace_count(t), 3);
	ck_assert_uint_eq(pkt_at(t, 0)->nhops, NFP_MAX_HOPS);
	capture_trace_free(t);
}
END_TEST

/* ---- two-thread reading gives what feeding gives ---------------------- */

struct diaglog {
	char *buf;
	size_t len;
};

static void log_diag(void *ctx, const char *f, unsigned long l, const char *m)
{
	struct diaglog *d = ctx;
	(void)f;
	char one[256];
	int n = snprintf(one, sizeof(one), "%lu:%s\n", l, m);
	d->buf = realloc(d->buf, d->len + (size_t)n + 1);
	ck_assert_ptr_nonnull(d->buf);
	memcpy(d->buf + d->len, one, (size_t)n + 1);
	d->len += (size_t)n;
}

static char *slurp_fixture(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *b = malloc(1 << 20);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

/* Several MB mixing everything the splitter and the merge must keep in
 * order: distinct packets, skipped and malformed lines, CRLF, monitor text
 * (decoded in order), a line over the length cap inside a block, one longer
 * than a read chunk, and no final newline. */
static char *mixed_stream(size_t *len)
{
	size_t sl, ml;
	char *sample = slurp_fixture(SAMPLE "docker-c2c-ping.log", &sl);
	char *mon = slurp_fixture(SAMPLE "nft-monitor-trace-iptnft.txt", &ml);
	size_t cap = 16u << 20, n = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	for (int round = 0; n + sl * 2 + ml + (400u << 10) < cap && round < 4000; round++) {
		/* each round a new conversation: rewrite "ID=<n> " values */
		for (size_t i = 0; i < sl; i++) {
			out[n++] = sample[i];
			if (i >= 3 && memcmp(sample + i - 3, " ID=", 4) == 0) {
				n += (size_t)sprintf(out + n, "%d", round);
				while (i + 1 < sl && sample[i + 1] >= '0' && sample[i + 1] <= '9')
					i++;
			}
		}
		if (round % 7 == 0)
			n += (size_t)sprintf(out + n, "kernel: eth0: link up\n");
		if (round % 11 == 0)
			n += (size_t)sprintf(out + n, "TRACE: raw:PREROUTING:policy:1 IN=eth0 OUT= SRC=1.2.3 DST=1.2.3.4\n");
		if (round % 13 == 0)
			n += (size_t)sprintf(out + n, "TRACE: raw:PREROUTING:policy:2 IN=eth1 OUT= SRC=10.0.0.1 "
						      "DST=10.0.0.2 LEN=84 TTL=64 ID=%d PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1\r\n",
				      round);
		if (round == 300) {
			memcpy(out + n, mon, ml);
			n += ml;
		}
		if (round == 500 || round == 900) {
			size_t big = round == 500 ? 70000 : 300000;
			memset(out + n, 'x', big);
			n += big;
			out[n++] = '\n';
		}
	}
	while (n && out[n - 1] == '\n')
		n--;
	free(sample);
	free(mon);
	*len = n;
	return out;
}

struct result {
	struct capture_trace *t;
	struct diaglog d;
	unsigned long apart;
};

/* The first difference between two results, or NULL. (Plain compares:
 * Check reports every assertion through a pipe, too slow per hop.) */
static const char *difference(const struct result *a, const struct result *b)
{
	const struct capture_trace *x = a->t, *y = b->t;
	const struct capture_trace_stats *sx = capture_trace_stats(x), *sy = capture_trace_stats(y);
	if (sx->lines != sy->lines || sx->skipped != sy->skipped || sx->bad != sy->bad)
		return "line counts";
	if (sx->hops != sy->hops || capture_trace_count(x) != capture_trace_count(y) ||
	    capture_trace_flow_count(x) != capture_trace_flow_count(y))
		return "hop, packet or flow counts";
	if (a->d.len != b->d.len || (a->d.len && memcmp(a->d.buf, b->d.buf, a->d.len) != 0))
		return "messages";
	for (size_t p = 0; p < capture_trace_count(x); p++) {
		const struct nfp_packet *px = pkt_at(x, p), *py = pkt_at(y, p);
		if (px->nhops != py->nhops || px->flow != py->flow || px->ct != py->ct || px->dir != py->dir)
			return "a packet";
		for (uint32_t i = 0; i < px->nhops; i++) {
			const struct nfp_hop *g = capture_packet_hop(x, px, i), *h = capture_packet_hop(y, py, i);
			if (g->line != h->line || g->box != h->box || g->rule != h->rule || g->layer != h->layer ||
			    memcmp(&g->pk, &h->pk, sizeof(g->pk)) != 0)
				return "a hop";
			const uint32_t ig[] = { g->table, g->chain, g->in, g->out, g->physin, g->physout, g->prefix },
				       ih[] = { h->table, h->chain, h->in, h->out, h->physin, h->physout, h->prefix };
			for (size_t k = 0; k < sizeof(ig) / sizeof(ig[0]); k++)
				if (strcmp(capture_str(x, ig[k]), capture_str(y, ih[k])) != 0)
					return "a hop's names";
		}
	}
	return NULL;
}

static void read_with(struct result *r, const char *text, size_t len, int how)
{
	memset(r, 0, sizeof(*r));
	r->t = capture_trace_new(NULL);
	struct capture_input in;
	capture_input_init(&in, r->t, "mixed", 0, log_diag, &r->d);
	if (how == 0) {
		/* the reference: fed on this thread in odd-sized pieces */
		for (size_t off = 0; off < len; off += 4097)
			ck_assert_int_eq(capture_input_feed(&in, text + off, len - off < 4097 ? len - off : 4097), 0);
		ck_assert_int_eq(capture_input_end(&in), 0);
	} else if (how == 3) {
		/* a regular file: the ring fills, blocks wait for the worker */
		FILE *f = tmpfile();
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(text, 1, len, f), len);
		ck_assert_int_eq(fflush(f), 0);
		rewind(f);
		ck_assert_int_eq(capture_read_fd(&in, fileno(f)), 0);
		ck_assert_int_eq(capture_input_end(&in), 0);
		fclose(f);
	} else {
		int fds[2];
		ck_assert_int_eq(pipe(fds), 0);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			/* a pipe in uneven writes: chunks end anywhere */
			close(fds[0]);
			for (size_t off = 0, i = 0; off < len; i++) {
				size_t k = how == 1 ? len - off : 1 + (i * 7919) % 100000;
				ssize_t w = write(fds[1], text + off, k < len - off ? k : len - off);
				if (w <= 0)
					_exit(1);
				off += (size_t)w;
			}
			_exit(0);
		}
		close(fds[1]);
		ck_assert_int_eq(capture_read_fd(&in, fds[0]), 0);
		ck_assert_int_eq(capture_input_end(&in), 0);
		close(fds[0]);
		int st;
		waitpid(pid, &st, 0);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	capture_trace_flush(r->t);
	r->apart = in.blocks_apart;
}

START_TEST(two_threads_same_result)
{
	size_t len;
	char *text = mixed_stream(&len);
	ck_assert_uint_gt(len, 8u << 20);
	struct result ref, fast, slow, file;
	read_with(&ref, text, len, 0);
	read_with(&fast, text, len, 1);
	read_with(&slow, text, len, 2);
	read_with(&file, text, len, 3);
	ck_assert_uint_gt(capture_trace_count(ref.t), 5000);
	ck_assert_uint_gt(capture_trace_stats(ref.t)->bad, 150);
	/* the second thread did decode blocks, and they merged as if fed */
	ck_assert_uint_gt(fast.apart, 4);
	ck_assert_uint_gt(slow.apart, 4);
	const char *d = difference(&ref, &fast);
	ck_assert_msg(!d, "one big read: %s differ", d);
	d = difference(&ref, &slow);
	ck_assert_msg(!d, "uneven pipe writes: %s differ", d);
	ck_assert_uint_gt(file.apart, 4);
	d = difference(&ref, &file);
	ck_assert_msg(!d, "a file: %s differ", d);
	struct result *all[] = { &ref, &fast, &slow, &file };
	for (int i = 0; i < 4; i++) {
		capture_trace_free(all[i]->t);
		free(all[i]->d.buf);
	}
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, sample_three_packets_one_flow);
	tcase_add_test(tc, masquerade_reply_joins_flow);
	tcase_add_test(tc, flooded_frame_is_one_packet);
	tcase_add_test(tc, trace_id_change_stays_one_packet);
	tcase_add_test(tc, interleaved_flows);
	tcase_add_test(tc, same_hosts_two_pings_two_flows);
	tcase_add_test(tc, missing_fields);
	tcase_add_test(tc, no_trace_lines);
	tcase_add_test(tc, malformed_lines_reported_rest_read);
	tcase_add_test(tc, fixture_formats);
	tcase_add_test(tc, bounded_memory);
	tcase_add_test(tc, endless_packet);
	suite_add_tcase(s, tc);
	/* 8 MB through the two-thread reader three ways: over Check's 4 s
	 * default under ASan/TSan on a busy 2-core machine */
	TCase *big = tcase_create("two_threads");
	tcase_set_timeout(big, 120);
	tcase_add_test(big, two_threads_same_result);
	suite_add_tcase(s, big);
	return run_suite(s);
}
