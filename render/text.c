/* text: escaping and one-line descriptions (see text.h). */
#include "text.h"

#include "../capture/box.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* length of a valid UTF-8 sequence at s, or 0 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t l;
	unsigned min;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		l = 2;
		min = 0x80;
	} else if (c < 0xf0) {
		l = 3;
		min = 0x800;
	} else {
		l = 4;
		min = 0x10000;
	}
	if (l > n)
		return 0;
	unsigned cp = c & (0x3f >> (l - 1));
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls and bidi overrides could still confuse a terminal */
	if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return l;
}

int render_esc(struct capture_buf *b, const char *s, size_t n, int ascii)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* copy the longest run of plain printable ASCII at once */
		size_t j = i;
		while (j < n && u[j] >= 0x20 && u[j] < 0x7f && u[j] != '\\')
			j++;
		if (j > i && capture_buf_put(b, s + i, j - i) < 0)
			return -1;
		i = j;
		if (i >= n)
			break;
		if (u[i] == '\\') {
			if (capture_buf_put(b, "\\\\", 2) < 0)
				return -1;
			i++;
			continue;
		}
		size_t l = (!ascii && u[i] >= 0x80) ? utf8_len(u + i, n - i) : 0;
		if (l) {
			if (capture_buf_put(b, s + i, l) < 0)
				return -1;
			i += l;
			continue;
		}
		char e[4] = { '\\', 'x', hex[u[i] >> 4], hex[u[i] & 15] };
		if (capture_buf_put(b, e, 4) < 0)
			return -1;
		i++;
	}
	return 0;
}

int render_json_str(struct capture_buf *b, const char *s, size_t n)
{
	/* fast path: plain printable ASCII needs no escaping at all */
	size_t plain = 0;
	while (plain < n && (unsigned char)s[plain] >= 0x20 && (unsigned char)s[plain] < 0x7f && s[plain] != '"' &&
	       s[plain] != '\\')
		plain++;
	if (plain == n)
		return capture_buf_putc(b, '"') | capture_buf_put(b, s, n) | capture_buf_putc(b, '"');
	struct capture_buf tmp = { 0 };
	if (render_esc(&tmp, s, n, 0) < 0) {
		capture_buf_free(&tmp);
		return -1;
	}
	int r = capture_buf_putc(b, '"');
	for (size_t i = 0; i < tmp.len && r == 0; i++) {
		char c = tmp.p[i];
		if (c == '"' || c == '\\')
			r = capture_buf_putc(b, '\\');
		if (r == 0)
			r = capture_buf_putc(b, c);
	}
	if (r == 0)
		r = capture_buf_putc(b, '"');
	capture_buf_free(&tmp);
	return r;
}

void render_addr(const struct nfp_pkt *pk, int dst, char *out, size_t cap)
{
	out[0] = '\0';
	if (!(pk->flags & NFP_PK_ADDRS))
		return;
	const uint8_t *a = dst ? pk->dst : pk->src;
	if (pk->l3 != 6 && cap >= 16) {
		/* the printers format millions of these: no library call */
		size_t o = 0;
		for (int i = 0; i < 4; i++) {
			unsigned v = a[i];
			if (v >= 100)
				out[o++] = (char)('0' + v / 100);
			if (v >= 10)
				out[o++] = (char)('0' + v / 10 % 10);
			out[o++] = (char)('0' + v % 10);
			out[o++] = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (!inet_ntop(pk->l3 == 6 ? AF_INET6 : AF_INET, a, out, (socklen_t)cap))
		out[0] = '\0';
}

void render_proto(const struct nfp_pkt *pk, char *out, size_t cap)
{
	if (!(pk->flags & NFP_PK_PROTO)) {
		snprintf(out, cap, "%s", pk->l3 == 6 ? "IPv6" : pk->l3 == 4 ? "IP" : "?");
		return;
	}
	switch (pk->proto) {
	case 1:
		snprintf(out, cap, "ICMP");
		break;
	case 6:
		snprintf(out, cap, "TCP");
		break;
	case 17:
		snprintf(out, cap, "UDP");
		break;
	case 58:
		snprintf(out, cap, "ICMPv6");
		break;
	case 132:
		snprintf(out, cap, "SCTP");
		break;
	default:
		snprintf(out, cap, "proto %u", pk->proto);
	}
}

static int detail(const struct nfp_pkt *pk)
{
	int d = 0;
	if (pk->flags & NFP_PK_ADDRS)
		d += 4;
	if (pk->flags & NFP_PK_PROTO)
		d += 2;
	if (pk->flags & (NFP_PK_ICMP | NFP_PK_PORTS))
		d += 2;
	if (pk->flags & NFP_PK_ICMPID)
		d += 1;
	return d;
}

const struct nfp_hop *render_best_hop(const struct capture_trace *t, const struct nfp_packet *p)
{
	const struct nfp_hop *best = NULL;
	int bd = -1;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		int d = detail(&h->pk);
		if (d > bd) {
			bd = d;
			best = h;
		}
	}
	return best;
}

static const char *icmp_name(int v6, int type)
{
	if (!v6) {
		switch (type) {
		case 0:
			return "echo-reply";
		case 3:
			return "dest-unreachable";
		case 5:
			return "redirect";
		case 8:
			return "echo-request";
		case 11:
			return "time-exceeded";
		}
	} else {
		switch (type) {
		case 1:
			return "dest-unreachable";
		case 2:
			return "packet-too-big";
		case 3:
			return "time-exceeded";
		case 128:
			return "echo-request";
		case 129:
			return "echo-reply";
		case 135:
			return "neighbor-solicit";
		case 136:
			return "neighbor-advert";
		}
	}
	return NULL;
}

void render_packet_summary(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap)
{
	const struct nfp_hop *h = render_best_hop(t, p);
	if (!h) {
		snprintf(out, cap, "(no hops)");
		return;
	}
	const struct nfp_pkt *pk = &h->pk;
	char proto[16], s[48], d[48];
	render_proto(pk, proto, sizeof(proto));
	render_addr(pk, 0, s, sizeof(s));
	render_addr(pk, 1, d, sizeof(d));
	size_t o = 0;
	o += (size_t)snprintf(out + o, cap - o, "%s", proto);
	if ((pk->flags & NFP_PK_ICMP) && o < cap) {
		const char *n = icmp_name(pk->proto == 58, pk->icmp_type);
		if (n)
			o += (size_t)snprintf(out + o, cap - o, " %s", n);
		else
			o += (size_t)snprintf(out + o, cap - o, " type %u code %u", pk->icmp_type, pk->icmp_code);
	}
	if (!(pk->flags & NFP_PK_ADDRS)) {
		if (o < cap)
			snprintf(out + o, cap - o, " (no addresses)");
		return;
	}
	/* "c1 (172.17.0.2)" when the capture learnt who holds the address */
	char sn[160], dn[160];
	for (int k = 0; k < 2; k++) {
		const char *a = k ? d : s;
		char *outn = k ? dn : sn;
		uint32_t id = capture_trace_name(t, 2, a);
		int ports = (pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID);
		char addr[80];
		if (ports)
			snprintf(addr, sizeof(addr), pk->l3 == 6 ? "[%s]:%u" : "%s:%u", a, k ? pk->dport : pk->sport);
		else
			snprintf(addr, sizeof(addr), "%s", a);
		if (id) {
			struct capture_buf e = { 0 };
			render_esc(&e, capture_str(t, id), capture_strpool_len(t->sp, id), 0);
			snprintf(outn, 160, "%.60s (%s)", e.p ? e.p : "", addr);
			capture_buf_free(&e);
		} else {
			snprintf(outn, 160, "%s", addr);
		}
	}
	if (o < cap)
		o += (size_t)snprintf(out + o, cap - o, " %s > %s", sn, dn);
	if ((pk->flags & NFP_PK_ICMPID) && o < cap)
		o += (size_t)snprintf(out + o, cap - o, " id %u seq %u", pk->sport, pk->dport);
	if (pk->proto == 6 && pk->tcp_flags && o < cap) {
		static const char *const fl[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
		o += (size_t)snprintf(out + o, cap - o, " [");
		int first = 1;
		for (int b = 0; b < 8 && o < cap; b++)
			if (pk->tcp_flags & (1u << b)) {
				o += (size_t)snprintf(out + o, cap - o, "%s%s", first ? "" : ",", fl[b]);
				first = 0;
			}
		if (o < cap)
			snprintf(out + o, cap - o, "]");
	}
}

const char *render_hop_rule(const struct capture_trace *t, const struct nfp_hop *h)
{
	return capture_str(t, h->rule_text);
}

void render_hop_kind(const struct capture_trace *t, const struct nfp_hop *h, char *out, size_t cap)
{
	(void)t;
	const char *k = nfp_kind_name(h->kind);
	if (h->rule >= 0)
		snprintf(out, cap, "%s %d", k, h->rule);
	else if (h->flags & NFP_HOP_HANDLE)
		snprintf(out, cap, "%s #%llu", k, (unsigned long long)h->handle);
	else
		snprintf(out, cap, "%s", k);
}
