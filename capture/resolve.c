/* resolve: rule text and implied verdicts (see resolve.h). */
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

static int word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

int capture_rule_verdict(const char *text, const char **jump, size_t *jl)
{
	*jump = NULL;
	*jl = 0;
	if (!text || !*text)
		return NFP_V_NONE;
	if (text[0] == ':') {
		/* ":FORWARD DROP" policy line */
		const char *sp = strchr(text, ' ');
		if (sp) {
			const char *e = sp + 1;
			size_t n = strcspn(e, " ");
			return nfp_verdict_parse(e, (int)n);
		}
		return NFP_V_NONE;
	}
	if (strncmp(text, "policy ", 7) == 0) {
		size_t n = strcspn(text + 7, " ;");
		return nfp_verdict_parse(text + 7, (int)n);
	}
	const char *j = NULL;
	int is_goto = 0;
	for (const char *p = text; (p = strstr(p, " -")) != NULL; p++) {
		if (strncmp(p, " -j ", 4) == 0 || strncmp(p, " --jump ", 8) == 0)
			j = p + (p[2] == 'j' ? 4 : 8), is_goto = 0;
		else if (strncmp(p, " -g ", 4) == 0 || strncmp(p, " --goto ", 8) == 0)
			j = p + (p[2] == 'g' ? 4 : 8), is_goto = 1;
	}
	if (!j)
		return NFP_V_NONE;
	size_t n = strcspn(j, " ");
	if (is_goto) {
		*jump = j;
		*jl = n;
		return NFP_V_GOTO;
	}
	static const struct {
		const char *t;
		int v;
	} targets[] = {
		{ "ACCEPT", NFP_V_ACCEPT },	{ "DROP", NFP_V_DROP },	       { "REJECT", NFP_V_REJECT },
		{ "RETURN", NFP_V_RETURN },	{ "CONTINUE", NFP_V_CONTINUE }, { "QUEUE", NFP_V_QUEUE },
		{ "NFQUEUE", NFP_V_QUEUE },	{ "DNAT", NFP_V_ACCEPT },	{ "SNAT", NFP_V_ACCEPT },
		{ "MASQUERADE", NFP_V_ACCEPT }, { "REDIRECT", NFP_V_ACCEPT },	{ "TPROXY", NFP_V_ACCEPT },
		{ "TRACE", NFP_V_CONTINUE },	{ "LOG", NFP_V_CONTINUE },	{ "NFLOG", NFP_V_CONTINUE },
		{ "ULOG", NFP_V_CONTINUE },	{ "MARK", NFP_V_CONTINUE },	{ "CONNMARK", NFP_V_CONTINUE },
		{ "CT", NFP_V_CONTINUE },	{ "NOTRACK", NFP_V_CONTINUE },	{ "TCPMSS", NFP_V_CONTINUE },
		{ "CHECKSUM", NFP_V_CONTINUE }, { "DSCP", NFP_V_CONTINUE },	{ "TOS", NFP_V_CONTINUE },
		{ "TTL", NFP_V_CONTINUE },	{ "HL", NFP_V_CONTINUE },	{ "SET", NFP_V_CONTINUE },
		{ "mark", NFP_V_CONTINUE },	{ "snat", NFP_V_ACCEPT },	{ "dnat", NFP_V_ACCEPT },
		{ "redirect", NFP_V_ACCEPT },	{ "log", NFP_V_CONTINUE },	{ "nflog", NFP_V_CONTINUE },
	};
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (word_is(j, n, targets[i].t))
			return targets[i].v;
	*jump = j;
	*jl = n;
	return NFP_V_JUMP;
}

/* consecutive packets hit the same rules: remember recent lookups */
struct memo {
	uint32_t table, chain, prefix, text;
	int32_t rule;
	uint64_t handle;
	uint8_t family, kind, flags, valid;
};

static struct memo *memo_slot(struct memo *m, size_t n, const struct nfp_hop *h)
{
	uint32_t k = h->table * 2654435761u ^ h->chain * 40503u ^ (uint32_t)h->rule * 7919u ^ (uint32_t)h->handle ^
		     h->prefix * 31u ^ h->kind;
	return &m[k % n];
}

#define NMEMO 512

struct capture_resolver {
	struct memo memo[NMEMO];
};

struct capture_resolver *capture_resolver_new(void)
{
	return calloc(1, sizeof(struct capture_resolver));
}

void capture_resolver_free(struct capture_resolver *rv)
{
	free(rv);
}

void capture_resolve_hop(struct capture_trace *t, const struct capture_rules *rules, struct capture_resolver *rv,
			 struct nfp_hop *h)
{
	uint8_t hf = h->flags & NFP_HOP_HANDLE;
	if (h->kind == NFP_KIND_LOG && h->rule < 0 && h->prefix && rules) {
		/* a log line names its rule by prefix: give it the rule's
		 * position, as every other rule hop has one */
		int fam;
		const char *tab, *ch;
		long pos;
		if (capture_rules_prefix_chain(rules, h->family, capture_str(t, h->prefix), &fam, &tab, &ch, &pos) == 0)
			h->rule = (int32_t)pos;
	}
	struct memo *m = rv && !h->rule_text && rules ? memo_slot(rv->memo, NMEMO, h) : NULL;
	if (m && m->valid && m->table == h->table && m->chain == h->chain && m->prefix == h->prefix &&
	    m->rule == h->rule && m->handle == h->handle && m->family == h->family && m->kind == h->kind &&
	    m->flags == hf) {
		h->rule_text = m->text;
	} else if (!h->rule_text && rules) {
		const char *txt = capture_rules_lookup(rules, h->family, capture_str(t, h->table), capture_str(t, h->chain),
						       h->kind, h->rule, !!(h->flags & NFP_HOP_HANDLE), h->handle,
						       capture_str(t, h->prefix));
		if (txt) {
			uint32_t id = capture_strpool_intern(capture_trace_strpool(t), txt, strlen(txt));
			if (id != UINT32_MAX)
				h->rule_text = id;
		}
		if (m)
			*m = (struct memo){ h->table, h->chain, h->prefix, h->rule_text, h->rule,
					    h->handle,  h->family, h->kind,   hf,	  1 };
	}
	const char *rt = capture_str(t, h->rule_text);
	if ((h->kind == NFP_KIND_RETURN || h->kind == NFP_KIND_POLICY) && h->rule >= 1 && *rt && rt[0] != ':' &&
	    strncmp(rt, "policy ", 7) != 0) {
		/* legacy TRACE's "return:N"/"policy:N" for an unconditional
		 * rule at position N (the ruleset has one there): the packet
		 * met that rule, and its target is the verdict */
		h->kind = NFP_KIND_RULE;
		h->verdict = NFP_V_NONE;
	}
	if (h->verdict)
		return;
	if (h->kind == NFP_KIND_RETURN) {
		h->verdict = NFP_V_RETURN;
		return;
	}
	const char *jump;
	size_t jl;
	int v = capture_rule_verdict(rt, &jump, &jl);
	if (v) {
		h->verdict = (uint8_t)v;
		if (jump && !h->jump) {
			uint32_t id = capture_strpool_intern(capture_trace_strpool(t), jump, jl);
			if (id != UINT32_MAX)
				h->jump = id;
		}
	}
}

static void resolve_hook(void *ctx, struct capture_trace *t, struct nfp_hop *h)
{
	capture_resolve_hop(t, capture_trace_rules(t), ctx, h);
}

static void resolve_free(void *ctx)
{
	capture_resolver_free(ctx);
}

struct capture_trace_hooks capture_resolve_hooks(void)
{
	return (struct capture_trace_hooks){ .resolve = resolve_hook, .resolve_ctx = capture_resolver_new(),
					     .resolve_free = resolve_free };
}

void capture_trace_resolve_open(struct capture_trace *t, const struct capture_rules *rules)
{
	size_t n = capture_trace_open_count(t);
	if (!n)
		return;
	struct capture_resolver *rv = capture_resolver_new();
	for (size_t k = 0; k < n; k++) {
		const struct nfp_packet *p = capture_trace_packet(t, capture_trace_open_packet(t, k));
		for (uint32_t i = 0; p && i < p->nhops; i++)
			capture_resolve_hop(t, rules, rv, capture_packet_hop_mut(t, p, i));
	}
	capture_resolver_free(rv);
}
