/* Flows, conntrack state and packet grouping on the real traces of
 * tests/fixtures/real (README there: what the kernel did). */
#include "helpers.h"

#include "../../capture/nflog.h"
#include "../../capture/record.h"

#include <arpa/inet.h>

#define REAL FIXTURES "/real/"

/* what a packet looked like at its first hop with addresses */
struct want {
	int proto;	   /* -1 any */
	const char *src, *dst; /* NULL any */
	int sport, dport;  /* ports, or echo id/-1 */
	int icmp_type;	   /* -1 any */
};

static int addr_is(const struct nfp_pkt *pk, const uint8_t *a, const char *txt)
{
	uint8_t want[16] = { 0 };
	if (strchr(txt, ':')) {
		if (inet_pton(AF_INET6, txt, want) != 1 || pk->l3 != 6)
			return 0;
	} else if (inet_pton(AF_INET, txt, want) != 1) {
		return 0;
	}
	return memcmp(a, want, 16) == 0;
}

static int pkt_is(const struct loaded *L, size_t pi, const struct want *w)
{
	const struct nfp_packet *p = pkt_at(L->t, pi);
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_pkt *pk = &hop_at(L, pi, i)->pk;
		if (!(pk->flags & NFP_PK_ADDRS))
			continue;
		if (w->proto >= 0 && (!(pk->flags & NFP_PK_PROTO) || pk->proto != w->proto))
			return 0;
		if (w->src && !addr_is(pk, pk->src, w->src))
			return 0;
		if (w->dst && !addr_is(pk, pk->dst, w->dst))
			return 0;
		if (w->sport >= 0 && pk->sport != w->sport)
			return 0;
		if (w->dport >= 0 && pk->dport != w->dport)
			return 0;
		if (w->icmp_type >= 0 && (!(pk->flags & NFP_PK_ICMP) || pk->icmp_type != w->icmp_type))
			return 0;
		return 1;
	}
	return 0;
}

/* indices of the packets that match, in order; returns how many */
static size_t find_all(const struct loaded *L, const struct want *w, size_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < capture_trace_count(L->t) && n < max; i++)
		if (pkt_is(L, i, w))
			out[n++] = i;
	return n;
}

static struct loaded load_real(const char *file)
{
	struct loaded L = load_files(file, NULL, NULL);
	ck_assert_int_eq(L.st, NFP_LOAD_OK);
	return L;
}

/* Item 3: the kernel keeps a connection NEW until a reply is seen: the
 * retransmitted SYNs to a port INPUT drops, the second ping to a host
 * that does not exist. Same flow, all NEW. */
START_TEST(unanswered_stays_new)
{
	static const char *const files[] = { REAL "06-legacy-trace-and-LOG.dmesg", REAL "05-nft-log-all-families.dmesg" };
	for (size_t f = 0; f < 2; f++) {
		struct loaded L = load_real(files[f]);
		size_t ix[8];
		struct want syn = { 6, "10.77.1.2", "10.77.1.1", -1, 2525, -1 };
		size_t n = find_all(&L, &syn, ix, 8);
		ck_assert_uint_eq(n, 3);
		for (size_t i = 0; i < n; i++) {
			const struct nfp_packet *p = pkt_at(L.t, ix[i]);
			ck_assert_msg(p->ct == NFP_CT_NEW, "%s: SYN %zu is %s", files[f], i, nfp_ct_name(p->ct));
			ck_assert_uint_eq(p->flow, pkt_at(L.t, ix[0])->flow);
			ck_assert_int_eq(p->dir, NFP_DIR_ORIGINAL);
		}
		struct want ping = { 1, "10.77.1.2", "10.77.2.99", -1, -1, 8 };
		n = find_all(&L, &ping, ix, 8);
		ck_assert_uint_eq(n, 2);
		ck_assert_uint_eq(pkt_at(L.t, ix[1])->flow, pkt_at(L.t, ix[0])->flow);
		ck_assert_int_eq(pkt_at(L.t, ix[0])->ct, NFP_CT_NEW);
		ck_assert_msg(pkt_at(L.t, ix[1])->ct == NFP_CT_NEW, "%s: second ping is %s", files[f],
			      nfp_ct_name(pkt_at(L.t, ix[1])->ct));
		/* an answered one: the reply and what follows are ESTABLISHED */
		struct want req = { 1, "10.77.1.2", "10.77.1.3", -1, -1, 8 };
		n = find_all(&L, &req, ix, 8);
		ck_assert_uint_ge(n, 2);
		ck_assert_int_eq(pkt_at(L.t, ix[0])->ct, NFP_CT_NEW);
		ck_assert_int_eq(pkt_at(L.t, ix[0] + 1)->ct, NFP_CT_ESTABLISHED);
		ck_assert_int_eq(pkt_at(L.t, ix[0] + 1)->dir, NFP_DIR_REPLY);
		ck_assert_int_eq(pkt_at(L.t, ix[1])->ct, NFP_CT_ESTABLISHED);
		unload(&L);
	}
}
END_TEST

/* only the client's OUTPUT path is traced: its ACKs after the SYN say the
 * handshake's reply came, so they are ESTABLISHED although no reply shows */
START_TEST(tcp_without_syn_is_established)
{
	struct loaded L = load_real(REAL "07-kube-trace.txt");
	ck_assert_uint_eq(capture_trace_count(L.t), 18);
	for (size_t i = 0; i < capture_trace_count(L.t); i++) {
		const struct nfp_pkt *pk = &hop_at(&L, i, 0)->pk;
		int syn = (pk->tcp_flags & 0x02) != 0;
		ck_assert_int_eq(pkt_at(L.t, i)->ct, syn ? NFP_CT_NEW : NFP_CT_ESTABLISHED);
		ck_assert_int_eq(pkt_at(L.t, i)->dir, NFP_DIR_ORIGINAL);
	}
	unload(&L);
}
END_TEST

/* the flow of the UDP packet to dport from 10.77.1.2 */
static uint32_t udp_flow(const struct loaded *L, int dport)
{
	size_t ix[4];
	struct want u = { 17, "10.77.1.2", "10.77.2.2", -1, dport, -1 };
	ck_assert_uint_eq(find_all(L, &u, ix, 4), 1);
	return pkt_at(L->t, ix[0])->flow;
}

/* Item 3: ICMP errors are RELATED to the flow of the packet inside them,
 * going the reply way; two errors for two UDP flows are two flows. */
START_TEST(icmp_errors_join_their_flow)
{
	struct loaded L = load_real(REAL "05-nft-log-all-families.dmesg");
	size_t ix[8];
	struct want err = { 1, "10.77.2.2", "10.77.2.1", -1, -1, 3 };
	ck_assert_uint_eq(find_all(&L, &err, ix, 8), 2);
	uint32_t f5353 = udp_flow(&L, 5353), f7777 = udp_flow(&L, 7777);
	ck_assert_uint_ne(f5353, f7777);
	ck_assert_uint_eq(pkt_at(L.t, ix[0])->flow, f5353);
	ck_assert_uint_eq(pkt_at(L.t, ix[1])->flow, f7777);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pkt_at(L.t, ix[i])->ct, NFP_CT_RELATED);
		ck_assert_int_eq(pkt_at(L.t, ix[i])->dir, NFP_DIR_REPLY);
	}
	/* the inner header, as the line gives it before de-NAT */
	const struct nfp_inner *in = &hop_at(&L, ix[1], 0)->inner;
	ck_assert_uint_eq(in->flags, NFP_IN_ADDRS | NFP_IN_PORTS | NFP_IN_IPID);
	ck_assert_uint_eq(in->proto, 17);
	ck_assert_uint_eq(in->dport, 7777);
	ck_assert(addr_is(&(struct nfp_pkt){ .l3 = 4 }, in->src, "10.77.2.1"));
	unload(&L);

	/* legacy TRACE: the REJECT answer to the SYN to port 81, and the port
	 * unreachable for UDP 7777 (answered behind MASQUERADE) */
	L = load_real(REAL "06-legacy-trace-and-LOG.dmesg");
	struct want rej = { 1, "10.77.1.1", "10.77.1.2", -1, -1, 3 };
	ck_assert_uint_eq(find_all(&L, &rej, ix, 8), 1);
	size_t syn[2];
	struct want s81 = { 6, "10.77.1.2", "10.77.2.2", -1, 81, -1 };
	ck_assert_uint_eq(find_all(&L, &s81, syn, 2), 1);
	ck_assert_uint_eq(pkt_at(L.t, ix[0])->flow, pkt_at(L.t, syn[0])->flow);
	ck_assert_int_eq(pkt_at(L.t, ix[0])->ct, NFP_CT_RELATED);
	ck_assert_int_eq(pkt_at(L.t, ix[0])->dir, NFP_DIR_REPLY);
	ck_assert_uint_eq(find_all(&L, &err, ix, 8), 1);
	ck_assert_uint_eq(pkt_at(L.t, ix[0])->flow, udp_flow(&L, 7777));
	ck_assert_int_eq(pkt_at(L.t, ix[0])->ct, NFP_CT_RELATED);
	ck_assert_int_eq(pkt_at(L.t, ix[0])->dir, NFP_DIR_REPLY);
	unload(&L);
}
END_TEST

/* ebtables log lines give ICMP no type: the two port-unreachable answers
 * (to UDP 9998 and 9997) are not one flow */
START_TEST(blind_icmp_errors_apart)
{
	struct loaded L = load_real(REAL "04b-ebtables-nft-log-drop-prefix.kmsg");
	size_t ix[4];
	struct want icmp = { 1, "10.77.1.3", "10.77.1.2", -1, -1, -1 };
	ck_assert_uint_eq(find_all(&L, &icmp, ix, 4), 2);
	ck_assert_uint_ne(pkt_at(L.t, ix[0])->flow, pkt_at(L.t, ix[1])->flow);
	/* echo, error or neighbour discovery: no state can be told */
	ck_assert_int_eq(pkt_at(L.t, ix[0])->ct, NFP_CT_UNKNOWN);
	unload(&L);
	/* while a ping's request and reply, taking turns, stay one flow */
	L = load_real(REAL "04-ebtables-nft-log.dmesg");
	struct want ab = { 1, "10.77.1.2", "10.77.1.3", -1, -1, -1 };
	ck_assert_uint_ge(find_all(&L, &ab, ix, 4), 2);
	ck_assert_uint_eq(pkt_at(L.t, ix[0])->flow, pkt_at(L.t, ix[1])->flow);
	ck_assert_uint_eq(pkt_at(L.t, ix[0] + 1)->flow, pkt_at(L.t, ix[0])->flow);
	ck_assert_int_eq(pkt_at(L.t, ix[0] + 1)->dir, NFP_DIR_REPLY);
	unload(&L);
}
END_TEST

/* Item 3: neighbour discovery is untracked; ARP is never seen by
 * conntrack (no state); two adverts to two peers are two packets, two
 * flows (flow label 0 names no packet) */
START_TEST(nd_untracked_arp_none)
{
	struct loaded L = load_real(REAL "05-nft-log-all-families.dmesg");
	size_t ix[16];
	struct want adv = { 58, NULL, NULL, -1, -1, 136 };
	size_t n = find_all(&L, &adv, ix, 16);
	ck_assert_uint_ge(n, 4);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(pkt_at(L.t, ix[i])->ct, NFP_CT_UNTRACKED);
	struct want a1 = { 58, "fd77:1::3", "fd77:1::2", -1, -1, 136 }, a2 = { 58, "fd77:1::1", "fd77:1::2", -1, -1, 136 };
	size_t i1[2], i2[2];
	ck_assert_uint_eq(find_all(&L, &a1, i1, 2), 1);
	ck_assert_uint_eq(find_all(&L, &a2, i2, 2), 1);
	ck_assert_uint_ne(pkt_at(L.t, i1[0])->flow, pkt_at(L.t, i2[0])->flow);
	/* each advert is its own packet: one pass through the chains */
	ck_assert_uint_le(pkt_at(L.t, i1[0])->nhops, 4);
	struct want sol = { 58, NULL, NULL, -1, -1, 135 };
	n = find_all(&L, &sol, ix, 16);
	ck_assert_uint_ge(n, 4);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(pkt_at(L.t, ix[i])->ct, NFP_CT_UNTRACKED);
	/* ARP: no IP header, no conntrack state */
	size_t arp = 0;
	for (size_t i = 0; i < capture_trace_count(L.t); i++) {
		int is_arp = 0;
		for (uint32_t k = 0; k < pkt_at(L.t, i)->nhops; k++)
			is_arp |= hop_at(&L, i, k)->family == NFP_FAM_ARP;
		if (!is_arp)
			continue;
		arp++;
		ck_assert_int_eq(pkt_at(L.t, i)->ct, NFP_CT_UNKNOWN);
		ck_assert_int_eq(pkt_at(L.t, i)->ct_kernel, 0);
	}
	ck_assert_uint_gt(arp, 0);
	unload(&L);
}
END_TEST

/* Item 8: the ARP reply 10.77.1.1 > 10.77.1.2 at 860.65 s and the ARP
 * request between the same hosts at 867.36 s are two packets */
START_TEST(arp_seconds_apart_two_packets)
{
	struct loaded L = load_real(REAL "04-ebtables-nft-log.dmesg");
	size_t n = 0;
	for (size_t i = 0; i < capture_trace_count(L.t); i++) {
		const struct nfp_packet *p = pkt_at(L.t, i);
		double lo = 1e18, hi = -1e18;
		for (uint32_t k = 0; k < p->nhops; k++) {
			const struct nfp_hop *h = hop_at(&L, i, k);
			if (!(h->flags & NFP_HOP_TS))
				continue;
			lo = h->ts < lo ? h->ts : lo;
			hi = h->ts > hi ? h->ts : hi;
		}
		ck_assert_msg(hi - lo < 1.0, "packet %zu spans %.3f s", i + 1, hi - lo);
		struct want w = { -1, "10.77.1.1", "10.77.1.2", -1, -1, -1 };
		if (pkt_is(&L, i, &w) && hop_at(&L, i, 0)->pk.l3 == 0) {
			n++;
			ck_assert_int_eq(p->ct, NFP_CT_UNKNOWN);
		}
	}
	ck_assert_uint_eq(n, 2);
	unload(&L);
}
END_TEST

/* the inner header survives a recording */
START_TEST(inner_header_recorded)
{
	struct loaded L = load_real(REAL "06-legacy-trace-and-LOG.dmesg");
	size_t ix[2];
	struct want err = { 1, "10.77.2.2", "10.77.2.1", -1, -1, 3 };
	ck_assert_uint_eq(find_all(&L, &err, ix, 2), 1);
	const struct nfp_hop *h = hop_at(&L, ix[0], 0);
	ck_assert_uint_eq(h->inner.flags, NFP_IN_ADDRS | NFP_IN_PORTS | NFP_IN_IPID);
	struct capture_buf b = { 0 };
	ck_assert_int_eq(capture_rec_write_hop(&b, h, capture_trace_strpool(L.t)), 0);
	struct nfp_hop back;
	struct capture_rec_loss loss;
	int nk;
	uint32_t nkey, nval;
	const char *err_s;
	ck_assert_int_eq(capture_rec_parse(b.p, b.len - 1, capture_trace_strpool(L.t), &back, &loss, &nk, &nkey, &nval, &err_s), NFP_REC_HOP);
	ck_assert_mem_eq(&back.inner, &h->inner, sizeof(back.inner));
	capture_buf_free(&b);
	unload(&L);
}
END_TEST

/* A live capture (Linux 6.18) in a namespace where nothing needs
 * conntrack: iptables-legacy TRACE reached nfpath through NFLOG, whose
 * payload holds the ICMP error's inner header; the trace events carried
 * no conntrack state. The port unreachable joins the UDP flow it answers,
 * and no packet gets a state: the kernel says none was tracked. */
START_TEST(nflog_error_inner_and_kernel_untracked)
{
	FILE *f = fopen(FIXTURES "/netlink/nflog-icmp-error.bin", "rb");
	ck_assert_ptr_nonnull(f);
	char buf[512];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct capture_strpool *sp = capture_strpool_new();
	struct nfp_hop h;
	uint32_t seq;
	int has_seq;
	const char *err;
	ck_assert_int_eq(capture_nflog_decode(buf, n, sp, NULL, NULL, &h, &seq, &has_seq, &err), NFP_PARSE_HOP);
	ck_assert_uint_eq(h.pk.proto, 1);
	ck_assert_uint_eq(h.inner.flags, NFP_IN_ADDRS | NFP_IN_PORTS | NFP_IN_IPID);
	ck_assert_uint_eq(h.inner.proto, 17);
	ck_assert_uint_eq(h.inner.dport, 7777);
	ck_assert(addr_is(&(struct nfp_pkt){ .l3 = 4 }, h.inner.src, "10.79.0.1"));
	ck_assert(addr_is(&(struct nfp_pkt){ .l3 = 4 }, h.inner.dst, "10.79.0.2"));
	capture_strpool_free(sp);

	struct loaded L = load_real(FIXTURES "/live-nflog-icmp-error.rec");
	ck_assert_uint_eq(capture_trace_count(L.t), 3);
	ck_assert_uint_eq(pkt_at(L.t, 1)->flow, pkt_at(L.t, 0)->flow);
	ck_assert_int_eq(pkt_at(L.t, 1)->dir, NFP_DIR_REPLY);
	/* the second error answers a datagram that was not traced */
	ck_assert_uint_ne(pkt_at(L.t, 2)->flow, pkt_at(L.t, 0)->flow);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(pkt_at(L.t, i)->ct, NFP_CT_UNKNOWN);
		ck_assert_int_eq(pkt_at(L.t, i)->ct_kernel, 1);
		ck_assert_str_eq(capture_packet_ct_name(pkt_at(L.t, i)), "not tracked");
	}
	unload(&L);
}
END_TEST

/* nft 1.0.6 `nft monitor trace` on Linux 6.18, in a namespace (UDP from
 * 10.79.0.1 to closed ports 7777 and 7778 of 10.79.0.2): nft prints only
 * 12 bytes after an ICMP error's header ("@th,64,96 0x4500001fac30..."),
 * the inner IPv4 header without addresses; its IP ID names the datagram
 * the error answers. */
START_TEST(nft_text_error_by_inner_ipid)
{
	struct loaded L = load_real(FIXTURES "/nft-monitor-trace-icmp-error.txt");
	size_t ix[4], u1[2], u2[2];
	struct want err = { 1, "10.79.0.2", "10.79.0.1", -1, -1, 3 };
	struct want d1 = { 17, "10.79.0.1", "10.79.0.2", -1, 7777, -1 }, d2 = { 17, "10.79.0.1", "10.79.0.2", -1, 7778, -1 };
	ck_assert_uint_eq(find_all(&L, &err, ix, 4), 2);
	ck_assert_uint_eq(find_all(&L, &d1, u1, 2), 1);
	ck_assert_uint_eq(find_all(&L, &d2, u2, 2), 1);
	const struct nfp_inner *in = &hop_at(&L, ix[0], 0)->inner;
	ck_assert_uint_eq(in->flags, NFP_IN_IPID);
	ck_assert_uint_eq(in->ipid, 44080);
	ck_assert_uint_eq(in->proto, 17);
	ck_assert_uint_eq(pkt_at(L.t, ix[0])->flow, pkt_at(L.t, u1[0])->flow);
	ck_assert_uint_eq(pkt_at(L.t, ix[1])->flow, pkt_at(L.t, u2[0])->flow);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pkt_at(L.t, ix[i])->ct, NFP_CT_RELATED);
		ck_assert_int_eq(pkt_at(L.t, ix[i])->dir, NFP_DIR_REPLY);
	}
	unload(&L);
}
END_TEST

/* xtables-monitor prints IPv6 packets without their protocol: the
 * neighbour adverts and the echo between the same hosts look alike, so no
 * conntrack state is inferred for them */
START_TEST(unknown_protocol_no_state)
{
	struct loaded L = load_real(REAL "02-iptnft-xtables-monitor-trace.txt");
	size_t n = 0;
	for (size_t i = 0; i < capture_trace_count(L.t); i++) {
		const struct nfp_pkt *pk = &hop_at(&L, i, 0)->pk;
		if (!(pk->flags & NFP_PK_ADDRS) || pk->l3 != 6 || (pk->flags & NFP_PK_PROTO))
			continue;
		n++;
		ck_assert_msg(pkt_at(L.t, i)->ct == NFP_CT_UNKNOWN, "packet %zu: %s", i + 1, nfp_ct_name(pkt_at(L.t, i)->ct));
	}
	ck_assert_uint_ge(n, 8);
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("flows");
	TCase *tc = tcase_create("real");
	tcase_add_test(tc, unanswered_stays_new);
	tcase_add_test(tc, tcp_without_syn_is_established);
	tcase_add_test(tc, icmp_errors_join_their_flow);
	tcase_add_test(tc, blind_icmp_errors_apart);
	tcase_add_test(tc, nd_untracked_arp_none);
	tcase_add_test(tc, arp_seconds_apart_two_packets);
	tcase_add_test(tc, inner_header_recorded);
	tcase_add_test(tc, nflog_error_inner_and_kernel_untracked);
	tcase_add_test(tc, nft_text_error_by_inner_ipid);
	tcase_add_test(tc, unknown_protocol_no_state);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
