/* Tunnels: the outer packet of a VXLAN overlay in recordings and in the
 * stitcher, on the real captures of the two-host lab
 * (tests/fixtures/tunnel/README.md says how they were made). */
#include "helpers.h"

#include "../../capture/merge.h"
#include "../../capture/record.h"
#include "../../capture/tunnel.h"
#include "../../render/print.h"
#include "../../render/text.h"

#define TUN "tests/fixtures/tunnel/"

static char *slurp_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* every H line of the real host-1 recording reads back; the outer packets
 * carry VXLAN with VNI 1 (nft trace events keep 20 bytes of the transport
 * header: the VNI but not the carried packet) and write out as they came */
static void round_trip(const char *path, unsigned *nhop, unsigned *ntun, unsigned *ncarried)
{
	size_t len;
	char *text = slurp_text(path, &len);
	struct capture_strpool *sp = capture_strpool_new();
	*nhop = *ntun = *ncarried = 0;
	for (char *line = text; line < text + len;) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		struct nfp_hop h;
		struct capture_rec_loss loss;
		int nk;
		uint32_t nkey, nval;
		const char *err = NULL;
		int r = capture_rec_parse(line, n, sp, &h, &loss, &nk, &nkey, &nval, &err);
		ck_assert_msg(r >= 0, "%s: %s", path, err);
		if (r == NFP_REC_HOP) {
			++*nhop;
			struct capture_buf b = { 0 };
			ck_assert_int_eq(capture_rec_write_hop(&b, &h, sp), 0);
			ck_assert_uint_eq(b.len, n + 1);
			ck_assert_int_eq(memcmp(b.p, line, n), 0);
			capture_buf_free(&b);
			if (h.inner.flags & NFP_IN_TUNNEL) {
				++*ntun;
				ck_assert_str_eq(nfp_tunnel_name(&h.inner), "vxlan");
				ck_assert_uint_eq(nfp_inner_vni(&h.inner), 1);
				ck_assert(!nfp_inner_is_error(&h.inner));
				ck_assert_uint_eq(h.pk.proto, 17);
				ck_assert_uint_eq(h.pk.dport, 8472);
				ck_assert_uint_eq(h.pk.len, 134); /* 84 + 50 */
				if (h.inner.flags & NFP_IN_IPID)
					++*ncarried;
			}
		}
		line += n + 1;
	}
	capture_strpool_free(sp);
}

/* every H line of the real recordings reads back and writes out as it came;
 * the outer packets carry VXLAN with VNI 1 (nft trace events keep 20 bytes
 * of the transport header: the VNI but not the carried packet; NFLOG
 * payloads have the carried packet too) */
START_TEST(record_tunnel_fields_round_trip)
{
	unsigned nhop, ntun, ncarried;
	round_trip(TUN "x2x-host1.rec", &nhop, &ntun, &ncarried);
	ck_assert_uint_eq(nhop, 126);
	ck_assert_uint_eq(ntun, 24);
	ck_assert_uint_eq(ncarried, 0);
	round_trip(TUN "nflog-host1.rec", &nhop, &ntun, &ncarried);
	ck_assert_uint_eq(ncarried, 4);
}
END_TEST

/* the carried packet's fields and the ICMP error's share the hop: a line
 * with both, or with them and no tunnel, is malformed, not misread */
START_TEST(record_tunnel_fields_bad)
{
	struct capture_strpool *sp = capture_strpool_new();
	static const char *const bad[] = {
		"H\tfam=ip\tkind=policy\tproto=17\ttinipid=5",
		"H\tfam=ip\tkind=policy\tproto=17\tvni=1",
		"H\tfam=ip\tkind=policy\tproto=17\ttun=vxlan\tvni=1\tinsaddr=1.2.3.4\tindaddr=1.2.3.5",
		"H\tfam=ip\tkind=policy\tproto=17\ttun=vxlan\tvni=16777216",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nfp_hop h;
		struct capture_rec_loss loss;
		int nk;
		uint32_t nkey, nval;
		const char *err = NULL;
		ck_assert_int_eq(capture_rec_parse(bad[i], strlen(bad[i]), sp, &h, &loss, &nk, &nkey, &nval, &err), -1);
		ck_assert_ptr_nonnull(err);
	}
	/* a newer writer's tunnel: the outer packet stands */
	const char *ok = "H\tfam=ip\tkind=policy\tproto=17\ttun=gue\tsaddr=10.0.0.1\tdaddr=10.0.0.2";
	struct nfp_hop h;
	struct capture_rec_loss loss;
	int nk;
	uint32_t nkey, nval;
	const char *err = NULL;
	ck_assert_int_eq(capture_rec_parse(ok, strlen(ok), sp, &h, &loss, &nk, &nkey, &nval, &err), NFP_REC_HOP);
	ck_assert_uint_eq(h.inner.flags, 0);
	capture_strpool_free(sp);
}
END_TEST


struct msgs {
	char text[8][256];
	int n;
};

static void keep_diag(void *ctx, const char *f, unsigned long l, const char *m)
{
	(void)f;
	(void)l;
	struct msgs *ms = ctx;
	if (ms->n < 8)
		snprintf(ms->text[ms->n++], sizeof(ms->text[0]), "%s", m);
}

/* recordings read together as nfpath -r a -r b does */
static struct capture_trace *load_hosts(const char *a, const char *b, struct msgs *ms)
{
	struct capture_trace *t = resolving_trace();
	struct capture_rules *r = capture_rules_new();
	struct capture_source s[2] = { { a, NULL, 0 }, { b, NULL, 0 } };
	const char *bad, *why;
	memset(ms, 0, sizeof(*ms));
	struct capture_load_req rq = { s, b ? 2 : 1, NULL, 0, keep_diag, ms, NULL, NULL, NULL };
	ck_assert_int_eq(capture_load(t, r, &rq, &bad, &why), NFP_LOAD_OK);
	/* the rules must outlive the trace: freed with it below */
	capture_trace_set_rules(t, r);
	return t;
}

static void unload_hosts(struct capture_trace *t)
{
	struct capture_rules *r = (struct capture_rules *)capture_trace_rules(t);
	capture_trace_free(t);
	capture_rules_free(r);
}

static int is_host(const struct capture_trace *t, uint32_t id, const char *name)
{
	return id && strcmp(capture_str(t, id), name) == 0;
}

/* One journey per packet of the real two-host ping: host 1's walk to the
 * VXLAN device, the outer packet's walk out of host 1, its walk into host
 * 2, host 2's walk out of the VXLAN device (the other way for replies);
 * the tunnel step names flannel.1, eth1, the underlay addresses and VNI 1;
 * fates as the kernel had them; request and reply one flow. */
static void check_x2x(struct capture_trace *t)
{
	const char *h1 = "vm/nfpl-host", *h2 = "vm/nfpl-host2";
	ck_assert_uint_eq(capture_trace_count(t), 6);
	size_t k = 0;
	uint32_t flow = NFP_NONE;
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++, k++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		int req = k % 2 == 0;
		ck_assert_int_eq(p->dir, req ? NFP_DIR_ORIGINAL : NFP_DIR_REPLY);
		ck_assert_uint_eq(p->ident.proto, 1);
		ck_assert_uint_eq(p->ident.dport, k / 2 + 1); /* echo sequence */
		if (flow == NFP_NONE)
			flow = p->flow;
		ck_assert_uint_eq(p->flow, flow);
		struct capture_tunnel tu;
		ck_assert_int_eq(capture_packet_tunnel(t, p, &tu), 1);
		const char *from = req ? h1 : h2, *to = req ? h2 : h1;
		ck_assert(is_host(t, tu.from_host, from));
		ck_assert(is_host(t, tu.to_host, to));
		ck_assert_str_eq(tu.kind, "vxlan");
		ck_assert_int_eq(tu.has_vni, 1);
		ck_assert_uint_eq(tu.vni, 1);
		ck_assert_str_eq(capture_str(t, tu.dev_in), "flannel.1");
		ck_assert_str_eq(capture_str(t, tu.under_out), "eth1");
		ck_assert_str_eq(capture_str(t, tu.under_in), "eth1");
		ck_assert_str_eq(capture_str(t, tu.dev_out), "flannel.1");
		ck_assert_int_eq(tu.died, 0);
		static const uint8_t a1[4] = { 192, 168, 77, 1 }, a2[4] = { 192, 168, 77, 2 };
		ck_assert_int_eq(memcmp(tu.outer.src, req ? a1 : a2, 4), 0);
		ck_assert_int_eq(memcmp(tu.outer.dst, req ? a2 : a1, 4), 0);
		ck_assert_uint_eq(tu.outer.dport, 8472);
		/* in order: the walk to the tunnel, the outer packet leaving,
		 * the outer packet arriving, the walk out of it */
		ck_assert_uint_ge(tu.first, 3);
		ck_assert_uint_eq(tu.last + 1 - tu.first, tu.nhops);
		int phase = 0;
		for (uint32_t i = 0; i < p->nhops; i++) {
			const struct nfp_hop *h = capture_packet_hop(t, p, i);
			if (h->kind == NFP_KIND_DROP)
				continue; /* the freed copy of a reply ping's raw socket took */
			int tun = capture_hop_is_tunnel(h);
			int want = i < tu.first ? 0 : i <= tu.last ? (capture_hop_tunnel_side(h) == 1 ? 1 : 2) : 3;
			ck_assert_int_ge(want, phase);
			phase = want;
			ck_assert_int_eq(tun, want == 1 || want == 2);
			ck_assert_msg(is_host(t, h->host, want < 2 ? from : to), "packet %zu hop %u on %s", n, i + 1,
				      capture_str(t, h->host));
			if (tun)
				ck_assert_uint_eq(nfp_inner_vni(&h->inner), 1);
		}
		ck_assert_int_eq(phase, 3);
		/* the carried packet's fate, on the far host */
		ck_assert_int_eq(p->fate.kind, NFP_FATE_FORWARDED);
		const struct nfp_hop *fh = capture_packet_hop(t, p, p->fate.hop);
		ck_assert(is_host(t, fh->host, to));
		ck_assert_str_eq(capture_str(t, p->fate.dev), req ? "nfpl-vx1" : "nfpl-vc1");
	}
}

START_TEST(x2x_one_journey_per_ping)
{
	struct msgs ms;
	struct capture_trace *t = load_hosts(TUN "x2x-host1.rec", TUN "x2x-host2.rec", &ms);
	check_x2x(t);
	/* the clock placed by the tunnel crossings, said */
	ck_assert_int_eq(ms.n, 1);
	ck_assert_msg(strstr(ms.text[0], "clock 0.169 ms ahead of the first input's (from 3 tunnel crossings out of it "
					 "and 3 into it)"),
		      "%s", ms.text[0]);
	unload_hosts(t);
	/* the other input first: the same journeys */
	t = load_hosts(TUN "x2x-host2.rec", TUN "x2x-host1.rec", &ms);
	check_x2x(t);
	ck_assert_msg(strstr(ms.text[0], "clock 0.169 ms behind"), "%s", ms.text[0]);
	unload_hosts(t);
}
END_TEST

/* Each host's recording names its own eth1 after the far end of its veth
 * (nfpl-host2 from host 1, nfpl-host from host 2): a hop's device gets its
 * own host's name, whichever input came last (the last one won both). */
static void check_names_per_host(struct capture_trace *t)
{
	int seen = 0;
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		for (uint32_t i = 0; p && i < p->nhops; i++) {
			const struct nfp_hop *h = capture_packet_hop(t, p, i);
			const char *dev = h->out ? capture_str(t, h->out) : h->in ? capture_str(t, h->in) : "";
			if (strcmp(dev, "eth1") != 0)
				continue;
			const char *want = strstr(capture_str(t, h->host), "host2") ? "nfpl-host" : "nfpl-host2";
			ck_assert_str_eq(capture_str(t, capture_trace_name_on(t, h->host, 1, "eth1")), want);
			seen++;
		}
	}
	ck_assert_int_gt(seen, 10);
	/* asked for no host, the hosts disagree: no name rather than a wrong one */
	ck_assert_uint_eq(capture_trace_name(t, 1, "eth1"), 0);
	/* an address one host named, the other did not: that name */
	ck_assert_str_eq(capture_str(t, capture_trace_name(t, 2, "172.17.0.2")), "nfpl-c1");
	/* --print says so on each host's hops */
	struct capture_buf b = { 0 };
	struct render_print_opts o = { .ascii = 1 };
	ck_assert_int_eq(render_print_packet(&b, t, capture_trace_first(t) + 2, &o), 0);
	ck_assert_msg(strstr(b.p, "OUT=eth1 [nfpl-host2] (nfpath probe) (tunnel)"), "%s", b.p);
	ck_assert_msg(strstr(b.p, "IN=eth1 [nfpl-host] (nfpath probe) (tunnel)"), "%s", b.p);
	capture_buf_free(&b);
}

START_TEST(x2x_names_are_each_hosts_own)
{
	struct msgs ms;
	struct capture_trace *t = load_hosts(TUN "x2x-host1.rec", TUN "x2x-host2.rec", &ms);
	check_names_per_host(t);
	unload_hosts(t);
	t = load_hosts(TUN "x2x-host2.rec", TUN "x2x-host1.rec", &ms);
	check_names_per_host(t);
	unload_hosts(t);
}
END_TEST

/* host 2's clock 2.5 s ahead (a derived recording, README): the crossings
 * place it, the journeys are the same, the correction is said */
START_TEST(x2x_shifted_clock)
{
	struct msgs ms;
	struct capture_trace *t = load_hosts(TUN "x2x-host1.rec", TUN "x2x-host2-shifted.rec", &ms);
	check_x2x(t);
	ck_assert_int_eq(ms.n, 1);
	ck_assert_msg(strstr(ms.text[0], "clock 2500.169 ms ahead of the first input's (from 3 tunnel crossings"), "%s",
		      ms.text[0]);
	unload_hosts(t);
}
END_TEST

/* each host's recording alone: the tunnel is a step of the carried
 * packet there too, before or after its walk (outer packet ids and
 * conntrack are the tunnel's: no flow of their own) */
START_TEST(x2x_one_host_alone)
{
	static const char *const files[] = { TUN "x2x-host1.rec", TUN "x2x-host2.rec" };
	for (int f = 0; f < 2; f++) {
		struct msgs ms;
		struct capture_trace *t = load_hosts(files[f], NULL, &ms);
		ck_assert_uint_eq(capture_trace_count(t), 6);
		size_t k = 0;
		for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++, k++) {
			const struct nfp_packet *p = capture_trace_packet(t, n);
			ck_assert_uint_eq(p->ident.proto, 1);
			ck_assert_int_eq(p->dir, k % 2 ? NFP_DIR_REPLY : NFP_DIR_ORIGINAL);
			struct capture_tunnel tu;
			ck_assert_int_eq(capture_packet_tunnel(t, p, &tu), 1);
			ck_assert_uint_eq(tu.vni, 1);
			/* host 1 sends the requests into the tunnel, host 2 the replies */
			int leaves = (f == 0) == (k % 2 == 0);
			ck_assert_uint_eq(leaves ? tu.last + 1 : tu.first, leaves ? p->nhops : 0);
			ck_assert_uint_eq(p->flow, capture_trace_packet(t, capture_trace_first(t))->flow);
		}
		unload_hosts(t);
	}
}
END_TEST

/* the far host drops the outer packets (a rule at its INPUT): the journey
 * is one packet that dies in the tunnel, on host 2, by that rule */
START_TEST(x2x_dropped_in_the_tunnel)
{
	struct msgs ms;
	struct capture_trace *t = load_hosts(TUN "drop-host1.rec", TUN "drop-host2.rec", &ms);
	ck_assert_uint_eq(capture_trace_count(t), 2);
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		ck_assert_uint_eq(p->ident.proto, 1);
		struct capture_tunnel tu;
		ck_assert_int_eq(capture_packet_tunnel(t, p, &tu), 1);
		ck_assert_int_eq(tu.died, 1);
		ck_assert_uint_eq(tu.last + 1, p->nhops);
		ck_assert(is_host(t, tu.to_host, "vm/nfpl-host2"));
		ck_assert_int_eq(p->fate.kind, NFP_FATE_DROPPED);
		ck_assert_int_eq(p->fate.by, NFP_FATE_BY_RULE);
		const struct nfp_hop *fh = capture_packet_hop(t, p, p->fate.hop);
		ck_assert(is_host(t, fh->host, "vm/nfpl-host2"));
		ck_assert(capture_hop_is_tunnel(fh));
		ck_assert_str_eq(capture_str(t, fh->chain), "input");
		struct capture_buf b = { 0 };
		ck_assert_int_eq(render_fate_text(&b, t, p, 1), 0);
		ck_assert_msg(strstr(b.p, "dropped at filter:INPUT on vm/nfpl-host2"), "%s", b.p);
		capture_buf_free(&b);
	}
	unload_hosts(t);
}
END_TEST

/* NFLOG copies of the outer packets (the real payload): the frame inside
 * names the packet each hop belongs to */
START_TEST(nflog_payload_names_the_carried_packet)
{
	struct msgs ms;
	struct capture_trace *t = load_hosts(TUN "nflog-host1.rec", TUN "nflog-host2.rec", &ms);
	ck_assert_uint_eq(capture_trace_count(t), 4);
	unsigned nlog = 0;
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		struct capture_tunnel tu;
		ck_assert_int_eq(capture_packet_tunnel(t, p, &tu), 1);
		ck_assert_int_eq(tu.died, 0);
		ck_assert_int_eq(p->fate.kind, NFP_FATE_FORWARDED);
		for (uint32_t i = 0; i < p->nhops; i++) {
			const struct nfp_hop *h = capture_packet_hop(t, p, i);
			if (h->source != NFP_SRC_NFLOG)
				continue;
			nlog++;
			const struct nfp_inner *in = &h->inner;
			ck_assert_uint_eq(in->flags & NFP_IN_VXLAN, NFP_IN_VXLAN);
			ck_assert_uint_eq(nfp_inner_vni(in), 1);
			ck_assert_uint_eq(in->flags & (NFP_IN_ADDRS | NFP_IN_IPID | NFP_IN_ICMPID),
					  NFP_IN_ADDRS | NFP_IN_IPID | NFP_IN_ICMPID);
			ck_assert_uint_eq(in->ipid, p->ident.ipid);
			ck_assert_uint_eq(in->sport, p->ident.sport);
			ck_assert_uint_eq(in->dport, p->ident.dport);
			ck_assert_int_eq(memcmp(in->src, p->ident.src, 16), 0);
			ck_assert_int_eq(memcmp(in->dst, p->ident.dst, 16), 0);
			ck_assert(!nfp_inner_is_error(in));
		}
	}
	ck_assert_uint_eq(nlog, 8); /* out of one host, into the other, 4 packets */
	unload_hosts(t);
}
END_TEST

/* the live merge of two hosts' streams (--ssh) on the real recordings:
 * each hop by its host's clock, no offset estimated, the far host's
 * stream whole first; an outer packet still enters host 2 after it left
 * host 1 */
static void merge_streams(const char *f1, const char *f2, struct capture_trace *t)
{
	size_t l1, l2;
	char *a = slurp_text(f1, &l1);
	char *copy = malloc(l1 + 1);
	memcpy(copy, a, l1 + 1);
	char *b = slurp_text(f2, &l2);
	const char *names[2] = { "host1", "host2" };
	struct capture_merge *m = capture_merge_new(t, 2, names, 0.5, NULL, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(capture_merge_feed(m, 1, b, l2, 10.0), 0);
	for (size_t off = 0; off < l1; off += 777) {
		size_t n = l1 - off < 777 ? l1 - off : 777;
		ck_assert_int_eq(capture_merge_feed(m, 0, copy + off, n, 10.2), 0);
		ck_assert(capture_merge_release(m, 10.2) >= 0);
	}
	ck_assert_int_eq(capture_merge_end(m, 0, 10.3), 0);
	ck_assert_int_eq(capture_merge_end(m, 1, 10.3), 0);
	ck_assert(capture_merge_release(m, 10.3) >= 0);
	ck_assert(capture_merge_done(m));
	capture_trace_flush(t);
	capture_merge_free(m);
	free(copy);
}

START_TEST(live_merge_keeps_tunnel_order)
{
	struct capture_trace *t = resolving_trace();
	merge_streams(TUN "x2x-host1.rec", TUN "x2x-host2.rec", t);
	check_x2x(t);
	capture_trace_free(t);
	t = resolving_trace();
	merge_streams(TUN "x2x-host1.rec", TUN "x2x-host2-shifted.rec", t);
	check_x2x(t);
	capture_trace_free(t);
	/* host 2's stamps 0.3 ms early: some outer packets "arrive" before
	 * they left */
	t = resolving_trace();
	merge_streams(TUN "x2x-host1.rec", TUN "x2x-host2-behind.rec", t);
	check_x2x(t);
	capture_trace_free(t);
}
END_TEST

/* host 2's DOCKER-USER drops c1's pings after the tunnel (the journey
 * engineer's real capture, tests/fixtures/lab2j): host 1's capture also
 * recorded the kernel's drop event of host 2 (drops are machine-wide),
 * which is no step of host 1's walk: the outer packet still joins */
START_TEST(x2x_drop_after_the_tunnel)
{
	struct msgs ms;
	struct capture_trace *t = load_hosts(FIXTURES "/lab2j/lab2j-rule-host1.rec", FIXTURES "/lab2j/lab2j-rule-host2.rec", &ms);
	ck_assert_uint_eq(capture_trace_count(t), 2);
	for (size_t n = capture_trace_first(t); n <= capture_trace_last(t); n++) {
		const struct nfp_packet *p = capture_trace_packet(t, n);
		struct capture_tunnel tu;
		ck_assert_int_eq(capture_packet_tunnel(t, p, &tu), 1);
		ck_assert_int_eq(tu.died, 0);
		ck_assert_str_eq(capture_str(t, tu.dev_out), "flannel.1");
		ck_assert_int_eq(p->fate.kind, NFP_FATE_DROPPED);
		ck_assert(is_host(t, capture_packet_hop(t, p, p->fate.hop)->host, "vm/nfpl-host2"));
	}
	unload_hosts(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tunnel");
	TCase *tc = tcase_create("real");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, record_tunnel_fields_round_trip);
	tcase_add_test(tc, record_tunnel_fields_bad);
	tcase_add_test(tc, x2x_one_journey_per_ping);
	tcase_add_test(tc, x2x_names_are_each_hosts_own);
	tcase_add_test(tc, x2x_shifted_clock);
	tcase_add_test(tc, x2x_one_host_alone);
	tcase_add_test(tc, x2x_dropped_in_the_tunnel);
	tcase_add_test(tc, nflog_payload_names_the_carried_packet);
	tcase_add_test(tc, live_merge_keeps_tunnel_order);
	tcase_add_test(tc, x2x_drop_after_the_tunnel);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
