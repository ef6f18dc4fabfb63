/* monitor: `nft monitor trace` and `xtables-monitor --trace` text -> hops.
 *
 * Both print the packet once per base chain ("packet:" / "PACKET:") and
 * then one line per rule event without packet fields; the decoder state
 * remembers the packet per trace id and copies it into each hop. */
#include "parse.h"

#include <string.h>

static uint32_t intern(struct capture_strpool *sp, const char *s, size_t n)
{
	uint32_t id = capture_strpool_intern(sp, s, n);
	return id == UINT32_MAX ? 0 : id;
}

/* tokenizer over a line: words split on spaces, "quoted" kept whole */
struct tok {
	const char *s, *end;
};

static int next_word(struct tok *t, const char **w, size_t *wl)
{
	while (t->s < t->end && *t->s == ' ')
		t->s++;
	if (t->s >= t->end)
		return 0;
	const char *st = t->s;
	if (*st == '"') {
		/* an unterminated quote takes the rest of the line */
		const char *q = memchr(st + 1, '"', (size_t)(t->end - st - 1));
		*w = st + 1;
		*wl = (size_t)((q ? q : t->end) - st - 1);
		t->s = q ? q + 1 : t->end;
		return 1;
	}
	while (t->s < t->end && *t->s != ' ')
		t->s++;
	*w = st;
	*wl = (size_t)(t->s - st);
	return 1;
}

#define W(lit) (wl == sizeof(lit) - 1 && memcmp(w, lit, sizeof(lit) - 1) == 0)

static int icmp_type_word(const char *w, size_t wl, int v6)
{
	static const struct {
		const char *n;
		int v4, v6;
	} t[] = { { "echo-reply", 0, 129 },	     { "echo-request", 8, 128 },   { "destination-unreachable", 3, 1 },
		  { "time-exceeded", 11, 3 },	     { "parameter-problem", 12, 4 }, { "redirect", 5, 137 },
		  { "packet-too-big", -1, 2 },	     { "nd-neighbor-solicit", -1, 135 },
		  { "nd-neighbor-advert", -1, 136 }, { "nd-router-solicit", -1, 133 }, { "nd-router-advert", -1, 134 } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].n) == wl && memcmp(t[i].n, w, wl) == 0)
			return v6 ? t[i].v6 : t[i].v4;
	uint64_t x;
	if (capture_parse_uint(w, wl, 10, 255, &x) == 0)
		return (int)x;
	return -1;
}

/* nft names ICMP codes after those of destination-unreachable, whatever
 * the type; the number is what we keep */
static int icmp_code_word(const char *w, size_t wl, int v6)
{
	static const struct {
		const char *n;
		int v4, v6;
	} t[] = { { "net-unreachable", 0, -1 },	  { "host-unreachable", 1, -1 }, { "prot-unreachable", 2, -1 },
		  { "port-unreachable", 3, 4 },	  { "frag-needed", 4, -1 },	 { "net-prohibited", 9, -1 },
		  { "host-prohibited", 10, -1 },  { "admin-prohibited", 13, 1 }, { "no-route", -1, 0 },
		  { "addr-unreachable", -1, 3 },  { "policy-fail", -1, 5 },	 { "reject-route", -1, 6 } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].n) == wl && memcmp(t[i].n, w, wl) == 0)
			return v6 ? t[i].v6 : t[i].v4;
	uint64_t x;
	if (capture_parse_uint(w, wl, 10, 255, &x) == 0)
		return (int)x;
	return -1;
}

struct capture_mon_pkt *capture_mon_slot(struct capture_mon_state *st, uint32_t id, uint8_t fam, int create)
{
	/* ids are never in two slots: the last one found first, the scan
	 * of all 64 only when the event is another packet's */
	unsigned l = st->last % 64;
	for (unsigned k = 0; k <= 64; k++) {
		unsigned i = k ? k - 1 : l;
		if (st->slot[i].used && st->slot[i].id == id && st->slot[i].family == fam) {
			if (create) /* a new packet line: the fields below start again */
				memset(&st->slot[i].inner, 0, sizeof(st->slot[i].inner));
			st->last = i;
			return &st->slot[i];
		}
	}
	if (!create)
		return NULL;
	unsigned i = st->next++ % 64;
	st->last = i;
	memset(&st->slot[i], 0, sizeof(st->slot[i]));
	st->slot[i].used = 1;
	st->slot[i].id = id;
	st->slot[i].family = fam;
	return &st->slot[i];
}

/* "@th,64,96 0x4500001fac30..": the bytes after an ICMP error's header,
 * the start of the packet it answers (nft prints the transport header it
 * has no words for; leading zero digits are left out) */
static void nft_inner(const char *s, size_t n, struct capture_mon_pkt *sl)
{
	const char *p = s, *end = s + n;
	for (; p + 7 < end && memcmp(p, "@th,64,", 7) != 0; p++)
		;
	if (p + 7 >= end)
		return;
	p += 7;
	uint64_t bits = 0;
	while (p < end && *p >= '0' && *p <= '9' && bits < 1000)
		bits = bits * 10 + (uint64_t)(*p++ - '0');
	if (p + 3 >= end || memcmp(p, " 0x", 3) != 0 || bits % 8 || bits == 0 || bits > 8 * 64)
		return;
	p += 3;
	const char *h = p;
	while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
		p++;
	size_t nd = (size_t)(p - h), want = (size_t)bits / 4;
	if (nd == 0 || nd > want)
		return;
	uint8_t b[64] = { 0 };
	for (size_t i = 0; i < nd; i++) {
		size_t d = want - nd + i; /* digit position, right-aligned */
		unsigned v = (unsigned)(h[i] <= '9' ? h[i] - '0' : h[i] - 'a' + 10);
		b[d / 2] |= (uint8_t)(d % 2 ? v : v << 4);
	}
	capture_icmp_inner(sl->pk.proto, sl->pk.icmp_type, b, want / 2, &sl->inner);
}

/* "packet:" fields of nft monitor trace */
static int nft_packet_fields(struct tok *t, struct capture_strpool *sp, uint32_t *in, uint32_t *out,
			     struct nfp_pkt *pk, const char **err)
{
	const char *w, *v;
	size_t wl, vl;
	uint64_t x;
	while (next_word(t, &w, &wl)) {
		if (W("iif") || W("oif")) {
			int isin = w[0] == 'i';
			if (!next_word(t, &v, &vl))
				break;
			*(isin ? in : out) = intern(sp, v, vl);
			continue;
		}
		if (W("ether")) {
			const char *f;
			size_t fl;
			if (!next_word(t, &f, &fl) || !next_word(t, &v, &vl))
				break;
			uint8_t *mac = fl == 5 && memcmp(f, "saddr", 5) == 0 ? pk->mac_src
				       : fl == 5 && memcmp(f, "daddr", 5) == 0 ? pk->mac_dst
										: NULL;
			if (mac && capture_parse_mac(v, vl, mac) == 0)
				pk->flags |= NFP_PK_MACS;
			continue;
		}
		if (W("arp")) {
			/* "arp operation request"; newer nft: "arp saddr ip 10.0.0.1" */
			const char *f;
			size_t fl;
			if (!next_word(t, &f, &fl) || !next_word(t, &v, &vl))
				break;
			pk->flags |= NFP_PK_ARP;
			if (fl == 9 && memcmp(f, "operation", 9) == 0) {
				static const char *const ops[] = { "", "request", "reply", "rrequest", "rreply" };
				for (int o = 1; o < 5; o++)
					if (strlen(ops[o]) == vl && memcmp(ops[o], v, vl) == 0)
						pk->arp_op = (uint8_t)o;
				if (!pk->arp_op && capture_parse_uint(v, vl, 10, 255, &x) == 0)
					pk->arp_op = (uint8_t)x;
			} else if (fl == 5 && (memcmp(f, "saddr", 5) == 0 || memcmp(f, "daddr", 5) == 0) && vl == 2 &&
				   memcmp(v, "ip", 2) == 0 && next_word(t, &v, &vl) &&
				   capture_parse_ipv4(v, vl, f[0] == 's' ? pk->src : pk->dst) == 0) {
				pk->flags |= NFP_PK_ADDRS;
			}
			continue;
		}
		if (W("ip") || W("ip6") || W("icmp") || W("icmpv6") || W("tcp") || W("udp") || W("meta") || W("ct") ||
		    W("sctp") || W("udplite") || W("dccp")) {
			const char *l = w;
			size_t ll = wl;
			const char *f;
			size_t fl;
			if (!next_word(t, &f, &fl) || !next_word(t, &v, &vl))
				break;
#define F(lit) (fl == sizeof(lit) - 1 && memcmp(f, lit, sizeof(lit) - 1) == 0)
#define L(lit) (ll == sizeof(lit) - 1 && memcmp(l, lit, sizeof(lit) - 1) == 0)
			if ((L("ip") || L("ip6")) && (F("saddr") || F("daddr"))) {
				uint8_t l3;
				if (capture_parse_ip(v, vl, F("saddr") ? pk->src : pk->dst, &l3) < 0) {
					*err = "bad address in packet line";
					return -1;
				}
				pk->l3 = l3;
				pk->flags |= NFP_PK_ADDRS;
			} else if (L("ip") && F("id")) {
				if (capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
					pk->ipid = (uint32_t)x;
					pk->flags |= NFP_PK_IPID;
				}
			} else if (L("ip6") && F("flowlabel")) {
				if (capture_parse_uint(v, vl, 10, 0xfffff, &x) == 0 && x) {
					pk->ipid = (uint32_t)x;
					pk->flags |= NFP_PK_IPID;
				}
			} else if ((L("ip") && F("ttl")) || (L("ip6") && F("hoplimit"))) {
				if (capture_parse_uint(v, vl, 10, 255, &x) == 0) {
					pk->ttl = (uint8_t)x;
					pk->flags |= NFP_PK_TTL;
				}
			} else if ((L("ip") || L("ip6")) && F("length")) {
				if (capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
					pk->len = (uint16_t)(L("ip6") ? x + 40 : x);
					pk->flags |= NFP_PK_LEN;
				}
			} else if ((L("ip") && F("protocol")) || (L("ip6") && F("nexthdr"))) {
				int p = nfp_proto_parse(v, vl);
				if (p >= 0) {
					pk->proto = (uint8_t)p;
					pk->flags |= NFP_PK_PROTO;
				}
			} else if (L("icmp") || L("icmpv6")) {
				pk->proto = L("icmp") ? 1 : 58;
				pk->flags |= NFP_PK_PROTO;
				if (F("type")) {
					int ty = icmp_type_word(v, vl, L("icmpv6"));
					if (ty >= 0) {
						pk->icmp_type = (uint8_t)ty;
						pk->flags |= NFP_PK_ICMP;
					}
				} else if (F("code")) {
					int c = icmp_code_word(v, vl, L("icmpv6"));
					if (c >= 0)
						pk->icmp_code = (uint8_t)c;
				} else if (F("parameter-problem") && L("icmpv6") && (pk->flags & NFP_PK_ICMP) &&
					   (pk->icmp_type == 128 || pk->icmp_type == 129) &&
					   capture_parse_uint(v, vl, 10, UINT32_MAX, &x) == 0) {
					/* nft 1.0.6 prints the echo's id and sequence as
					 * one 32-bit "parameter-problem" pointer */
					pk->sport = (uint16_t)(x >> 16);
					pk->dport = (uint16_t)x;
					pk->flags |= NFP_PK_ICMPID;
				} else if (F("id") && capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
					pk->sport = (uint16_t)x;
					pk->flags |= NFP_PK_ICMPID;
				} else if (F("sequence") && capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
					pk->dport = (uint16_t)x;
				}
			} else if (L("tcp") || L("udp") || L("sctp") || L("udplite") || L("dccp")) {
				pk->proto = (uint8_t)nfp_proto_parse(l, ll);
				pk->flags |= NFP_PK_PROTO;
				if ((F("sport") || F("dport")) && capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
					if (F("sport"))
						pk->sport = (uint16_t)x;
					else
						pk->dport = (uint16_t)x;
					pk->flags |= NFP_PK_PORTS;
				} else if (F("flags")) {
					/* "syn", "syn | ack" or "0x12"; nft 1.0.6 writes "== syn" */
					if (vl == 2 && memcmp(v, "==", 2) == 0 && !next_word(t, &v, &vl))
						break;
					static const char *const fl8[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr" };
					for (;;) {
						for (int b = 0; b < 8; b++)
							if (strlen(fl8[b]) == vl && memcmp(fl8[b], v, vl) == 0)
								pk->tcp_flags |= (uint8_t)(1u << b);
						if (capture_parse_uint(v, vl, 16, 255, &x) == 0 && vl > 2)
							pk->tcp_flags = (uint8_t)x;
						const char *save = t->s;
						const char *bar;
						size_t bl;
						if (next_word(t, &bar, &bl) && bl == 1 && bar[0] == '|' && next_word(t, &v, &vl))
							continue;
						t->s = save;
						break;
					}
				}
			} else if (L("meta") && F("mark")) {
				if (capture_parse_uint(v, vl, 0, UINT32_MAX, &x) == 0) {
					pk->mark = (uint32_t)x;
					pk->flags |= NFP_PK_MARK;
				}
			}
#undef F
#undef L
			continue;
		}
		/* anything else ("@th,64,96 0x..", vlan ...): skip its value */
	}
	return 0;
}

void capture_mon_apply(struct nfp_hop *h, const struct capture_mon_pkt *sl)
{
	h->in = sl->in;
	h->out = sl->out;
	h->pk = sl->pk;
	h->inner = sl->inner;
	h->flags |= NFP_HOP_HAVE_PKT;
	if (sl->ct_state) {
		h->ct_state = sl->ct_state;
		h->ct_dir = sl->ct_dir;
		h->ct_id = sl->ct_id;
		h->flags |= NFP_HOP_CT;
	}
}

/* "ct state new ct direction original ct id 123" in a packet line, printed
 * by nft versions that decode the kernel's conntrack trace attributes */
static void nft_ct_fields(const char *s, size_t n, struct capture_mon_pkt *sl)
{
	static const char *const states[] = { "", "new", "established", "related", "invalid", "untracked" };
	for (size_t i = 0; i + 6 <= n; i++) {
		const char *p = s + i;
		size_t left = n - i;
		if (left > 9 && memcmp(p, "ct state ", 9) == 0) {
			for (int k = 1; k < 6; k++) {
				size_t kl = strlen(states[k]);
				if (left - 9 >= kl && memcmp(p + 9, states[k], kl) == 0)
					sl->ct_state = (uint8_t)k;
			}
		} else if (left > 13 && memcmp(p, "ct direction ", 13) == 0) {
			sl->ct_dir = p[13] == 'r' ? NFP_DIR_REPLY : NFP_DIR_ORIGINAL;
		} else if (memcmp(p, "ct id ", 6) == 0) {
			size_t e = 6;
			while (e < left && p[e] >= '0' && p[e] <= '9')
				e++;
			uint64_t x;
			if (capture_parse_uint(p + 6, e - 6, 10, UINT32_MAX, &x) == 0)
				sl->ct_id = (uint32_t)x;
		}
	}
}

int capture_nftmon_parse(const char *s, size_t n, struct capture_mon_state *st, struct capture_strpool *sp,
			 struct nfp_hop *h, const char **err)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (n < 9 || memcmp(s, "trace id ", 9) != 0)
		return NFP_PARSE_SKIP;
	struct tok t = { s + 9, s + n };
	const char *w;
	size_t wl;
	uint64_t id;
	if (!next_word(&t, &w, &wl) || capture_parse_uint(w, wl, 16, UINT32_MAX, &id) < 0) {
		*err = "bad trace id";
		return NFP_PARSE_BAD;
	}
	const char *fw, *tw, *cw;
	size_t fl, tl, cl;
	if (!next_word(&t, &fw, &fl) || !next_word(&t, &tw, &tl) || !next_word(&t, &cw, &cl) || !next_word(&t, &w, &wl)) {
		*err = "truncated trace line";
		return NFP_PARSE_TRUNCATED;
	}
	int fam = nfp_family_parse(fw, fl);
	if (fam < 0 || fam == NFP_FAM_UNSPEC) {
		*err = "unknown family in trace line";
		return NFP_PARSE_UNSUPPORTED;
	}
	if (W("packet:")) {
		struct capture_mon_pkt *sl = capture_mon_slot(st, (uint32_t)id, (uint8_t)fam, 1);
		sl->in = sl->out = 0;
		sl->ct_state = sl->ct_dir = 0;
		sl->ct_id = 0;
		memset(&sl->pk, 0, sizeof(sl->pk));
		nft_ct_fields(t.s, (size_t)(s + n - t.s), sl);
		if (nft_packet_fields(&t, sp, &sl->in, &sl->out, &sl->pk, err) < 0)
			return NFP_PARSE_BAD;
		if (sl->pk.flags & NFP_PK_ICMP)
			nft_inner(s, n, sl);
		return NFP_PARSE_STATE;
	}
	memset(h, 0, sizeof(*h));
	h->rule = -1;
	h->source = NFP_SRC_NFTMON;
	h->family = (uint8_t)fam;
	h->trace_id = (uint32_t)id;
	h->flags |= NFP_HOP_TRACE_ID;
	h->table = intern(sp, tw, tl);
	h->chain = intern(sp, cw, cl);
	const struct capture_mon_pkt *sl = capture_mon_slot(st, (uint32_t)id, (uint8_t)fam, 0);
	if (sl)
		capture_mon_apply(h, sl);
	if (W("rule")) {
		h->kind = NFP_KIND_RULE;
		const char *txt = t.s;
		while (txt < s + n && *txt == ' ')
			txt++;
		const char *end = s + n;
		/* the verdict is the last parenthesised part */
		const char *vp = NULL;
		for (const char *p = txt; p + 9 <= end; p++)
			if (memcmp(p, "(verdict ", 9) == 0)
				vp = p;
		if (vp) {
			const char *ve = memchr(vp, ')', (size_t)(end - vp));
			if (!ve)
				ve = end;
			struct tok vt = { vp + 9, ve };
			if (next_word(&vt, &w, &wl))
				h->verdict = (uint8_t)nfp_verdict_parse(w, (int)wl);
			if (next_word(&vt, &w, &wl))
				h->jump = intern(sp, w, wl);
			end = vp;
		}
		while (end > txt && end[-1] == ' ')
			end--;
		/* "# handle N" when printed with -a */
		for (const char *p = txt; p + 9 <= end; p++)
			if (memcmp(p, "# handle ", 9) == 0) {
				uint64_t hd;
				if (capture_parse_uint(p + 9, (size_t)(end - p - 9), 10, UINT64_MAX, &hd) == 0) {
					h->handle = hd;
					h->flags |= NFP_HOP_HANDLE;
					end = p;
					while (end > txt && end[-1] == ' ')
						end--;
				}
				break;
			}
		/* counters change with every packet; keep the rule's text stable */
		char buf[1024];
		size_t bl = 0;
		for (const char *p = txt; p < end && bl < sizeof(buf) - 8;) {
			if (end - p > 16 && memcmp(p, "counter packets ", 16) == 0) {
				memcpy(buf + bl, "counter", 7);
				bl += 7;
				const char *q = p + 16;
				while (q < end && *q != ' ')
					q++; /* N */
				if (end - q > 7 && memcmp(q, " bytes ", 7) == 0) {
					q += 7;
					while (q < end && *q != ' ')
						q++;
				}
				p = q;
				continue;
			}
			buf[bl++] = *p++;
		}
		h->rule_text = intern(sp, buf, bl);
	} else if (W("policy")) {
		h->kind = NFP_KIND_POLICY;
		if (next_word(&t, &w, &wl))
			h->verdict = (uint8_t)nfp_verdict_parse(w, (int)wl);
	} else if (W("verdict") || W("return")) {
		h->kind = NFP_KIND_RETURN;
		if (W("verdict") && next_word(&t, &w, &wl))
			h->verdict = (uint8_t)nfp_verdict_parse(w, (int)wl);
		else
			h->verdict = NFP_V_RETURN;
	} else {
		*err = "unknown trace event type";
		return NFP_PARSE_UNSUPPORTED;
	}
	return NFP_PARSE_HOP;
}

/* xtables-monitor prints header bytes with a signed-char bug: a byte over
 * 0x7f comes out as "ffffffXX". Undo that while decoding. */
static size_t xt_hex(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0, i = 0;
	while (i + 1 < n && o < cap) {
		if (i + 8 <= n && memcmp(s + i, "ffffff", 6) == 0 && nfp_hexval(s[i + 6]) >= 8) {
			i += 6;
		}
		int a = nfp_hexval(s[i]), b = nfp_hexval(s[i + 1]);
		if (a < 0 || b < 0)
			break;
		out[o++] = (uint8_t)(a << 4 | b);
		i += 2;
	}
	return o;
}

size_t capture_monitor_note(const char *s, size_t n)
{
	static const char *const notes[] = {
		"NEWGEN: ",	      /* xtables-monitor: a ruleset generation */
		"# new generation ", /* nft monitor */
		"EVENT: ",	      /* xtables-monitor --event */
	};
	if (!n || (s[0] != 'N' && s[0] != '#' && s[0] != 'E' && s[0] != 'u'))
		return 0;
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		size_t l = strlen(notes[i]);
		if (n >= l && memcmp(s, notes[i], l) == 0)
			return n;
	}
	/* xtables-monitor 1.8.9 writes this to stderr, without a newline, when
	 * it cannot print a traced rule: captured with 2>&1 it may sit in front
	 * of a trace line, which is still read */
	static const char unsup[] = "unsupported layer 4 protocol value";
	return n >= sizeof(unsup) - 1 && memcmp(s, unsup, sizeof(unsup) - 1) == 0 ? sizeof(unsup) - 1 : 0;
}

int capture_xtmon_parse(const char *s, size_t n, struct capture_mon_state *st, struct capture_strpool *sp,
			struct nfp_hop *h, const char **err)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	size_t o = 0;
	while (o < n && s[o] == ' ')
		o++;
	int is_packet = n - o > 8 && memcmp(s + o, "PACKET: ", 8) == 0;
	int is_trace = n - o > 7 && memcmp(s + o, "TRACE: ", 7) == 0;
	if (!is_packet && !is_trace)
		return NFP_PARSE_SKIP;
	struct tok t = { s + o + (is_packet ? 8 : 7), s + n };
	const char *w;
	size_t wl;
	uint64_t fam, id;
	if (!next_word(&t, &w, &wl) || capture_parse_uint(w, wl, 10, 255, &fam) < 0)
		return is_trace ? NFP_PARSE_SKIP : (*err = "bad family in PACKET line", NFP_PARSE_BAD);
	if (!next_word(&t, &w, &wl) || capture_parse_uint(w, wl, 16, UINT32_MAX, &id) < 0) {
		*err = "bad trace id";
		return NFP_PARSE_BAD;
	}
	if (is_packet) {
		struct capture_mon_pkt *sl = capture_mon_slot(st, (uint32_t)id, (uint8_t)fam, 1);
		sl->in = sl->out = 0;
		memset(&sl->pk, 0, sizeof(sl->pk));
		struct nfp_pkt *pk = &sl->pk;
		int seen_proto = 0, ports = 0, tcpf = 0, arp = fam == NFP_FAM_ARP;
		while (next_word(&t, &w, &wl)) {
			const char *eq = memchr(w, '=', wl);
			if (!eq) {
				/* TCP flags follow SPORT/DPORT; only TCP prints them */
				static const char *const fl[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG" };
				if (W("DF"))
					pk->flags |= NFP_PK_DF;
				else if (ports)
					for (int b = 0; b < 6; b++)
						if (strlen(fl[b]) == wl && memcmp(fl[b], w, wl) == 0) {
							pk->tcp_flags |= (uint8_t)(1u << b);
							tcpf = 1;
						}
				continue;
			}
			size_t kl = (size_t)(eq - w);
			const char *v = eq + 1;
			size_t vl = wl - kl - 1;
			uint64_t x;
#define K(lit) (kl == sizeof(lit) - 1 && memcmp(w, lit, sizeof(lit) - 1) == 0)
			if (K("IN"))
				sl->in = intern(sp, v, vl);
			else if (K("OUT"))
				sl->out = intern(sp, v, vl);
			else if (K("MACSRC") && capture_parse_mac(v, vl, pk->mac_src) == 0)
				pk->flags |= NFP_PK_MACS;
			else if (K("MACDST") && capture_parse_mac(v, vl, pk->mac_dst) == 0)
				pk->flags |= NFP_PK_MACS;
			else if (K("SRC") || K("DST")) {
				uint8_t l3;
				if (capture_parse_ip(v, vl, K("SRC") ? pk->src : pk->dst, &l3) < 0) {
					*err = "bad address in PACKET line";
					return NFP_PARSE_BAD;
				}
				pk->l3 = l3;
				pk->flags |= NFP_PK_ADDRS;
			} else if (K("LEN") && capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
				pk->len = (uint16_t)x;
				pk->flags |= NFP_PK_LEN;
			} else if ((K("TTL") || K("HOPLIMIT")) && capture_parse_uint(v, vl, 10, 255, &x) == 0) {
				pk->ttl = (uint8_t)x;
				pk->flags |= NFP_PK_TTL;
			} else if (K("ID") && !seen_proto) {
				/* some versions print "ID=%d" and "DF " with no space between */
				size_t dl = 0;
				while (dl < vl && v[dl] >= '0' && v[dl] <= '9')
					dl++;
				if (capture_parse_uint(v, dl, 10, 65535, &x) == 0) {
					pk->ipid = (uint32_t)x;
					pk->flags |= NFP_PK_IPID;
				}
				if (vl - dl == 2 && memcmp(v + dl, "DF", 2) == 0)
					pk->flags |= NFP_PK_DF;
			} else if (K("PROTO")) {
				seen_proto = 1;
				int p = nfp_proto_parse(v, vl);
				if (p >= 0) {
					pk->proto = (uint8_t)p;
					pk->flags |= NFP_PK_PROTO;
				}
			} else if ((K("SPT") || K("DPT") || K("SPORT") || K("DPORT")) &&
				   capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
				if (w[0] == 'S')
					pk->sport = (uint16_t)x;
				else
					pk->dport = (uint16_t)x;
				pk->flags |= NFP_PK_PORTS;
				ports = 1;
			} else if (K("MACPROTO")) {
				arp |= vl == 4 && memcmp(v, "0806", 4) == 0;
			} else if (K("MARK") && capture_parse_uint(v, vl, 0, UINT32_MAX, &x) == 0) {
				pk->mark = (uint32_t)x;
				pk->flags |= NFP_PK_MARK;
			} else if (K("NH")) {
				uint8_t raw[64];
				size_t rl = xt_hex(v, vl, raw, sizeof(raw));
				struct nfp_pkt dec = { 0 };
				if (arp ? capture_arp_decode(raw, rl, &dec) == 0 : capture_pkt_decode(raw, rl, NULL, 0, &dec) == 0) {
					/* the frame's MACs when printed (see struct nfp_pkt) */
					if (pk->flags & NFP_PK_MACS) {
						memcpy(dec.mac_src, pk->mac_src, 6);
						memcpy(dec.mac_dst, pk->mac_dst, 6);
					}
					dec.flags |= pk->flags & NFP_PK_MACS;
					*pk = dec;
				}
			}
#undef K
		}
		/* xtables-monitor prints no protocol for IPv4/IPv6: ports with
		 * TCP's flags are TCP; ports alone are UDP, UDP-Lite, SCTP or DCCP,
		 * which the line does not tell apart, so the protocol stays unknown */
		if (tcpf && !(pk->flags & NFP_PK_PROTO)) {
			pk->proto = 6;
			pk->flags |= NFP_PK_PROTO;
		}
		return NFP_PARSE_STATE;
	}
	/* TRACE: table:chain:rule:0xHANDLE:VERDICT[:TARGET], table:chain:policy:VERDICT
	 * or table:chain:return:[TARGET], then the rule's text. VERDICT is a
	 * name, or the kernel's code in hex when xtables-monitor has no name
	 * for it (0xfffffffb is RETURN). */
	if (!next_word(&t, &w, &wl)) {
		*err = "truncated TRACE line";
		return NFP_PARSE_TRUNCATED;
	}
	const char *part[6];
	size_t plen[6];
	int np = 0;
	size_t ps = 0;
	for (size_t j = 0; j <= wl && np < 6; j++)
		if (j == wl || (w[j] == ':' && np < 5)) {
			/* the sixth part (a jump target) keeps any further ':' */
			part[np] = w + ps;
			plen[np] = j - ps;
			np++;
			ps = j + 1;
		}
	if (np < 3 || !plen[0] || !plen[1]) {
		*err = "truncated TRACE line (want table:chain:type)";
		return NFP_PARSE_TRUNCATED;
	}
	memset(h, 0, sizeof(*h));
	h->rule = -1;
	h->source = NFP_SRC_XTMON;
	h->family = (uint8_t)fam;
	h->trace_id = (uint32_t)id;
	h->flags |= NFP_HOP_TRACE_ID;
	h->table = intern(sp, part[0], plen[0]);
	h->chain = intern(sp, part[1], plen[1]);
	const char *k = part[2];
	size_t kl = plen[2];
	int vpart;
	if (kl == 4 && memcmp(k, "rule", 4) == 0) {
		h->kind = NFP_KIND_RULE;
		uint64_t hd;
		if (np < 5) {
			*err = "truncated TRACE rule (want rule:0xHANDLE:VERDICT)";
			return NFP_PARSE_TRUNCATED;
		}
		/* the rule's handle, not its position in the chain */
		if (capture_parse_uint(part[3], plen[3], 0, UINT64_MAX, &hd) < 0) {
			*err = "bad rule handle in TRACE line";
			return NFP_PARSE_BAD;
		}
		h->handle = hd;
		h->flags |= NFP_HOP_HANDLE;
		vpart = 4;
	} else if (kl == 6 && memcmp(k, "policy", 6) == 0) {
		h->kind = NFP_KIND_POLICY;
		if (np < 4) {
			*err = "truncated TRACE policy (want policy:VERDICT)";
			return NFP_PARSE_TRUNCATED;
		}
		vpart = 3;
	} else if (kl == 6 && memcmp(k, "return", 6) == 0) {
		h->kind = NFP_KIND_RETURN;
		vpart = -1;
	} else {
		*err = "unknown trace type";
		return NFP_PARSE_UNSUPPORTED;
	}
	if (vpart < 0) {
		h->verdict = NFP_V_RETURN;
		if (np > 3 && plen[3])
			h->jump = intern(sp, part[3], plen[3]);
	} else {
		const char *v = part[vpart];
		size_t vl = plen[vpart];
		uint64_t code;
		if (vl > 2 && v[0] == '0' && v[1] == 'x')
			h->verdict = capture_parse_uint(v, vl, 16, UINT32_MAX, &code) == 0
					     ? (uint8_t)nfp_verdict_code((uint32_t)code)
					     : NFP_V_OTHER;
		else
			h->verdict = (uint8_t)nfp_verdict_parse(v, (int)vl);
		if (np > vpart + 1 && plen[vpart + 1])
			h->jump = intern(sp, part[vpart + 1], plen[vpart + 1]);
	}
	const char *txt = t.s;
	while (txt < s + n && *txt == ' ')
		txt++;
	if (txt < s + n)
		h->rule_text = intern(sp, txt, (size_t)(s + n - txt));
	const struct capture_mon_pkt *sl = capture_mon_slot(st, (uint32_t)id, (uint8_t)fam, 0);
	if (sl)
		capture_mon_apply(h, sl);
	return NFP_PARSE_HOP;
}
