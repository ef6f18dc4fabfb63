/* rules: saved rulesets -> rule text by (table, chain, number|handle).
 *
 * Keys are built as text ("2|filter|FORWARD|4", "10|nat|#h|7") and interned,
 * so a lookup per hop costs one hash probe. */
#include "rules.h"

#include "box.h"
#include "grow.h"
#include "strpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chain_info {
	uint32_t key; /* "fam|table|chain" */
	int hook, prio, is_nat;
};

struct capture_rules {
	struct capture_strpool *keys;
	struct capture_strpool *texts;
	uint32_t *text_of; /* key id -> text id */
	size_t cap_text_of;
	struct chain_info *chains;
	size_t nchains, capchains;
	size_t nrules;
};

struct capture_rules *capture_rules_new(void)
{
	struct capture_rules *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->keys = capture_strpool_new();
	r->texts = capture_strpool_new();
	if (!r->keys || !r->texts) {
		capture_rules_free(r);
		return NULL;
	}
	return r;
}

void capture_rules_free(struct capture_rules *r)
{
	if (!r)
		return;
	capture_strpool_free(r->keys);
	capture_strpool_free(r->texts);
	free(r->text_of);
	free(r->chains);
	free(r);
}

size_t capture_rules_count(const struct capture_rules *r)
{
	return r->nrules;
}

static int mkkey(char *buf, size_t cap, int fam, const char *table, const char *chain, const char *tail)
{
	int n = snprintf(buf, cap, "%d|%s|%s|%s", fam, table, chain, tail);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int put(struct capture_rules *r, const char *key, size_t kl, const char *text, size_t tl)
{
	uint32_t k = capture_strpool_intern(r->keys, key, kl);
	uint32_t v = capture_strpool_intern(r->texts, text, tl);
	if (k == UINT32_MAX || v == UINT32_MAX)
		return -1;
	size_t had = r->cap_text_of;
	if (capture_grow((void **)&r->text_of, &r->cap_text_of, (size_t)k + 1, sizeof(*r->text_of)) < 0)
		return -1;
	memset(r->text_of + had, 0, (r->cap_text_of - had) * sizeof(*r->text_of));
	if (!r->text_of[k]) /* first definition wins, like the kernel's order */
		r->text_of[k] = v;
	return 0;
}

static const char *get(const struct capture_rules *r, const char *key, size_t kl)
{
	uint32_t k = capture_strpool_find(r->keys, key, kl);
	if (k == UINT32_MAX || k >= r->cap_text_of || !r->text_of[k])
		return NULL;
	return capture_strpool_get(r->texts, r->text_of[k]);
}

/* text of a --log-prefix "X" / log prefix "X" in a rule, trimmed */
static int log_prefix(const char *line, size_t n, const char **p, size_t *pl)
{
	static const char *const keys[] = { "--log-prefix \"", "log prefix \"", "--nflog-prefix \"" };
	for (size_t k = 0; k < 3; k++) {
		size_t kl = strlen(keys[k]);
		for (size_t i = 0; i + kl < n; i++)
			if (memcmp(line + i, keys[k], kl) == 0) {
				const char *s = line + i + kl;
				const char *e = memchr(s, '"', n - i - kl);
				if (!e)
					return 0;
				while (e > s && e[-1] == ' ')
					e--;
				*p = s;
				*pl = (size_t)(e - s);
				return 1;
			}
	}
	return 0;
}

static void put_prefix(struct capture_rules *r, int fam, const char *line, size_t n)
{
	const char *p;
	size_t pl;
	char key[512];
	if (!log_prefix(line, n, &p, &pl) || pl == 0 || pl > 256)
		return;
	int kl = snprintf(key, sizeof(key), "%d|prefix|%.*s", fam, (int)pl, p);
	if (kl > 0 && (size_t)kl < sizeof(key))
		put(r, key, (size_t)kl, line, n);
}

static size_t line_len(const char *s, size_t n)
{
	const char *e = memchr(s, '\n', n);
	return e ? (size_t)(e - s) : n;
}

/* iptables-save / ip6tables-save / ebtables-save */
static long load_save(struct capture_rules *r, const char *text, size_t len, int fam)
{
	char table[64] = "", key[512];
	struct {
		char name[64];
		long n;
	} counts[256];
	size_t ncounts = 0;
	long rules = 0;
	for (size_t off = 0; off < len;) {
		size_t ll = line_len(text + off, len - off);
		const char *s = text + off;
		off += ll + 1;
		while (ll && (s[ll - 1] == '\r' || s[ll - 1] == ' '))
			ll--;
		if (ll == 0 || s[0] == '#')
			continue;
		if (s[0] == '*') {
			snprintf(table, sizeof(table), "%.*s", (int)(ll - 1 < 63 ? ll - 1 : 63), s + 1);
			ncounts = 0;
		} else if (s[0] == ':' && table[0]) {
			/* ":CHAIN POLICY [p:b]" */
			const char *sp = memchr(s, ' ', ll);
			size_t cl = sp ? (size_t)(sp - s - 1) : ll - 1;
			char chain[64];
			snprintf(chain, sizeof(chain), "%.*s", (int)(cl < 63 ? cl : 63), s + 1);
			const char *br = memchr(s, '[', ll);
			size_t tl = br ? (size_t)(br - s) : ll;
			while (tl && s[tl - 1] == ' ')
				tl--;
			int kl = mkkey(key, sizeof(key), fam, table, chain, "P");
			if (kl > 0 && sp && !(tl - cl - 2 == 1 && s[tl - 1] == '-'))
				put(r, key, (size_t)kl, s, tl);
		} else if (ll > 3 && memcmp(s, "-A ", 3) == 0 && table[0]) {
			const char *cs = s + 3;
			const char *ce = memchr(cs, ' ', ll - 3);
			size_t cl = ce ? (size_t)(ce - cs) : ll - 3;
			char chain[64];
			snprintf(chain, sizeof(chain), "%.*s", (int)(cl < 63 ? cl : 63), cs);
			size_t ci;
			for (ci = 0; ci < ncounts; ci++)
				if (strcmp(counts[ci].name, chain) == 0)
					break;
			if (ci == ncounts) {
				if (ncounts == sizeof(counts) / sizeof(counts[0]))
					continue;
				snprintf(counts[ci].name, sizeof(counts[ci].name), "%s", chain);
				counts[ci].n = 0;
				ncounts++;
			}
			char num[24];
			snprintf(num, sizeof(num), "%ld", ++counts[ci].n);
			int kl = mkkey(key, sizeof(key), fam, table, chain, num);
			if (kl > 0)
				put(r, key, (size_t)kl, s, ll);
			put_prefix(r, fam, s, ll);
			rules++;
		}
	}
	return rules;
}

static int nft_family(const char *w, size_t n)
{
	static const struct {
		const char *w;
		int f;
	} t[] = { { "ip", NFP_FAM_IPV4 },	{ "ip6", NFP_FAM_IPV6 },     { "inet", NFP_FAM_INET },
		  { "bridge", NFP_FAM_BRIDGE }, { "netdev", NFP_FAM_NETDEV }, { "arp", NFP_FAM_ARP } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].w) == n && memcmp(t[i].w, w, n) == 0)
			return t[i].f;
	return -1;
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

/* "type nat hook postrouting priority srcnat; policy accept;" */
static void nft_chain_type(struct capture_rules *r, int fam, const char *table, const char *chain, const char *s,
			   size_t n)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%.*s", (int)(n < 255 ? n : 255), s);
	char type[32] = "", hook[32] = "", prio[32] = "";
	if (sscanf(buf, "type %31s hook %31s priority %31[^;]", type, hook, prio) < 3)
		return;
	struct chain_info ci = { 0 };
	char key[512];
	int kl = snprintf(key, sizeof(key), "%d|%s|%s", fam, table, chain);
	if (kl <= 0 || (size_t)kl >= sizeof(key))
		return;
	ci.key = capture_strpool_intern(r->keys, key, (size_t)kl);
	ci.hook = nfp_hook_parse(hook, (int)strlen(hook));
	ci.is_nat = strcmp(type, "nat") == 0;
	/* "filter", "-150", "filter + 10", "mangle - 5" */
	char *p = prio;
	while (*p == ' ')
		p++;
	char *word = p;
	while (*p && *p != ' ')
		p++;
	size_t wl = (size_t)(p - word);
	int base;
	char *end;
	long num = strtol(word, &end, 10);
	if (end != word && (size_t)(end - word) == wl)
		base = (int)num;
	else if (named_prio(fam, word, wl, &base) < 0)
		base = 0;
	while (*p == ' ')
		p++;
	if ((*p == '+' || *p == '-') && p[1] == ' ')
		base += (*p == '+' ? 1 : -1) * atoi(p + 2);
	ci.prio = base;
	if (capture_grow((void **)&r->chains, &r->capchains, r->nchains + 1, sizeof(*r->chains)) < 0)
		return;
	r->chains[r->nchains++] = ci;
	/* the policy line, for policy hops */
	const char *pol = strstr(buf, "policy ");
	if (pol) {
		char pk[512];
		int pkl = mkkey(pk, sizeof(pk), fam, table, chain, "P");
		size_t pl = strcspn(pol, ";");
		if (pkl > 0)
			put(r, pk, (size_t)pkl, pol, pl);
	}
}

/* text of an nft rule line without its counter values and handle */
static size_t nft_clean(const char *s, size_t n, char *out, size_t cap, uint64_t *handle, int *has_handle)
{
	*has_handle = 0;
	const char *h = NULL;
	for (size_t i = 0; i + 9 <= n; i++)
		if (memcmp(s + i, "# handle ", 9) == 0)
			h = s + i;
	size_t end = h ? (size_t)(h - s) : n;
	if (h) {
		char num[24];
		size_t nl = n - end - 9;
		if (nl < sizeof(num)) {
			memcpy(num, h + 9, nl);
			num[nl] = '\0';
			char *e;
			unsigned long long v = strtoull(num, &e, 10);
			if (e != num) {
				*handle = v;
				*has_handle = 1;
			}
		}
	}
	while (end && s[end - 1] == ' ')
		end--;
	size_t o = 0;
	for (size_t i = 0; i < end && o + 8 < cap;) {
		if (end - i > 16 && memcmp(s + i, "counter packets ", 16) == 0) {
			memcpy(out + o, "counter", 7);
			o += 7;
			i += 16;
			while (i < end && s[i] != ' ')
				i++;
			if (end - i > 7 && memcmp(s + i, " bytes ", 7) == 0) {
				i += 7;
				while (i < end && s[i] != ' ')
					i++;
			}
			continue;
		}
		out[o++] = s[i++];
	}
	return o;
}

static long load_nft(struct capture_rules *r, const char *text, size_t len)
{
	int depth = 0, fam = -1, in_chain = 0, skip_depth = -1;
	char table[128] = "", chain[128] = "", key[512];
	long rules = 0;
	for (size_t off = 0; off < len;) {
		size_t ll = line_len(text + off, len - off);
		const char *s = text + off;
		off += ll + 1;
		while (ll && (*s == ' ' || *s == '\t')) {
			s++;
			ll--;
		}
		while (ll && (s[ll - 1] == '\r' || s[ll - 1] == ' '))
			ll--;
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
			fam = nft_family(w, (size_t)(e - w));
			const char *tn = e + 1;
			const char *te = memchr(tn, ' ', ll - (size_t)(tn - s));
			size_t tl = te ? (size_t)(te - tn) : ll - (size_t)(tn - s);
			snprintf(table, sizeof(table), "%.*s", (int)(tl < 127 ? tl : 127), tn);
		} else if (depth == 1 && ll > 6 && memcmp(s, "chain ", 6) == 0) {
			const char *cn = s + 6;
			const char *ce = memchr(cn, ' ', ll - 6);
			size_t cl = ce ? (size_t)(ce - cn) : ll - 6;
			snprintf(chain, sizeof(chain), "%.*s", (int)(cl < 127 ? cl : 127), cn);
			in_chain = 1;
		} else if (depth == 1 && opens > closes) {
			/* set, map, flowtable, ct helper ...: not rules */
			skip_depth = depth;
		} else if (depth == 2 && in_chain && fam >= 0) {
			if (ll > 5 && memcmp(s, "type ", 5) == 0) {
				nft_chain_type(r, fam, table, chain, s, ll);
			} else if (!(ll == 1 && s[0] == '}')) {
				char clean[2048];
				uint64_t handle = 0;
				int hh;
				size_t cl = nft_clean(s, ll, clean, sizeof(clean), &handle, &hh);
				if (hh) {
					char hs[32];
					snprintf(hs, sizeof(hs), "#h%llu", (unsigned long long)handle);
					int kl = mkkey(key, sizeof(key), fam, table, "", hs);
					if (kl > 0)
						put(r, key, (size_t)kl, clean, cl);
				}
				put_prefix(r, fam, clean, cl);
				rules++;
			}
		}
		depth += opens - closes;
		if (depth < 0)
			return -1;
		if (depth < 2)
			in_chain = 0;
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
		size_t ll = line_len(text + off, len - off);
		const char *s = text + off;
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
	long n;
	if (is_save)
		n = load_save(r, text, len, fam);
	else if (is_nft)
		n = load_nft(r, text, len);
	else {
		*err = "not iptables-save, ebtables-save or nft list ruleset output";
		return -1;
	}
	if (n < 0) {
		*err = "unbalanced braces in nft ruleset";
		return -1;
	}
	r->nrules += (size_t)n;
	return n;
}

const char *capture_rules_lookup(const struct capture_rules *r, int family, const char *table, const char *chain,
				 int kind, long rule, int has_handle, uint64_t handle, const char *prefix)
{
	char key[512];
	int kl;
	if (!r)
		return NULL;
	if (has_handle) {
		char hs[32];
		snprintf(hs, sizeof(hs), "#h%llu", (unsigned long long)handle);
		if ((kl = mkkey(key, sizeof(key), family, table, "", hs)) > 0) {
			const char *t = get(r, key, (size_t)kl);
			if (t)
				return t;
		}
	}
	if (kind == NFP_KIND_POLICY && (kl = mkkey(key, sizeof(key), family, table, chain, "P")) > 0)
		return get(r, key, (size_t)kl);
	if (rule >= 0) {
		char num[24];
		snprintf(num, sizeof(num), "%ld", rule);
		if ((kl = mkkey(key, sizeof(key), family, table, chain, num)) > 0) {
			const char *t = get(r, key, (size_t)kl);
			if (t)
				return t;
		}
	}
	if (kind == NFP_KIND_LOG && prefix && *prefix) {
		size_t pl = strlen(prefix);
		while (pl && prefix[pl - 1] == ' ')
			pl--;
		kl = snprintf(key, sizeof(key), "%d|prefix|%.*s", family, (int)pl, prefix);
		if (kl > 0 && (size_t)kl < sizeof(key))
			return get(r, key, (size_t)kl);
	}
	return NULL;
}

int capture_rules_chain_hook(const struct capture_rules *r, int family, const char *table, const char *chain,
			     int *hook, int *prio, int *is_nat)
{
	char key[512];
	int kl = snprintf(key, sizeof(key), "%d|%s|%s", family, table, chain);
	if (kl <= 0 || (size_t)kl >= sizeof(key))
		return -1;
	uint32_t k = capture_strpool_find(r->keys, key, (size_t)kl);
	if (k == UINT32_MAX)
		return -1;
	for (size_t i = 0; i < r->nchains; i++)
		if (r->chains[i].key == k) {
			*hook = r->chains[i].hook;
			*prio = r->chains[i].prio;
			*is_nat = r->chains[i].is_nat;
			return 0;
		}
	return -1;
}
