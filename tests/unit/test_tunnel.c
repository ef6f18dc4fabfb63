/* Tunnels: the outer packet of a VXLAN overlay in recordings and in the
 * stitcher, on the real captures of the two-host lab
 * (tests/fixtures/tunnel/README.md says how they were made). */
#include "helpers.h"

#include "../../capture/record.h"

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
START_TEST(record_tunnel_fields_round_trip)
{
	size_t len;
	char *text = slurp_text(TUN "x2x-host1.rec", &len);
	struct capture_strpool *sp = capture_strpool_new();
	unsigned ntun = 0, nhop = 0;
	for (char *line = text; line < text + len;) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		struct nfp_hop h;
		struct capture_rec_loss loss;
		int nk;
		uint32_t nkey, nval;
		const char *err = NULL;
		int r = capture_rec_parse(line, n, sp, &h, &loss, &nk, &nkey, &nval, &err);
		ck_assert_int_ge(r, 0);
		if (r == NFP_REC_HOP) {
			nhop++;
			struct capture_buf b = { 0 };
			ck_assert_int_eq(capture_rec_write_hop(&b, &h, sp), 0);
			ck_assert_uint_eq(b.len, n + 1);
			ck_assert_int_eq(memcmp(b.p, line, n), 0);
			capture_buf_free(&b);
			if (h.inner.flags & NFP_IN_TUNNEL) {
				ntun++;
				ck_assert_str_eq(nfp_tunnel_name(&h.inner), "vxlan");
				ck_assert_uint_eq(nfp_inner_vni(&h.inner), 1);
				ck_assert(!nfp_inner_is_error(&h.inner));
				ck_assert_uint_eq(h.pk.proto, 17);
				ck_assert_uint_eq(h.pk.dport, 8472);
				ck_assert_uint_eq(h.pk.len, 134); /* 84 + 50 */
			}
		}
		line += n + 1;
	}
	ck_assert_uint_eq(nhop, 126);
	ck_assert_uint_eq(ntun, 24);
	capture_strpool_free(sp);
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

int main(void)
{
	Suite *s = suite_create("tunnel");
	TCase *tc = tcase_create("real");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, record_tunnel_fields_round_trip);
	tcase_add_test(tc, record_tunnel_fields_bad);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
