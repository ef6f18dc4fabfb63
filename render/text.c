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
	render_esc(b, capture_str(t, id), capture_strpool_len(t->sp, id), ascii);
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
		uint32_t an = *nm || !dst[0] ? 0 : capture_trace_name(t, 2, dst);
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
		r |= PUTS(b, f->kind == NFP_FATE_SENT ? "sent: made here, left through " : "forwarded: left through ");
		if (f->dev)
			fate_dev(b, t, f, ascii);
		else
			r |= PUTS(b, "a device the trace does not name");
		snprintf(line, sizeof(line), " after %s", box);
		r |= PUTS(b, line);
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
		snprintf(line, sizeof(line), "%s at %s by %s", what[f->kind], box, by);
		r |= PUTS(b, line);
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
