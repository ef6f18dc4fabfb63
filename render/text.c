/* text: escaping and one-line descriptions (see text.h). */
#include "text.h"

#include "../capture/tunnel.h"

#include "../capture/box.h"
#include "../capture/dropreason.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* length of a valid UTF-8 sequence at s (its code point in *cp), or 0 */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp_out)
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
	*cp_out = cp;
	return l;
}

/* C1 controls and bidi overrides could still confuse a terminal */
static int cp_unsafe(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* length of a valid UTF-8 sequence at s that is safe to print raw, or 0 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t l = utf8_seq(s, n, &cp);
	return l && !cp_unsafe(cp) ? l : 0;
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
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	/* fast path: plain printable ASCII needs no escaping at all */
	size_t plain = 0;
	while (plain < n && u[plain] >= 0x20 && u[plain] < 0x7f && s[plain] != '"' && s[plain] != '\\')
		plain++;
	if (plain == n)
		return capture_buf_putc(b, '"') | capture_buf_put(b, s, n) | capture_buf_putc(b, '"');
	/* JSON's own escapes, so a reader gets the bytes back: controls (C0,
	 * DEL, C1) and bidi overrides as \uXXXX (never raw on a terminal),
	 * a byte that is not UTF-8 as U+FFFD (JSON text is UTF-8) */
	int r = capture_buf_putc(b, '"') | capture_buf_put(b, s, plain);
	size_t i = plain;
	while (i < n && r == 0) {
		unsigned cp = u[i];
		size_t l = 1;
		if (cp >= 0x80 && !(l = utf8_seq(u + i, n - i, &cp))) {
			cp = 0xfffd;
			l = 1;
		}
		if (cp == '"' || cp == '\\') {
			char e[2] = { '\\', (char)cp };
			r = capture_buf_put(b, e, 2);
		} else if (cp < 0x20 || cp == 0x7f || cp_unsafe(cp) || cp == 0xfffd) {
			char e[6] = { '\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15] };
			r = capture_buf_put(b, e, 6);
		} else {
			r = capture_buf_put(b, s + i, l);
		}
		i += l;
	}
	return r | capture_buf_putc(b, '"');
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
	if (pk->flags & NFP_PK_ARP) {
		snprintf(out, cap, "ARP");
		return;
	}
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

int render_packet_hosts(const struct capture_trace *t, const struct nfp_packet *p, uint32_t *out, int max)
{
	int n = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		uint32_t h = capture_packet_hop(t, p, i)->host;
		int seen = !h;
		for (int k = 0; k < n && !seen; k++)
			seen = out[k] == h;
		if (!seen && n < max)
			out[n++] = h;
	}
	return n;
}

uint32_t render_journey_host(const struct capture_trace *t, const struct nfp_packet *p, uint32_t hop, char *label,
			     size_t cap, int ascii)
{
	uint32_t hs[16];
	int n = render_packet_hosts(t, p, hs, 16);
	if (cap)
		label[0] = '\0';
	if (n < 2 || hop >= p->nhops)
		return 0;
	uint32_t host = capture_packet_hop(t, p, hop)->host;
	int k = 0;
	while (k < n && hs[k] != host)
		k++;
	if (k == n)
		return 0; /* a hop that named no host: the whole journey */
	struct capture_buf b = { 0 };
	render_esc(&b, capture_str(t, host), capture_str_len(t, host), ascii);
	snprintf(label, cap, "host %s (%d of %d)", b.p ? b.p : "", k + 1, n);
	capture_buf_free(&b);
	return host;
}

long render_next_host_hop(const struct capture_trace *t, const struct nfp_packet *p, uint32_t hop)
{
	uint32_t hs[16];
	int n = render_packet_hosts(t, p, hs, 16);
	if (n < 2 || hop >= p->nhops)
		return -1;
	uint32_t host = capture_packet_hop(t, p, hop)->host;
	int k = 0;
	while (k < n && hs[k] != host)
		k++;
	uint32_t next = hs[k < n ? (k + 1) % n : 0];
	for (uint32_t i = 0; i < p->nhops; i++)
		if (capture_packet_hop(t, p, i)->host == next)
			return (long)i;
	return -1;
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
	if ((pk->flags & NFP_PK_ARP) && o < cap) {
		/* the operation tells a request from its reply (RFC 826, RFC 903) */
		static const char *const ops[] = { NULL, "request", "reply", "rarp-request", "rarp-reply" };
		if (pk->arp_op && pk->arp_op < 5)
			o += (size_t)snprintf(out + o, cap - o, " %s", ops[pk->arp_op]);
		else
			o += (size_t)snprintf(out + o, cap - o, " op %u", pk->arp_op);
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
		uint32_t id = capture_trace_name_on(t, h->host, 2, a);
		int ports = (pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID);
		char addr[80];
		if (ports)
			snprintf(addr, sizeof(addr), pk->l3 == 6 ? "[%s]:%u" : "%s:%u", a, k ? pk->dport : pk->sport);
		else
			snprintf(addr, sizeof(addr), "%s", a);
		if (id) {
			struct capture_buf e = { 0 };
			render_esc(&e, capture_str(t, id), capture_str_len(t, id), 0);
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
	const char *k = nfp_kind_name(h->kind);
	/* the original of a reply raw sockets already got: not a drop */
	if (h->kind == NFP_KIND_DROP &&
	    capture_dropreason_after_delivery(capture_str(t, h->drop_reason), capture_str(t, h->drop_location)))
		k = "freed";
	/* a rule's number says what it counts: "rule 3" is the third rule of
	 * its chain (legacy TRACE, iptables -L --line-numbers), "rule handle
	 * 13" nftables' handle (nft -a list ruleset); a legacy policy or
	 * return number only counts the rules before it */
	if (h->kind == NFP_KIND_POLICY || h->kind == NFP_KIND_RETURN)
		snprintf(out, cap, "%s", k);
	else if (h->rule >= 0)
		snprintf(out, cap, "%s %d", k, h->rule);
	else if (h->flags & NFP_HOP_HANDLE)
		snprintf(out, cap, "%s handle %llu", k, (unsigned long long)h->handle);
	else
		snprintf(out, cap, "%s", k);
}

/* ---- verdict labels and fates ------------------------------------------ */

#define PUTS(b, s) capture_buf_put((b), (s), strlen(s))

/* the word after key in text (up to a space), into out escaped */
static int word_after(const char *text, const char *key, char *out, size_t cap, int ascii)
{
	const char *k = strstr(text, key);
	if (!k)
		return 0;
	k += strlen(key);
	size_t n = strcspn(k, " ;");
	struct capture_buf e = { 0 };
	render_esc(&e, k, n, ascii);
	snprintf(out, cap, "%s", e.p ? e.p : "");
	capture_buf_free(&e);
	return n > 0;
}

/* nft prints "dnat to X", "dnat ip to X", "snat ip6 to X": the word after
 * the "to" that follows the action word */
static int nft_nat_to(const char *text, const char *act, char *arg, size_t cap, int ascii)
{
	for (const char *p = text; (p = strstr(p, act)) != NULL; p++) {
		if (p != text && p[-1] != ' ')
			continue;
		const char *e = p + strlen(act);
		if (*e != ' ' && *e != '\0')
			continue;
		const char *to = strstr(e, " to ");
		if (!to || to - e > 8)
			return 1; /* "masquerade" and friends need no address */
		return word_after(to, " to ", arg, cap, ascii) ? 2 : 1;
	}
	return 0;
}

void render_verdict_label(const struct capture_trace *t, const struct nfp_hop *h, char *out, size_t cap, int ascii)
{
	const char *rt = capture_str(t, h->rule_text);
	snprintf(out, cap, "%s", h->verdict ? nfp_verdict_name(h->verdict) : "");
	if (!*rt || (h->verdict != NFP_V_ACCEPT && h->verdict != NFP_V_NONE))
		return;
	char arg[96];
	static const struct {
		const char *target, *opt, *label;
	} xt[] = {
		{ "-j DNAT", "--to-destination ", "dnat to" },
		{ "-j SNAT", "--to-source ", "snat to" },
		{ "-j MASQUERADE", "--to-ports ", "masquerade" },
		{ "-j REDIRECT", "--to-ports ", "redirect to" },
	};
	for (size_t i = 0; i < sizeof(xt) / sizeof(xt[0]); i++) {
		const char *j = strstr(rt, xt[i].target);
		if (!j || (j[strlen(xt[i].target)] != ' ' && j[strlen(xt[i].target)] != '\0'))
			continue;
		if (word_after(j, xt[i].opt, arg, sizeof(arg), ascii))
			snprintf(out, cap, "%s %s", xt[i].label, arg);
		else
			snprintf(out, cap, "%s", i == 2 ? "masquerade" : xt[i].label);
		if (i == 2 && strcmp(out, "masquerade") != 0)
			snprintf(out, cap, "masquerade to ports %s", arg);
		return;
	}
	static const char *const nft[] = { "dnat", "snat", "masquerade", "redirect" };
	for (size_t i = 0; i < sizeof(nft) / sizeof(nft[0]); i++) {
		int r = nft_nat_to(rt, nft[i], arg, sizeof(arg), ascii);
		if (r == 2)
			snprintf(out, cap, "%s to %s", nft[i], arg);
		else if (r == 1)
			snprintf(out, cap, "%s", nft[i]);
		if (r)
			return;
	}
}

static void esc_id(struct capture_buf *b, const struct capture_trace *t, uint32_t id, int ascii)
{
	render_esc(b, capture_str(t, id), capture_str_len(t, id), ascii);
}

void render_fate_by(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap, int ascii)
{
	const struct nfp_fate *f = &p->fate;
	struct capture_buf b = { 0 };
	char num[48];
	switch (f->by) {
	case NFP_FATE_BY_RULE:
	case NFP_FATE_BY_INFERRED: {
		const struct nfp_hop *h = f->hop < p->nhops ? capture_packet_hop(t, p, f->hop) : NULL;
		if (f->rule >= 0)
			snprintf(num, sizeof(num), "rule %d", f->rule);
		else if (h && f->by == NFP_FATE_BY_RULE && (h->flags & NFP_HOP_HANDLE))
			snprintf(num, sizeof(num), "rule handle %llu", (unsigned long long)h->handle);
		else
			snprintf(num, sizeof(num), "a rule");
		PUTS(&b, num);
		if (f->chain) {
			PUTS(&b, f->rule >= 0 ? " of " : " in ");
			esc_id(&b, t, f->chain, ascii);
		}
		break;
	}
	case NFP_FATE_BY_POLICY:
		PUTS(&b, "the policy of ");
		esc_id(&b, t, f->chain, ascii);
		break;
	case NFP_FATE_BY_KERNEL:
		PUTS(&b, "the kernel");
		if (f->reason) {
			PUTS(&b, " (");
			esc_id(&b, t, f->reason, ascii);
			PUTS(&b, ")");
		}
		break;
	default:
		break;
	}
	snprintf(out, cap, "%s", b.p ? b.p : "");
	capture_buf_free(&b);
}

/* "veth57a3dec [c2]" */
static void fate_dev(struct capture_buf *b, const struct capture_trace *t, const struct nfp_fate *f, int ascii)
{
	esc_id(b, t, f->dev, ascii);
	const char *nm = capture_fate_dev_name(t, f);
	if (*nm) {
		PUTS(b, " [");
		render_esc(b, nm, strlen(nm), ascii);
		PUTS(b, "]");
	}
}

void render_fate_short(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap, int ascii)
{
	const struct nfp_fate *f = &p->fate;
	struct capture_buf b = { 0 };
	const char *box = f->box ? nfp_box_name(f->box) : "a box nfpath could not place";
	switch (f->kind) {
	case NFP_FATE_DROPPED:
		PUTS(&b, ascii ? "X drop " : "\xe2\x9c\x97 drop ");
		if (f->by == NFP_FATE_BY_KERNEL && f->reason)
			esc_id(&b, t, f->reason, ascii);
		else
			PUTS(&b, box);
		break;
	case NFP_FATE_REJECTED:
		PUTS(&b, ascii ? "X reject " : "\xe2\x9c\x97 reject ");
		PUTS(&b, box);
		break;
	case NFP_FATE_FORWARDED:
	case NFP_FATE_SENT: {
		PUTS(&b, ascii ? "-> " : "\xe2\x86\x92 ");
		/* who is behind the port, else who holds the address, else the port */
		const char *nm = capture_fate_dev_name(t, f);
		char dst[48];
		render_addr(&p->cur, 1, dst, sizeof(dst));
		uint32_t an = *nm || !dst[0] ? 0 : capture_trace_name_on(t, f->dev_host, 2, dst);
		if (*nm)
			render_esc(&b, nm, strlen(nm), ascii);
		else if (an)
			esc_id(&b, t, an, ascii);
		else if (f->dev)
			esc_id(&b, t, f->dev, ascii);
		else
			PUTS(&b, "out");
		break;
	}
	case NFP_FATE_DELIVERED:
		PUTS(&b, ascii ? "@ local" : "\xe2\x8a\x99 local");
		break;
	case NFP_FATE_QUEUED:
		PUTS(&b, ascii ? ">> queue " : "\xc2\xbb queue ");
		PUTS(&b, box);
		break;
	case NFP_FATE_STOLEN:
		PUTS(&b, ascii ? "~ stolen " : "\xe2\x86\xaf stolen ");
		PUTS(&b, box);
		break;
	default:
		PUTS(&b, "? after ");
		PUTS(&b, box);
		break;
	}
	snprintf(out, cap, "%s", b.p ? b.p : "");
	capture_buf_free(&b);
}

/* " on HOST": the host of the hop that decided the fate, when the trace
 * has hops of several hosts (a merged journey ends on one of them) */
static int fate_host(struct capture_buf *b, const struct capture_trace *t, const struct nfp_packet *p, int ascii)
{
	const struct nfp_fate *f = &p->fate;
	if (!capture_trace_many_hosts(t) || f->hop >= p->nhops)
		return 0;
	uint32_t host = capture_packet_hop(t, p, f->hop)->host;
	if (!host)
		return 0;
	int r = PUTS(b, " on ");
	esc_id(b, t, host, ascii);
	return r;
}

void render_fate_phrase(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap, int ascii)
{
	const struct nfp_fate *f = &p->fate;
	const char *box = f->box ? nfp_box_name(f->box) : "a box nfpath could not place";
	char by[256], to[160];
	render_fate_by(t, p, by, sizeof(by), ascii);
	switch (f->kind) {
	case NFP_FATE_FORWARDED:
	case NFP_FATE_SENT:
		/* the short form's target, without its arrow */
		render_fate_short(t, p, to, sizeof(to), ascii);
		snprintf(out, cap, "%s to %s", capture_fate_kind_name(f->kind), to + (ascii ? 3 : 4));
		break;
	case NFP_FATE_DELIVERED:
		snprintf(out, cap, "delivered locally");
		break;
	case NFP_FATE_UNKNOWN:
		snprintf(out, cap, "ends after %s (fate unknown)", box);
		break;
	default:
		snprintf(out, cap, "%s at %s by %s", capture_fate_kind_name(f->kind), box, by);
	}
}

static int tun_dev(struct capture_buf *b, const struct capture_trace *t, uint32_t id, int ascii)
{
	if (!id)
		return PUTS(b, "?");
	return render_esc(b, capture_str(t, id), capture_str_len(t, id), ascii);
}

int render_tunnel_text(struct capture_buf *b, const struct capture_trace *t, const struct capture_tunnel *tu, int ascii)
{
	const char *to = ascii ? " -> " : " \u2192 ", *over = ascii ? " ==> " : " \u27f6 ";
	int r = tun_dev(b, t, tu->dev_in, ascii) | PUTS(b, to) | tun_dev(b, t, tu->under_out, ascii) | PUTS(b, over);
	r |= tun_dev(b, t, tu->under_in, ascii) | PUTS(b, to);
	r |= tu->died ? PUTS(b, "(not out)") : tun_dev(b, t, tu->dev_out, ascii);
	if (tu->outer.flags & NFP_PK_ADDRS) {
		char s[48], d[48], ports[32] = "";
		render_addr(&tu->outer, 0, s, sizeof(s));
		render_addr(&tu->outer, 1, d, sizeof(d));
		r |= PUTS(b, ", ") | PUTS(b, s);
		if (tu->outer.flags & NFP_PK_PORTS)
			snprintf(ports, sizeof(ports), ":%u", tu->outer.sport);
		r |= PUTS(b, ports) | PUTS(b, " > ") | PUTS(b, d);
		if (tu->outer.flags & NFP_PK_PORTS)
			snprintf(ports, sizeof(ports), ":%u", tu->outer.dport);
		r |= PUTS(b, ports);
	}
	r |= PUTS(b, " ") | PUTS(b, tu->kind);
	if (tu->has_vni) {
		char v[24];
		snprintf(v, sizeof(v), " vni %u", tu->vni);
		r |= PUTS(b, v);
	}
	return r;
}

int render_fate_text(struct capture_buf *b, const struct capture_trace *t, const struct nfp_packet *p, int ascii)
{
	const struct nfp_fate *f = &p->fate;
	const char *box = f->box ? nfp_box_name(f->box) : "a box nfpath could not place";
	char by[256], line[320];
	render_fate_by(t, p, by, sizeof(by), ascii);
	int r = 0;
	switch (f->kind) {
	case NFP_FATE_FORWARDED:
	case NFP_FATE_SENT:
		if (f->kind == NFP_FATE_SENT && capture_trace_many_hosts(t) && p->nhops && capture_packet_hop(t, p, 0)->host) {
			/* a journey over several hosts: "here" would be the last one */
			r |= PUTS(b, "sent: made on ");
			esc_id(b, t, capture_packet_hop(t, p, 0)->host, ascii);
			r |= PUTS(b, ", left through ");
		} else {
			if (f->flags & NFP_FATE_F_FLOODED) {
			/* one frame, copied to each port and up to the host */
			snprintf(line, sizeof(line), "forwarded: flooded by the bridge to %u port%s (", f->nports,
				 f->nports == 1 ? "" : "s");
			r |= PUTS(b, line);
			fate_dev(b, t, f, ascii);
			snprintf(line, sizeof(line), "%s)%s; last seen at %s", f->nports > 1 ? ", ..." : "",
				 (f->flags & NFP_FATE_F_UP) ? " and up to the host" : "", box);
			r |= PUTS(b, line);
			r |= fate_host(b, t, p, ascii);
			break;
		} else {
			r |= PUTS(b, f->kind == NFP_FATE_SENT ? "sent: made here, left through " : "forwarded: left through ");
		}
		}
		if (f->dev)
			fate_dev(b, t, f, ascii);
		else
			r |= PUTS(b, "a device the trace does not name");
		snprintf(line, sizeof(line), " after %s", box);
		r |= PUTS(b, line);
		r |= fate_host(b, t, p, ascii);
		if (f->flags & NFP_FATE_F_ROUTED) {
			char src[48];
			render_addr(&p->ident, 0, src, sizeof(src));
			snprintf(line, sizeof(line),
				 "; routed here from another interface: the host's IP layer handed it to the bridge "
				 "(OUTPUT), and its source %s is none of this host's addresses in the trace",
				 src);
			r |= PUTS(b, line);
		}
		break;
	case NFP_FATE_DELIVERED:
		snprintf(line, sizeof(line), "delivered: reached the local input path (%s)", box);
		r |= PUTS(b, line);
		if (f->dev) {
			r |= PUTS(b, " from ");
			fate_dev(b, t, f, ascii);
		}
		{
			/* the socket side: the address (and port) it was for */
			const struct nfp_pkt *pk = &p->cur;
			char dst[48];
			render_addr(pk, 1, dst, sizeof(dst));
			if (dst[0] && (pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID))
				snprintf(line, sizeof(line), pk->l3 == 6 ? " for [%s]:%u" : " for %s:%u", dst, pk->dport);
			else if (dst[0])
				snprintf(line, sizeof(line), " for %s", dst);
			else
				line[0] = '\0';
			r |= PUTS(b, line);
		}
		break;
	case NFP_FATE_DROPPED:
	case NFP_FATE_REJECTED:
	case NFP_FATE_QUEUED:
	case NFP_FATE_STOLEN: {
		static const char *const what[] = { [NFP_FATE_DROPPED] = "dropped",
						    [NFP_FATE_REJECTED] = "rejected",
						    [NFP_FATE_QUEUED] = "queued to user space",
						    [NFP_FATE_STOLEN] = "stolen" };
		snprintf(line, sizeof(line), "%s at %s", what[f->kind], box);
		r |= PUTS(b, line);
		r |= fate_host(b, t, p, ascii);
		r |= PUTS(b, " by ");
		r |= PUTS(b, by);
		if (f->by == NFP_FATE_BY_KERNEL && f->location) {
			r |= PUTS(b, " in ");
			esc_id(b, t, f->location, ascii);
		}
		if (f->by == NFP_FATE_BY_INFERRED)
			r |= PUTS(b, " (inferred from --rules: the trace ends in this chain and this is the first later "
				     "rule that matches the packet)");
		if (f->rule_text) {
			r |= PUTS(b, ": ");
			esc_id(b, t, f->rule_text, ascii);
		}
		if (f->by != NFP_FATE_BY_KERNEL && f->reason) {
			r |= PUTS(b, " (the kernel: ");
			esc_id(b, t, f->reason, ascii);
			r |= PUTS(b, ")");
		}
		if (f->kind == NFP_FATE_REJECTED) {
			if (f->answer)
				snprintf(line, sizeof(line), "; answered by packet %zu", f->answer);
			else
				snprintf(line, sizeof(line), "; its answer (ICMP error or TCP reset) is not in the trace");
			r |= PUTS(b, line);
		}
		if (f->kind == NFP_FATE_STOLEN)
			r |= PUTS(b, "; the hook took the packet over");
		break;
	}
	default:
		snprintf(line, sizeof(line), "unknown: the trace ends %s %s", f->why == NFP_WHY_NO_BOX ? "with" : "after",
			 f->why == NFP_WHY_NO_BOX ? "no box" : box);
		r |= PUTS(b, line);
		if (f->hop < p->nhops && (f->why == NFP_WHY_IN_CHAIN || f->why == NFP_WHY_NO_VERDICT)) {
			const struct nfp_hop *h = capture_packet_hop(t, p, f->hop);
			char kind[40];
			render_hop_kind(t, h, kind, sizeof(kind));
			r |= PUTS(b, " (");
			r |= PUTS(b, kind);
			if (h->chain) {
				r |= PUTS(b, " of ");
				esc_id(b, t, h->chain, ascii);
			}
			r |= PUTS(b, ")");
		}
		if (f->why) {
			r |= PUTS(b, "; ");
			r |= PUTS(b, capture_fate_why_text(f->why));
		}
	}
	if (f->answers) {
		snprintf(line, sizeof(line), "; the answer to the REJECT of packet %zu", f->answers);
		r |= PUTS(b, line);
	}
	return r ? -1 : 0;
}

/* ---- fitting text to columns ------------------------------------------ */

/* columns of escaped text: one per character (the escaped text holds no
 * wide or combining characters that nfpath draws itself) */
int render_cols(const char *s, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* bytes of s that fill at most w columns */
static size_t cols_prefix(const char *s, size_t n, int w)
{
	int c = 0;
	size_t i = 0;
	while (i < n) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (c == w)
				break;
			c++;
		}
		i++;
	}
	return i;
}

static const char *ellipsis(int ascii)
{
	return ascii ? "~" : "\xe2\x80\xa6";
}

void render_fit(char *out, size_t cap, const char *s, int w, int ascii)
{
	size_t n = strlen(s);
	if (cap == 0)
		return;
	if (w <= 0) {
		out[0] = '\0';
		return;
	}
	if (render_cols(s, n) <= w) {
		snprintf(out, cap, "%s", s);
		return;
	}
	size_t keep = cols_prefix(s, n, w - 1);
	snprintf(out, cap, "%.*s%s", (int)keep, s, ellipsis(ascii));
}

void render_fit_middle(char *out, size_t cap, const char *s, int w, int ascii)
{
	size_t n = strlen(s);
	if (cap == 0)
		return;
	if (w < 5 || render_cols(s, n) <= w) {
		render_fit(out, cap, s, w, ascii);
		return;
	}
	int head = (w - 1) / 3, tail = w - 1 - head;
	size_t keep = cols_prefix(s, n, head), from = keep;
	/* the shortest end of s (from a character's start) within tail columns */
	while (from < n && (((unsigned char)s[from] & 0xc0) == 0x80 || render_cols(s + from, n - from) > tail))
		from++;
	snprintf(out, cap, "%.*s%s%s", (int)keep, s, ellipsis(ascii), s + from);
}

int render_wrap(struct capture_buf *b, const char *s, int w, int ascii)
{
	int lines = 0, r = 0;
	if (w < 1)
		w = 1;
	while (*s && r == 0) {
		const char *nl = strchr(s, '\n');
		size_t seg = nl ? (size_t)(nl - s) : strlen(s);
		/* continuation lines hang under the paragraph's text: its
		 * indentation, or the column after a run of two or more
		 * spaces inside it ("  c      compare ..." keeps the text
		 * column of a key list) */
		size_t ind = 0;
		while (ind < seg && s[ind] == ' ')
			ind++;
		for (size_t k = ind; k + 1 < seg && (int)k < w / 2; k++)
			if (s[k] == ' ' && s[k + 1] == ' ') {
				size_t e = k;
				while (e < seg && s[e] == ' ')
					e++;
				ind = e;
				break;
			}
		if ((int)ind > w / 2)
			ind = 0;
		size_t pos = 0;
		int first = 1;
		do {
			int room = w - (first ? 0 : (int)ind);
			if (!first)
				for (size_t k = 0; k < ind && r == 0; k++)
					r = capture_buf_putc(b, ' ');
			size_t rest = seg - pos;
			size_t take = cols_prefix(s + pos, rest, room);
			size_t next = pos + take;
			if (take < rest) {
				/* break at the last space that fits */
				size_t k = take;
				while (k > 0 && s[pos + k] != ' ')
					k--;
				if (k > 0 && (first ? k > ind : 1)) {
					take = k;
					next = pos + k;
				} else {
					/* one word longer than the line: cut it with an ellipsis */
					take = cols_prefix(s + pos, rest, room - 1);
					if (r == 0)
						r = capture_buf_put(b, s + pos, take);
					if (r == 0)
						r = capture_buf_put(b, ellipsis(ascii), strlen(ellipsis(ascii)));
					next = pos + take;
					while (next < seg && s[next] != ' ')
						next++;
					take = 0;
				}
			}
			if (take && r == 0) {
				/* no trailing blanks */
				size_t t = take;
				while (t > 0 && s[pos + t - 1] == ' ')
					t--;
				r = capture_buf_put(b, s + pos, t);
			}
			if (r == 0)
				r = capture_buf_putc(b, '\n');
			lines++;
			pos = next;
			while (pos < seg && s[pos] == ' ')
				pos++;
			first = 0;
		} while (pos < seg && r == 0);
		s += seg + (nl ? 1 : 0);
	}
	return r < 0 ? -1 : lines;
}

/* ---- the packet line -------------------------------------------------- */

struct endpoint {
	char name[96]; /* escaped, "" when none learnt */
	char addr[64]; /* "172.17.0.2", "[fe80::1]" when a port follows */
	char port[8];  /* "8080" or "" */
};

static void endpoint_of(const struct capture_trace *t, uint32_t host, const struct nfp_pkt *pk, int dst,
			struct endpoint *e)
{
	char a[48];
	render_addr(pk, dst, a, sizeof(a));
	e->name[0] = e->port[0] = '\0';
	int ports = (pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID);
	snprintf(e->addr, sizeof(e->addr), ports && pk->l3 == 6 ? "[%s]" : "%s", a);
	if (ports)
		snprintf(e->port, sizeof(e->port), "%u", dst ? pk->dport : pk->sport);
	uint32_t id = a[0] ? capture_trace_name_on(t, host, 2, a) : 0;
	if (id) {
		struct capture_buf n = { 0 };
		render_esc(&n, capture_str(t, id), capture_str_len(t, id), 0);
		snprintf(e->name, sizeof(e->name), "%s", n.p ? n.p : "");
		capture_buf_free(&n);
	}
}

/* "c1 (172.17.0.2:80)" (level 0), "c1:80" (1), the name cut to namew
 * columns (2); without a name always the address */
static void endpoint_text(const struct endpoint *e, int level, int namew, int ascii, char *out, size_t cap)
{
	const char *colon = e->port[0] ? ":" : "";
	if (!e->name[0])
		snprintf(out, cap, "%s%s%s", e->addr, colon, e->port);
	else if (level == 0)
		snprintf(out, cap, "%s (%s%s%s)", e->name, e->addr, colon, e->port);
	else if (level == 1)
		snprintf(out, cap, "%s%s%s", e->name, colon, e->port);
	else {
		char nm[96];
		render_fit(nm, sizeof(nm), e->name, namew, ascii);
		snprintf(out, cap, "%s%s%s", nm, colon, e->port);
	}
}

void render_packet_line(const struct capture_trace *t, const struct nfp_packet *p, const char *fate, int with_ct, int w,
			int ascii, char *out, size_t cap)
{
	const struct nfp_hop *h = render_best_hop(t, p);
	char tail[160] = "";
	size_t o = 0;
	if (with_ct && p->flow != NFP_NONE)
		o += (size_t)snprintf(tail + o, sizeof(tail) - o, "  ct %s", capture_packet_ct_name(p));
	if (fate && fate[0] && o < sizeof(tail))
		snprintf(tail + o, sizeof(tail) - o, "  %s", fate);
	if (!h) {
		snprintf(out, cap, "(no hops)%s", tail);
		return;
	}
	const struct nfp_pkt *pk = &h->pk;
	char proto[48], extra[64] = "";
	render_proto(pk, proto, sizeof(proto));
	if (pk->flags & NFP_PK_ICMP) {
		const char *n = icmp_name(pk->proto == 58, pk->icmp_type);
		size_t l = strlen(proto);
		if (n)
			snprintf(proto + l, sizeof(proto) - l, " %s", n);
		else
			snprintf(proto + l, sizeof(proto) - l, " type %u code %u", pk->icmp_type, pk->icmp_code);
	}
	if (pk->flags & NFP_PK_ICMPID)
		snprintf(extra, sizeof(extra), " id %u seq %u", pk->sport, pk->dport);
	if (pk->proto == 6 && pk->tcp_flags) {
		static const char *const fl[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
		size_t e = (size_t)snprintf(extra, sizeof(extra), " [");
		int first = 1;
		for (int b = 0; b < 8 && e < sizeof(extra); b++)
			if (pk->tcp_flags & (1u << b)) {
				e += (size_t)snprintf(extra + e, sizeof(extra) - e, "%s%s", first ? "" : ",", fl[b]);
				first = 0;
			}
		if (e < sizeof(extra))
			snprintf(extra + e, sizeof(extra) - e, "]");
	}
	if (!(pk->flags & NFP_PK_ADDRS)) {
		char head[200];
		snprintf(head, sizeof(head), "%s%s", proto, extra);
		int room = w - render_cols(tail, strlen(tail));
		render_fit(out, cap, head, room, ascii);
		snprintf(out + strlen(out), cap - strlen(out), "%s", tail);
		return;
	}
	struct endpoint src, dst;
	endpoint_of(t, h->host, pk, 0, &src);
	endpoint_of(t, h->host, pk, 1, &dst);
	int tailw = render_cols(tail, strlen(tail));
	char head[640], s[200], d[200];
	/* shorter ICMP words and the echo sequence alone, for tight lines */
	char sproto[48], sextra[64];
	snprintf(sproto, sizeof(sproto), "%s", proto);
	snprintf(sextra, sizeof(sextra), "%s", extra);
	if ((pk->flags & NFP_PK_ICMP) && (pk->flags & NFP_PK_ICMPID)) {
		int req = pk->icmp_type == 8 || pk->icmp_type == 128;
		snprintf(sproto, sizeof(sproto), "%s %s", pk->proto == 58 ? "ICMPv6" : "ICMP", req ? "req" : "reply");
		snprintf(sextra, sizeof(sextra), " seq %u", pk->dport);
	}
	/* addresses go first, then the long words, then a fate that repeats
	 * the destination's name keeps its sign alone, then names shrink
	 * (a short one lends its spare columns to the other), then the echo
	 * sequence goes; never the fate's kind */
	char tail2[160];
	snprintf(tail2, sizeof(tail2), "%s", tail);
	size_t fl = fate ? strlen(fate) : 0, dl = strlen(dst.name);
	if (dl && fl > dl + 1 && fate[fl - dl - 1] == ' ' && strcmp(fate + fl - dl, dst.name) == 0) {
		size_t t2 = strlen(tail2) - dl - 1;
		tail2[t2] = '\0'; /* "  -> c2" with dst c2: "  ->" */
	}
	/* the higher port of two is the client's ephemeral one: the least
	 * said by a tight line */
	struct endpoint src2 = src, dst2 = dst;
	if (src.port[0] && dst.port[0])
		(atoi(src.port) >= atoi(dst.port) ? src2.port : dst2.port)[0] = '\0';
	enum { LEVELS = 7 };
	for (int level = 0; level < LEVELS; level++) {
		const char *pr = level >= 2 ? sproto : proto, *ex = level >= 5 ? "" : level >= 2 ? sextra : extra;
		const char *tl = level >= 3 ? tail2 : tail;
		const struct endpoint *se = level >= 6 ? &src2 : &src, *de = level >= 6 ? &dst2 : &dst;
		tailw = render_cols(tl, strlen(tl));
		int sw = 0, dw = 0, sn = render_cols(se->name, strlen(se->name)), dn = render_cols(de->name, strlen(de->name));
		if (level >= 4) {
			snprintf(head, sizeof(head), "%s  > %s", pr, ex);
			int fixed = render_cols(head, strlen(head)) + tailw + (int)strlen(se->port) + (int)strlen(de->port) +
				    (se->port[0] ? 1 : 0) + (de->port[0] ? 1 : 0) + (se->name[0] ? 0 : (int)strlen(se->addr)) +
				    (de->name[0] ? 0 : (int)strlen(de->addr));
			int room = w - fixed;
			if (se->name[0] && de->name[0]) {
				sw = dw = room / 2;
				if (sn < sw)
					dw = room - sn;
				else if (dn < dw)
					sw = room - dn;
			} else {
				sw = dw = room;
			}
			sw = sw < 2 ? 2 : sw;
			dw = dw < 2 ? 2 : dw;
		}
		int el = level >= 4 ? 2 : level >= 1 ? 1 : 0;
		endpoint_text(se, el, sw, ascii, s, sizeof(s));
		endpoint_text(de, el, dw, ascii, d, sizeof(d));
		snprintf(head, sizeof(head), "%s %s > %s%s", pr, s, d, ex);
		/* a name cut below 4 columns says little: first drop more */
		int legible = level < 4 || ((!se->name[0] || sw >= (sn < 4 ? sn : 4)) && (!de->name[0] || dw >= (dn < 4 ? dn : 4)));
		if ((render_cols(head, strlen(head)) + tailw <= w && legible) || level == LEVELS - 1) {
			if (tl != tail)
				snprintf(tail, sizeof(tail), "%s", tl);
			break;
		}
	}
	int room = w - tailw;
	char fitted[512];
	render_fit(fitted, sizeof(fitted), head, room, ascii);
	snprintf(out, cap, "%s%s", fitted, tail);
}

/* ---- what a hop did, in words ----------------------------------------- */

void render_hop_action(const struct capture_trace *t, const struct nfp_hop *h, char *out, size_t cap)
{
	char id[40];
	if (h->rule >= 0)
		snprintf(id, sizeof(id), "rule %d", h->rule);
	else if (h->flags & NFP_HOP_HANDLE)
		snprintf(id, sizeof(id), "handle %llu", (unsigned long long)h->handle); /* tight columns: "rule" goes */
	else
		snprintf(id, sizeof(id), "rule");
	switch (h->kind) {
	case NFP_KIND_POLICY:
		/* the legacy trace's policy number is the rule count + 1: noise */
		snprintf(out, cap, "policy %s", h->verdict ? nfp_verdict_name(h->verdict) : "");
		return;
	case NFP_KIND_RETURN:
		snprintf(out, cap, "end of chain: return");
		return;
	case NFP_KIND_LOG:
		snprintf(out, cap, "log");
		return;
	case NFP_KIND_PACKET:
		snprintf(out, cap, "enters");
		return;
	case NFP_KIND_DROP:
		snprintf(out, cap, "%s", capture_dropreason_after_delivery(capture_str(t, h->drop_reason),
									   capture_str(t, h->drop_location))
					     ? "freed after delivery"
					     : "dropped by the kernel");
		return;
	}
	if ((h->verdict == NFP_V_JUMP || h->verdict == NFP_V_GOTO) && h->jump) {
		struct capture_buf j = { 0 };
		render_esc(&j, capture_str(t, h->jump), capture_str_len(t, h->jump), 0);
		snprintf(out, cap, "%s %s %s", id, nfp_verdict_name(h->verdict), j.p ? j.p : "");
		capture_buf_free(&j);
		return;
	}
	/* a NAT rule's trace verdict is accept: its text says what it did */
	char v[128];
	render_verdict_label(t, h, v, sizeof(v), 0);
	snprintf(out, cap, "%s%s%s", id, v[0] ? " " : "", v);
}

int render_kdrop_text(struct capture_buf *b, const struct capture_trace *t, const struct nfp_hop *h, int ascii)
{
	if (h->kind != NFP_KIND_DROP)
		return 0;
	int r = PUTS(b, capture_dropreason_after_delivery(capture_str(t, h->drop_reason), capture_str(t, h->drop_location))
				? "freed by the kernel after delivery: "
				: "dropped by the kernel: ");
	return r | render_kdrop_words(b, t, h, ascii);
}

int render_kdrop_words(struct capture_buf *b, const struct capture_trace *t, const struct nfp_hop *h, int ascii)
{
	if (h->kind != NFP_KIND_DROP)
		return 0;
	const char *reason = capture_str(t, h->drop_reason), *loc = capture_str(t, h->drop_location);
	int r = *reason ? render_esc(b, reason, strlen(reason), ascii) : PUTS(b, "no reason given");
	if (*loc) {
		r |= PUTS(b, " in ");
		r |= render_esc(b, loc, strlen(loc), ascii);
	}
	if (h->drop_ns) {
		/* a veth of the traced namespace, or "netns INODE" when no veth
		 * leads there */
		const char *via = capture_str(t, h->drop_ns);
		const char *nm = capture_str(t, capture_trace_name_on(t, h->host, 1, via));
		r |= PUTS(b, strncmp(via, "netns ", 6) == 0 ? ", in " : ", in the netns behind ");
		r |= render_esc(b, via, strlen(via), ascii);
		if (*nm) {
			r |= PUTS(b, " [");
			r |= render_esc(b, nm, strlen(nm), ascii);
			r |= PUTS(b, "]");
		}
	}
	return r ? -1 : 0;
}

/* ---- bridge ports a routed-family hop does not name ------------------- */

static void dev_named(const struct capture_trace *t, uint32_t host, uint32_t id, int ascii, char *out, size_t cap)
{
	struct capture_buf e = { 0 };
	render_esc(&e, capture_str(t, id), capture_str_len(t, id), ascii);
	uint32_t nm = capture_trace_name_on(t, host, 1, capture_str(t, id));
	if (nm) {
		struct capture_buf n = { 0 };
		render_esc(&n, capture_str(t, nm), capture_str_len(t, nm), ascii);
		snprintf(out, cap, "%s [%s]", e.p ? e.p : "", n.p ? n.p : "");
		capture_buf_free(&n);
	} else {
		snprintf(out, cap, "%s", e.p ? e.p : "");
	}
	capture_buf_free(&e);
}

int render_bridge_ports(const struct capture_trace *t, const struct nfp_packet *p, uint32_t hop, int ascii, char *out,
			size_t cap)
{
	out[0] = '\0';
	const struct nfp_hop *h = capture_packet_hop(t, p, hop);
	if (h->family == NFP_FAM_BRIDGE || h->layer != NFP_LAYER_LINK || h->physin || h->physout)
		return 0;
	uint32_t in = 0, outp = 0;
	for (uint32_t k = 0; k < p->nhops; k++) {
		const struct nfp_hop *b = capture_packet_hop(t, p, k);
		if (b->family != NFP_FAM_BRIDGE || b->host != h->host)
			continue;
		if (b->in && !in)
			in = b->in;
		if (b->out)
			outp = b->out;
	}
	if (!in && !outp)
		return 0;
	char a[200] = "?", z[200] = "?";
	if (in)
		dev_named(t, h->host, in, ascii, a, sizeof(a));
	if (outp)
		dev_named(t, h->host, outp, ascii, z, sizeof(z));
	snprintf(out, cap, "%s > %s", a, z);
	return 1;
}
