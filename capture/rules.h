/* rules: rule text from saved rulesets, to explain each hop.
 *
 * Reads iptables-save, ip6tables-save, ebtables-save and `nft -a list
 * ruleset` output. Looks up a hop's rule by (family, table, chain, number)
 * for x_tables, or (family, table, handle) for nftables, and an nftables
 * base chain's hook and priority (so any chain name maps to a box).
 *
 * There are no fixed caps: (table, chain) hashes to the chain's rules.
 *
 * Ownership: capture_rules owns every string it returns (and a copy of each
 * loaded text); they live until capture_rules_free(). */
#ifndef NFP_RULES_H
#define NFP_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "hop.h"

struct capture_rules;

struct capture_rules *capture_rules_new(void);
void capture_rules_free(struct capture_rules *r);

/* Adds a ruleset text of any supported kind. Returns the number of rules
 * read, or -1 when the text is none of the formats (*err set). */
long capture_rules_load(struct capture_rules *r, const char *text, size_t len, const char **err);

/* Rule text for a hop, or NULL. For policy hops, the chain's policy line;
 * but a policy or return hop whose number is a rule's position in the
 * chain gets that rule (legacy TRACE labels any unconditional
 * standard-verdict rule "policy"/"return"). Hops of family ip or ip6 also
 * find rules of inet tables, which see both. */
const char *capture_rules_lookup(const struct capture_rules *r, int family, const char *table, const char *chain,
				 int kind, long rule, int has_handle, uint64_t handle, const char *prefix);

/* Hook, priority and whether it is a nat chain, for an nftables base chain.
 * Returns 0 when known, -1 otherwise. */
int capture_rules_chain_hook(const struct capture_rules *r, int family, const char *table, const char *chain,
			     int *hook, int *prio, int *is_nat);

/* Where the rule logging with this prefix is: its table's family, table,
 * chain and 1-based position. 0 when found, -1 otherwise. */
int capture_rules_prefix_chain(const struct capture_rules *r, int family, const char *prefix, int *fam_out,
			       const char **table, const char **chain, long *rule);

/* The one rule of a chain that logs with no prefix (its log lines carry
 * none, so nothing else names it): its 1-based position, 0 when the chain
 * has no such rule or several (a line cannot tell them apart), -1 when the
 * chain is not in the ruleset. */
long capture_rules_unprefixed_log(const struct capture_rules *r, int family, const char *table, const char *chain);

/* Number of rules in a chain, -1 when the chain is not in the ruleset. */
long capture_rules_chain_len(const struct capture_rules *r, int family, const char *table, const char *chain);

size_t capture_rules_count(const struct capture_rules *r);

#endif
