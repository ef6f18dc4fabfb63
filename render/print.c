/* print: --print, --json and --stats writers (see print.h). */
#include "print.h"

#include "../capture/box.h"
#include "text.h"
#include "../capture/tunnel.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PUTS(b, s) capture_buf_put((b), (s), strlen(s))

static int putf(struct capture_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static int putf(struct capture_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	return capture_buf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

const char *render_name_on(const struct capture_trace *t, uint32_t host, int kind, const char *key)
{
	if (!key || !*key)
		return "";
	return capture_str(t, capture_trace_name_on(t, host, kind, key));
}

const char *render_name(const struct capture_trace *t, int kind, const char *key)
{
	return render_name_on(t, 0, kind, key);
}

/* decimal without printf: the JSON writer emits millions of numbers */
static int put_uint(struct capture_buf *b, unsigned long long v)
{
	char d[24];
	int i = (int)sizeof(d);
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return capture_buf_put(b, d + i, sizeof(d) - (size_t)i);
}

/* a fixed ASCII word (enum names), quoted */
static int put_q(struct capture_buf *b, const char *s)
{
	return capture_buf_putc(b, '"') | PUTS(b, s) | capture_buf_putc(b, '"');
}

static int esc(struct capture_buf *b, const struct capture_trace *t, uint32_t id, int ascii)
{
	return render_esc(b, capture_str(t, id), capture_str_len(t, id), ascii);
}

static int dev(struct capture_buf *b, const struct capture_trace *t, const char *label, const struct nfp_hop *h,
	       uint32_t id, int ascii)
{
	if (!id)
		return 0;
	int r = PUTS(b, " ") | PUTS(b, label) | esc(b, t, id, ascii);
	const char *nm = render_name_on(t, h->host, 1, capture_str(t, id));
	if (*nm) {
		r |= PUTS(b, " [");
		r |= render_esc(b, nm, strlen(nm), ascii);
		r |= PUTS(b, "]");
	}
	return r;
}

static const char *ct_source(const struct nfp_packet *p)
{
	return p->ct_kernel ? "kernel" : "inferred";
}

/* JSON: a state, or null when there is none to show (not tracked, unknown) */
static int json_ct(struct capture_buf *b, const struct nfp_packet *p)
{
	int r = PUTS(b, "\"ct\":");
	r |= p->ct == NFP_CT_UNKNOWN ? PUTS(b, "null") : put_q(b, nfp_ct_name(p->ct));
	r |= PUTS(b, ",\"ct_source\":");
	r |= p->ct == NFP_CT_UNKNOWN && !p->ct_kernel ? PUTS(b, "null") : put_q(b, ct_source(p));
	return r;
}

static int addr_changed(const struct nfp_pkt *a, const struct nfp_pkt *b)
{
	return (a->flags & NFP_PK_ADDRS) && (b->flags & NFP_PK_ADDRS) &&
	       (memcmp(a->src, b->src, 16) != 0 || memcmp(a->dst, b->dst, 16) != 0 ||
		((a->flags & b->flags & NFP_PK_PORTS) && (a->sport != b->sport || a->dport != b->dport)));
}

int render_print_packet(struct capture_buf *b, const struct capture_trace *t, size_t num,
			const struct render_print_opts *o)
{
	const struct nfp_packet *p = capture_trace_packet(t, num);
	if (!p) {
		errno = EINVAL;
		return -1;
	}
	char sum[256];
	render_packet_summary(t, p, sum, sizeof(sum));
	int r = putf(b, "packet %zu  flow %u  %s  ct %s (%s)  %u hops\n  %s\n", num,
		     p->flow == NFP_NONE ? 0 : p->flow + 1, nfp_dir_name(p->dir), capture_packet_ct_name(p), ct_source(p),
		     p->nhops, sum);
	r |= PUTS(b, "  fate: ");
	r |= render_fate_text(b, t, p, o->ascii);
	r |= PUTS(b, "\n");
	if (capture_trace_many_hosts(t)) {
		uint32_t hs[16];
		int nh = render_packet_hosts(t, p, hs, 16);
		r |= PUTS(b, nh > 1 ? "  hosts: " : "  host: ");
		for (int k = 0; k < nh; k++) {
			r |= PUTS(b, k ? ", " : "");
			r |= esc(b, t, hs[k], o->ascii);
		}
		r |= PUTS(b, "\n");
	}
	const struct nfp_pkt *prev = NULL;
	uint32_t host = 0;
	struct capture_tunnel tu;
	int tunnel = capture_packet_tunnel(t, p, &tu);
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		int outer = tunnel && capture_hop_is_tunnel(h);
		if (tunnel && i == tu.first) {
			/* the step the outer packet takes, before its hops */
			r |= PUTS(b, "   tunnel: ");
			r |= render_tunnel_text(b, t, &tu, o->ascii);
			r |= PUTS(b, "\n");
		}
		if (capture_trace_many_hosts(t) && h->host != host) {
			/* the journey moves to another host */
			host = h->host;
			r |= PUTS(b, "   on ");
			r |= host ? esc(b, t, host, o->ascii) : PUTS(b, "(host not named)");
			r |= PUTS(b, "\n");
		}
		const char *box = nfp_box_name(h->box);
		char kind[40];
		render_hop_kind(t, h, kind, sizeof(kind));
		/* "box [chain]" when the chain is not the box's own (user
		 * chains, nft chain names), padded as one column */
		struct capture_buf col = { 0 };
		r |= PUTS(&col, *box ? box : "?");
		const char *ch = capture_str(t, h->chain);
		const char *bc = strrchr(box, ':');
		if (h->chain && (!bc || strcmp(bc + 1, ch) != 0)) {
			r |= PUTS(&col, " [");
			r |= esc(&col, t, h->chain, o->ascii);
			r |= PUTS(&col, "]");
		}
		r |= putf(b, "  %2u %-7s ", i + 1, h->layer ? nfp_layer_name(h->layer) : "?");
		if (col.p)
			r |= putf(b, "%-38s ", col.p);
		capture_buf_free(&col);
		char verdict[128];
		render_verdict_label(t, h, verdict, sizeof(verdict), o->ascii);
		r |= putf(b, "%-16s %-8s", kind, *verdict ? verdict : "-");
		if (h->jump && (h->verdict == NFP_V_JUMP || h->verdict == NFP_V_GOTO)) {
			r |= PUTS(b, " -> ");
			r |= esc(b, t, h->jump, o->ascii);
		}
		r |= dev(b, t, "IN=", h, h->in, o->ascii);
		r |= dev(b, t, "OUT=", h, h->out, o->ascii);
		r |= dev(b, t, "PHYSIN=", h, h->physin, o->ascii);
		r |= dev(b, t, "PHYSOUT=", h, h->physout, o->ascii);
		if (h->flags & NFP_HOP_PROBE)
			r |= PUTS(b, " (nfpath probe)");
		if (outer)
			r |= PUTS(b, " (tunnel)");
		/* the outer packet's addresses are no rewrite of the carried one's */
		if (!outer && prev && addr_changed(prev, &h->pk)) {
			char s[48], d[48];
			render_addr(&h->pk, 0, s, sizeof(s));
			render_addr(&h->pk, 1, d, sizeof(d));
			if ((h->pk.flags & NFP_PK_PORTS) && !(h->pk.flags & NFP_PK_ICMPID))
				r |= putf(b, " NAT now %s:%u > %s:%u", s, h->pk.sport, d, h->pk.dport);
			else
				r |= putf(b, " NAT now %s > %s", s, d);
		}
		if ((h->pk.flags & NFP_PK_ADDRS) && !outer)
			prev = &h->pk;
		const char *rt = render_hop_rule(t, h);
		if (*rt) {
			r |= PUTS(b, "  | ");
			r |= render_esc(b, rt, strlen(rt), o->ascii);
		} else if (h->kind == NFP_KIND_RETURN) {
			r |= PUTS(b, "  | (end of chain: implicit return)");
		} else if (h->prefix && h->kind == NFP_KIND_LOG) {
			r |= PUTS(b, "  | prefix \"");
			r |= esc(b, t, h->prefix, o->ascii);
			r |= PUTS(b, "\"");
		} else if (h->kind == NFP_KIND_DROP) {
			/* no rule: what the kernel said (skb:kfree_skb) */
			r |= PUTS(b, "  | ");
			r |= render_kdrop_text(b, t, h, o->ascii);
		}
		r |= PUTS(b, "\n");
	}
	r |= PUTS(b, "\n");
	return r ? -1 : 0;
}

static int put_q(struct capture_buf *b, const char *s);

static int json_strid(struct capture_buf *b, const struct capture_trace *t, uint32_t id)
{
	if (!id)
		return PUTS(b, "null");
	return render_json_str(b, capture_str(t, id), capture_str_len(t, id));
}

static int json_name(struct capture_buf *b, const struct capture_trace *t, int kind, const char *key)
{
	const char *nm = render_name(t, kind, key);
	if (!*nm)
		return PUTS(b, "null");
	return render_json_str(b, nm, strlen(nm));
}

static int json_addr(struct capture_buf *b, const struct nfp_pkt *pk, int dst)
{
	char a[48];
	render_addr(pk, dst, a, sizeof(a));
	if (!a[0])
		return PUTS(b, "null");
	return put_q(b, a);
}

/* lower case, as nft and tcpdump name them: "icmp", "tcp", "icmpv6",
 * "arp"; "ip"/"ip6" when only the version is known; null when nothing is */
static int json_proto(struct capture_buf *b, const struct capture_trace *t, const struct nfp_hop *h)
{
	(void)t;
	if (!h)
		return PUTS(b, "null");
	const struct nfp_pkt *pk = &h->pk;
	if (h->family == NFP_FAM_ARP || (pk->flags & NFP_PK_ARP) ||
	    (!(pk->flags & NFP_PK_PROTO) && pk->l3 == 0 && (pk->flags & NFP_PK_ADDRS)))
		return put_q(b, "arp");
	if (!(pk->flags & NFP_PK_PROTO))
		return pk->l3 == 6 ? put_q(b, "ip6") : pk->l3 == 4 ? put_q(b, "ip") : PUTS(b, "null");
	/* the shared vocabulary's names, as nft and tcpdump print them */
	const char *name = nfp_proto_name(pk->proto);
	if (name)
		return put_q(b, name);
	char num[8];
	snprintf(num, sizeof(num), "%u", pk->proto);
	return put_q(b, num);
}

static int json_fate(struct capture_buf *b, const struct capture_trace *t, const struct nfp_packet *p)
{
	const struct nfp_fate *f = &p->fate;
	int r = PUTS(b, ",\"fate\":{\"kind\":") | put_q(b, capture_fate_kind_name(f->kind));
	static const char *const by[] = { "none", "rule", "policy", "kernel", "inferred" };
	r |= PUTS(b, ",\"by\":") | put_q(b, f->by < 5 ? by[f->by] : "none");
	r |= PUTS(b, ",\"box\":");
	r |= f->box ? put_q(b, nfp_box_name(f->box)) : PUTS(b, "null");
	r |= PUTS(b, ",\"layer\":");
	r |= f->layer ? put_q(b, nfp_layer_name(f->layer)) : PUTS(b, "null");
	r |= PUTS(b, ",\"hop\":");
	r |= f->hop < p->nhops ? put_uint(b, f->hop + 1) : PUTS(b, "null");
	r |= PUTS(b, ",\"chain\":");
	r |= json_strid(b, t, f->by == NFP_FATE_BY_NONE ? 0 : f->chain);
	r |= PUTS(b, ",\"rule\":");
	r |= f->rule >= 0 && f->by != NFP_FATE_BY_NONE ? put_uint(b, (unsigned long long)f->rule) : PUTS(b, "null");
	const struct nfp_hop *fh = f->by == NFP_FATE_BY_RULE && f->hop < p->nhops ? capture_packet_hop(t, p, f->hop) : NULL;
	r |= PUTS(b, ",\"handle\":");
	r |= fh && (fh->flags & NFP_HOP_HANDLE) ? put_uint(b, fh->handle) : PUTS(b, "null");
	r |= PUTS(b, ",\"rule_text\":");
	r |= json_strid(b, t, f->by == NFP_FATE_BY_NONE ? 0 : f->rule_text);
	r |= PUTS(b, ",\"reason\":");
	r |= json_strid(b, t, f->reason);
	r |= PUTS(b, ",\"location\":");
	r |= json_strid(b, t, f->location);
	r |= PUTS(b, ",\"dev\":");
	r |= json_strid(b, t, f->dev);
	r |= PUTS(b, ",\"dev_name\":");
	const char *nm = capture_fate_dev_name(t, f);
	r |= *nm ? render_json_str(b, nm, strlen(nm)) : PUTS(b, "null");
	r |= PUTS(b, ",\"answer\":");
	r |= f->answer ? put_uint(b, f->answer) : PUTS(b, "null");
	r |= PUTS(b, ",\"answers\":");
	r |= f->answers ? put_uint(b, f->answers) : PUTS(b, "null");
	r |= PUTS(b, ",\"why\":");
	const char *why = capture_fate_why_text(f->why);
	r |= *why ? render_json_str(b, why, strlen(why)) : PUTS(b, "null");
	/* the host of that hop: where a merged journey ended */
	r |= PUTS(b, ",\"host\":");
	r |= json_strid(b, t, f->hop < p->nhops ? capture_packet_hop(t, p, f->hop)->host : 0);
	struct capture_buf txt = { 0 };
	r |= render_fate_text(&txt, t, p, 0);
	r |= PUTS(b, ",\"text\":");
	r |= render_json_str(b, txt.p ? txt.p : "", txt.len);
	capture_buf_free(&txt);
	return r | PUTS(b, "}");
}

int render_json_packet(struct capture_buf *b, const struct capture_trace *t, size_t num)
{
	const struct nfp_packet *p = capture_trace_packet(t, num);
	if (!p) {
		errno = EINVAL;
		return -1;
	}
	char sum[256], sa[48], da[48];
	render_packet_summary(t, p, sum, sizeof(sum));
	const struct nfp_hop *best = render_best_hop(t, p);
	struct nfp_pkt none = { 0 };
	const struct nfp_pkt *bp = best ? &best->pk : &none;
	render_addr(bp, 0, sa, sizeof(sa));
	render_addr(bp, 1, da, sizeof(da));
	int r = putf(b, "{\"packet\":%zu,\"flow\":%u,\"direction\":\"%s\",", num,
		     p->flow == NFP_NONE ? 0 : p->flow + 1, p->dir == NFP_DIR_REPLY ? "reply" : "original");
	r |= json_ct(b, p);
	r |= PUTS(b, ",\"summary\":");
	r |= render_json_str(b, sum, strlen(sum));
	r |= PUTS(b, ",\"proto\":");
	r |= json_proto(b, t, best);
	r |= PUTS(b, ",\"src\":");
	r |= json_addr(b, bp, 0);
	r |= PUTS(b, ",\"dst\":");
	r |= json_addr(b, bp, 1);
	r |= PUTS(b, ",\"src_name\":");
	r |= json_name(b, t, 2, sa);
	r |= PUTS(b, ",\"dst_name\":");
	r |= json_name(b, t, 2, da);
	r |= json_fate(b, t, p);
	r |= PUTS(b, ",\"hosts\":[");
	uint32_t hs[16];
	int nh = render_packet_hosts(t, p, hs, 16);
	for (int k = 0; k < nh; k++) {
		r |= PUTS(b, k ? "," : "");
		r |= json_strid(b, t, hs[k]);
	}
	r |= PUTS(b, "]");
	struct capture_tunnel tu;
	int tunnel = capture_packet_tunnel(t, p, &tu);
	r |= PUTS(b, ",\"tunnel\":");
	if (tunnel) {
		r |= PUTS(b, "{\"kind\":") | put_q(b, tu.kind) | PUTS(b, ",\"vni\":");
		r |= tu.has_vni ? put_uint(b, tu.vni) : PUTS(b, "null");
		r |= PUTS(b, ",\"from_host\":") | json_strid(b, t, tu.from_host);
		r |= PUTS(b, ",\"to_host\":") | json_strid(b, t, tu.to_host);
		r |= PUTS(b, ",\"dev_in\":") | json_strid(b, t, tu.dev_in);
		r |= PUTS(b, ",\"underlay_out\":") | json_strid(b, t, tu.under_out);
		r |= PUTS(b, ",\"underlay_in\":") | json_strid(b, t, tu.under_in);
		r |= PUTS(b, ",\"dev_out\":") | json_strid(b, t, tu.dev_out);
		r |= PUTS(b, ",\"src\":") | json_addr(b, &tu.outer, 0) | PUTS(b, ",\"dst\":") | json_addr(b, &tu.outer, 1);
		r |= PUTS(b, ",\"sport\":");
		r |= (tu.outer.flags & NFP_PK_PORTS) ? put_uint(b, tu.outer.sport) : PUTS(b, "null");
		r |= PUTS(b, ",\"dport\":");
		r |= (tu.outer.flags & NFP_PK_PORTS) ? put_uint(b, tu.outer.dport) : PUTS(b, "null");
		r |= PUTS(b, ",\"first_hop\":") | put_uint(b, tu.first + 1) | PUTS(b, ",\"last_hop\":") | put_uint(b, tu.last + 1);
		r |= PUTS(b, tu.died ? ",\"came_out\":false}" : ",\"came_out\":true}");
	} else {
		r |= PUTS(b, "null");
	}
	r |= PUTS(b, ",\"hops\":[");
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		r |= PUTS(b, i ? ",{\"n\":" : "{\"n\":") | put_uint(b, i + 1);
		r |= PUTS(b, ",\"host\":");
		r |= json_strid(b, t, h->host);
		r |= PUTS(b, ",\"layer\":");
		r |= h->layer ? put_q(b, nfp_layer_name(h->layer)) : PUTS(b, "null");
		r |= PUTS(b, ",\"box\":");
		r |= h->box ? put_q(b, nfp_box_name(h->box)) : PUTS(b, "null");
		r |= PUTS(b, ",\"family\":") | put_q(b, nfp_family_name(h->family));
		r |= PUTS(b, ",\"table\":");
		r |= json_strid(b, t, h->table);
		r |= PUTS(b, ",\"chain\":");
		r |= json_strid(b, t, h->chain);
		r |= PUTS(b, ",\"kind\":") | put_q(b, nfp_kind_name(h->kind));
		r |= PUTS(b, ",\"rule\":");
		r |= h->rule >= 0 ? put_uint(b, (unsigned long long)h->rule) : PUTS(b, "null");
		r |= PUTS(b, ",\"handle\":");
		r |= (h->flags & NFP_HOP_HANDLE) ? put_uint(b, h->handle) : PUTS(b, "null");
		r |= PUTS(b, ",\"verdict\":");
		r |= h->verdict ? put_q(b, nfp_verdict_name(h->verdict)) : PUTS(b, "null");
		r |= PUTS(b, ",\"jump\":");
		r |= json_strid(b, t, h->jump);
		r |= PUTS(b, ",\"rule_text\":");
		r |= json_strid(b, t, h->rule_text);
		r |= PUTS(b, ",\"prefix\":");
		r |= json_strid(b, t, h->prefix);
		/* a kernel drop's words; netns: where it happened when not in
		 * the traced namespace (the veth behind which it lies) */
		int kd = h->kind == NFP_KIND_DROP;
		r |= PUTS(b, ",\"reason\":");
		r |= json_strid(b, t, kd ? h->drop_reason : 0);
		r |= PUTS(b, ",\"location\":");
		r |= json_strid(b, t, kd ? h->drop_location : 0);
		r |= PUTS(b, ",\"netns\":");
		r |= json_strid(b, t, kd ? h->drop_ns : 0);
		r |= PUTS(b, ",\"netns_name\":");
		const char *nsn = kd && h->drop_ns ? render_name_on(t, h->host, 1, capture_str(t, h->drop_ns)) : "";
		r |= *nsn ? render_json_str(b, nsn, strlen(nsn)) : PUTS(b, "null");
		static const char *const dn[] = { ",\"in\":", ",\"out\":", ",\"physin\":", ",\"physout\":" };
		static const char *const dnn[] = { ",\"in_name\":", ",\"out_name\":", ",\"physin_name\":",
						   ",\"physout_name\":" };
		const uint32_t dv[] = { h->in, h->out, h->physin, h->physout };
		for (int d = 0; d < 4; d++) {
			r |= PUTS(b, dn[d]);
			r |= json_strid(b, t, dv[d]);
			r |= PUTS(b, dnn[d]);
			r |= json_name(b, t, 1, dv[d] ? capture_str(t, dv[d]) : "");
		}
		r |= PUTS(b, ",\"src\":");
		r |= json_addr(b, &h->pk, 0);
		r |= PUTS(b, ",\"dst\":");
		r |= json_addr(b, &h->pk, 1);
		if (h->pk.flags & NFP_PK_PORTS && !(h->pk.flags & NFP_PK_ICMPID))
			r |= PUTS(b, ",\"sport\":") | put_uint(b, h->pk.sport) | PUTS(b, ",\"dport\":") |
			     put_uint(b, h->pk.dport);
		if (h->pk.flags & NFP_PK_IPID)
			r |= PUTS(b, ",\"ipid\":") | put_uint(b, h->pk.ipid);
		if (h->pk.flags & NFP_PK_TTL)
			r |= PUTS(b, ",\"ttl\":") | put_uint(b, h->pk.ttl);
		r |= PUTS(b, ",\"trace_id\":");
		r |= (h->flags & NFP_HOP_TRACE_ID) ? putf(b, "\"%08x\"", h->trace_id) : PUTS(b, "null");
		r |= PUTS(b, ",\"ct\":");
		/* "none": the kernel reported no conntrack for the packet here */
		r |= (h->flags & NFP_HOP_CT) ? put_q(b, h->ct_state ? nfp_ct_name(h->ct_state) : "none") : PUTS(b, "null");
		r |= PUTS(b, ",\"tunnel\":");
		if (tunnel && capture_hop_is_tunnel(h)) {
			const char *tn = nfp_tunnel_name(&h->inner);
			r |= PUTS(b, "{\"kind\":") | put_q(b, tn ? tn : tu.kind) | PUTS(b, ",\"vni\":");
			r |= tn ? put_uint(b, nfp_inner_vni(&h->inner)) : PUTS(b, "null");
			r |= PUTS(b, "}");
		} else {
			r |= PUTS(b, "null");
		}
		r |= PUTS(b, (h->flags & NFP_HOP_PROBE) ? ",\"probe\":true,\"ts\":" : ",\"probe\":false,\"ts\":");
		r |= (h->flags & NFP_HOP_TS) ? putf(b, "%.6f", h->ts) : PUTS(b, "null");
		r |= PUTS(b, "}");
	}
	r |= PUTS(b, "]}\n");
	return r ? -1 : 0;
}

int render_print_stats(struct capture_buf *b, const struct capture_trace *t)
{
	const struct capture_trace_stats *s = capture_trace_stats(t);
	/* every line is a hop or counted under one cause (enum nfp_why) */
	int r = putf(b, "lines read      %lu\nlines skipped   %lu\n", s->lines, s->skipped);
	for (int w = 0; w < NFP_WHY__COUNT; w++) {
		if (w == NFP_WHY_BAD_FIELD)
			r |= putf(b, "lines malformed %lu\n", s->bad);
		if (s->why[w])
			r |= putf(b, "  %lu %s\n", s->why[w], nfp_why_name(w));
	}
	r |= putf(b, "hops            %lu\npackets         %zu\nflows           %zu\nevents lost     %lu\n", s->hops,
		  capture_trace_last(t), capture_trace_flows_total(t), s->lost_events);
	if (s->overruns)
		r |= putf(b, "overruns        %lu (the kernel dropped events; how many it does not say)\n", s->overruns);
	if (s->dropped_packets)
		r |= putf(b, "packets dropped %lu (over --max-packets)\n", s->dropped_packets);
	/* hops per (layer, box) and verdict, counted as packets settled */
	const unsigned long(*cnt)[NFP_BOX__COUNT][NFP_V_OTHER + 1] = s->box_verdict;
	r |= putf(b, "\n%-8s %-20s %8s %8s %8s %8s %8s %8s\n", "layer", "box", "hops", "accept", "drop", "reject",
		  "jump/ret", "other");
	for (int l = 0; l < 3; l++)
		for (int bx = 0; bx < NFP_BOX__COUNT; bx++) {
			unsigned long tot = 0;
			for (int v = 0; v <= NFP_V_OTHER; v++)
				tot += cnt[l][bx][v];
			if (!tot)
				continue;
			unsigned long acc = cnt[l][bx][NFP_V_ACCEPT];
			unsigned long drop = cnt[l][bx][NFP_V_DROP], rej = cnt[l][bx][NFP_V_REJECT];
			unsigned long jr = cnt[l][bx][NFP_V_JUMP] + cnt[l][bx][NFP_V_GOTO] + cnt[l][bx][NFP_V_RETURN];
			r |= putf(b, "%-8s %-20s %8lu %8lu %8lu %8lu %8lu %8lu\n", l ? nfp_layer_name(l) : "?",
				  bx ? nfp_box_name(bx) : "(unknown)", tot, acc, drop, rej, jr, tot - acc - drop - rej - jr);
		}
	/* the hops on "(unknown)", per cause */
	for (int w = 1; w < NFP_UNPLACED__COUNT; w++)
		if (capture_trace_unplaced(t, w))
			r |= putf(b, "  %lu not placed: %s\n", capture_trace_unplaced(t, w), capture_box_why_text(w));
	/* packets by fate, and where and why the dead ones died */
	const struct capture_fate_stats *fs = &s->fate;
	r |= PUTS(b, "\nfate            packets\n");
	for (int k = 0; k < NFP_FATE__COUNT; k++)
		if (fs->kind[k])
			r |= putf(b, "%-15s %7lu\n", capture_fate_kind_name(k), fs->kind[k]);
	int head = 0;
	for (int l = 0; l < 3; l++)
		for (int bx = 0; bx < NFP_BOX__COUNT; bx++) {
			if (!fs->died_at[l][bx][0] && !fs->died_at[l][bx][1])
				continue;
			if (!head++)
				r |= putf(b, "\n%-8s %-20s %8s %8s\n", "layer", "died at", "dropped", "rejected");
			r |= putf(b, "%-8s %-20s %8lu %8lu\n", l ? nfp_layer_name(l) : "?", bx ? nfp_box_name(bx) : "(unknown)",
				  fs->died_at[l][bx][0], fs->died_at[l][bx][1]);
		}
	for (int i = 0; i < NFP_FATE_NREASONS && fs->reasons[i].reason; i++) {
		if (i == 0)
			r |= putf(b, "\n%-29s %8s\n", "drop reason", "packets");
		struct capture_buf e = { 0 };
		esc(&e, t, fs->reasons[i].reason, 1);
		r |= putf(b, "%-29.*s %8lu\n", (int)(e.len > 60 ? 60 : e.len), e.p ? e.p : "", fs->reasons[i].n);
		capture_buf_free(&e);
	}
	if (fs->reasons_other)
		r |= putf(b, "%-29s %8lu\n", "(other reasons)", fs->reasons_other);
	return r ? -1 : 0;
}
