/* record: reader and writer of nfpath's recording format (record.h). */
#include "record.h"

#include "box.h"
#include "grow.h"
#include "parse.h"
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int capture_buf_grow_put(struct capture_buf *b, const char *s, size_t n)
{
	if (capture_grow((void **)&b->p, &b->cap, b->len + n + 1, 1) < 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int capture_buf_putc(struct capture_buf *b, char c)
{
	return capture_buf_put(b, &c, 1);
}

void capture_buf_free(struct capture_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* all of b to fd, through short writes and EINTR */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

long capture_rec_write_trace(int fd, const struct capture_trace *t)
{
	struct capture_buf b = { 0 };
	int r = capture_buf_put(&b, NFP_REC_MAGIC "\n", strlen(NFP_REC_MAGIC) + 1);
	/* what the capture learnt and lost travels with the hops */
	for (size_t i = 0; i < capture_trace_name_count(t) && r == 0; i++) {
		int kind;
		uint32_t key, val;
		capture_trace_name_at(t, i, &kind, &key, &val);
		r = capture_rec_write_name(&b, kind, capture_str(t, key), capture_str_len(t, key), capture_str(t, val),
					   capture_str_len(t, val));
	}
	const struct capture_trace_stats *st = capture_trace_stats(t);
	if (r == 0 && (st->lost_events || st->overruns))
		r = capture_rec_write_loss(&b, st->lost_events, st->overruns);
	size_t nhops = capture_trace_hop_count(t);
	struct capture_rec_tail *tail = calloc(1, sizeof(*tail));
	for (size_t i = 0; i < nhops && r == 0; i++) {
		r = capture_rec_write_hop_tail(&b, capture_trace_hop(t, i), capture_trace_strings(t), tail);
		if (r == 0 && b.len > (1 << 20)) {
			r = write_all(fd, b.p, b.len);
			b.len = 0;
		}
	}
	if (r == 0 && b.len)
		r = write_all(fd, b.p, b.len);
	int e = errno;
	capture_buf_free(&b);
	free(tail);
	errno = e;
	return r < 0 ? -1 : (long)nhops;
}

/* runs of plain bytes go out in one copy; only the rare special byte is
 * escaped on its own (the writer is on the live capture's hot path) */
int capture_rec_escape(struct capture_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n) {
			unsigned char c = (unsigned char)s[j];
			if (c < 0x20 || c == 0x7f || c == '\\' || c == '=')
				break;
			j++;
		}
		if (j > i && capture_buf_put(b, s + i, j - i) < 0)
			return -1;
		if (j == n)
			break;
		unsigned char c = (unsigned char)s[j];
		char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		if (capture_buf_put(b, e, 4) < 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

/* KEY("name"): the "\tname=" that starts a field, and its length */
#define KEY(k) "\t" k "=", sizeof(k) + 1

static int key(struct capture_buf *b, const char *k, size_t kl)
{
	return capture_buf_put(b, k, kl);
}

/* a value of our own naming (a family, kind, verdict, ...): nothing to escape */
static int kvc(struct capture_buf *b, const char *k, size_t kl, const char *v)
{
	return key(b, k, kl) | capture_buf_put(b, v, strlen(v));
}

static int kv(struct capture_buf *b, const char *k, size_t kl, const char *v, size_t vl)
{
	if (key(b, k, kl) < 0)
		return -1;
	return capture_rec_escape(b, v, vl);
}

/* a pool string; with tc, one known to need no escape is copied as is
 * (device, table and chain names and rule texts come back at every hop) */
static int kvs(struct capture_buf *b, const char *k, size_t kl, const struct capture_strpool *sp,
	       struct capture_rec_tail *tc, uint32_t id)
{
	if (!id)
		return 0;
	const char *v = capture_strpool_get(sp, id);
	size_t n = capture_strpool_len(sp, id);
	uint32_t *clean = tc ? &tc->clean[id % (sizeof(tc->clean) / sizeof(tc->clean[0]))] : NULL;
	if (clean && *clean == id)
		return key(b, k, kl) | capture_buf_put(b, v, n);
	size_t start = b->len;
	int r = kv(b, k, kl, v, n);
	if (clean && !r && b->len - start == kl + n)
		*clean = id;
	return r;
}

static size_t utoa(char *d, unsigned long long v)
{
	char t[24];
	size_t i = sizeof(t);
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(d, t + i, sizeof(t) - i);
	return sizeof(t) - i;
}

static int kvu(struct capture_buf *b, const char *k, size_t kl, unsigned long long v)
{
	char num[24];
	size_t n = utoa(num, v);
	return key(b, k, kl) | capture_buf_put(b, num, n);
}

static int kvaddr(struct capture_buf *b, const char *k, size_t kl, const uint8_t *a, int l3)
{
	char txt[INET6_ADDRSTRLEN];
	size_t n = 0;
	if (l3 != 6) {
		for (int i = 0; i < 4; i++) {
			n += utoa(txt + n, a[i]);
			if (i < 3)
				txt[n++] = '.';
		}
	} else {
		if (!inet_ntop(AF_INET6, a, txt, sizeof(txt)))
			return -1;
		n = strlen(txt);
	}
	return key(b, k, kl) | capture_buf_put(b, txt, n);
}

static int kvmac(struct capture_buf *b, const char *k, size_t kl, const uint8_t *m)
{
	static const char hex[] = "0123456789abcdef";
	char txt[17];
	for (int i = 0; i < 6; i++) {
		txt[i * 3] = hex[m[i] >> 4];
		txt[i * 3 + 1] = hex[m[i] & 15];
		if (i < 5)
			txt[i * 3 + 2] = ':';
	}
	return key(b, k, kl) | capture_buf_put(b, txt, 17);
}

/* seconds with microseconds, without printf */
static int kvts(struct capture_buf *b, const char *k, size_t kl, double ts)
{
	if (!(ts >= 0 && ts < 1e15)) {
		/* negative, huge or not a number: printf's form, cut to fit
		 * (snprintf returns what it would have written) */
		char t[40];
		int n = snprintf(t, sizeof(t), "%.6g", ts);
		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof(t))
			n = (int)sizeof(t) - 1;
		return key(b, k, kl) | capture_buf_put(b, t, (size_t)n);
	}
	unsigned long long us = (unsigned long long)(ts * 1e6 + 0.5);
	char t[40];
	size_t n = utoa(t, us / 1000000);
	t[n++] = '.';
	unsigned long long f = us % 1000000;
	for (int i = 5; i >= 0; i--) {
		t[n + (size_t)i] = (char)('0' + f % 10);
		f /= 10;
	}
	n += 6;
	return key(b, k, kl) | capture_buf_put(b, t, n);
}

/* the ts field; with tc, the text of the last time written is reused (the
 * hops of one received batch share it) */
static int kvts_tail(struct capture_buf *b, struct capture_rec_tail *tc, double ts)
{
	if (tc && tc->tsn && tc->ts == ts)
		return capture_buf_put(b, tc->tstxt, tc->tsn);
	size_t start = b->len;
	int r = kvts(b, KEY("ts"), ts);
	if (tc && !r && b->len - start <= sizeof(tc->tstxt)) {
		tc->tsn = (uint32_t)(b->len - start);
		memcpy(tc->tstxt, b->p + start, tc->tsn);
		tc->ts = ts;
	}
	return r;
}

/* N record kinds, by the number capture_rec_parse reports */
static const char *const name_kinds[] = { NULL, "dev", "addr", "ctr" };

int capture_rec_write_name(struct capture_buf *b, int kind, const char *key, size_t kl, const char *name, size_t nl)
{
	if (kind < 1 || kind > 3) {
		errno = EINVAL;
		return -1;
	}
	const char *k = name_kinds[kind];
	int r = capture_buf_put(b, "N\tkind=", 7);
	r |= capture_buf_put(b, k, strlen(k));
	r |= capture_buf_put(b, "\tkey=", 5);
	r |= capture_rec_escape(b, key, kl);
	r |= capture_buf_put(b, "\tname=", 6);
	r |= capture_rec_escape(b, name, nl);
	r |= capture_buf_putc(b, '\n');
	return r ? -1 : 0;
}

int capture_rec_write_loss(struct capture_buf *b, unsigned long lost, unsigned long overruns)
{
	char l[80];
	int n = overruns ? snprintf(l, sizeof(l), "L\tlost=%lu\toverruns=%lu\n", lost, overruns)
			 : snprintf(l, sizeof(l), "L\tlost=%lu\n", lost);
	return capture_buf_put(b, l, (size_t)n);
}

int capture_rec_write_drop_loss(struct capture_buf *b, unsigned long lost)
{
	char l[64];
	int n = snprintf(l, sizeof(l), "L\tlost=%lu\tof=drops\n", lost);
	return capture_buf_put(b, l, (size_t)n);
}

int capture_rec_write_start(struct capture_buf *b, const char *host, size_t hl, double realtime, double monotonic)
{
	int r = capture_buf_put(b, "#S", 2);
	r |= kv(b, KEY("host"), host, hl);
	r |= kvts(b, KEY("realtime"), realtime);
	r |= kvts(b, KEY("monotonic"), monotonic);
	r |= capture_buf_putc(b, '\n');
	return r ? -1 : 0;
}

/* the fields of the hop itself, up to the packet's */
static int write_head(struct capture_buf *b, const struct nfp_hop *h, const struct capture_strpool *sp,
		      struct capture_rec_tail *tc)
{
	int r = capture_buf_putc(b, 'H');
	r |= kvc(b, KEY("src"), nfp_source_name(h->source));
	r |= kvc(b, KEY("fam"), nfp_family_name(h->family));
	if (h->flags & NFP_HOP_TRACE_ID) {
		static const char hex[] = "0123456789abcdef";
		char id[8];
		for (int i = 0; i < 8; i++)
			id[i] = hex[(h->trace_id >> (28 - 4 * i)) & 15];
		r |= kv(b, KEY("tid"), id, 8);
	}
	r |= kvs(b, KEY("table"), sp, tc, h->table);
	r |= kvs(b, KEY("chain"), sp, tc, h->chain);
	r |= kvc(b, KEY("kind"), nfp_kind_name(h->kind));
	if (h->rule >= 0)
		r |= kvu(b, KEY("rule"), (unsigned long long)h->rule);
	if (h->flags & NFP_HOP_HANDLE)
		r |= kvu(b, KEY("handle"), h->handle);
	if (h->verdict) {
		r |= kvc(b, KEY("verdict"), nfp_verdict_name(h->verdict));
	}
	r |= kvs(b, KEY("jump"), sp, tc, h->jump);
	r |= kvs(b, KEY("in"), sp, tc, h->in);
	r |= kvs(b, KEY("out"), sp, tc, h->out);
	r |= kvs(b, KEY("physin"), sp, tc, h->physin);
	r |= kvs(b, KEY("physout"), sp, tc, h->physout);
	if (h->flags & NFP_HOP_TS)
		r |= kvts_tail(b, tc, h->ts);
	if (h->flags & NFP_HOP_CT) {
		r |= kvc(b, KEY("ct"), nfp_ct_name(h->ct_state));
		if (h->ct_dir)
			r |= kvc(b, KEY("ctdir"), nfp_dir_name(h->ct_dir));
	}
	if (h->ct_id)
		r |= kvu(b, KEY("ctid"), h->ct_id);
	if (h->flags & NFP_HOP_PROBE)
		r |= kv(b, KEY("probe"), "1", 1);
	if (h->hook) {
		r |= kvc(b, KEY("hook"), nfp_hook_name(h->hook));
	}
	if (h->have_prio) {
		char pr[12];
		size_t n = 0;
		if (h->prio < 0)
			pr[n++] = '-';
		n += utoa(pr + n, (unsigned long long)(h->prio < 0 ? -(int)h->prio : h->prio));
		r |= kv(b, KEY("prio"), pr, n);
	}
	r |= kvs(b, KEY("reason"), sp, tc, h->drop_reason);
	r |= kvs(b, KEY("loc"), sp, tc, h->drop_location);
	r |= kvs(b, KEY("ns"), sp, tc, h->drop_ns);
	r |= kvs(b, KEY("host"), sp, tc, h->host);
	r |= kvs(b, KEY("text"), sp, tc, h->rule_text);
	r |= kvs(b, KEY("prefix"), sp, tc, h->prefix);
	if (h->line)
		r |= kvu(b, KEY("line"), h->line);
	return r;
}

/* the packet's fields, which end the line (and the line's end) */
static int write_tail(struct capture_buf *b, const struct nfp_hop *h)
{
	const struct nfp_pkt *pk = &h->pk;
	int r = 0;
	if (pk->flags & NFP_PK_ADDRS) {
		r |= kvaddr(b, KEY("saddr"), pk->src, pk->l3);
		r |= kvaddr(b, KEY("daddr"), pk->dst, pk->l3);
	}
	if (pk->flags & NFP_PK_PROTO)
		r |= kvu(b, KEY("proto"), pk->proto);
	if (pk->flags & NFP_PK_PORTS) {
		r |= kvu(b, KEY("sport"), pk->sport);
		r |= kvu(b, KEY("dport"), pk->dport);
	}
	if (pk->flags & NFP_PK_ICMP) {
		r |= kvu(b, KEY("itype"), pk->icmp_type);
		r |= kvu(b, KEY("icode"), pk->icmp_code);
	}
	if (pk->flags & NFP_PK_ICMPID) {
		r |= kvu(b, KEY("iid"), pk->sport);
		r |= kvu(b, KEY("iseq"), pk->dport);
	}
	if (pk->flags & NFP_PK_IPID)
		r |= kvu(b, KEY("ipid"), pk->ipid);
	if (pk->flags & NFP_PK_TTL)
		r |= kvu(b, KEY("ttl"), pk->ttl);
	if (pk->flags & NFP_PK_LEN)
		r |= kvu(b, KEY("len"), pk->len);
	if (pk->flags & NFP_PK_MACS) {
		r |= kvmac(b, KEY("macsrc"), pk->mac_src);
		r |= kvmac(b, KEY("macdst"), pk->mac_dst);
	}
	if (pk->flags & NFP_PK_MARK)
		r |= kvu(b, KEY("mark"), pk->mark);
	if (pk->flags & NFP_PK_DF)
		r |= kv(b, KEY("df"), "1", 1);
	if (pk->tcp_flags)
		r |= kvu(b, KEY("tcpflags"), pk->tcp_flags);
	if (pk->flags & NFP_PK_ARP)
		r |= kvu(b, KEY("arpop"), pk->arp_op);
	const struct nfp_inner *in = &h->inner;
	if (in->flags & NFP_IN_TUNNEL) {
		/* the packet is a tunnel's outer one: the tunnel, its VNI and
		 * the carried packet's identity when the source had it */
		const char *tn = nfp_tunnel_name(in);
		r |= kv(b, KEY("tun"), tn, strlen(tn));
		r |= kvu(b, KEY("vni"), nfp_inner_vni(in));
		if (in->flags & NFP_IN_ADDRS) {
			r |= kvaddr(b, KEY("tinsaddr"), in->src, in->l3);
			r |= kvaddr(b, KEY("tindaddr"), in->dst, in->l3);
			r |= kvu(b, KEY("tinproto"), in->proto);
		}
		if (in->flags & NFP_IN_IPID)
			r |= kvu(b, KEY("tinipid"), in->ipid);
		if (in->flags & NFP_IN_ICMPID) {
			r |= kvu(b, KEY("tiniid"), in->sport);
			r |= kvu(b, KEY("tiniseq"), in->dport);
		} else if (in->flags & NFP_IN_PORTS) {
			r |= kvu(b, KEY("tinsport"), in->sport);
			r |= kvu(b, KEY("tindport"), in->dport);
		}
	} else if (in->flags & NFP_IN_IPID) {
		r |= kvu(b, KEY("inipid"), in->ipid);
		if (!(in->flags & NFP_IN_ADDRS))
			r |= kvu(b, KEY("inproto"), in->proto);
	}
	if ((in->flags & NFP_IN_ADDRS) && !(in->flags & NFP_IN_TUNNEL)) {
		/* the header inside an ICMP error */
		r |= kvaddr(b, KEY("insaddr"), in->src, in->l3);
		r |= kvaddr(b, KEY("indaddr"), in->dst, in->l3);
		r |= kvu(b, KEY("inproto"), in->proto);
		if (in->flags & NFP_IN_ICMPID)
			r |= kvu(b, KEY("iniid"), in->sport);
		else if (in->flags & NFP_IN_PORTS) {
			r |= kvu(b, KEY("insport"), in->sport);
			r |= kvu(b, KEY("indport"), in->dport);
		}
	}
	r |= capture_buf_putc(b, '\n');
	return r;
}

int capture_rec_write_hop_tail(struct capture_buf *b, const struct nfp_hop *h, const struct capture_strpool *sp,
			       struct capture_rec_tail *tc)
{
	size_t line = b->len;
	int r = write_head(b, h, sp, tc);
	/* "\tsame=1\n" only where it is shorter than the fields */
	if (tc && tc->n > 8 && memcmp(&tc->pk, &h->pk, sizeof(h->pk)) == 0 &&
	    memcmp(&tc->in, &h->inner, sizeof(h->inner)) == 0) {
		r |= capture_buf_put(b, "\tsame=1\n", 8);
		if (b->len - line > NFP_REC_MAX_LINE)
			tc->n = 0; /* readers skip this line: the next writes its fields */
		return r ? -1 : 0;
	}
	size_t start = b->len;
	r |= write_tail(b, h);
	if (tc && !r) {
		size_t n = b->len - start;
		tc->n = 0;
		if (n <= sizeof(tc->txt) && b->len - line <= NFP_REC_MAX_LINE) {
			memcpy(tc->txt, b->p + start, n);
			tc->n = (uint32_t)n;
			tc->pk = h->pk;
			tc->in = h->inner;
		}
	}
	return r ? -1 : 0;
}

int capture_rec_magic(const char *s, size_t n)
{
	static const char pre[] = NFP_REC_MAGIC_PREFIX;
	size_t pl = sizeof(pre) - 1;
	if (n < pl || memcmp(s, pre, pl) != 0)
		return 0;
	if (n == pl + 1 && (s[pl] == '1' || s[pl] == '2'))
		return s[pl] - '0';
	return -1;
}

int capture_rec_write_hop(struct capture_buf *b, const struct nfp_hop *h, const struct capture_strpool *sp)
{
	return capture_rec_write_hop_tail(b, h, sp, NULL);
}

/* unescapes v into out (cap bytes); returns length or -1 */
static long unescape(const char *v, size_t vl, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < vl; i++) {
		char c = v[i];
		if (c == '\\') {
			if (i + 3 >= vl)
				return -1;
			int a = nfp_hexval(v[i + 2]), b = nfp_hexval(v[i + 3]);
			if (v[i + 1] != 'x' || a < 0 || b < 0)
				return -1;
			c = (char)(a << 4 | b);
			i += 3;
		}
		if (o >= cap)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}

static int lookup_name(const char *v, size_t vl, const char *(*namef)(int), int max)
{
	for (int i = 0; i <= max; i++) {
		const char *n = namef(i);
		if (strlen(n) == vl && memcmp(n, v, vl) == 0)
			return i;
	}
	return -1;
}

/* a value holding NUL cannot be a name: keep it absent */
static uint32_t intern0(struct capture_strpool *sp, const char *v, size_t n)
{
	uint32_t id = capture_strpool_intern(sp, v, n);
	return id == UINT32_MAX ? 0 : id;
}

#define K(lit) (kl == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)

int capture_rec_parse(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h, struct capture_rec_loss *loss,
		      int *name_kind, uint32_t *name_key, uint32_t *name_val, const char **err)
{
	while (n && (s[n - 1] == '\r'))
		n--;
	if (n == 0 || s[0] == '#')
		return 0;
	if (n < 2 || s[1] != '\t' || (s[0] != 'H' && s[0] != 'L' && s[0] != 'N')) {
		*err = "not a recording event line";
		return -1;
	}
	char type = s[0];
	if (type == 'L')
		loss->lost = loss->overruns = 0;
	if (type == 'H') {
		memset(h, 0, sizeof(*h));
		h->rule = -1;
		h->source = NFP_SRC_REC;
	}
	int have_kind = 0, have_fam = 0, tin = 0, icin = 0;
	*name_kind = 0;
	*name_key = *name_val = 0;
	size_t i = 2;
	char buf[4096];
	while (i <= n) {
		size_t st = i;
		while (i < n && s[i] != '\t')
			i++;
		const char *k = s + st;
		const char *eq = memchr(k, '=', i - st);
		if (!eq) {
			*err = "field without '='";
			return -1;
		}
		size_t kl = (size_t)(eq - k);
		long vl = unescape(eq + 1, (size_t)(s + i - eq - 1), buf, sizeof(buf));
		if (vl < 0) {
			*err = "bad escape or overlong value";
			return -1;
		}
		const char *v = buf;
		size_t ul = (size_t)vl;
		i++;
		uint64_t x;
		if (type == 'L') {
			if (K("lost") || K("overruns")) {
				if (capture_parse_uint(v, ul, 10, UINT64_MAX, &x) < 0) {
					*err = "bad lost count";
					return -1;
				}
				*(K("lost") ? &loss->lost : &loss->overruns) = (unsigned long)x;
			}
			continue;
		}
		if (type == 'N') {
			uint32_t id = intern0(sp, v, ul);
			if (K("kind")) {
				*name_kind = 0;
				for (int nk = 1; nk <= 3; nk++)
					if (ul == strlen(name_kinds[nk]) && memcmp(v, name_kinds[nk], ul) == 0)
						*name_kind = nk;
			} else if (K("key"))
				*name_key = id;
			else if (K("name"))
				*name_val = id;
			continue;
		}
		struct nfp_pkt *pk = &h->pk;
		int bad = 0;
		if (K("src")) {
			int sv = lookup_name(v, ul, nfp_source_name, NFP_SRC__COUNT - 1);
			if (sv >= 0)
				h->source = (uint8_t)sv;
		} else if (K("fam")) {
			int f = lookup_name(v, ul, nfp_family_name, 10);
			bad = f < 0;
			if (!bad)
				h->family = (uint8_t)f;
			have_fam = 1;
		} else if (K("tid")) {
			bad = capture_parse_uint(v, ul, 16, UINT32_MAX, &x) < 0;
			h->trace_id = (uint32_t)x;
			h->flags |= NFP_HOP_TRACE_ID;
		} else if (K("table")) {
			h->table = intern0(sp, v, ul);
		} else if (K("chain")) {
			h->chain = intern0(sp, v, ul);
		} else if (K("kind")) {
			int kd = lookup_name(v, ul, nfp_kind_name, NFP_KIND_DROP);
			bad = kd < 0;
			h->kind = (uint8_t)(kd < 0 ? 0 : kd);
			have_kind = 1;
		} else if (K("rule")) {
			bad = capture_parse_uint(v, ul, 10, INT32_MAX, &x) < 0;
			h->rule = (int32_t)x;
		} else if (K("handle")) {
			bad = capture_parse_uint(v, ul, 10, UINT64_MAX, &x) < 0;
			h->handle = x;
			h->flags |= NFP_HOP_HANDLE;
		} else if (K("verdict")) {
			h->verdict = (uint8_t)nfp_verdict_parse(v, (int)ul);
		} else if (K("jump")) {
			h->jump = intern0(sp, v, ul);
		} else if (K("in")) {
			h->in = intern0(sp, v, ul);
		} else if (K("out")) {
			h->out = intern0(sp, v, ul);
		} else if (K("physin")) {
			h->physin = intern0(sp, v, ul);
		} else if (K("physout")) {
			h->physout = intern0(sp, v, ul);
		} else if (K("ts")) {
			char tmp[40];
			if (ul >= sizeof(tmp)) {
				bad = 1;
			} else {
				memcpy(tmp, v, ul);
				tmp[ul] = '\0';
				char *end;
				h->ts = strtod(tmp, &end);
				bad = *end != '\0' || ul == 0;
				h->flags |= NFP_HOP_TS;
			}
		} else if (K("ct")) {
			int c = lookup_name(v, ul, nfp_ct_name, NFP_CT_UNTRACKED);
			bad = c < 0;
			h->ct_state = (uint8_t)(c < 0 ? 0 : c);
			h->flags |= NFP_HOP_CT;
		} else if (K("ctdir")) {
			int d = lookup_name(v, ul, nfp_dir_name, NFP_DIR_REPLY);
			h->ct_dir = (uint8_t)(d < 0 ? 0 : d);
		} else if (K("ctid")) {
			bad = capture_parse_uint(v, ul, 10, UINT32_MAX, &x) < 0;
			h->ct_id = (uint32_t)x;
		} else if (K("probe")) {
			h->flags |= NFP_HOP_PROBE;
		} else if (K("hook")) {
			h->hook = (uint8_t)nfp_hook_parse(v, (int)ul);
		} else if (K("prio")) {
			char tmp[16];
			if (ul == 0 || ul >= sizeof(tmp)) {
				bad = 1;
			} else {
				memcpy(tmp, v, ul);
				tmp[ul] = '\0';
				char *end;
				long p = strtol(tmp, &end, 10);
				bad = *end != '\0' || p < -32768 || p > 32767;
				h->prio = (int16_t)p;
				h->have_prio = 1;
			}
		} else if (K("text")) {
			h->rule_text = intern0(sp, v, ul);
		} else if (K("prefix")) {
			h->prefix = intern0(sp, v, ul);
		} else if (K("line")) {
			bad = capture_parse_uint(v, ul, 10, UINT32_MAX, &x) < 0;
			h->line = (uint32_t)x;
		} else if (K("saddr") || K("daddr")) {
			uint8_t l3;
			bad = capture_parse_ip(v, ul, k[0] == 's' ? pk->src : pk->dst, &l3) < 0;
			pk->l3 = l3;
			pk->flags |= NFP_PK_ADDRS;
		} else if (K("proto")) {
			bad = capture_parse_uint(v, ul, 10, 255, &x) < 0;
			pk->proto = (uint8_t)x;
			pk->flags |= NFP_PK_PROTO;
		} else if (K("sport") || K("dport")) {
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			*(k[0] == 's' ? &pk->sport : &pk->dport) = (uint16_t)x;
			pk->flags |= NFP_PK_PORTS;
		} else if (K("itype") || K("icode")) {
			bad = capture_parse_uint(v, ul, 10, 255, &x) < 0;
			*(k[1] == 't' ? &pk->icmp_type : &pk->icmp_code) = (uint8_t)x;
			pk->flags |= NFP_PK_ICMP;
		} else if (K("iid") || K("iseq")) {
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			*(k[1] == 'i' ? &pk->sport : &pk->dport) = (uint16_t)x;
			pk->flags |= NFP_PK_ICMPID;
		} else if (K("ipid")) {
			bad = capture_parse_uint(v, ul, 10, UINT32_MAX, &x) < 0;
			pk->ipid = (uint32_t)x;
			pk->flags |= NFP_PK_IPID;
		} else if (K("ttl")) {
			bad = capture_parse_uint(v, ul, 10, 255, &x) < 0;
			pk->ttl = (uint8_t)x;
			pk->flags |= NFP_PK_TTL;
		} else if (K("len")) {
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			pk->len = (uint16_t)x;
			pk->flags |= NFP_PK_LEN;
		} else if (K("macsrc") || K("macdst")) {
			bad = capture_parse_mac(v, ul, k[3] == 's' ? pk->mac_src : pk->mac_dst) < 0;
			pk->flags |= NFP_PK_MACS;
		} else if (K("mark")) {
			bad = capture_parse_uint(v, ul, 10, UINT32_MAX, &x) < 0;
			pk->mark = (uint32_t)x;
			pk->flags |= NFP_PK_MARK;
		} else if (K("df")) {
			pk->flags |= NFP_PK_DF;
		} else if (K("tcpflags")) {
			bad = capture_parse_uint(v, ul, 10, 255, &x) < 0;
			pk->tcp_flags = (uint8_t)x;
		} else if (K("arpop")) {
			bad = capture_parse_uint(v, ul, 10, 255, &x) < 0;
			pk->arp_op = (uint8_t)x;
			pk->flags |= NFP_PK_ARP;
		} else if (K("insaddr") || K("indaddr")) {
			icin = 1;
			bad = capture_parse_ip(v, ul, k[2] == 's' ? h->inner.src : h->inner.dst, &h->inner.l3) < 0;
			h->inner.flags |= NFP_IN_ADDRS;
		} else if (K("inproto")) {
			icin = 1;
			bad = capture_parse_uint(v, ul, 10, 255, &x) < 0;
			h->inner.proto = (uint8_t)x;
		} else if (K("insport") || K("indport")) {
			icin = 1;
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			*(k[2] == 's' ? &h->inner.sport : &h->inner.dport) = (uint16_t)x;
			h->inner.flags |= NFP_IN_PORTS;
		} else if (K("inipid")) {
			icin = 1;
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			h->inner.ipid = (uint16_t)x;
			h->inner.flags |= NFP_IN_IPID;
			if (!h->inner.l3)
				h->inner.l3 = 4;
		} else if (K("iniid")) {
			icin = 1;
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			h->inner.sport = (uint16_t)x;
			h->inner.flags |= NFP_IN_ICMPID;
		} else if (K("tun")) {
			/* an unknown tunnel from a newer writer: the outer packet stands */
			if (ul == 5 && memcmp(v, "vxlan", 5) == 0)
				h->inner.flags |= NFP_IN_VXLAN;
			else if (ul == 6 && memcmp(v, "geneve", 6) == 0)
				h->inner.flags |= NFP_IN_GENEVE;
		} else if (K("vni")) {
			tin = 1;
			bad = capture_parse_uint(v, ul, 10, 0xffffff, &x) < 0;
			nfp_inner_set_vni(&h->inner, (uint32_t)x);
		} else if (K("tinsaddr") || K("tindaddr")) {
			tin = 1;
			bad = capture_parse_ip(v, ul, k[3] == 's' ? h->inner.src : h->inner.dst, &h->inner.l3) < 0;
			h->inner.flags |= NFP_IN_ADDRS;
		} else if (K("tinproto")) {
			tin = 1;
			bad = capture_parse_uint(v, ul, 10, 255, &x) < 0;
			h->inner.proto = (uint8_t)x;
		} else if (K("tinipid")) {
			tin = 1;
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			h->inner.ipid = (uint16_t)x;
			h->inner.flags |= NFP_IN_IPID;
		} else if (K("tiniid") || K("tiniseq")) {
			tin = 1;
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			*(k[4] == 'i' ? &h->inner.sport : &h->inner.dport) = (uint16_t)x;
			h->inner.flags |= NFP_IN_ICMPID;
		} else if (K("tinsport") || K("tindport")) {
			tin = 1;
			bad = capture_parse_uint(v, ul, 10, 65535, &x) < 0;
			*(k[3] == 's' ? &h->inner.sport : &h->inner.dport) = (uint16_t)x;
			h->inner.flags |= NFP_IN_PORTS;
		} else if (K("same")) {
			bad = ul != 1 || v[0] != '1';
			h->flags |= NFP_HOP_SAME_PKT;
		} else if (K("host")) {
			h->host = intern0(sp, v, ul);
		} else if (K("reason")) { /* drop events last: other lines never get here */
			h->drop_reason = intern0(sp, v, ul);
		} else if (K("loc")) {
			h->drop_location = intern0(sp, v, ul);
		} else if (K("ns")) {
			h->drop_ns = intern0(sp, v, ul);
		}
		if (bad) {
			*err = "bad value in recording field";
			return -1;
		}
	}
	if (h->pk.flags & NFP_PK_ARP)
		h->pk.l3 = 0; /* sender/target addresses, written as IPv4 */
	/* a tunnel's carried packet and an ICMP error's header share the
	 * hop's inner: one or the other */
	if ((tin && !(h->inner.flags & NFP_IN_TUNNEL)) || (icin && (h->inner.flags & NFP_IN_TUNNEL))) {
		*err = tin ? "tunnel fields without tun" : "tunnel fields mixed with an ICMP error's";
		return -1;
	}
	if (type == 'L')
		return NFP_REC_LOST;
	if (type == 'N') {
		if (!*name_kind || !*name_key) {
			*err = "name record without kind or key";
			return -1;
		}
		return NFP_REC_NAME;
	}
	if (!have_kind || !have_fam) {
		*err = "hop record without kind or fam";
		return -1;
	}
	static const struct nfp_hop none;
	if ((h->flags & NFP_HOP_SAME_PKT) && (memcmp(&h->pk, &none.pk, sizeof(h->pk)) != 0 ||
					      memcmp(&h->inner, &none.inner, sizeof(h->inner)) != 0)) {
		*err = "same=1 with packet fields of its own";
		return -1;
	}
	h->flags |= NFP_HOP_HAVE_PKT;
	return NFP_REC_HOP;
}

/* a clock value: seconds, finite, not negative */
static int parse_secs(const char *v, size_t ul, double *out)
{
	char tmp[40];
	if (ul == 0 || ul >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, ul);
	tmp[ul] = '\0';
	char *end;
	double d = strtod(tmp, &end);
	if (*end != '\0' || !(d >= 0 && d < 1e15))
		return -1;
	*out = d;
	return 0;
}

int capture_rec_parse_start(const char *s, size_t n, struct capture_strpool *sp, struct capture_rec_start *st,
			    const char **err)
{
	while (n && s[n - 1] == '\r')
		n--;
	if (n < 3 || s[0] != '#' || s[1] != 'S' || s[2] != '\t')
		return 0;
	memset(st, 0, sizeof(*st));
	char buf[4096];
	size_t i = 3;
	while (i <= n) {
		size_t b0 = i;
		while (i < n && s[i] != '\t')
			i++;
		const char *k = s + b0;
		const char *eq = memchr(k, '=', i - b0);
		if (!eq) {
			*err = "field without '='";
			return -1;
		}
		size_t kl = (size_t)(eq - k);
		long vl = unescape(eq + 1, (size_t)(s + i - eq - 1), buf, sizeof(buf));
		i++;
		if (vl < 0) {
			*err = "bad escape or overlong value";
			return -1;
		}
		if (K("host")) {
			st->host = intern0(sp, buf, (size_t)vl);
		} else if (K("realtime") || K("monotonic")) {
			if (parse_secs(buf, (size_t)vl, K("realtime") ? &st->realtime : &st->monotonic) < 0) {
				*err = "bad clock in host record";
				return -1;
			}
		}
	}
	return 1;
}
