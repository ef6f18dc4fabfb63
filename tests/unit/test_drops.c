/* Kernel drop reasons: the record decoder on real events captured in the
 * lab (tests/fixtures/drops: `lab drop ...` on Linux 6.18, with the names
 * table the capture read from that kernel), the reason -> box mapping, the
 * recording round trip, and the stitcher joining a drop to its packet. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../capture/box.h"
#include "../../capture/dropreason.h"
#include "../../capture/drops.h"
#include "../../capture/load.h"
#include "../../capture/parse.h"
#include "../../capture/record.h"
#include "../../capture/trace.h"
#include "../../render/explain.h"
#include "../../render/print.h"
#include "helpers.h"

#define DIR FIXTURES "/drops"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	char *c = malloc(n + 1);
	memcpy(c, buf, n + 1);
	return c;
}

static struct capture_drops_names *names(void)
{
	size_t n;
	char *txt = slurp(DIR "/names.txt", &n);
	struct capture_drops_names *nm = capture_drops_names_new();
	ck_assert_int_eq(capture_drops_names_parse(nm, txt, n), 0);
	free(txt);
	return nm;
}

static uint32_t ifname(void *ctx, uint32_t ifindex)
{
	char b[16];
	snprintf(b, sizeof(b), "if%u", ifindex);
	return capture_strpool_intern(ctx, b, strlen(b));
}

/* decodes fixture file into h (strings in sp) */
static void decode(const char *file, struct capture_drops_names *nm, struct capture_strpool *sp, struct nfp_hop *h)
{
	size_t n;
	char path[256];
	snprintf(path, sizeof(path), DIR "/%s", file);
	char *b = slurp(path, &n);
	const char *err = NULL;
	ck_assert_int_eq(capture_drops_decode(b, n, nm, sp, ifname, sp, 0, h, &err), NFP_PARSE_HOP);
	free(b);
}

START_TEST(decodes_real_events)
{
	struct capture_drops_names *nm = names();
	struct capture_strpool *sp = capture_strpool_new();
	static const struct {
		const char *file, *reason, *loc;
		uint8_t proto;
		int box;
	} cases[] = {
		{ "rpfilter-0.bin", "IP_RPFILTER", "ip_rcv_finish_core", 1, NFP_BOX_ROUTE_IN },
		{ "noroute-0.bin", "IP_INNOROUTES", "ip_error", 1, NFP_BOX_ROUTE_IN },
		{ "closed-0.bin", "NO_SOCKET", "tcp_v4_rcv", 6, NFP_BOX_SOCKET_LOOKUP },
		{ "ttl-0.bin", "IP_INHDR", "ip_forward", 1, NFP_BOX_ROUTE_IN },
		{ "rule-0.bin", "NETFILTER_DROP", "nft_do_chain", 1, NFP_BOX_NONE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nfp_hop h;
		decode(cases[i].file, nm, sp, &h);
		ck_assert_int_eq(h.kind, NFP_KIND_DROP);
		ck_assert_int_eq(h.family, NFP_FAM_IPV4);
		ck_assert_str_eq(capture_strpool_get(sp, h.drop_reason), cases[i].reason);
		ck_assert_str_eq(capture_strpool_get(sp, h.drop_location), cases[i].loc);
		/* in the traced namespace: named device, no drop_ns */
		ck_assert_uint_eq(h.drop_ns, 0);
		ck_assert_uint_ne(h.in, 0);
		ck_assert(h.pk.flags & NFP_PK_ADDRS);
		ck_assert(h.pk.flags & NFP_PK_IPID);
		ck_assert_uint_eq(h.pk.proto, cases[i].proto);
		int layer;
		ck_assert_int_eq(capture_dropreason_box(cases[i].reason, cases[i].loc, &layer), cases[i].box);
	}
	/* the identity the stitcher uses: ICMP echo id/seq, TCP ports and SYN */
	struct nfp_hop h;
	decode("rpfilter-0.bin", nm, sp, &h);
	ck_assert(h.pk.flags & NFP_PK_ICMPID);
	ck_assert_uint_eq(h.pk.icmp_type, 8);
	ck_assert_uint_eq(h.pk.src[0], 10);
	ck_assert_uint_eq(h.pk.src[1], 99);
	decode("closed-0.bin", nm, sp, &h);
	ck_assert_uint_eq(h.pk.dport, 9);
	ck_assert_uint_eq(h.pk.tcp_flags, 2);
	decode("ttl-0.bin", nm, sp, &h);
	ck_assert_uint_eq(h.pk.ttl, 1);
	decode("ipv6-mld-0.bin", nm, sp, &h);
	ck_assert_int_eq(h.family, NFP_FAM_IPV6);
	ck_assert_uint_eq(h.pk.proto, 58);
	ck_assert_str_eq(capture_strpool_get(sp, h.drop_location), "ip6_rcv_core");
	/* from a container's namespace: drop_ns names the veth towards it */
	ck_assert_uint_ne(h.drop_ns, 0);
	ck_assert(strncmp(capture_strpool_get(sp, h.drop_ns), "veth", 4) == 0);
	capture_strpool_free(sp);
	capture_drops_names_free(nm);
}
END_TEST

START_TEST(bad_records_are_refused)
{
	struct capture_drops_names *nm = names();
	struct capture_strpool *sp = capture_strpool_new();
	struct nfp_drop_event e;
	memset(&e, 0, sizeof(e));
	struct nfp_hop h;
	const char *err = NULL;
	ck_assert_int_eq(capture_drops_decode(&e, sizeof(e) - 1, nm, sp, ifname, sp, 0, &h, &err), NFP_PARSE_BAD);
	ck_assert_ptr_nonnull(err);
	e.hdr_len = NFP_DROP_HDR + 1;
	ck_assert_int_eq(capture_drops_decode(&e, sizeof(e), nm, sp, ifname, sp, 0, &h, &err), NFP_PARSE_BAD);
	/* a reason this table does not know, a location outside every symbol,
	 * a namespace nfpath never traced: numbers, not guesses */
	e.hdr_len = 0;
	e.reason = 60000;
	e.location = 0x10;
	e.netns = 7;
	ck_assert_int_eq(capture_drops_decode(&e, sizeof(e), nm, sp, ifname, sp, 0, &h, &err), NFP_PARSE_HOP);
	ck_assert_str_eq(capture_strpool_get(sp, h.drop_reason), "reason 60000");
	ck_assert_str_eq(capture_strpool_get(sp, h.drop_location), "0x10");
	ck_assert_str_eq(capture_strpool_get(sp, h.drop_ns), "netns 7");
	ck_assert(!(h.flags & NFP_HOP_HAVE_PKT));
	capture_strpool_free(sp);
	capture_drops_names_free(nm);
}
END_TEST

START_TEST(names_from_kallsyms_and_btf_names)
{
	struct capture_drops_names *nm = capture_drops_names_new();
	static const char ks[] = "ffffffff82054970 T ip_rcv_finish_core\n"
				 "ffffffff82054a00 t ip_rcv_finish\n"
				 "ffffffff83000000 D some_data\n"
				 "garbage line\n"
				 "ffffffffc0001000 t veth_xmit\t[veth]\n";
	ck_assert_int_eq(capture_drops_names_kallsyms(nm, ks, sizeof(ks) - 1), 0);
	ck_assert_str_eq(capture_drops_symbol(nm, 0xffffffff82054990), "ip_rcv_finish_core");
	ck_assert_str_eq(capture_drops_symbol(nm, 0xffffffff82054a08), "ip_rcv_finish");
	ck_assert_str_eq(capture_drops_symbol(nm, 0xffffffffc0001010), "veth_xmit");
	ck_assert_ptr_null(capture_drops_symbol(nm, 0x1000));
	/* the tracepoint prints enumerators without their prefix */
	ck_assert_int_eq(capture_drops_names_reason(nm, 16, "SKB_DROP_REASON_IP_RPFILTER", 27), 0);
	ck_assert_int_eq(capture_drops_names_reason(nm, 1, "SKB_CONSUMED", 12), 0);
	ck_assert_str_eq(capture_drops_reason(nm, 16), "IP_RPFILTER");
	ck_assert_int_eq(capture_drops_reason_num(nm, "CONSUMED"), 1);
	ck_assert_ptr_null(capture_drops_reason(nm, 17));
	capture_drops_names_free(nm);
}
END_TEST

START_TEST(record_round_trip_and_old_readers)
{
	struct capture_drops_names *nm = names();
	struct capture_trace *t = capture_trace_new(NULL);
	struct nfp_hop h, g;
	decode("rpfilter-0.bin", nm, capture_trace_strpool(t), &h);
	struct capture_buf b = { 0 };
	ck_assert_int_eq(capture_rec_write_hop(&b, &h, capture_trace_strpool(t)), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "\tkind=drop\t"));
	ck_assert_ptr_nonnull(strstr(b.p, "\treason=IP_RPFILTER\tloc=ip_rcv_finish_core"));
	struct capture_rec_loss lost;
	int nk;
	uint32_t k, v;
	const char *err;
	ck_assert_int_eq(capture_rec_parse(b.p, b.len - 1, capture_trace_strpool(t), &g, &lost, &nk, &k, &v, &err), NFP_REC_HOP);
	ck_assert_int_eq(g.kind, NFP_KIND_DROP);
	ck_assert_uint_eq(g.drop_reason, h.drop_reason);
	ck_assert_uint_eq(g.drop_location, h.drop_location);
	ck_assert_uint_eq(g.pk.ipid, h.pk.ipid);
	ck_assert_mem_eq(g.pk.src, h.pk.src, 16);
	/* the drop loss line counts with the other lost events */
	b.len = 0;
	ck_assert_int_eq(capture_rec_write_drop_loss(&b, 5), 0);
	ck_assert_int_eq(capture_rec_parse(b.p, b.len - 1, capture_trace_strpool(t), &g, &lost, &nk, &k, &v, &err), NFP_REC_LOST);
	ck_assert_uint_eq(lost.lost, 5);
	capture_buf_free(&b);
	capture_trace_free(t);
	capture_drops_names_free(nm);
}
END_TEST

/* the real recordings of `lab drop`: every drop ends its packet, on the box
 * its reason names; the DOCKER-USER drop sits on the rule's box */
START_TEST(recordings_place_drops)
{
	static const struct {
		const char *file;
		int box, prev_box;
	} cases[] = {
		{ DIR "/rec/rpfilter.rec", NFP_BOX_ROUTE_IN, 0 },
		{ DIR "/rec/noroute.rec", NFP_BOX_ROUTE_IN, 0 },
		{ DIR "/rec/closed.rec", NFP_BOX_SOCKET_LOOKUP, 0 },
		{ DIR "/rec/ttl.rec", NFP_BOX_ROUTE_IN, 0 },
		{ DIR "/rec/rule.rec", NFP_BOX_FILTER_FORWARD, NFP_BOX_FILTER_FORWARD },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct loaded L = load_files(cases[i].file, NULL, NULL);
		ck_assert_int_eq(L.diags, 0);
		int ended = 0;
		for (size_t num = capture_trace_first(L.t); num <= capture_trace_last(L.t); num++) {
			const struct nfp_packet *p = capture_trace_packet(L.t, num);
			for (uint32_t j = 0; j < p->nhops; j++) {
				const struct nfp_hop *h = capture_packet_hop(L.t, p, j);
				if (h->kind != NFP_KIND_DROP)
					continue;
				ck_assert_msg(j == p->nhops - 1, "%s: drop hop not last", cases[i].file);
				ck_assert_msg(j > 0, "%s: drop did not join its packet", cases[i].file);
				ck_assert_int_eq(h->box, cases[i].box);
				if (cases[i].prev_box) {
					const struct nfp_hop *r = capture_packet_hop(L.t, p, j - 1);
					ck_assert_int_eq(r->box, cases[i].prev_box);
					ck_assert_int_eq(r->verdict, NFP_V_DROP);
				}
				ended++;
			}
		}
		ck_assert_int_eq(ended, 2);
		unload(&L);
	}
}
END_TEST

START_TEST(words_name_the_setting)
{
	char w[512];
	ck_assert_uint_gt(capture_dropreason_words("IP_RPFILTER", "ip_rcv_finish_core", "docker0", w, sizeof(w)), 0);
	ck_assert_ptr_nonnull(strstr(w, "net.ipv4.conf.docker0.rp_filter"));
	capture_dropreason_words("IP_INHDR", "ip_forward", "docker0", w, sizeof(w));
	ck_assert_ptr_nonnull(strstr(w, "TTL"));
	capture_dropreason_words("NO_SOCKET", "tcp_v4_rcv", NULL, w, sizeof(w));
	ck_assert_ptr_nonnull(strstr(w, "listens"));
	ck_assert_uint_eq(capture_dropreason_words("SOMETHING_NEW", "f", "x", w, sizeof(w)), 0);
	ck_assert_uint_lt(capture_dropreason_words("IP_RPFILTER", "f", "docker0", w, 20), 20);
}
END_TEST

START_TEST(selection_for_rate_limited_drops)
{
	struct capture_drops_names *nm = names();
	struct capture_strpool *sp = capture_strpool_new();
	struct nfp_hop h;
	decode("closed-0.bin", nm, sp, &h);
	struct capture_drops_sel any = { 0 };
	ck_assert_int_eq(capture_drops_selected(&any, &h), 0); /* default: ICMP echo only */
	decode("noroute-0.bin", nm, sp, &h);
	ck_assert_int_eq(capture_drops_selected(&any, &h), 1);
	/* any other selection is nft rules the decoder does not evaluate */
	struct capture_drops_sel custom = { 1 };
	ck_assert_int_eq(capture_drops_selected(&custom, &h), 0);
	capture_strpool_free(sp);
	capture_drops_names_free(nm);
}
END_TEST

/* the hop detail says what the kernel said and what to look at */
START_TEST(explained_in_words)
{
	struct loaded L = load_files(DIR "/rec/rpfilter.rec", NULL, NULL);
	const struct nfp_packet *p = capture_trace_packet(L.t, capture_trace_first(L.t));
	ck_assert_ptr_nonnull(p);
	uint32_t last = p->nhops - 1;
	ck_assert_int_eq(capture_packet_hop(L.t, p, last)->kind, NFP_KIND_DROP);
	struct capture_buf b = { 0 };
	ck_assert_int_eq(render_explain(&b, L.t, NULL, p, last), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "reason IP_RPFILTER in ip_rcv_finish_core()"));
	ck_assert_ptr_nonnull(strstr(b.p, "net.ipv4.conf.docker0.rp_filter"));
	b.len = 0;
	ck_assert_int_eq(render_hop_fields(&b, L.t, p, last, 1), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "reason    IP_RPFILTER in ip_rcv_finish_core"));
	capture_buf_free(&b);
	unload(&L);
}
END_TEST

/* the packet number of the first packet whose last hop is a kernel drop */
static size_t drop_packet(const struct capture_trace *t)
{
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		if (p && p->nhops && capture_packet_hop(t, p, p->nhops - 1)->kind == NFP_KIND_DROP)
			return n;
	}
	ck_abort_msg("no packet ends in a kernel drop");
	return 0;
}

/* A kernel drop hop says what the kernel said in every output (the
 * new-user trial: --print showed "socket_lookup drop drop" and nothing
 * else, --json hops had no reason, the hop detail suggested --rules). The
 * real closed-port SYN: NO_SOCKET in tcp_v4_rcv, in the traced namespace. */
START_TEST(hop_says_the_kernels_words)
{
	struct loaded L = load_files(DIR "/rec/closed.rec", NULL, NULL);
	size_t n = drop_packet(L.t);
	const struct nfp_packet *p = capture_trace_packet(L.t, n);
	struct capture_buf b = { 0 };
	struct render_print_opts o = { 0 };
	ck_assert_int_eq(render_print_packet(&b, L.t, n, &o), 0);
	ck_assert_msg(strstr(b.p, "socket_lookup                          drop             drop     IN=docker0  | "
				  "dropped by the kernel: NO_SOCKET in tcp_v4_rcv\n"),
		      "%s", b.p);
	b.len = 0;
	ck_assert_int_eq(render_json_packet(&b, L.t, n), 0);
	ck_assert_msg(strstr(b.p, "\"kind\":\"drop\"") &&
			      strstr(b.p, "\"reason\":\"NO_SOCKET\",\"location\":\"tcp_v4_rcv\",\"netns\":null,"
					  "\"netns_name\":null"),
		      "%s", b.p);
	/* a hop that is no drop has the fields, null */
	ck_assert_ptr_nonnull(strstr(b.p, "\"prefix\":null,\"reason\":null,\"location\":null,\"netns\":null"));
	b.len = 0;
	ck_assert_int_eq(render_hop_fields(&b, L.t, p, p->nhops - 1, 1), 0);
	ck_assert_msg(strstr(b.p, "chain     -\nkind      drop, verdict drop\nreason    NO_SOCKET in tcp_v4_rcv\n"), "%s", b.p);
	ck_assert_msg(strstr(b.p, "rule      none: a kernel drop\n"), "%s", b.p);
	ck_assert_msg(!strstr(b.p, "--rules"), "%s", b.p);
	capture_buf_free(&b);
	unload(&L);
}
END_TEST

/* A drop in another namespace than the traced one names it: the real
 * two-host ping's replies, freed after raw delivery in c1's namespace
 * (behind nfpl-vc1, which the capture named nfpl-c1). */
START_TEST(hop_names_the_drops_namespace)
{
	struct loaded L = load_files(FIXTURES "/tunnel/x2x-host1.rec", NULL, NULL);
	size_t n = drop_packet(L.t);
	const struct nfp_packet *p = capture_trace_packet(L.t, n);
	struct capture_buf b = { 0 };
	struct render_print_opts o = { 0 };
	ck_assert_int_eq(render_print_packet(&b, L.t, n, &o), 0);
	ck_assert_msg(strstr(b.p, "  | freed by the kernel after delivery: NO_SOCKET in ping_rcv, in the netns behind "
				  "nfpl-vc1 [nfpl-c1]\n"),
		      "%s", b.p);
	b.len = 0;
	ck_assert_int_eq(render_json_packet(&b, L.t, n), 0);
	ck_assert_msg(strstr(b.p, "\"reason\":\"NO_SOCKET\",\"location\":\"ping_rcv\",\"netns\":\"nfpl-vc1\","
				  "\"netns_name\":\"nfpl-c1\""),
		      "%s", b.p);
	b.len = 0;
	ck_assert_int_eq(render_hop_fields(&b, L.t, p, p->nhops - 1, 1), 0);
	ck_assert_msg(strstr(b.p, "reason    NO_SOCKET in ping_rcv, in the netns behind nfpl-vc1 [nfpl-c1]\n"), "%s",
		      b.p);
	ck_assert_msg(strstr(b.p, "rule      none: freed by the kernel\n"), "%s", b.p);
	capture_buf_free(&b);
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("drops");
	TCase *tc = tcase_create("drops");
	tcase_add_test(tc, decodes_real_events);
	tcase_add_test(tc, bad_records_are_refused);
	tcase_add_test(tc, hop_says_the_kernels_words);
	tcase_add_test(tc, hop_names_the_drops_namespace);
	tcase_add_test(tc, names_from_kallsyms_and_btf_names);
	tcase_add_test(tc, record_round_trip_and_old_readers);
	tcase_add_test(tc, recordings_place_drops);
	tcase_add_test(tc, words_name_the_setting);
	tcase_add_test(tc, selection_for_rate_limited_drops);
	tcase_add_test(tc, explained_in_words);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
