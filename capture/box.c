/* box: hop -> diagram box mapping: the tables, and where the stitcher
 * places each hop (see box.h). */
#include "box.h"

#include "dropreason.h"

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


/* Hook of a base chain from its name ("prerouting", "fw", "post") when
 * nothing better is known. */
static int hook_from_name(const char *c)
{
	char l[32];
	size_t n = strlen(c);
	if (n >= sizeof(l))
		return NFP_HOOK_NONE;
	for (size_t i = 0; i <= n; i++)
		l[i] = (char)(c[i] >= 'A' && c[i] <= 'Z' ? c[i] + 32 : c[i]);
	if (strstr(l, "post"))
		return NFP_HOOK_POSTROUTING;
	if (strstr(l, "pre"))
		return NFP_HOOK_PREROUTING;
	if (strstr(l, "forw") || strcmp(l, "fw") == 0 || strcmp(l, "fwd") == 0)
		return NFP_HOOK_FORWARD;
	if (strstr(l, "out"))
		return NFP_HOOK_OUTPUT;
	if (strncmp(l, "in", 2) == 0)
		return NFP_HOOK_INPUT;
	if (strstr(l, "ingress"))
		return NFP_HOOK_INGRESS;
	if (strstr(l, "egress"))
		return NFP_HOOK_EGRESS;
	return NFP_HOOK_NONE;
}

/* The box a hop names by itself (built-in chain, known base chain), or
 * NONE for user chains and unknown chains. */
static int own_box_uncached(const struct capture_trace *t, const struct nfp_hop *h)
{
	const char *tab = capture_str(t, h->table), *ch = capture_str(t, h->chain);
	int fam = h->family;
	int b = nfp_box_for_builtin(fam == NFP_FAM_BRIDGE ? fam : NFP_FAM_IPV4, tab, (int)strlen(tab), ch,
				    (int)strlen(ch));
	if (b)
		return b;
	int hook = h->hook, prio = h->prio, nat = 0;
	if (!hook && t->rules && capture_rules_chain_hook(t->rules, fam, tab, ch, &hook, &prio, &nat) == 0)
		return nfp_box_for_hook(fam, hook, prio, nat);
	if (hook)
		return nfp_box_for_hook(fam, hook, h->have_prio ? h->prio : 0, 0);
	if (h->source == NFP_SRC_NFTMON || h->source == NFP_SRC_XTMON) {
		/* nft chains carry no hook in the text: only base chains
		 * printed a packet line, so guess from the name */
		if (!(h->flags & NFP_HOP_HAVE_PKT))
			return NFP_BOX_NONE;
		hook = hook_from_name(ch);
		if (hook)
			return nfp_box_for_hook(fam, hook, hook == NFP_HOOK_PREROUTING ? -150 : 0, 0);
	}
	return NFP_BOX_NONE;
}

/* capture_box_own is pure in these inputs; a small direct-mapped cache keeps
 * string work off the per-line path */
int capture_box_own(struct capture_trace *t, const struct nfp_hop *h)
{
	uint8_t pk = (h->flags & NFP_HOP_HAVE_PKT) ? 1 : 0;
	if (h->hook || h->have_prio)
		return own_box_uncached(t, h);
	uint32_t k = (h->table * 2654435761u) ^ (h->chain * 40503u) ^ ((uint32_t)h->family << 24) ^
		     ((uint32_t)h->source << 16) ^ pk;
	struct capture_box_memo *m = &t->boxmap.memo[k % (sizeof(t->boxmap.memo) / sizeof(t->boxmap.memo[0]))];
	if (m->valid && m->table == h->table && m->chain == h->chain && m->family == h->family &&
	    m->source == h->source && m->pk == pk)
		return m->box;
	int b = own_box_uncached(t, h);
	*m = (struct capture_box_memo){ h->table, h->chain, (uint16_t)b, h->family, h->source, pk, 1 };
	return b;
}

void capture_box_place(struct capture_trace *t, const struct nfp_packet *p, struct nfp_hop *h)
{
	if (h->kind == NFP_KIND_DROP) {
		capture_dropreason_place(t, p, h);
		return;
	}
	int box = capture_box_own(t, h);
	if (!box) {
		/* a user chain takes the box of the base chain that jumped to it */
		for (uint32_t i = p->nhops; i-- > 0;) {
			const struct nfp_hop *o = &t->hops[p->hops[i]];
			if (o->box && o->table == h->table && (o->family == NFP_FAM_BRIDGE) == (h->family == NFP_FAM_BRIDGE)) {
				box = o->box;
				break;
			}
		}
	}
	h->box = (uint16_t)box;
	int cls = nfp_box_class(box), hook = nfp_box_hook(box);
	if (!box) {
		h->layer = NFP_LAYER_NONE;
		return;
	}
	if (cls != 0) {
		h->layer = NFP_LAYER_LINK;
		return;
	}
	/* an iptables chain called from the bridge (br_netfilter) is drawn on
	 * the link row: PHYSIN/PHYSOUT in logs, or bridge hops around it */
	int bridged_pre = 0, bridged_fwd = 0, went_up = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		int ob = t->hops[p->hops[i]].box;
		if (ob == NFP_BOX_EB_BROUTE_BROUTING || ob == NFP_BOX_EB_NAT_PREROUTING)
			bridged_pre = 1;
		if (ob == NFP_BOX_EB_FILTER_FORWARD)
			bridged_fwd = 1;
		if (ob == NFP_BOX_EB_FILTER_INPUT)
			went_up = 1;
	}
	int link = 0;
	switch (hook) {
	case NFP_HOOK_PREROUTING:
		link = h->physin || (bridged_pre && !went_up);
		break;
	case NFP_HOOK_FORWARD:
		link = (h->physin && h->physout) || bridged_fwd;
		break;
	case NFP_HOOK_POSTROUTING:
		link = h->physout || bridged_fwd;
		break;
	default:
		link = 0;
	}
	h->layer = link ? NFP_LAYER_LINK : NFP_LAYER_NETWORK;
}
