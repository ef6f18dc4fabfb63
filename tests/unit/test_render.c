/* Diagram layout at every size, routes, alignment, explanations, and the
 * netlink decoders on messages captured in the lab. */
#include "helpers.h"

#include <linux/netlink.h>

#include "../../capture/nflog.h"
#include "../../capture/nftrace.h"
#include "../../render/compare.h"
#include "../../render/diagram.h"
#include "../../render/explain.h"
#include "../../render/text.h"
#include "../../tui/assets.h"

static struct render_diagram *diagram(void)
{
	char err[256];
	struct render_diagram *d = render_diagram_parse(nfp_asset_diagram, nfp_asset_diagram_len, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	return d;
}

START_TEST(every_box_has_a_node)
{
	struct render_diagram *d = diagram();
	static const char *const ids[] = {
		"link/eb:broute:BROUTING", "link/eb:nat:PREROUTING", "link/raw:PREROUTING", "link/mangle:PREROUTING",
		"link/nat:PREROUTING",	   "link/eb:filter:INPUT",   "link/eb:filter:FORWARD", "link/mangle:FORWARD",
		"link/filter:FORWARD",	   "link/security:FORWARD",  "link/eb:nat:POSTROUTING", "link/mangle:POSTROUTING",
		"link/nat:POSTROUTING",	   "out/eb:nat:OUTPUT",	     "out/eb:filter:OUTPUT",   "out/eb:nat:POSTROUTING",
		"net/raw:PREROUTING",	   "net/mangle:PREROUTING",  "net/nat:PREROUTING",     "net/mangle:INPUT",
		"net/filter:INPUT",	   "net/security:INPUT",     "net/nat:INPUT",	       "net/mangle:FORWARD",
		"net/filter:FORWARD",	   "net/security:FORWARD",   "net/raw:OUTPUT",	       "net/mangle:OUTPUT",
		"net/nat:OUTPUT",	   "net/filter:OUTPUT",	     "net/security:OUTPUT",    "net/mangle:POSTROUTING",
		"net/nat:POSTROUTING",	   "ingress",		     "egress",		       "bridge_check",
		"bridging",		   "route_in",		     "route_out",	       "reroute",
		"xfrm_lookup",		   "xfrm_decode",	     "xfrm_encode",	       "local_process",
		"ingress_qdisc",	   "egress_qdisc",	     "interface_output",       "socket_lookup",
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		ck_assert_msg(render_diagram_find(d, ids[i]) >= 0, "no node %s", ids[i]);
	render_diagram_free(d);
}
END_TEST

/* at every size: either every box's label is on the canvas (no label lost
 * to another), or the size message is */
START_TEST(every_size)
{
	struct render_diagram *d = diagram();
	struct loaded L = load_files("tests/fixtures/docker-c2c-ping.log", NULL, NULL);
	struct render_route r;
	ck_assert_int_eq(render_route_init(&r, d), 0);
	render_route_add(&r, d, L.t, pkt_at(L.t, 0), 3, 0);
	int minw, minh;
	render_diagram_min_size(d, &minw, &minh);
	ck_assert_int_le(minw, 80);
	ck_assert_int_le(minh, 24);
	for (int w = 1; w <= 230; w += (w < 70 ? 3 : 11))
		for (int h = 1; h <= 60; h += (h < 30 ? 2 : 7))
			for (int ascii = 0; ascii < 2; ascii++) {
				struct render_canvas *c = render_canvas_new(w, h);
				struct render_diagram_opts o = { ascii, "detail", "caption", NULL, 0, 0 };
				int tier = render_diagram_draw(d, &r, c, &o);
				struct capture_buf b = { 0 };
				render_canvas_text_out(c, &b, 0, ascii);
				if (tier < 0) {
					ck_assert_msg(w < minw || h < minh, "%dx%d refused", w, h);
					if (w >= 20 && h >= 3)
						ck_assert_msg(strstr(b.p, "terminal too small"), "%dx%d no message", w, h);
				} else {
					static const char *const want[3][3] = { { "prerouting", "postrouting", "brouting" },
										{ "PRE", "POST", "BRT" },
										{ "rP", "nT", "BR" } };
					for (int k = 0; k < 3; k++)
						ck_assert_msg(strstr(b.p, want[tier][k]), "%dx%d tier %d lacks %s", w, h, tier,
							      want[tier][k]);
					/* hop 1 of this route is on broute */
					ck_assert_msg(strstr(b.p, "1"), "%dx%d no hop numbers", w, h);
				}
				if (ascii)
					for (size_t i = 0; i < b.len; i++)
						ck_assert_msg((unsigned char)b.p[i] < 0x80, "%dx%d non-ASCII", w, h);
				capture_buf_free(&b);
				render_canvas_free(c);
			}
	/* the sizes: the whole diagram with full labels from 200x50 */
	struct render_canvas *c = render_canvas_new(200, 50);
	struct render_diagram_opts o = { 0, NULL, NULL, NULL, 0, 0 };
	ck_assert_int_eq(render_diagram_draw(d, &r, c, &o), 0);
	render_canvas_free(c);
	c = render_canvas_new(80, 24);
	ck_assert_int_eq(render_diagram_draw(d, &r, c, &o), 2);
	render_canvas_free(c);
	render_route_free(&r);
	unload(&L);
	render_diagram_free(d);
}
END_TEST

START_TEST(route_marks)
{
	struct render_diagram *d = diagram();
	struct loaded L = load_files("tests/fixtures/docker-c2c-ping.log", NULL, NULL);
	struct render_route r;
	ck_assert_int_eq(render_route_init(&r, d), 0);
	/* the reply: no nat hop, so the bridged nat PREROUTING is skipped */
	render_route_add(&r, d, L.t, pkt_at(L.t, 1), 0, 0);
	ck_assert(r.node[render_diagram_find(d, "link/nat:PREROUTING")] & RN_SKIPPED);
	ck_assert(r.node[render_diagram_find(d, "link/eb:broute:BROUTING")] & RN_TRAVERSED);
	ck_assert(r.node[render_diagram_find(d, "link/eb:broute:BROUTING")] & RN_CURRENT);
	ck_assert(r.node[render_diagram_find(d, "bridging")] & RN_PASSED);
	ck_assert_uint_eq(r.count[render_diagram_find(d, "link/filter:FORWARD")], 5);
	ck_assert(!(r.node[render_diagram_find(d, "net/filter:INPUT")] & (RN_TRAVERSED | RN_PASSED | RN_SKIPPED)));
	/* compare overlay: nat PREROUTING only in A */
	render_route_clear(&r);
	render_route_add(&r, d, L.t, pkt_at(L.t, 0), -1, RN_A);
	render_route_add(&r, d, L.t, pkt_at(L.t, 2), -1, RN_B);
	int np = render_diagram_find(d, "link/nat:PREROUTING"), rp = render_diagram_find(d, "link/raw:PREROUTING");
	ck_assert_uint_eq(r.node[np] & (RN_A | RN_B), RN_A);
	ck_assert_uint_eq(r.node[rp] & (RN_A | RN_B), RN_A | RN_B);
	render_route_free(&r);
	unload(&L);
	render_diagram_free(d);
}
END_TEST

/* the mouse's hit test agrees with the drawing: every cell drawn for the
 * current hop (reversed) lies in that hop's box, at every label size */
START_TEST(cells_name_their_box)
{
	struct render_diagram *d = diagram();
	struct loaded L = load_files("tests/fixtures/docker-c2c-ping.log", NULL, NULL);
	struct render_route r;
	ck_assert_int_eq(render_route_init(&r, d), 0);
	static const int sizes[][2] = { { 200, 50 }, { 105, 49 }, { 80, 24 }, { 61, 21 } };
	const struct nfp_packet *p = pkt_at(L.t, 0);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct render_canvas *c = render_canvas_new(sizes[s][0], sizes[s][1]);
		for (uint32_t k = 0; k < p->nhops; k++) {
			render_route_clear(&r);
			render_route_add(&r, d, L.t, p, (int)k, 0);
			struct render_diagram_opts o = { 1, NULL, NULL, NULL, 0, 0 };
			ck_assert_int_ge(render_diagram_draw(d, &r, c, &o), 0);
			int want = render_hop_node(d, L.t, p, k), seen = 0;
			for (int y = 0; y < c->h; y++)
				for (int x = 0; x < c->w; x++)
					if (c->cells[y * c->w + x].attr & RA_REVERSE) {
						ck_assert_int_eq(render_diagram_node_at(d, c->w, c->h, x, y), want);
						seen++;
					}
			ck_assert_msg(seen > 0, "%dx%d hop %u: nothing marked", c->w, c->h, k);
		}
		render_canvas_free(c);
	}
	ck_assert_int_eq(render_diagram_node_at(d, 40, 10, 5, 5), -1);
	render_route_free(&r);
	unload(&L);
	render_diagram_free(d);
}
END_TEST

START_TEST(alignment_and_words)
{
	struct loaded L = load_files("tests/fixtures/docker-c2c-ping.log", NULL, NULL);
	struct render_align al;
	ck_assert_int_eq(render_align(L.t, pkt_at(L.t, 0), pkt_at(L.t, 2), &al), 0);
	size_t both = 0, only_a = 0, only_b = 0;
	for (size_t i = 0; i < al.n; i++) {
		both += al.rows[i].a >= 0 && al.rows[i].b >= 0;
		only_a += al.rows[i].b < 0;
		only_b += al.rows[i].a < 0;
		if (al.rows[i].a >= 0 && al.rows[i].b >= 0)
			ck_assert_int_eq(hop_at(&L, 0, (uint32_t)al.rows[i].a)->box, hop_at(&L, 2, (uint32_t)al.rows[i].b)->box);
	}
	ck_assert_uint_eq(both + only_a, 14);
	ck_assert_uint_eq(both + only_b, 10);
	ck_assert_uint_eq(both, 9);
	struct capture_buf b = { 0 };
	ck_assert_int_eq(render_compare_words(&b, L.t, 1, 3, &al), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "nat:PREROUTING (link) only in packet 1"));
	ck_assert_ptr_nonnull(strstr(b.p, "nat:POSTROUTING (link) only in packet 1"));
	ck_assert_ptr_nonnull(strstr(b.p, "packet 3 skips nat:PREROUTING, nat:POSTROUTING"));
	capture_buf_free(&b);
	render_align_free(&al);
	unload(&L);
}
END_TEST

/* a journey over two hosts (real merged captures of the two-host lab's
 * HTTP fetch): the diagram draws one host's hops, labelled, h goes to the
 * next host; compare pairs hops of one host only */
START_TEST(journey_hosts)
{
	struct render_diagram *d = diagram();
	struct loaded L = { resolving_trace(), capture_rules_new(), 0, 0 };
	struct capture_source s[2] = { { FIXTURES "/lab2j/lab2j-http-host1.rec", NULL, 0 },
				       { FIXTURES "/lab2j/lab2j-http-host2.rec", NULL, 0 } };
	const char *bad, *why;
	struct capture_load_req rq = { s, 2, NULL, 0, count_diag, &L, NULL, NULL, NULL };
	L.st = capture_load(L.t, L.r, &rq, &bad, &why);
	ck_assert_int_eq(L.st, 0);
	const struct nfp_packet *syn = pkt_at(L.t, 0);
	char label[128];
	uint32_t h1 = render_journey_host(L.t, syn, 0, label, sizeof(label), 0);
	ck_assert_str_eq(label, "host vm/nfpl-host (1 of 2)");
	long k = render_next_host_hop(L.t, syn, 0);
	ck_assert_int_gt(k, 0);
	uint32_t h2 = render_journey_host(L.t, syn, (uint32_t)k, label, sizeof(label), 0);
	ck_assert_str_eq(label, "host vm/nfpl-host2 (2 of 2)");
	ck_assert_uint_ne(h1, h2);
	ck_assert_int_eq(render_next_host_hop(L.t, syn, (uint32_t)k), 0);
	/* host 1 bridges c1's frame (eb filter INPUT), host 2 DNATs in nat
	 * PREROUTING at the network layer: each diagram has its own */
	struct render_route r;
	ck_assert_int_eq(render_route_init(&r, d), 0);
	int ebin = render_diagram_find(d, "link/eb:filter:INPUT"), natpre = render_diagram_find(d, "net/nat:PREROUTING");
	render_route_add_host(&r, d, L.t, syn, (int)k, 0, h2);
	ck_assert(!(r.node[ebin] & RN_TRAVERSED));
	ck_assert(r.node[natpre] & RN_TRAVERSED);
	ck_assert_int_eq(r.current, render_hop_node(d, L.t, syn, (uint32_t)k));
	render_route_clear(&r);
	render_route_add_host(&r, d, L.t, syn, 0, 0, h1);
	ck_assert(r.node[ebin] & RN_TRAVERSED);
	ck_assert(!(r.node[natpre] & RN_TRAVERSED));
	render_route_free(&r);
	/* a host name too long for its column keeps both ends */
	char fit[64];
	render_fit_middle(fit, sizeof(fit), "vm/nfpl-host2", 11, 1);
	ck_assert_str_eq(fit, "vm/~l-host2");
	/* first vs later packet: no row pairs hops of two hosts */
	struct render_align al;
	ck_assert_int_eq(render_align(L.t, syn, pkt_at(L.t, 2), &al), 0);
	for (size_t i = 0; i < al.n; i++)
		if (al.rows[i].a >= 0 && al.rows[i].b >= 0)
			ck_assert_uint_eq(hop_at(&L, 0, (uint32_t)al.rows[i].a)->host,
					  hop_at(&L, 2, (uint32_t)al.rows[i].b)->host);
	render_align_free(&al);
	unload(&L);
	render_diagram_free(d);
}
END_TEST

static char *explain(struct loaded *L, struct render_diagram *d, size_t p, uint32_t h)
{
	struct capture_buf b = { 0 };
	render_explain(&b, L->t, d, pkt_at(L->t, p), h);
	render_hop_fields(&b, L->t, pkt_at(L->t, p), h, 0);
	return b.p;
}

START_TEST(explanations)
{
	struct render_diagram *d = diagram();
	struct loaded L = load_files("tests/fixtures/docker-c2c-ping.log", "tests/fixtures/docker-c2c-iptables-save.txt",
				     NULL);
	char *s;
	/* reply, hop 4 (eb filter FORWARD): nat PREROUTING was skipped */
	s = explain(&L, d, 1, 3);
	ck_assert_ptr_nonnull(strstr(s, "nat:PREROUTING"));
	ck_assert_ptr_nonnull(strstr(s, "NAT binding made for the first packet"));
	free(s);
	/* first request, raw PREROUTING policy: from the bridge, TRACE rule */
	s = explain(&L, d, 0, 2);
	ck_assert_ptr_nonnull(strstr(s, "br_netfilter"));
	ck_assert_ptr_nonnull(strstr(s, "PHYSIN/PHYSOUT"));
	ck_assert_ptr_nonnull(strstr(s, "TRACE rule"));
	free(s);
	/* jump into DOCKER-USER, and back */
	s = explain(&L, d, 0, 5);
	ck_assert_ptr_nonnull(strstr(s, "jumps to the user chain DOCKER-USER"));
	ck_assert_ptr_nonnull(strstr(s, "your own rules"));
	free(s);
	/* "return:1" is Docker's "-A DOCKER-USER -j RETURN", rule 1 */
	s = explain(&L, d, 0, 6);
	ck_assert_ptr_nonnull(strstr(s, "A RETURN rule ends the user chain"));
	free(s);
	unload(&L);
	/* the lab: MASQUERADE, DNAT, probes, kernel conntrack */
	L = load_files("assets/demo/lab-docker.rec", NULL, NULL);
	int masq = 0, dnat = 0, probe = 0;
	for (size_t p = 0; p < capture_trace_count(L.t); p++)
		for (uint32_t h = 0; h < pkt_at(L.t, p)->nhops; h++) {
			s = explain(&L, d, p, h);
			masq |= strstr(s, "MASQUERADE rewrites the source") != NULL;
			dnat |= strstr(s, "DNAT rewrites the destination") != NULL;
			probe |= strstr(s, "nfpath's own probe") != NULL;
			free(s);
		}
	ck_assert(masq && dnat && probe);
	s = explain(&L, d, 0, 0);
	ck_assert_ptr_nonnull(strstr(s, "from the kernel"));
	free(s);
	unload(&L);
	/* a flooded frame */
	const char *fl =
		"TRACE: eb:filter:FORWARD IN=p1 OUT=p2 MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff proto = "
		"0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.255, IP tos=0x00, IP proto=17 SPT=68 DPT=67\n"
		"TRACE: eb:filter:FORWARD IN=p1 OUT=p3 MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff proto = "
		"0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.255, IP tos=0x00, IP proto=17 SPT=68 DPT=67\n";
	L = load_text(fl, NULL);
	s = explain(&L, d, 0, 1);
	ck_assert_ptr_nonnull(strstr(s, "flooded this frame"));
	free(s);
	unload(&L);
	render_diagram_free(d);
}
END_TEST

static uint32_t ifname(void *ctx, uint32_t idx)
{
	char n[16];
	int l = snprintf(n, sizeof(n), "if%u", idx);
	return capture_strpool_intern(ctx, n, (size_t)l);
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

START_TEST(netlink_fixtures)
{
	struct capture_strpool *sp = capture_strpool_new();
	struct capture_mon_state st;
	memset(&st, 0, sizeof(st));
	_Alignas(8) char buf[65536];
	int traces = 0, logs = 0, with_ct = 0, trace_prefix = 0;
	for (int i = 0; i < 8; i++) {
		char path[128];
		snprintf(path, sizeof(path), FIXTURES "/netlink/nftrace-%d.bin", i);
		size_t n = slurp(path, buf, sizeof(buf));
		size_t off = 0;
		const struct nlmsghdr *nlh;
		while ((nlh = capture_nl_next(buf, n, &off))) {
			struct nfp_hop h;
			const char *err;
			int r = capture_nftrace_decode(nlh, nlh->nlmsg_len, &st, sp, ifname, sp, &h, &err);
			ck_assert_int_ne(r, NFP_PARSE_BAD);
			if (r == NFP_PARSE_HOP) {
				traces++;
				ck_assert(h.table && h.chain);
				ck_assert(h.flags & NFP_HOP_TRACE_ID);
				with_ct += !!(h.flags & NFP_HOP_CT);
			}
			/* every truncation of a real message is refused cleanly */
			for (size_t cut = 0; cut < nlh->nlmsg_len; cut += 7)
				capture_nftrace_decode(nlh, cut, &st, sp, ifname, sp, &h, &err);
		}
	}
	for (int i = 0; i < 6; i++) {
		char path[128];
		snprintf(path, sizeof(path), FIXTURES "/netlink/nflog-%d.bin", i);
		size_t n = slurp(path, buf, sizeof(buf));
		size_t off = 0;
		const struct nlmsghdr *nlh;
		while ((nlh = capture_nl_next(buf, n, &off))) {
			struct nfp_hop h;
			const char *err;
			uint32_t seq;
			int has;
			int r = capture_nflog_decode(nlh, nlh->nlmsg_len, sp, ifname, sp, &h, &seq, &has, &err);
			ck_assert_int_eq(r, NFP_PARSE_HOP);
			logs++;
			ck_assert(has);
			ck_assert(h.pk.flags & NFP_PK_ADDRS);
			trace_prefix += h.rule > 0 && h.table;
		}
	}
	ck_assert_int_gt(traces, 4);
	ck_assert_int_gt(with_ct, 0);
	ck_assert_int_eq(logs, 6);
	ck_assert_int_eq(trace_prefix, 6);
	capture_strpool_free(sp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_box_has_a_node);
	tcase_add_test(tc, every_size);
	tcase_add_test(tc, route_marks);
	tcase_add_test(tc, cells_name_their_box);
	tcase_add_test(tc, alignment_and_words);
	tcase_add_test(tc, journey_hosts);
	tcase_add_test(tc, explanations);
	tcase_add_test(tc, netlink_fixtures);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
