/* rules: saved rulesets -> rule text by (table, chain, number|handle).
 *
 * Each loaded text is copied once and cut into NUL-terminated lines in
 * place; chains, rules, handles and log prefixes point into those copies.
 * One open-addressing map takes (family, table, chain) to the chain and its
 * rules in order, (family, table, handle) and (family, log prefix) to a
 * rule: no fixed caps, one probe per lookup, whatever the ruleset's size
 * (a kube-proxy host has tens of thousands of chains). */
#include "rules.h"

#include "box.h"
#include "grow.h"
#include "strpool.h"

#include <stdlib.h>
#include <string.h>

struct rchain {
	uint32_t table, name; /* ids in r->names */
	uint8_t fam, base, is_nat;
	int8_t hook;
	int prio;
	const char *policy; /* ":FORWARD DROP" / "policy drop", or NULL */
	const char **rules; /* rule texts in order (rule n is rules[n - 1]) */
	uint32_t n, cap;
};

enum { K_CHAIN, K_HANDLE, K_PREFIX };

struct slot {
	uint64_t a, b; /* a: kind << 40 | family << 32 | table or prefix id; b: chain id or handle */
	uint32_t chain; /* index + 1 into r->chains; 0: empty slot */
	uint32_t rule;	/* rule index in the chain (handles, prefixes) */
};

struct capture_rules {
	struct capture_strpool *names;
	struct rchain *chains;
	size_t nchains, capchains;
	struct slot *map;
	size_t mapcap, mapcount;
	char **bufs; /* the loaded texts, cut into lines */
	size_t nbufs, capbufs;
	size_t nrules;
};

struct capture_rules *capture_rules_new(void)
{
	struct capture_rules *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->names = capture_strpool_new();
	if (!r->names) {
		free(r);
		return NULL;
	}
	return r;
}

void capture_rules_free(struct capture_rules *r)
{
	if (!r)
		return;
	capture_strpool_free(r->names);
	for (size_t i = 0; i < r->nchains; i++)
		free(r->chains[i].rules);
	free(r->chains);
	free(r->map);
	for (size_t i = 0; i < r->nbufs; i++)
		free(r->bufs[i]);
	free(r->bufs);
	free(r);
}

size_t capture_rules_count(const struct capture_rules *r)
{
	return r->nrules;
}

/* ---- the map ---------------------------------------------------------- */

static uint64_t mkey(int kind, int fam, uint32_t id)
{
	return (uint64_t)kind << 40 | (uint64_t)(uint8_t)fam << 32 | id;
}

static size_t slot_hash(uint64_t a, uint64_t b)
{
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	return (size_t)(h ^ (h >> 31));
}

static struct slot *map_find(const struct capture_rules *r, uint64_t a, uint64_t b)
{
	if (!r->mapcap)
		return NULL;
	size_t mask = r->mapcap - 1;
	for (size_t i = slot_hash(a, b) & mask;; i = (i + 1) & mask) {
		struct slot *s = &r->map[i];
		if (!s->chain || (s->a == a && s->b == b))
			return s;
	}
}

static int map_grow(struct capture_rules *r)
{
	size_t nc = r->mapcap ? r->mapcap * 2 : 1024;
	struct slot *n = calloc(nc, sizeof(*n));
	if (!n)
		return -1;
	struct slot *old = r->map;
	size_t oc = r->mapcap;
	r->map = n;
	r->mapcap = nc;
	for (size_t i = 0; i < oc; i++)
		if (old[i].chain)
			*map_find(r, old[i].a, old[i].b) = old[i];
	free(old);
	return 0;
}

/* The slot for (a, b), new slots zeroed with the key set; NULL on ENOMEM. */
static struct slot *map_put(struct capture_rules *r, uint64_t a, uint64_t b, int *fresh)
{
	if ((r->mapcount + 1) * 2 > r->mapcap && map_grow(r) < 0)
		return NULL;
	struct slot *s = map_find(r, a, b);
	*fresh = !s->chain;
	if (*fresh) {
		s->a = a;
		s->b = b;
		r->mapcount++;
	}
	return s;
}

static uint32_t name_id(struct capture_rules *r, const char *s, size_t n)
{
	return capture_strpool_intern(r->names, s, n);
}

/* The chain (family, table, name), made when new; NULL on ENOMEM. */
static struct rchain *chain_get(struct capture_rules *r, int fam, uint32_t table, const char *name, size_t nl)
{
	uint32_t nid = name_id(r, name, nl);
	if (nid == UINT32_MAX)
		return NULL;
	int fresh;
	struct slot *s = map_put(r, mkey(K_CHAIN, fam, table), nid, &fresh);
	if (!s)
		return NULL;
	if (!fresh)
		return &r->chains[s->chain - 1];
	if (capture_grow((void **)&r->chains, &r->capchains, r->nchains + 1, sizeof(*r->chains)) < 0) {
		s->chain = 0; /* leaves a hole a later insert may reuse: never found, never wrong */
		r->mapcount--;
		return NULL;
	}
	struct rchain *c = &r->chains[r->nchains++];
	memset(c, 0, sizeof(*c));
	c->table = table;
	c->name = nid;
	c->fam = (uint8_t)fam;
	s->chain = (uint32_t)r->nchains;
	return c;
}

static const struct rchain *chain_find(const struct capture_rules *r, int fam, const char *table, const char *chain)
{
	uint32_t t = capture_strpool_find(r->names, table, strlen(table));
	uint32_t c = capture_strpool_find(r->names, chain, strlen(chain));
	if (t == UINT32_MAX || c == UINT32_MAX)
		return NULL;
	const struct slot *s = map_find(r, mkey(K_CHAIN, fam, t), c);
	return s && s->chain ? &r->chains[s->chain - 1] : NULL;
}

static int chain_add_rule(struct rchain *c, const char *text)
{
	if (c->n == c->cap) {
		uint32_t nc = c->cap ? c->cap * 2 : 4;
		const char **n = realloc(c->rules, nc * sizeof(*n));
		if (!n)
			return -1;
		c->rules = n;
		c->cap = nc;
	}
	c->rules[c->n++] = text;
	return 0;
}

/* Remembers where rule (chain c, index ri) is by a second key; the first
 * definition wins, like the kernel's order. */
static void index_rule(struct capture_rules *r, uint64_t a, uint64_t b, const struct rchain *c, uint32_t ri)
{
	int fresh;
	struct slot *s = map_put(r, a, b, &fresh);
	if (s && fresh) {
		s->chain = (uint32_t)(c - r->chains) + 1;
		s->rule = ri;
	}
}

/* ---- reading ----------------------------------------------------------- */

/* text of a --log-prefix "X" / log prefix "X" / --nflog-prefix "X", trimmed */
static int log_prefix(const char *line, size_t n, const char **p, size_t *pl)
{
	const char *at = line, *end = line + n;
	while ((at = memmem(at, (size_t)(end - at), "prefix \"", 8)) != NULL) {
		size_t before = (size_t)(at - line);
		if ((before >= 6 && memcmp(at - 6, "--log-", 6) == 0) || (before >= 4 && memcmp(at - 4, "log ", 4) == 0) ||
		    (before >= 8 && memcmp(at - 8, "--nflog-", 8) == 0)) {
			const char *s = at + 8;
			const char *e = memchr(s, '"', (size_t)(end - s));
			if (!e)
				return 0;
			while (e > s && e[-1] == ' ')
				e--;
			*p = s;
			*pl = (size_t)(e - s);
			return 1;
		}
		at += 8;
	}
	return 0;
}

static void index_prefix(struct capture_rules *r, int fam, const struct rchain *c, uint32_t ri, const char *line,
			 size_t n)
{
	const char *p;
	size_t pl;
	if (!log_prefix(line, n, &p, &pl) || pl == 0)
		return;
	uint32_t id = name_id(r, p, pl);
	if (id != UINT32_MAX)
		index_rule(r, mkey(K_PREFIX, fam, id), 0, c, ri);
}

/* Next line of buf[*off..len): NUL-terminated in place, trailing CR and
 * blanks cut (and leading blanks with lead). NULL at the end. */
static char *next_line(char *buf, size_t len, size_t *off, size_t *ll, int lead)
{
	if (*off >= len)
		return NULL;
	char *s = buf + *off;
	char *e = memchr(s, '\n', len - *off);
	size_t n = e ? (size_t)(e - s) : len - *off;
	*off += n + 1;
	s[n] = '\0'; /* the copy has one spare byte for a last line without newline */
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (lead && n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	*ll = n;
	return s;
}

/* iptables-save / ip6tables-save / ebtables-save */
static long load_save(struct capture_rules *r, char *text, size_t len, int fam)
{
	uint32_t table = 0;
	struct rchain *last = NULL; /* rules of a chain come together: skip the map */
	long rules = 0;
	size_t off = 0, ll;
	char *s;
	while ((s = next_line(text, len, &off, &ll, 0)) != NULL) {
		if (ll == 0 || s[0] == '#')
			continue;
		if (s[0] == '*') {
			table = name_id(r, s + 1, ll - 1);
			if (table == UINT32_MAX)
				return -2;
			last = NULL;
		} else if (s[0] == ':' && table) {
			/* ":CHAIN POLICY [p:b]"; user chains have policy "-" */
			char *sp = memchr(s, ' ', ll);
			size_t cl = sp ? (size_t)(sp - s - 1) : ll - 1;
			struct rchain *c = chain_get(r, fam, table, s + 1, cl);
			if (!c)
				return -2;
			char *br = memchr(s, '[', ll);
			size_t tl = br ? (size_t)(br - s) : ll;
			while (tl && s[tl - 1] == ' ')
				tl--;
			if (sp && !(tl == cl + 3 && s[tl - 1] == '-')) {
				s[tl] = '\0';
				c->policy = s;
				c->base = 1;
			}
		} else if (ll > 3 && memcmp(s, "-A ", 3) == 0 && table) {
			const char *cs = s + 3;
			const char *ce = memchr(cs, ' ', ll - 3);
			size_t cl = ce ? (size_t)(ce - cs) : ll - 3;
			struct rchain *c = last;
			if (!c || c->table != table || capture_strpool_len(r->names, c->name) != cl ||
			    memcmp(capture_strpool_get(r->names, c->name), cs, cl) != 0)
				c = chain_get(r, fam, table, cs, cl);
			if (!c || chain_add_rule(c, s) < 0)
				return -2;
			last = c;
			index_prefix(r, fam, c, c->n - 1, s, ll);
			rules++;
		}
	}
	return rules;
}

static int named_prio(int fam, const char *w, size_t n, int *out)
{
	static const struct {
		const char *w;
		int ip, br;
	} t[] = { { "raw", -300, -300 },   { "mangle", -150, -150 }, { "dstnat", -100, -300 },
		  { "filter", 0, -200 },   { "security", 50, 50 },   { "srcnat", 100, 300 },
		  { "out", 100, 100 } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].w) == n && memcmp(t[i].w, w, n) == 0) {
			*out = fam == NFP_FAM_BRIDGE ? t[i].br : t[i].ip;
			return 0;
		}
	return -1;
}

/* the word after "key " in s (up to a blank or ';'), or NULL */
static const char *word_after(const char *s, const char *key, size_t *wl)
{
	size_t kl = strlen(key);
	for (const char *p = s; (p = strstr(p, key)) != NULL; p += kl) {
		if (p != s && p[-1] != ' ' && p[-1] != '\t')
			continue;
		const char *w = p + kl;
		while (*w == ' ')
			w++;
		*wl = strcspn(w, " ;\t");
		return w;
	}
	return NULL;
}

/* "type nat hook postrouting priority srcnat; policy accept;", with
 * "device \"x\"" or "devices = { ... }" between hook and priority on
 * netdev/inet ingress and egress chains */
static void nft_chain_type(struct rchain *c, int fam, char *s)
{
	size_t tl, hl, pl;
	const char *type = word_after(s, "type", &tl);
	const char *hook = word_after(s, "hook", &hl);
	const char *prio = word_after(s, "priority", &pl);
	if (!type || !hook || !prio)
		return;
	c->base = 1;
	c->hook = (int8_t)nfp_hook_parse(hook, (int)hl);
	c->is_nat = tl == 3 && memcmp(type, "nat", 3) == 0;
	/* "filter", "-150", "filter + 10", "mangle - 5" */
	int base;
	char *end;
	long num = strtol(prio, &end, 10);
	if (end != prio && (size_t)(end - prio) == pl)
		base = (int)num;
	else if (named_prio(fam, prio, pl, &base) < 0)
		base = 0;
	const char *p = prio + pl;
	while (*p == ' ')
		p++;
	if ((*p == '+' || *p == '-') && p[1] == ' ')
		base += (*p == '+' ? 1 : -1) * atoi(p + 2);
	c->prio = base;
	/* the policy words, for policy hops */
	char *pol = strstr(s, "policy ");
	if (pol) {
		pol[strcspn(pol, ";")] = '\0';
		c->policy = pol;
	}
}

/* An nft rule line cleaned in place: counter values and the handle
 * comment go (so the text reads like the rule as written). */
static size_t nft_clean(char *s, size_t n, uint64_t *handle, int *has_handle)
{
	*has_handle = 0;
	size_t end = n;
	for (size_t i = n; i-- > 0;)
		if (s[i] == '#') {
			if (n - i > 9 && memcmp(s + i, "# handle ", 9) == 0) {
				char *e;
				unsigned long long v = strtoull(s + i + 9, &e, 10);
				if (e != s + i + 9 && *e == '\0') {
					*handle = v;
					*has_handle = 1;
					end = i;
				}
			}
			break;
		}
	while (end && s[end - 1] == ' ')
		end--;
	size_t o = 0, i = 0;
	char *cp;
	while ((cp = memmem(s + i, end - i, "counter packets ", 16)) != NULL) {
		size_t at = (size_t)(cp - s);
		memmove(s + o, s + i, at - i);
		o += at - i;
		memcpy(s + o, "counter", 7);
		o += 7;
		i = at + 16;
		while (i < end && s[i] != ' ')
			i++;
		if (end - i > 7 && memcmp(s + i, " bytes ", 7) == 0) {
			i += 7;
			while (i < end && s[i] != ' ')
				i++;
		}
	}
	memmove(s + o, s + i, end - i);
	o += end - i;
	s[o] = '\0';
	return o;
}

static long load_nft(struct capture_rules *r, char *text, size_t len)
{
	int depth = 0, fam = -1, skip_depth = -1;
	uint32_t table = 0;
	struct rchain *chain = NULL;
	long rules = 0;
	size_t off = 0, ll;
	char *s;
	while ((s = next_line(text, len, &off, &ll, 1)) != NULL) {
		if (!ll)
			continue;
		int opens = 0, closes = 0, inq = 0;
		for (size_t i = 0; i < ll; i++) {
			if (s[i] == '"')
				inq = !inq;
			else if (!inq && s[i] == '{')
				opens++;
			else if (!inq && s[i] == '}')
				closes++;
		}
		if (skip_depth >= 0) {
			depth += opens - closes;
			if (depth <= skip_depth)
				skip_depth = -1;
			continue;
		}
		if (depth == 0 && ll > 6 && memcmp(s, "table ", 6) == 0) {
			const char *w = s + 6;
			const char *e = memchr(w, ' ', ll - 6);
			if (!e)
				return -1;
			fam = nfp_family_parse(w, (size_t)(e - w));
			const char *tn = e + 1;
			size_t tl = strcspn(tn, " ");
			table = name_id(r, tn, tl);
			if (table == UINT32_MAX)
				return -2;
		} else if (depth == 1 && ll > 6 && memcmp(s, "chain ", 6) == 0) {
			const char *cn = s + 6;
			chain = fam >= 0 ? chain_get(r, fam, table, cn, strcspn(cn, " ")) : NULL;
			if (fam >= 0 && !chain)
				return -2;
		} else if (depth == 1 && opens > closes) {
			/* set, map, flowtable, ct helper ...: not rules */
			skip_depth = depth;
		} else if (depth == 2 && chain) {
			if (ll > 5 && memcmp(s, "type ", 5) == 0) {
				nft_chain_type(chain, fam, s);
			} else if (!(ll == 1 && s[0] == '}')) {
				uint64_t handle = 0;
				int hh;
				size_t cl = nft_clean(s, ll, &handle, &hh);
				if (chain_add_rule(chain, s) < 0)
					return -2;
				if (hh)
					index_rule(r, mkey(K_HANDLE, fam, table), handle, chain, chain->n - 1);
				index_prefix(r, fam, chain, chain->n - 1, s, cl);
				rules++;
			}
		}
		depth += opens - closes;
		if (depth < 0)
			return -1;
		if (depth < 2)
			chain = NULL;
	}
	return rules;
}

long capture_rules_load(struct capture_rules *r, const char *text, size_t len, const char **err)
{
	/* find the first meaningful line to tell the format */
	int fam = NFP_FAM_IPV4, is_nft = 0, is_save = 0;
	if (memmem(text, len, "ip6tables-save", 14) || memmem(text, len, "ip6tables-nft-save", 18))
		fam = NFP_FAM_IPV6;
	if (memmem(text, len, "ebtables-save", 13) || memmem(text, len, "\n*broute", 8) ||
	    memmem(text, len, " -p IPv4 ", 9) || memmem(text, len, " -p ARP ", 8))
		fam = NFP_FAM_BRIDGE;
	for (size_t off = 0; off < len;) {
		const char *s = text + off;
		const char *e = memchr(s, '\n', len - off);
		size_t ll = e ? (size_t)(e - s) : len - off;
		off += ll + 1;
		while (ll && (*s == ' ' || *s == '\t')) {
			s++;
			ll--;
		}
		if (!ll || s[0] == '#')
			continue;
		if (s[0] == '*' || (ll > 3 && memcmp(s, "-A ", 3) == 0) || s[0] == ':')
			is_save = 1;
		else if (ll > 6 && memcmp(s, "table ", 6) == 0)
			is_nft = 1;
		break;
	}
	if (!is_save && !is_nft) {
		*err = "not iptables-save, ebtables-save or nft list ruleset output";
		return -1;
	}
	/* our own copy, cut into lines: rule texts point into it */
	if (capture_grow((void **)&r->bufs, &r->capbufs, r->nbufs + 1, sizeof(*r->bufs)) < 0)
		goto nomem;
	char *copy = malloc(len + 1);
	if (!copy)
		goto nomem;
	memcpy(copy, text, len);
	copy[len] = '\0';
	r->bufs[r->nbufs++] = copy;
	long n = is_save ? load_save(r, copy, len, fam) : load_nft(r, copy, len);
	if (n == -2)
		goto nomem;
	if (n < 0) {
		*err = "unbalanced braces in nft ruleset";
		return -1;
	}
	r->nrules += (size_t)n;
	return n;
nomem:
	*err = "out of memory";
	return -1;
}

/* ---- lookups ----------------------------------------------------------- */

/* The families whose rules can hold a hop of family fam: an ip or ip6
 * packet runs inet tables too, and nft log lines say the packet's family. */
static int alt_family(int fam)
{
	return fam == NFP_FAM_IPV4 || fam == NFP_FAM_IPV6 ? NFP_FAM_INET : -1;
}

static const struct slot *find_rule(const struct capture_rules *r, int kind, int fam, uint32_t id, uint64_t b)
{
	for (int f = fam; f >= 0; f = f == fam ? alt_family(fam) : -1) {
		const struct slot *s = map_find(r, mkey(kind, f, id), b);
		if (s && s->chain)
			return s;
	}
	return NULL;
}

static const struct slot *find_prefix(const struct capture_rules *r, int fam, const char *prefix)
{
	if (!prefix || !*prefix)
		return NULL;
	size_t pl = strlen(prefix);
	while (pl && prefix[pl - 1] == ' ')
		pl--;
	uint32_t id = capture_strpool_find(r->names, prefix, pl);
	return id == UINT32_MAX ? NULL : find_rule(r, K_PREFIX, fam, id, 0);
}

static const struct rchain *chain_find_any(const struct capture_rules *r, int fam, const char *table, const char *chain)
{
	const struct rchain *c = chain_find(r, fam, table, chain);
	if (!c && alt_family(fam) >= 0)
		c = chain_find(r, alt_family(fam), table, chain);
	return c;
}

const char *capture_rules_lookup(const struct capture_rules *r, int family, const char *table, const char *chain,
				 int kind, long rule, int has_handle, uint64_t handle, const char *prefix)
{
	if (!r)
		return NULL;
	if (has_handle) {
		uint32_t t = capture_strpool_find(r->names, table, strlen(table));
		const struct slot *s = t == UINT32_MAX ? NULL : find_rule(r, K_HANDLE, family, t, handle);
		if (s)
			return r->chains[s->chain - 1].rules[s->rule];
	}
	const struct rchain *c = chain_find_any(r, family, table, chain);
	if (c && (kind == NFP_KIND_POLICY || kind == NFP_KIND_RETURN)) {
		/* legacy TRACE calls any unconditional standard-verdict rule
		 * "policy"/"return" with its position: when the chain has a
		 * rule there, that rule is what the packet met */
		if (rule >= 1 && (unsigned long)rule <= c->n)
			return c->rules[rule - 1];
		return kind == NFP_KIND_POLICY ? c->policy : NULL;
	}
	if (c && rule >= 1 && (unsigned long)rule <= c->n)
		return c->rules[rule - 1];
	if (kind == NFP_KIND_LOG) {
		const struct slot *s = find_prefix(r, family, prefix);
		if (s)
			return r->chains[s->chain - 1].rules[s->rule];
	}
	return NULL;
}

int capture_rules_chain_hook(const struct capture_rules *r, int family, const char *table, const char *chain,
			     int *hook, int *prio, int *is_nat)
{
	const struct rchain *c = r ? chain_find_any(r, family, table, chain) : NULL;
	if (!c || !c->base || !c->hook)
		return -1;
	*hook = c->hook;
	*prio = c->prio;
	*is_nat = c->is_nat;
	return 0;
}

int capture_rules_prefix_chain(const struct capture_rules *r, int family, const char *prefix, int *fam_out,
			       const char **table, const char **chain, long *rule)
{
	const struct slot *s = r ? find_prefix(r, family, prefix) : NULL;
	if (!s)
		return -1;
	const struct rchain *c = &r->chains[s->chain - 1];
	*fam_out = c->fam;
	*table = capture_strpool_get(r->names, c->table);
	*chain = capture_strpool_get(r->names, c->name);
	*rule = (long)s->rule + 1;
	return 0;
}

/* a rule with a log statement or target: iptables -j LOG, ebtables
 * --log*, nft "log" */
static int logs(const char *s)
{
	if (strstr(s, "-j LOG") || strstr(s, " --log"))
		return 1;
	for (const char *p = s; (p = strstr(p, "log")) != NULL; p += 3)
		if ((p == s || p[-1] == ' ') && (p[3] == '\0' || p[3] == ' '))
			return 1;
	return 0;
}

long capture_rules_unprefixed_log(const struct capture_rules *r, int family, const char *table, const char *chain)
{
	const struct rchain *c = r ? chain_find_any(r, family, table, chain) : NULL;
	if (!c)
		return -1;
	long found = 0;
	for (uint32_t i = 0; i < c->n; i++) {
		const char *p;
		size_t pl;
		if (!logs(c->rules[i]) || (log_prefix(c->rules[i], strlen(c->rules[i]), &p, &pl) && pl))
			continue;
		if (found)
			return 0;
		found = (long)i + 1;
	}
	return found;
}

long capture_rules_chain_len(const struct capture_rules *r, int family, const char *table, const char *chain)
{
	const struct rchain *c = r ? chain_find_any(r, family, table, chain) : NULL;
	return c ? (long)c->n : -1;
}
