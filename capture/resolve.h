/* resolve: fill in what a source did not say, once, after loading.
 *
 * Rule text from --rules files for hops that came without it, and the
 * verdict implied by the rule's target ("-j DOCKER" is a jump, "-j TRACE"
 * continues, a policy line gives the policy verdict). Idempotent. */
#ifndef NFP_RESOLVE_H
#define NFP_RESOLVE_H

#include "rules.h"
#include "trace.h"

/* Resolves the hops of the packets not yet complete, so a viewer shows
 * them with their rule text before they settle (complete packets are
 * resolved by the trace's resolve hook). rules may be NULL. */
void capture_trace_resolve_open(struct capture_trace *t, const struct capture_rules *rules);

/* A lookup memo, so consecutive packets hitting the same rules cost one
 * hash probe each. Owned by the caller. */
struct capture_resolver;
struct capture_resolver *capture_resolver_new(void);
void capture_resolver_free(struct capture_resolver *rv);
/* Resolves one hop; rv may be NULL (no memo). */
void capture_resolve_hop(struct capture_trace *t, const struct capture_rules *rules, struct capture_resolver *rv,
			 struct nfp_hop *h);

/* Hooks for capture_trace_new that resolve each complete packet's hops
 * against t->rules with a memo of their own (the trace frees it). Fails
 * only to allocate the memo, and then resolves without one. */
struct capture_trace_hooks capture_resolve_hooks(void);

/* Verdict implied by a rule text, NFP_V_NONE when unknown. *jump gets the
 * target chain for jumps (points into text, *jl its length). */
int capture_rule_verdict(const char *text, const char **jump, size_t *jl);

#endif
