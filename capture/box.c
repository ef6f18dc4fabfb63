/* box: hop -> diagram box mapping: the tables, and where the stitcher
 * places each hop (see box.h). */
#include "box.h"

#include "dropreason.h"
#include "grow.h"
#include "hop.h"
#include "rules.h"
#include "trace.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int cls, hook, rank;
} boxes[] = {
#define NFP_BOX_ROW(sym, name, cls, hook, rank) { name, cls, NFP_HOOK_##hook, rank },
	NFP_BOXES(NFP_BOX_ROW)
#undef NFP_BOX_ROW
};

static const char *const hook_names[] = {
	"", "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", "INGRESS", "EGRESS", "BROUTING",
};

const char *nfp_box_name(int box)
{
	return box > 0 && box < NFP_BOX__COUNT ? boxes[box].name : "";
}

int nfp_box_class(int box)
{
	return box > 0 && box < NFP_BOX__COUNT ? boxes[box].cls : 0;
}

int nfp_box_hook(int box)
{
	return box > 0 && box < NFP_BOX__COUNT ? boxes[box].hook : 0;
}

int nfp_box_rank(int box)
{
	return box > 0 && box < NFP_BOX__COUNT ? boxes[box].rank : 0;
}

int nfp_box_parse(const char *s, int len)
{
	for (int b = 1; b < NFP_BOX__COUNT; b++)
		if ((int)strlen(boxes[b].name) == len && memcmp(boxes[b].name, s, (size_t)len) == 0)
			return b;
	return NFP_BOX_NONE;
}

const char *nfp_hook_name(int hook)
{
	return hook > 0 && hook < (int)(sizeof(hook_names) / sizeof(hook_names[0])) ? hook_names[hook] : "";
}

static int eq(const char *s, int len, const char *lit)
{
	return (int)strlen(lit) == len && memcmp(s, lit, (size_t)len) == 0;
}

static int ieq(const char *s, int len, const char *lit)
{
	if ((int)strlen(lit) != len)
		return 0;
	for (int i = 0; i < len; i++) {
		char a = s[i], b = lit[i];
		if (a >= 'a' && a <= 'z')
			a = (char)(a - 32);
		if (b >= 'a' && b <= 'z')
			b = (char)(b - 32);
		if (a != b)
			return 0;
	}
	return 1;
}

int nfp_hook_parse(const char *s, int len)
{
	for (int h = 1; h < (int)(sizeof(hook_names) / sizeof(hook_names[0])); h++)
		if (ieq(s, len, hook_names[h]))
			return h;
	return NFP_HOOK_NONE;
}

int nfp_box_for_builtin(int family, const char *t, int tl, const char *c, int cl)
{
	if (family == NFP_FAM_BRIDGE) {
		if (eq(t, tl, "broute") && eq(c, cl, "BROUTING"))
			return NFP_BOX_EB_BROUTE_BROUTING;
		if (eq(t, tl, "nat")) {
			if (eq(c, cl, "PREROUTING"))
				return NFP_BOX_EB_NAT_PREROUTING;
			if (eq(c, cl, "OUTPUT"))
				return NFP_BOX_EB_NAT_OUTPUT;
			if (eq(c, cl, "POSTROUTING"))
				return NFP_BOX_EB_NAT_POSTROUTING;
		}
		if (eq(t, tl, "filter")) {
			if (eq(c, cl, "INPUT"))
				return NFP_BOX_EB_FILTER_INPUT;
			if (eq(c, cl, "FORWARD"))
				return NFP_BOX_EB_FILTER_FORWARD;
			if (eq(c, cl, "OUTPUT"))
				return NFP_BOX_EB_FILTER_OUTPUT;
		}
		return NFP_BOX_NONE;
	}
	/* x_tables: "<table>:<CHAIN>" is the box name itself */
	char buf[64];
	if (tl + cl + 1 >= (int)sizeof(buf))
		return NFP_BOX_NONE;
	memcpy(buf, t, (size_t)tl);
	buf[tl] = ':';
	memcpy(buf + tl + 1, c, (size_t)cl);
	int b = nfp_box_parse(buf, tl + cl + 1);
	return nfp_box_class(b) == 0 ? b : NFP_BOX_NONE;
}

/* Chain priorities of the classic tables at each hook, to map an nft base
 * chain to the nearest classic box. */
static const struct {
	int hook, prio, box;
} ip_slots[] = {
	{ NFP_HOOK_PREROUTING, -300, NFP_BOX_RAW_PREROUTING },
	{ NFP_HOOK_PREROUTING, -150, NFP_BOX_MANGLE_PREROUTING },
	{ NFP_HOOK_PREROUTING, -100, NFP_BOX_NAT_PREROUTING },
	{ NFP_HOOK_INPUT, -150, NFP_BOX_MANGLE_INPUT },
	{ NFP_HOOK_INPUT, 0, NFP_BOX_FILTER_INPUT },
	{ NFP_HOOK_INPUT, 50, NFP_BOX_SECURITY_INPUT },
	{ NFP_HOOK_INPUT, 100, NFP_BOX_NAT_INPUT },
	{ NFP_HOOK_FORWARD, -150, NFP_BOX_MANGLE_FORWARD },
	{ NFP_HOOK_FORWARD, 0, NFP_BOX_FILTER_FORWARD },
	{ NFP_HOOK_FORWARD, 50, NFP_BOX_SECURITY_FORWARD },
	{ NFP_HOOK_OUTPUT, -300, NFP_BOX_RAW_OUTPUT },
	{ NFP_HOOK_OUTPUT, -150, NFP_BOX_MANGLE_OUTPUT },
	{ NFP_HOOK_OUTPUT, -100, NFP_BOX_NAT_OUTPUT },
	{ NFP_HOOK_OUTPUT, 0, NFP_BOX_FILTER_OUTPUT },
	{ NFP_HOOK_OUTPUT, 50, NFP_BOX_SECURITY_OUTPUT },
	{ NFP_HOOK_POSTROUTING, -150, NFP_BOX_MANGLE_POSTROUTING },
	{ NFP_HOOK_POSTROUTING, 100, NFP_BOX_NAT_POSTROUTING },
};

int nfp_box_for_hook(int family, int hook, int prio, int is_nat)
{
	if (hook == NFP_HOOK_INGRESS)
		return NFP_BOX_INGRESS;
	if (hook == NFP_HOOK_EGRESS)
		return NFP_BOX_EGRESS;
	if (family == NFP_FAM_NETDEV)
		return NFP_BOX_NONE;
	if (family == NFP_FAM_BRIDGE) {
		switch (hook) {
		case NFP_HOOK_BROUTING:
			return NFP_BOX_EB_BROUTE_BROUTING;
		case NFP_HOOK_PREROUTING:
			return NFP_BOX_EB_NAT_PREROUTING;
		case NFP_HOOK_INPUT:
			return NFP_BOX_EB_FILTER_INPUT;
		case NFP_HOOK_FORWARD:
			return NFP_BOX_EB_FILTER_FORWARD;
		case NFP_HOOK_OUTPUT:
			/* ebtables nat OUTPUT runs at 100, filter OUTPUT at 200 */
			return prio <= 100 ? NFP_BOX_EB_NAT_OUTPUT : NFP_BOX_EB_FILTER_OUTPUT;
		case NFP_HOOK_POSTROUTING:
			return NFP_BOX_EB_NAT_POSTROUTING;
		default:
			return NFP_BOX_NONE;
		}
	}
	int best = NFP_BOX_NONE, bestd = 0;
	for (size_t i = 0; i < sizeof(ip_slots) / sizeof(ip_slots[0]); i++) {
		if (ip_slots[i].hook != hook)
			continue;
		int isnat = strncmp(nfp_box_name(ip_slots[i].box), "nat:", 4) == 0;
		if (is_nat && isnat)
			return ip_slots[i].box;
		int d = abs(ip_slots[i].prio - prio);
		if (best == NFP_BOX_NONE || d < bestd) {
			best = ip_slots[i].box;
			bestd = d;
		}
	}
	return best;
}

/* ---- where a hop sits ------------------------------------------------ */

static const char *const why_text[] = {
	[NFP_UNPLACED_NONE] = "",
	[NFP_UNPLACED_HOOK_UNKNOWN] = ("hook unknown: an nft base chain whose name and devices do not say its hook "
				       "(give --rules with `nft -a list ruleset`)"),
	[NFP_UNPLACED_NO_CALLER] = "a user chain whose caller is not in this packet's trace",
	[NFP_UNPLACED_LOG_NO_CHAIN] = "a log line whose prefix names no chain and matches no --rules rule",
	[NFP_UNPLACED_UNKNOWN_CHAIN] = "a chain that is not a built-in chain of its table and not in --rules",
	[NFP_UNPLACED_KERNEL_DROP] = "a kernel drop outside the netfilter chains",
	[NFP_UNPLACED_NO_CHAIN] = "the event names no table or chain",
};

const char *capture_box_why_text(int why)
{
	return why > 0 && why < NFP_UNPLACED__COUNT ? why_text[why] : "";
}

static uint32_t bit(int hook)
{
	return 1u << hook;
}

/* Hooks a packet can be at given which devices the event shows: the
 * kernel passes in only on the way in (PREROUTING, INPUT, ingress), out
 * only on the way out, both at FORWARD and, for a forwarded packet, at IP
 * POSTROUTING (ip_output passes skb->dev as in); the bridge passes both
 * only at FORWARD. 0: nothing to go by. */
static uint32_t hooks_by_devices(int fam, int in, int out)
{
	if (in && out)
		return bit(NFP_HOOK_FORWARD) |
		       (fam == NFP_FAM_BRIDGE || fam == NFP_FAM_ARP ? 0 : bit(NFP_HOOK_POSTROUTING));
	if (fam == NFP_FAM_NETDEV)
		return in ? bit(NFP_HOOK_INGRESS) : out ? bit(NFP_HOOK_EGRESS) : 0;
	if (fam == NFP_FAM_ARP)
		return in ? bit(NFP_HOOK_INPUT) : out ? bit(NFP_HOOK_OUTPUT) : 0;
	if (in)
		return bit(NFP_HOOK_PREROUTING) | bit(NFP_HOOK_INPUT) | bit(NFP_HOOK_INGRESS);
	if (out)
		return bit(NFP_HOOK_OUTPUT) | bit(NFP_HOOK_POSTROUTING) | bit(NFP_HOOK_EGRESS);
	return 0;
}

/* Hook of a base chain from its name ("prerouting", "fw", "post"):
 * only a hint, checked against the devices. "ingress" before "in". */
static int hook_from_name(const char *c)
{
	char l[32];
	size_t n = strlen(c);
	if (n >= sizeof(l))
		return NFP_HOOK_NONE;
	for (size_t i = 0; i <= n; i++)
		l[i] = (char)(c[i] >= 'A' && c[i] <= 'Z' ? c[i] + 32 : c[i]);
	if (strstr(l, "ingress"))
		return NFP_HOOK_INGRESS;
	if (strstr(l, "egress"))
		return NFP_HOOK_EGRESS;
	if (strstr(l, "post"))
		return NFP_HOOK_POSTROUTING;
	if (strstr(l, "pre"))
		return NFP_HOOK_PREROUTING;
	if (strstr(l, "forw") || strstr(l, "fwd") || strncmp(l, "fw", 2) == 0)
		return NFP_HOOK_FORWARD;
	if (strstr(l, "out"))
		return NFP_HOOK_OUTPUT;
	if (strncmp(l, "in", 2) == 0)
		return NFP_HOOK_INPUT;
	return NFP_HOOK_NONE;
}

static int arp_box(int hook)
{
	switch (hook) {
	case NFP_HOOK_INPUT:
		return NFP_BOX_ARP_INPUT;
	case NFP_HOOK_FORWARD:
		return NFP_BOX_ARP_FORWARD;
	case NFP_HOOK_OUTPUT:
		return NFP_BOX_ARP_OUTPUT;
	default:
		return NFP_BOX_NONE;
	}
}

static int box_for(int fam, int hook, int prio, int nat)
{
	return fam == NFP_FAM_ARP ? arp_box(hook) : nfp_box_for_hook(fam, hook, prio, nat);
}

/* The box of chain (fam, tab, ch) when the chain says it by itself: a
 * built-in x_tables/ebtables/arptables chain, or a base chain whose hook
 * the hop or the ruleset gives. NONE otherwise. */
static int named_box(const struct capture_trace *t, const struct nfp_hop *h, int fam, const char *tab, const char *ch)
{
	if (fam == NFP_FAM_ARP) {
		/* arptables' built-in chains, and nft arp tables by hook
		 * below: never the IP filter table's boxes */
		if (strcmp(tab, "filter") == 0) {
			int hk = nfp_hook_parse(ch, (int)strlen(ch));
			if (arp_box(hk))
				return arp_box(hk);
		}
	} else {
		int b = nfp_box_for_builtin(fam == NFP_FAM_BRIDGE ? fam : NFP_FAM_IPV4, tab, (int)strlen(tab), ch,
					    (int)strlen(ch));
		if (b)
			return b;
	}
	int hook = h->hook, prio = h->prio, nat = 0;
	if (hook)
		return box_for(fam, hook, h->have_prio ? prio : 0, 0);
	if (capture_trace_rules(t) && capture_rules_chain_hook(capture_trace_rules(t), fam, tab, ch, &hook, &prio, &nat) == 0)
		return box_for(fam, hook, prio, nat);
	return NFP_BOX_NONE;
}

/* An nft chain that printed its packet line (nft monitor, xtables-monitor)
 * or an nft log line is a base chain run: its hook from the devices the
 * kernel passed, the name only to choose between what they allow. */
static int guessed_box(const struct nfp_hop *h, const char *ch, int *why)
{
	uint32_t can = hooks_by_devices(h->family, h->in != 0, h->out != 0);
	int hook = NFP_HOOK_NONE;
	if (can && !(can & (can - 1))) {
		for (hook = 1; !(can & bit(hook)); hook++)
			;
	} else {
		int nh = hook_from_name(ch);
		if (nh && (!can || (can & bit(nh))))
			hook = nh;
	}
	int b = hook ? box_for(h->family, hook, hook == NFP_HOOK_PREROUTING ? -150 : 0, 0) : NFP_BOX_NONE;
	if (!b)
		*why = NFP_UNPLACED_HOOK_UNKNOWN;
	return b;
}

/* The box a hop names by itself, with *why when it names none. */
static int own_box_uncached(const struct capture_trace *t, const struct nfp_hop *h, int *why)
{
	const char *tab = capture_str(t, h->table), *ch = capture_str(t, h->chain);
	*why = NFP_UNPLACED_NONE;
	if (h->kind == NFP_KIND_DROP && !h->table) {
		*why = NFP_UNPLACED_KERNEL_DROP;
		return NFP_BOX_NONE;
	}
	if (!h->table || !h->chain) {
		*why = NFP_UNPLACED_NO_CHAIN;
		return NFP_BOX_NONE;
	}
	int b = named_box(t, h, h->family, tab, ch);
	if (b)
		return b;
	/* an nft log line names its chain in the prefix by convention
	 * ("nft:inet:agbl:prec"), and prints the devices; netdev and arp
	 * tables have no user chains worth a caller search */
	int nft_log = h->kind == NFP_KIND_LOG && h->source == NFP_SRC_KLOG;
	if (nft_log || h->family == NFP_FAM_NETDEV || h->family == NFP_FAM_ARP)
		return guessed_box(h, ch, why);
	*why = NFP_UNPLACED_UNKNOWN_CHAIN;
	return NFP_BOX_NONE;
}

static uint8_t memo_bits(const struct nfp_hop *h)
{
	return (uint8_t)(((h->flags & NFP_HOP_HAVE_PKT) ? 1 : 0) | (h->in ? 2 : 0) | (h->out ? 4 : 0) |
			 (h->kind == NFP_KIND_LOG ? 8 : 0) | (h->kind == NFP_KIND_DROP ? 16 : 0));
}

/* own box is pure in these inputs; a small direct-mapped cache keeps
 * string work off the per-line path */
static int own_box(struct capture_trace *t, const struct nfp_hop *h, int *why)
{
	uint8_t pk = memo_bits(h);
	uint32_t k = (h->table * 2654435761u) ^ (h->chain * 40503u) ^ ((uint32_t)h->family << 24) ^
		     ((uint32_t)h->source << 16) ^ pk ^ ((uint32_t)h->hook << 8);
	struct capture_boxmap *bm = capture_trace_boxmap(t);
	struct capture_box_memo *m = &bm->memo[k % (sizeof(bm->memo) / sizeof(bm->memo[0]))];
	/* a live hop carries its chain's hook and priority: part of the key */
	if (m->valid && m->table == h->table && m->chain == h->chain && m->family == h->family &&
	    m->source == h->source && m->pk == pk && m->hook == h->hook && m->have_prio == h->have_prio &&
	    m->prio == h->prio) {
		*why = m->why;
		return m->box;
	}
	int b = own_box_uncached(t, h, why);
	*m = (struct capture_box_memo){ .table = h->table, .chain = h->chain, .prio = h->prio, .box = (uint16_t)b,
					.family = h->family, .source = h->source, .pk = pk, .why = (uint8_t)*why,
					.valid = 1, .hook = h->hook, .have_prio = h->have_prio };
	return b;
}

/* nft text names chains without their hook: a chain is a base chain when
 * the hop before it in the same table neither is in it nor jumped to it */
static int nft_text(const struct nfp_hop *h)
{
	return h->source == NFP_SRC_NFTMON || h->source == NFP_SRC_XTMON || h->source == NFP_SRC_NFTRACE;
}

int capture_box_own(struct capture_trace *t, const struct nfp_hop *h)
{
	int why;
	int b = own_box(t, h, &why);
	if (!b && nft_text(h) && (h->flags & NFP_HOP_HAVE_PKT))
		b = guessed_box(h, capture_str(t, h->chain), &why); /* a rank for the stitcher only */
	return b;
}

/* Each host's chains and bridges are its own: in a journey over several
 * hosts (merged recordings) only the hops seen on hop h's host say where h
 * sits. Their order within the packet is that host's own (the stitcher
 * puts each host's walk together), so walking back over them alone finds
 * the hop before h on its host. */
static int other_host(const struct nfp_hop *o, const struct nfp_hop *h)
{
	return o->host != h->host;
}

static int same_class(const struct nfp_hop *a, const struct nfp_hop *b)
{
	return (a->family == NFP_FAM_BRIDGE) == (b->family == NFP_FAM_BRIDGE) &&
	       (a->family == NFP_FAM_ARP) == (b->family == NFP_FAM_ARP);
}

/* A user chain runs inside the base chain that jumped to it: the hops of
 * one table's run come together (its jump rule printed a line), so the
 * hop before it with a chain is its caller or an earlier hop of the same
 * run. Anything else before it (another table, a base chain's policy)
 * means the caller was not traced. strict (nft text, whose chains do not
 * say they are user chains): only a hop of the run that is in this chain
 * or jumped to it counts, so a base chain's first hop finds none. */
static const struct nfp_hop *caller_of(const struct capture_trace *t, const struct nfp_packet *p,
				       const struct nfp_hop *h, uint32_t table, uint32_t chain, int strict)
{
	for (uint32_t i = p->nhops; i-- > 0;) {
		const struct nfp_hop *o = capture_packet_hop(t, p, i);
		if (o->kind == NFP_KIND_DROP || o->kind == NFP_KIND_LOG || !o->table || other_host(o, h))
			continue;
		if (o->table != table || !same_class(o, h))
			return NULL;
		if (o->kind == NFP_KIND_POLICY && o->chain != chain)
			return NULL;
		if (!strict || o->chain == chain || o->jump == chain)
			return o;
	}
	return NULL;
}

static int is_log_rule(const char *text)
{
	return text && (strstr(text, "-j LOG") || strstr(text, "--log") || strstr(text, " log ") ||
			strncmp(text, "log ", 4) == 0 || strstr(text, "-j NFLOG"));
}

/* A log line with no prefix names no rule: the chain's one rule that logs
 * without a prefix (--rules) is the one that wrote it. */
static void name_unprefixed(struct capture_trace *t, struct nfp_hop *h, const char *table, const char *chain)
{
	long n = capture_rules_unprefixed_log(capture_trace_rules(t), h->family, table, chain);
	if (n <= 0)
		return;
	struct capture_strpool *sp = capture_trace_strpool(t);
	uint32_t tid = capture_strpool_intern(sp, table, strlen(table));
	uint32_t cid = capture_strpool_intern(sp, chain, strlen(chain));
	if (tid == UINT32_MAX || cid == UINT32_MAX)
		return; /* no memory: the hop stays without its rule, as without --rules */
	h->table = tid;
	h->chain = cid;
	h->rule = (int32_t)n;
}

/* A log line's box: its rule found by prefix in --rules, or, for a kernel
 * LOG right after the TRACE line of the rule that logged it (the kernel
 * prints the rule's TRACE line, then runs its target), that rule's box. */
static int log_box(struct capture_trace *t, const struct nfp_packet *p, struct nfp_hop *h, int *layer_from)
{
	const char *prefix = capture_str(t, h->prefix);
	int fam;
	const char *tab, *ch;
	long rule;
	*layer_from = -1;
	if (*prefix && capture_rules_prefix_chain(capture_trace_rules(t), h->family, prefix, &fam, &tab, &ch, &rule) == 0) {
		int b = named_box(t, h, fam, tab, ch);
		if (b)
			return b;
		/* a user chain: the box of the run it was called from */
		uint32_t tid = capture_strpool_find(capture_trace_strings(t), tab, strlen(tab));
		uint32_t cid = capture_strpool_find(capture_trace_strings(t), ch, strlen(ch));
		if (tid != UINT32_MAX && cid != UINT32_MAX) {
			const struct nfp_hop *o = caller_of(t, p, h, tid, cid, 0);
			if (o && o->box)
				return o->box;
		}
	}
	uint32_t last = p->nhops;
	while (last > 0 && other_host(capture_packet_hop(t, p, last - 1), h))
		last--;
	if (last && h->source == NFP_SRC_KLOG) {
		last--;
		const struct nfp_hop *o = capture_packet_hop(t, p, last);
		if (o->source == NFP_SRC_KLOG && o->kind == NFP_KIND_RULE && o->box && same_class(o, h)) {
			const char *rt = o->rule_text ? capture_str(t, o->rule_text)
						      : capture_rules_lookup(capture_trace_rules(t), o->family, capture_str(t, o->table),
									     capture_str(t, o->chain), o->kind, o->rule, 0,
									     0, NULL);
			if (!capture_trace_rules(t) || !rt || is_log_rule(rt)) {
				*layer_from = (int)last;
				if (!*prefix && !h->chain && o->rule >= 1) {
					/* the rule whose TRACE line came just before wrote it */
					h->table = o->table;
					h->chain = o->chain;
					h->rule = o->rule;
				}
				return o->box;
			}
		}
	}
	/* a bridge frame with both ports is at the bridge's FORWARD hook,
	 * where ebtables has one chain */
	if (h->source == NFP_SRC_EBLOG && h->in && h->out) {
		if (!*prefix && !h->chain)
			name_unprefixed(t, h, "filter", "FORWARD");
		return NFP_BOX_EB_FILTER_FORWARD;
	}
	return NFP_BOX_NONE;
}

static int is_bridge(const struct capture_boxmap *m, uint32_t host, uint32_t dev)
{
	for (size_t i = 0; i < m->nbridges; i++)
		if (m->bridges[i].dev == dev && m->bridges[i].host == host)
			return 1;
	return 0;
}

/* dev carries br_netfilter's calls into the IP hooks (the kernel showed it
 * with PHYSIN/PHYSOUT or a bridged FORWARD): PREROUTING through it is
 * called from the bridge, whatever tool wrote the trace */
static void learn_bridge(struct capture_trace *t, uint32_t host, uint32_t dev)
{
	struct capture_boxmap *m = capture_trace_boxmap(t);
	if (!dev || is_bridge(m, host, dev))
		return;
	if (capture_grow((void **)&m->bridges, &m->capbridges, m->nbridges + 1, sizeof(*m->bridges)) == 0)
		m->bridges[m->nbridges++] = (struct capture_box_bridge){ host, dev };
}

void capture_boxmap_free(struct capture_boxmap *m)
{
	free(m->bridges);
	m->bridges = NULL;
	m->nbridges = m->capbridges = 0;
}

static void set_layer(struct capture_trace *t, const struct nfp_packet *p, struct nfp_hop *h)
{
	int box = h->box, cls = nfp_box_class(box), hook = nfp_box_hook(box);
	if (!box) {
		h->layer = NFP_LAYER_NONE;
		return;
	}
	if (cls == 4) {
		h->layer = NFP_LAYER_NETWORK;
		return;
	}
	if (cls != 0) {
		h->layer = NFP_LAYER_LINK;
		return;
	}
	/* an iptables chain called from the bridge (br_netfilter) is drawn on
	 * the link row: PHYSIN/PHYSOUT in logs, bridge hops around it, or a
	 * FORWARD from the bridge back into it (nft and xtables-monitor
	 * traces carry no PHYSIN/PHYSOUT) */
	int bridged_pre = 0, bridged_fwd = 0, went_up = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *o = capture_packet_hop(t, p, i);
		if (other_host(o, h))
			continue;
		int ob = o->box;
		if (ob == NFP_BOX_EB_BROUTE_BROUTING || ob == NFP_BOX_EB_NAT_PREROUTING)
			bridged_pre = 1;
		if (ob == NFP_BOX_EB_FILTER_FORWARD ||
		    (nfp_box_class(ob) == 0 && nfp_box_hook(ob) == NFP_HOOK_FORWARD && o->layer == NFP_LAYER_LINK))
			bridged_fwd = 1;
		if (ob == NFP_BOX_EB_FILTER_INPUT)
			went_up = 1;
	}
	int link = 0;
	switch (hook) {
	case NFP_HOOK_PREROUTING:
		link = h->physin || (bridged_pre && !went_up) || (h->in && is_bridge(capture_trace_boxmap(t), h->host, h->in));
		break;
	case NFP_HOOK_FORWARD:
		link = (h->physin && h->physout) || bridged_fwd || (h->in && h->in == h->out);
		break;
	case NFP_HOOK_POSTROUTING:
		link = h->physout || bridged_fwd;
		break;
	default:
		link = 0;
	}
	h->layer = link ? NFP_LAYER_LINK : NFP_LAYER_NETWORK;
	if (h->physin && h->in)
		learn_bridge(t, h->host, h->in);
	if (hook == NFP_HOOK_FORWARD && link && h->in) {
		learn_bridge(t, h->host, h->in);
		/* the PREROUTING hops before were called from the bridge too */
		for (uint32_t i = 0; i < p->nhops; i++) {
			struct nfp_hop *o = capture_packet_hop_mut(t, p, i);
			if (!other_host(o, h) && nfp_box_class(o->box) == 0 && nfp_box_hook(o->box) == NFP_HOOK_PREROUTING && o->in == h->in)
				o->layer = NFP_LAYER_LINK;
		}
	}
}

void capture_box_place(struct capture_trace *t, const struct nfp_packet *p, struct nfp_hop *h)
{
	if (h->kind == NFP_KIND_DROP) {
		capture_dropreason_place(t, p, h);
		h->unplaced = h->box ? NFP_UNPLACED_NONE : NFP_UNPLACED_KERNEL_DROP;
		if (!h->box)
			capture_trace_boxmap(t)->unplaced[NFP_UNPLACED_KERNEL_DROP]++;
		return;
	}
	int why, layer_from = -1;
	int box = own_box(t, h, &why);
	if (!box && h->kind == NFP_KIND_LOG) {
		box = log_box(t, p, h, &layer_from);
		if (!box && why == NFP_UNPLACED_NO_CHAIN)
			why = NFP_UNPLACED_LOG_NO_CHAIN;
	}
	if (!box && why == NFP_UNPLACED_UNKNOWN_CHAIN) {
		/* a user chain takes the box of the base chain that jumped to
		 * it; an nft chain no hop before it leads to is a base chain */
		const struct nfp_hop *o = caller_of(t, p, h, h->table, h->chain, nft_text(h));
		if (o && o->box)
			box = o->box;
		else if (o)
			why = o->unplaced ? o->unplaced : NFP_UNPLACED_NO_CALLER;
		else if (nft_text(h))
			box = guessed_box(h, capture_str(t, h->chain), &why);
		else
			why = NFP_UNPLACED_NO_CALLER;
	} else if (!box && why == NFP_UNPLACED_HOOK_UNKNOWN && h->kind != NFP_KIND_LOG) {
		/* a netdev/arp rule line after its chain's first line: the same run */
		const struct nfp_hop *o = caller_of(t, p, h, h->table, h->chain, 1);
		if (o && o->box)
			box = o->box;
	}
	h->box = (uint16_t)box;
	h->unplaced = box ? NFP_UNPLACED_NONE : (uint8_t)why;
	if (!box) {
		if (why < NFP_UNPLACED__COUNT)
			capture_trace_boxmap(t)->unplaced[why]++;
		h->layer = NFP_LAYER_NONE;
		return;
	}
	if (layer_from >= 0) {
		h->layer = capture_packet_hop(t, p, (uint32_t)layer_from)->layer;
		return;
	}
	set_layer(t, p, h);
}
