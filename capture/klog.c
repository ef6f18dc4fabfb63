/* klog: kernel log lines -> hops.
 *
 * Reads the nf_log_syslog field layout (iptables TRACE and LOG, nft "log"),
 * and ebt_log's layout (ebtables --log), after stripping whatever the log
 * collector put in front (dmesg, syslog, journalctl, /dev/kmsg). */
#include "parse.h"

#include "box.h"

#include <string.h>

static const char *find(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (l > n)
		return NULL;
	const char *end = s + n - l;
	for (const char *p = s; p <= end; p++) {
		p = memchr(p, lit[0], (size_t)(end - p) + 1);
		if (!p)
			return NULL;
		if (memcmp(p, lit, l) == 0)
			return p;
	}
	return NULL;
}

static int isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* the next space-separated word of s[0..n) from *i: its start and length */
static const char *next_word(const char *s, size_t n, size_t *i, size_t *len)
{
	size_t j = *i;
	while (j < n && s[j] == ' ')
		j++;
	size_t st = j;
	while (j < n && s[j] != ' ')
		j++;
	*i = j;
	*len = j - st;
	return s + st;
}

/* "1234.567890" (spaces around allowed) -> seconds */
static int parse_secs(const char *s, size_t n, double *out)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	double v = 0, scale = 1;
	int digits = 0, frac = 0;
	for (; i < n && s[i] != ' '; i++) {
		if (isdig(s[i])) {
			if (++digits > 18)
				return -1;
			if (frac) {
				scale /= 10;
				v += (s[i] - '0') * scale;
			} else {
				v = v * 10 + (s[i] - '0');
			}
		} else if (s[i] == '.' && !frac) {
			frac = 1;
		} else {
			return -1;
		}
	}
	while (i < n && s[i] == ' ')
		i++;
	if (i != n || !digits)
		return -1;
	*out = v;
	return 0;
}

/* seconds of day from the first HH:MM:SS[.frac] in s[0..n) */
static int time_of_day(const char *s, size_t n, double *out)
{
	for (size_t i = 0; i + 8 <= n; i++) {
		const char *t = s + i;
		if (isdig(t[0]) && isdig(t[1]) && t[2] == ':' && isdig(t[3]) && isdig(t[4]) && t[5] == ':' &&
		    isdig(t[6]) && isdig(t[7])) {
			double v = ((t[0] - '0') * 10 + (t[1] - '0')) * 3600.0 +
				   ((t[3] - '0') * 10 + (t[4] - '0')) * 60.0 + (t[6] - '0') * 10 + (t[7] - '0');
			size_t j = i + 8;
			if (j < n && (s[j] == '.' || s[j] == ',')) {
				double scale = 1;
				for (j++; j < n && isdig(s[j]) && scale > 1e-9; j++) {
					scale /= 10;
					v += (s[j] - '0') * scale;
				}
			}
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* "Nov29 15:54" of dmesg --time-format reltime at a new minute */
static int month_minute(const char *s, size_t n)
{
	while (n && s[0] == ' ')
		s++, n--;
	if (n < 10 || !(s[0] >= 'A' && s[0] <= 'Z') || !(s[1] >= 'a' && s[1] <= 'z') || !(s[2] >= 'a' && s[2] <= 'z'))
		return -1;
	size_t i = 3;
	while (i < n && (isdig(s[i]) || s[i] == ' '))
		i++;
	return n - i == 5 && isdig(s[i]) && isdig(s[i + 1]) && s[i + 2] == ':' && isdig(s[i + 3]) && isdig(s[i + 4])
		       ? 0
		       : -1;
}

/* The bracketed time of dmesg at s: "[ 1234.567890] " (plain), "[Thu Nov
 * 26 16:00:00 2026] " (-T), "[ 1234.5 <    0.000013>] " (-d), and the
 * relative ones that name no time of their own: "[<    0.000013>] "
 * (delta), "[  +0.000013] " and "[Nov29 15:54] " (reltime, -e). Returns
 * bytes consumed or 0. */
static size_t bracket_ts(const char *s, size_t n, double *ts, int *has_ts)
{
	if (n < 3 || s[0] != '[')
		return 0;
	const char *close = memchr(s, ']', n < 48 ? n : 48);
	if (!close)
		return 0;
	const char *in = s + 1;
	size_t il = (size_t)(close - in);
	const char *lt = memchr(in, '<', il);
	double v;
	if (lt) {
		/* delta: "[<  d>]" alone, or after the time with -d */
		size_t rl = (size_t)(close - lt - 1);
		if (!rl || lt[rl] != '>' || parse_secs(lt + 1, rl - 1, &v) < 0)
			return 0;
		il = (size_t)(lt - in);
		while (il && in[il - 1] == ' ')
			il--;
	}
	size_t sp = 0;
	while (sp < il && in[sp] == ' ')
		sp++;
	if (lt && sp == il) {
		/* the delta only: no time of its own */
	} else if (parse_secs(in, il, &v) == 0) {
		*ts = v;
		*has_ts = 1;
	} else if (!lt && sp < il && in[sp] == '+' && parse_secs(in + sp + 1, il - sp - 1, &v) == 0) {
		/* reltime: the gap to the message before, no time of its own */
	} else if (!lt && month_minute(in, il) == 0) {
		/* reltime at a new minute: minutes only, no usable time */
	} else if (!time_of_day(in, il, &v)) {
		/* dmesg -T: "[Thu Nov 26 16:00:00 2026]" */
		*ts = v;
		*has_ts = 1;
	} else {
		return 0;
	}
	size_t p = (size_t)(close - s) + 1;
	while (p < n && s[p] == ' ')
		p++;
	return p;
}

/* dmesg -x: "kern  :warn  : " (facility, level); bytes consumed or 0 */
static size_t decode_prefix(const char *s, size_t n)
{
	size_t i = 0;
	for (int part = 0; part < 2; part++) {
		size_t st = i;
		while (i < n && i - st < 10 && ((s[i] >= 'a' && s[i] <= 'z') || isdig(s[i])))
			i++;
		if (i == st)
			return 0;
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n || s[i] != ':')
			return 0;
		i++;
	}
	if (i >= n || s[i] != ' ')
		return 0;
	return i + 1;
}

/* dmesg --time-format iso: "2026-11-29T15:54:10,317258+00:00 "; bytes
 * consumed or 0, *ts the time of day as -T gives it */
static size_t iso_ts(const char *s, size_t n, double *ts, int *has_ts)
{
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return 0;
	const char *sp = memchr(s, ' ', n < 48 ? n : 48);
	double v;
	/* the time runs from s + 11 to the space: at least "HH:MM:SS" */
	if (!sp || sp - s < 19 || time_of_day(s + 11, (size_t)(sp - s - 11), &v) < 0)
		return 0;
	*ts = v;
	*has_ts = 1;
	return (size_t)(sp - s) + 1;
}

size_t capture_klog_strip(const char *s, size_t n, double *ts, int *has_ts)
{
	size_t p = 0;
	*has_ts = 0;
	if (n && s[0] >= 'a' && s[0] <= 'z')
		p = decode_prefix(s, n);
	if (p < n && s[p] == '<') {
		/* dmesg -r: "<4>" (the syslog priority) */
		size_t q = p + 1;
		while (q < n && q < p + 5 && isdig(s[q]))
			q++;
		if (q > p + 1 && q < n && s[q] == '>')
			p = q + 1;
	}
	if (p < n && isdig(s[p]))
		p += iso_ts(s + p, n - p, ts, has_ts);
	/* /dev/kmsg: "pri,seq,usec,flags;msg" */
	if (!p && n && isdig(s[0])) {
		const char *semi = memchr(s, ';', n < 64 ? n : 64);
		if (semi) {
			const char *c1 = memchr(s, ',', (size_t)(semi - s));
			const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(semi - c1 - 1)) : NULL;
			const char *c3 = c2 ? memchr(c2 + 1, ',', (size_t)(semi - c2 - 1)) : NULL;
			uint64_t us;
			if (c3 && capture_parse_uint(c2 + 1, (size_t)(c3 - c2 - 1), 10, UINT64_MAX, &us) == 0) {
				*ts = (double)us / 1e6;
				*has_ts = 1;
				return (size_t)(semi - s) + 1;
			}
		}
	}
	if (!*has_ts)
		p += bracket_ts(s + p, n - p, ts, has_ts);
	/* syslog and journalctl put "host kernel: " before the message; only
	 * look before any netfilter text so a hostile prefix cannot move us */
	size_t lim = n - p < 200 ? n - p : 200;
	const char *k = find(s + p, lim, "kernel: ");
	if (k) {
		const char *tr = find(s + p, lim, "IN=");
		if (!tr || tr > k) {
			if (!*has_ts) {
				double v;
				if (time_of_day(s + p, (size_t)(k - s - p), &v) == 0) {
					*ts = v;
					*has_ts = 1;
				}
			}
			p = (size_t)(k - s) + 8;
			int had = *has_ts;
			double old = *ts;
			size_t b = bracket_ts(s + p, n - p, ts, has_ts);
			if (b)
				p += b;
			else if (had) {
				*ts = old;
				*has_ts = 1;
			}
		}
	}
	return p;
}

/* call sites for capture_strpool_intern_at */
enum { SITE_IN, SITE_OUT, SITE_PHYSIN, SITE_PHYSOUT, SITE_TABLE, SITE_CHAIN, SITE_PREFIX, SITE_EBIN, SITE_EBOUT };

static uint32_t intern(struct capture_strpool *sp, unsigned site, const char *s, size_t n)
{
	uint32_t id = capture_strpool_intern_at(sp, site, s, n);
	return id == UINT32_MAX ? 0 : id;
}

/* key == k; the length test first keeps the common mismatch cheap */
#define KEY(k) (kl == sizeof(k) - 1 && key[0] == (k)[0] && memcmp(key, k, sizeof(k) - 1) == 0)

static int parse_nflog_fields(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h,
			      const char **err);

/* "[SRC=.. DST=.. .. PROTO=UDP SPT=.. DPT=.. ]" after an ICMP error: the
 * header of the packet it answers, which names the connection it belongs
 * to. Read with the same field decoder, one level deep only. */
static void parse_inner(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h)
{
	struct nfp_hop in;
	const char *err;
	memset(&in, 0, sizeof(in));
	in.rule = -1;
	in.inner.flags = NFP_IN_ADDRS; /* marks the nested call: skip its brackets */
	if (parse_nflog_fields(s, n, sp, &in, &err) < 0 || !(in.pk.flags & NFP_PK_ADDRS) ||
	    !(in.pk.flags & NFP_PK_PROTO))
		return; /* a cut or odd inner header: the outer packet stands */
	struct nfp_inner *o = &h->inner;
	memcpy(o->src, in.pk.src, 16);
	memcpy(o->dst, in.pk.dst, 16);
	o->l3 = in.pk.l3;
	o->proto = in.pk.proto;
	o->flags = NFP_IN_ADDRS;
	if (in.pk.l3 == 4 && (in.pk.flags & NFP_PK_IPID)) {
		o->ipid = (uint16_t)in.pk.ipid;
		o->flags |= NFP_IN_IPID;
	}
	if (in.pk.flags & NFP_PK_ICMPID) {
		o->sport = in.pk.sport;
		o->flags |= NFP_IN_ICMPID;
	} else if (in.pk.flags & NFP_PK_PORTS) {
		o->sport = in.pk.sport;
		o->dport = in.pk.dport;
		o->flags |= NFP_IN_PORTS;
	}
}

/* nf_log_syslog fields from s[0..n): 0, or NFP_PARSE_BAD / _TRUNCATED
 * with *err set. ARP lines ("ARP HTYPE=1 PTYPE=0x0800 OPCODE=1 MACSRC=..
 * IPSRC=.. MACDST=.. IPDST=..") fill the ARP fields (see struct nfp_pkt). */
static int parse_nflog_fields(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h,
			      const char **err)
{
	struct nfp_pkt *pk = &h->pk;
	int seen_proto = 0, seen_len = 0, seen_id = 0, icmp_id_next = 0;
	/* what a complete line must hold: SRC and DST for IP, the operation
	 * (and addresses, for Ethernet/IPv4) for ARP; a frame of another
	 * protocol (MACPROTO= not IP) has neither */
	int seen_dst = 0, arp = 0, arp_ip = 0, arp_addrs = 0, other_l3 = 0, kernel_cut = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		if (s[i] == '[' || s[i] == '(') {
			/* ICMP error inner packet or IP/TCP options: skip, nested */
			char open = s[i], close = open == '[' ? ']' : ')';
			int depth = 0;
			size_t st = i + 1;
			if (open == '[' && !h->inner.flags && (pk->flags & NFP_PK_ICMP) &&
			    (pk->proto == 1 || pk->proto == 58)) {
				const char *e = memchr(s + st, ']', n - st);
				parse_inner(s + st, e ? (size_t)(e - s) - st : n - st, sp, h);
			}
			for (; i < n; i++) {
				if (s[i] == open)
					depth++;
				else if (s[i] == close && --depth == 0) {
					i++;
					break;
				}
			}
			continue;
		}
		/* one pass finds both the token's end and its '=' (tokens are
		 * short, so a byte loop beats two library scans) */
		size_t st = i;
		const char *eqp = NULL;
		for (; i < n && s[i] != ' '; i++)
			if (s[i] == '=' && !eqp)
				eqp = s + i;
		const char *key = s + st;
		if (!eqp) {
			size_t kl = i - st;
			if (KEY("DF"))
				pk->flags |= NFP_PK_DF;
			else if (KEY("ARP") && !seen_proto)
				arp = 1;
			else if (KEY("TRUNCATED") || KEY("INCOMPLETE"))
				kernel_cut = 1; /* the kernel could not read the header: not our cut */
			else if (seen_proto && pk->proto == 6) {
				static const char *const fl[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
				for (int b = 0; b < 8; b++)
					if (strlen(fl[b]) == kl && memcmp(key, fl[b], kl) == 0)
						pk->tcp_flags |= (uint8_t)(1u << b);
			}
			continue;
		}
		size_t kl = (size_t)(eqp - key);
		const char *v = eqp + 1;
		size_t vl = (size_t)(s + i - v);
		uint64_t x;
		/* by first letter: a line has ~17 fields, tested against ~25 keys */
		switch (key[0]) {
		case 'I':
			if (KEY("IN")) {
				h->in = intern(sp, SITE_IN, v, vl);
			} else if (arp && (KEY("IPSRC") || KEY("IPDST"))) {
				if (capture_parse_ipv4(v, vl, key[2] == 'S' ? pk->src : pk->dst) < 0) {
					*err = "bad ARP address";
					return NFP_PARSE_BAD;
				}
				arp_addrs |= key[2] == 'S' ? 1 : 2;
			} else if (KEY("ID")) {
				if (!seen_id && !seen_proto) {
					if (capture_parse_uint(v, vl, 10, 65535, &x) < 0) {
						*err = "bad IP ID";
						return -1;
					}
					pk->ipid = (uint32_t)x;
					pk->flags |= NFP_PK_IPID;
					seen_id = 1;
				} else if (icmp_id_next && capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
					pk->sport = (uint16_t)x;
					pk->flags |= NFP_PK_ICMPID;
				}
			}
			break;
		case 'O':
			if (KEY("OUT")) {
				h->out = intern(sp, SITE_OUT, v, vl);
			} else if (arp && KEY("OPCODE")) {
				if (capture_parse_uint(v, vl, 10, 65535, &x) < 0) {
					*err = "bad ARP OPCODE";
					return NFP_PARSE_BAD;
				}
				pk->arp_op = x > 255 ? 255 : (uint8_t)x;
				pk->flags |= NFP_PK_ARP;
			}
			break;
		case 'P':
			if (KEY("PHYSIN")) {
				h->physin = intern(sp, SITE_PHYSIN, v, vl);
			} else if (KEY("PHYSOUT")) {
				h->physout = intern(sp, SITE_PHYSOUT, v, vl);
			} else if (arp && KEY("PTYPE")) {
				arp_ip = vl == 6 && memcmp(v, "0x0800", 6) == 0;
			} else if (KEY("PROTO")) {
				int p = nfp_proto_parse(v, vl);
				if (p < 0) {
					*err = "bad PROTO";
					return -1;
				}
				pk->proto = (uint8_t)p;
				pk->flags |= NFP_PK_PROTO;
				seen_proto = 1;
			}
			break;
		case 'M':
			if (KEY("MAC")) {
				/* dst(6):src(6):type(2) as 14 hex pairs; other link types vary */
				if (vl >= 35 && capture_parse_mac(v, 17, pk->mac_dst) == 0 &&
				    capture_parse_mac(v + 18, 17, pk->mac_src) == 0)
					pk->flags |= NFP_PK_MACS;
			} else if (KEY("MACSRC")) {
				if (capture_parse_mac(v, vl, pk->mac_src) == 0)
					pk->flags |= NFP_PK_MACS;
			} else if (KEY("MACDST")) {
				if (capture_parse_mac(v, vl, pk->mac_dst) == 0)
					pk->flags |= NFP_PK_MACS;
			} else if (KEY("MACPROTO")) {
				other_l3 = !(vl == 4 && (memcmp(v, "0800", 4) == 0 || memcmp(v, "86dd", 4) == 0 ||
							 memcmp(v, "0806", 4) == 0));
			} else if (KEY("MARK")) {
				if (capture_parse_uint(v, vl, 16, UINT32_MAX, &x) == 0) {
					pk->mark = (uint32_t)x;
					pk->flags |= NFP_PK_MARK;
				}
			}
			break;
		case 'S':
			if (KEY("SRC")) {
				if (capture_parse_ip(v, vl, pk->src, &pk->l3) < 0) {
					*err = "bad SRC address";
					return -1;
				}
				pk->flags |= NFP_PK_ADDRS;
			} else if (seen_proto && KEY("SPT")) {
				if (capture_parse_uint(v, vl, 10, 65535, &x) < 0) {
					*err = "bad port";
					return -1;
				}
				pk->sport = (uint16_t)x;
				pk->flags |= NFP_PK_PORTS;
			} else if (icmp_id_next && KEY("SEQ")) {
				if (capture_parse_uint(v, vl, 10, 65535, &x) == 0)
					pk->dport = (uint16_t)x;
			}
			break;
		case 'D':
			if (KEY("DST")) {
				uint8_t l3;
				if (capture_parse_ip(v, vl, pk->dst, &l3) < 0) {
					*err = "bad DST address";
					return -1;
				}
				seen_dst = 1;
			} else if (seen_proto && KEY("DPT")) {
				if (capture_parse_uint(v, vl, 10, 65535, &x) < 0) {
					*err = "bad port";
					return -1;
				}
				pk->dport = (uint16_t)x;
				pk->flags |= NFP_PK_PORTS;
			}
			break;
		case 'L':
			if (KEY("LEN")) {
				if (!seen_len && capture_parse_uint(v, vl, 10, 65535, &x) == 0) {
					pk->len = (uint16_t)x;
					pk->flags |= NFP_PK_LEN;
				}
				seen_len = 1;
			}
			break;
		case 'T':
		case 'H':
			if (KEY("TTL") || KEY("HOPLIMIT")) {
				if (capture_parse_uint(v, vl, 10, 255, &x) == 0) {
					pk->ttl = (uint8_t)x;
					pk->flags |= NFP_PK_TTL;
				}
			} else if (seen_proto && (pk->proto == 1 || pk->proto == 58) && KEY("TYPE")) {
				if (capture_parse_uint(v, vl, 10, 255, &x) < 0) {
					*err = "bad ICMP TYPE";
					return -1;
				}
				pk->icmp_type = (uint8_t)x;
				pk->flags |= NFP_PK_ICMP;
				icmp_id_next = 1;
			}
			break;
		case 'F':
			if (KEY("FLOWLBL")) {
				if (capture_parse_uint(v, vl, 10, 0xfffff, &x) == 0) {
					pk->ipid = (uint32_t)x;
					pk->flags |= NFP_PK_IPID;
				}
			}
			break;
		case 'C':
			if (seen_proto && (pk->proto == 1 || pk->proto == 58) && KEY("CODE")) {
				if (capture_parse_uint(v, vl, 10, 255, &x) == 0)
					pk->icmp_code = (uint8_t)x;
			}
			break;
		default:
			break;
		}
	}
	if (arp) {
		if (!(pk->flags & NFP_PK_ARP) || (arp_ip && arp_addrs != 3)) {
			if (kernel_cut)
				return 0;
			*err = "ARP log line cut short (no OPCODE or addresses)";
			return NFP_PARSE_TRUNCATED;
		}
		if (arp_addrs == 3)
			pk->flags |= NFP_PK_ADDRS;
		h->family = NFP_FAM_ARP;
		return 0;
	}
	if (!((pk->flags & NFP_PK_ADDRS) && seen_dst) && !other_l3 && !kernel_cut) {
		*err = (pk->flags & NFP_PK_ADDRS) ? "log line cut short (no DST=)" : "log line cut short (no SRC=)";
		return NFP_PARSE_TRUNCATED;
	}
	if (pk->flags & NFP_PK_ADDRS)
		h->family = pk->l3 == 6 ? NFP_FAM_IPV6 : NFP_FAM_IPV4;
	return 0;
}

static int word_eq(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(w, lit, n) == 0;
}

/* ebt_log fields from s[0..n) in one pass over the words:
 * "IN=p1 OUT=p2 MAC source = m MAC dest = m proto = 0x0800 IP SRC=a IP DST=b,
 *  IP tos=0x00, IP proto=6 SPT=1 DPT=2" (or IPv6 / ARP variants) */
static int parse_eblog_fields(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h,
			      const char **err)
{
	struct nfp_pkt *pk = &h->pk;
	const char *w1 = "", *w2 = ""; /* the two previous words */
	size_t l1 = 0, l2 = 0;
	int macs = 0, sports = 0;
	uint64_t x;
	size_t i = 0;
	while (i < n) {
		size_t wl;
		const char *w = next_word(s, n, &i, &wl);
		if (!wl)
			break;
		size_t vl = wl && w[wl - 1] == ',' ? wl - 1 : wl; /* "DST=1.2.3.4," */
		if (l1 == 1 && w1[0] == '=') {
			/* "<key> = <value>": key is the word before '=' */
			if (word_eq(w2, l2, "source") || word_eq(w2, l2, "dest")) {
				if (capture_parse_mac(w, vl, w2[0] == 's' ? pk->mac_src : pk->mac_dst) < 0) {
					*err = "bad MAC in ebtables log line";
					return -1;
				}
				macs++;
			}
		} else if (wl > 3 && memcmp(w, "IN=", 3) == 0 && !h->in) {
			h->in = intern(sp, SITE_EBIN, w + 3, wl - 3);
		} else if (wl > 4 && memcmp(w, "OUT=", 4) == 0 && !h->out) {
			h->out = intern(sp, SITE_EBOUT, w + 4, wl - 4);
		} else if (vl > 4 && (memcmp(w, "SRC=", 4) == 0 || memcmp(w, "DST=", 4) == 0)) {
			uint8_t *a = w[0] == 'S' ? pk->src : pk->dst;
			int arp = word_eq(w2, l2, "ARP");
			int v6 = word_eq(w1, l1, "IPv6");
			if (word_eq(w1, l1, "IP") || v6) {
				uint8_t l3 = 4;
				int bad = v6 ? capture_parse_ip(w + 4, vl - 4, a, &l3) : capture_parse_ipv4(w + 4, vl - 4, a);
				if (bad < 0 && !arp) {
					*err = w[0] == 'S' ? "bad IP SRC address" : "bad IP DST address";
					return -1;
				}
				if (bad == 0) {
					pk->l3 = arp ? 0 : v6 ? 6 : 4;
					pk->flags |= NFP_PK_ADDRS;
				}
			}
		} else if (vl > 6 && memcmp(w, "proto=", 6) == 0 && word_eq(w1, l1, "IP")) {
			if (capture_parse_uint(w + 6, vl - 6, 10, 255, &x) == 0) {
				pk->proto = (uint8_t)x;
				pk->flags |= NFP_PK_PROTO;
			}
		} else if (vl > 7 && memcmp(w, "Header=", 7) == 0 && word_eq(w1, l1, "Next")) {
			if (capture_parse_uint(w + 7, vl - 7, 10, 255, &x) == 0) {
				pk->proto = (uint8_t)x;
				pk->flags |= NFP_PK_PROTO;
			}
		} else if (vl > 4 && (memcmp(w, "SPT=", 4) == 0 || memcmp(w, "DPT=", 4) == 0)) {
			if (capture_parse_uint(w + 4, vl - 4, 10, 65535, &x) == 0) {
				*(w[0] == 'S' ? &pk->sport : &pk->dport) = (uint16_t)x;
				sports++;
			}
		} else if (vl > 7 && memcmp(w, "OPCODE=", 7) == 0 && l1 > 6 && memcmp(w1, "PTYPE=", 6) == 0) {
			/* "ARP HTYPE=1, PTYPE=0x0800, OPCODE=1" (--log-arp) */
			if (capture_parse_uint(w + 7, vl - 7, 10, 65535, &x) == 0) {
				pk->arp_op = x > 255 ? 255 : (uint8_t)x;
				pk->flags |= NFP_PK_ARP;
			}
		}
		w2 = w1;
		l2 = l1;
		w1 = w;
		l1 = wl;
	}
	if (macs != 2) {
		*err = "ebtables log line cut short (no MAC source/dest)";
		return NFP_PARSE_TRUNCATED;
	}
	pk->flags |= NFP_PK_MACS;
	if (sports == 2)
		pk->flags |= NFP_PK_PORTS;
	h->family = NFP_FAM_BRIDGE;
	return 0;
}

static int is_word(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isdig(c) || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int capture_prefix_chain(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h)
{
	size_t i = 0;
	while (i < n) {
		size_t tl;
		const char *t = next_word(s, n, &i, &tl);
		/* split into up to 4 colon parts, dropping a trailing ':' */
		if (tl && t[tl - 1] == ':')
			tl--;
		const char *part[4];
		size_t plen[4];
		int np = 0;
		size_t ps = 0;
		for (size_t j = 0; j <= tl && np <= 4; j++) {
			if (j == tl || t[j] == ':') {
				if (np < 4) {
					part[np] = t + ps;
					plen[np] = j - ps;
				}
				np++;
				ps = j + 1;
			}
		}
		if (np < 2 || np > 4)
			continue;
		int fam = -1, k = 0;
		if (np >= 3) {
			fam = nfp_family_parse(part[0], plen[0]);
			if (fam < 0 && np == 4 && plen[0] == 3 && memcmp(part[0], "nft", 3) == 0 &&
			    (fam = nfp_family_parse(part[1], plen[1])) >= 0)
				k = 2;
			else if (fam >= 0)
				k = 1;
			else
				continue;
			if (np - k != 2)
				continue;
		} else {
			/* bare "table:CHAIN": only for the classic table names */
			static const char *const tabs[] = { "raw", "mangle", "nat", "filter", "security" };
			int ok = 0;
			for (size_t q = 0; q < 5; q++)
				ok |= strlen(tabs[q]) == plen[0] && memcmp(tabs[q], part[0], plen[0]) == 0;
			if (!ok)
				continue;
		}
		if (!is_word(part[k], plen[k]) || !is_word(part[k + 1], plen[k + 1]))
			continue;
		if (fam >= 0)
			h->family = (uint8_t)fam;
		h->table = intern(sp, SITE_TABLE, part[k], plen[k]);
		h->chain = intern(sp, SITE_CHAIN, part[k + 1], plen[k + 1]);
		return 1;
	}
	return 0;
}

static int kind_word(const char *s, size_t n)
{
	if (n == 4 && memcmp(s, "rule", 4) == 0)
		return NFP_KIND_RULE;
	if (n == 6 && memcmp(s, "return", 6) == 0)
		return NFP_KIND_RETURN;
	if (n == 6 && memcmp(s, "policy", 6) == 0)
		return NFP_KIND_POLICY;
	return -1;
}

int capture_iptrace_header(const char *t, size_t tl, struct capture_strpool *sp, struct nfp_hop *h, const char **err)
{
	while (tl && t[tl - 1] == ' ')
		tl--;
	int colons = 0;
	for (size_t j = 0; j < tl; j++)
		colons += t[j] == ':';
	if (colons != 3 || memchr(t, ' ', tl))
		return 0;
	const char *c1 = memchr(t, ':', tl);
	const char *c2 = memchr(c1 + 1, ':', tl - (size_t)(c1 + 1 - t));
	const char *c3 = memchr(c2 + 1, ':', tl - (size_t)(c2 + 1 - t));
	int kind = kind_word(c2 + 1, (size_t)(c3 - c2 - 1));
	uint64_t num;
	if (kind < 0) {
		*err = "unknown TRACE kind (want rule, return or policy)";
		return -1;
	}
	if (capture_parse_uint(c3 + 1, tl - (size_t)(c3 + 1 - t), 10, 1000000000, &num) < 0) {
		*err = "bad TRACE rule number";
		return -1;
	}
	if (c1 == t || c2 == c1 + 1) {
		*err = "empty table or chain in TRACE line";
		return -1;
	}
	h->table = intern(sp, SITE_TABLE, t, (size_t)(c1 - t));
	h->chain = intern(sp, SITE_CHAIN, c1 + 1, (size_t)(c2 - c1 - 1));
	h->kind = (uint8_t)kind;
	h->rule = (int32_t)num;
	return 1;
}

int capture_klog_parse(const char *s, size_t n, struct capture_strpool *sp, struct nfp_hop *h, const char **err)
{
	double ts = 0;
	int has_ts = 0;
	size_t off = capture_klog_strip(s, n, &ts, &has_ts);
	const char *m = s + off;
	size_t mn = n - off;
	/* strip a trailing CR from files written on other systems */
	while (mn && (m[mn - 1] == '\r' || m[mn - 1] == ' '))
		mn--;

	const char *in = NULL;
	for (const char *p = m; (p = find(p, mn - (size_t)(p - m), "IN=")) != NULL; p += 3)
		if (p == m || p[-1] == ' ') {
			in = p;
			break;
		}
	int is_trace = mn >= 7 && memcmp(m, "TRACE: ", 7) == 0;
	if (!in) {
		if (is_trace) {
			*err = "TRACE line without IN= field (truncated?)";
			return NFP_PARSE_TRUNCATED;
		}
		return NFP_PARSE_SKIP;
	}
	if (!find(in, mn - (size_t)(in - m), " OUT=") && !(in > m && find(m, (size_t)(in - m), "OUT=")))
		return is_trace ? (*err = "TRACE line without OUT= field (truncated?)", NFP_PARSE_TRUNCATED) : NFP_PARSE_SKIP;

	memset(h, 0, sizeof(*h));
	h->rule = -1;
	if (has_ts) {
		h->ts = ts;
		h->flags |= NFP_HOP_TS;
	}
	const char *pre = m;
	size_t prel = (size_t)(in - m);
	while (prel && pre[prel - 1] == ' ')
		prel--;
	const char *fields = in;
	size_t fl = mn - (size_t)(in - m);

	/* ebt_log puts "MAC source = " right after IN= and OUT= */
	const char *after = memchr(fields, ' ', fl);
	if (after && (size_t)(fields + fl - after) > 5 && memcmp(after + 1, "OUT=", 4) == 0)
		after = memchr(after + 1, ' ', (size_t)(fields + fl - after - 1));
	else
		after = NULL;
	if (after && (size_t)(fields + fl - after) > 13 && memcmp(after + 1, "MAC source = ", 13) == 0) {
		h->source = NFP_SRC_EBLOG;
		h->kind = NFP_KIND_LOG;
		if (prel)
			h->prefix = intern(sp, SITE_PREFIX, pre, prel);
		int er = parse_eblog_fields(fields, fl, sp, h, err);
		if (er < 0)
			return er;
		capture_prefix_chain(pre, prel, sp, h);
		h->family = NFP_FAM_BRIDGE;
		return NFP_PARSE_HOP;
	}

	h->source = NFP_SRC_KLOG;
	if (is_trace) {
		/* "TRACE: table:chain:kind:num" is iptables' own; any other
		 * prefix after "TRACE: " is a user's log prefix */
		int r = capture_iptrace_header(m + 7, prel > 7 ? prel - 7 : 0, sp, h, err);
		if (r < 0)
			return NFP_PARSE_BAD;
		if (r > 0) {
			int fr = parse_nflog_fields(fields, fl, sp, h, err);
			if (fr < 0)
				return fr;
			if (!(h->pk.flags & NFP_PK_ADDRS))
				h->family = NFP_FAM_IPV4;
			return NFP_PARSE_HOP;
		}
	}
	h->kind = NFP_KIND_LOG;
	if (prel)
		h->prefix = intern(sp, SITE_PREFIX, pre, prel);
	int fr = parse_nflog_fields(fields, fl, sp, h, err);
	if (fr < 0)
		return fr;
	uint8_t fam = h->family;
	if (capture_prefix_chain(pre, prel, sp, h) &&
	    (h->family == NFP_FAM_INET || h->family == NFP_FAM_UNSPEC || (fam == NFP_FAM_ARP && h->family != NFP_FAM_BRIDGE &&
									    h->family != NFP_FAM_NETDEV)))
		h->family = fam; /* inet tables log as the packet's own family */
	if (h->family == NFP_FAM_UNSPEC)
		h->family = NFP_FAM_IPV4;
	return NFP_PARSE_HOP;
}
