/* helpers: load trace text (and rules) into a fresh trace for tests. */
#ifndef NFP_TEST_HELPERS_H
#define NFP_TEST_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../capture/box.h"
#include "../../capture/load.h"
#include "../../capture/parse.h"
#include "../../capture/resolve.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures"
#endif

struct loaded {
	struct capture_trace *t;
	struct capture_rules *r;
	enum capture_load_status st;
	unsigned long diags;
};

static void count_diag(void *ctx, const char *f, unsigned long l, const char *m)
{
	(void)f;
	(void)l;
	(void)m;
	((struct loaded *)ctx)->diags++;
}

/* a trace that resolves its packets, as the program's */
static inline struct capture_trace *resolving_trace(void)
{
	struct capture_trace_hooks h = capture_resolve_hooks();
	return capture_trace_new(&h);
}

static inline struct loaded load_text(const char *text, const char *rules)
{
	struct loaded L = { resolving_trace(), capture_rules_new(), 0, 0 };
	struct capture_source s = { "test", text, strlen(text) };
	struct capture_source rs = { "rules", rules, rules ? strlen(rules) : 0 };
	const char *bad, *why;
	struct capture_load_req rq = { &s, 1, &rs, rules ? 1 : 0, count_diag, &L, NULL, NULL, NULL };
	L.st = capture_load(L.t, L.r, &rq, &bad, &why);
	return L;
}

static inline struct loaded load_files(const char *trace, const char *rules1, const char *rules2)
{
	struct loaded L = { resolving_trace(), capture_rules_new(), 0, 0 };
	struct capture_source s = { trace, NULL, 0 };
	struct capture_source rs[2] = { { rules1, NULL, 0 }, { rules2, NULL, 0 } };
	const char *bad, *why;
	struct capture_load_req rq = { &s, 1, rs, rules2 ? 2 : rules1 ? 1 : 0, count_diag, &L, NULL, NULL, NULL };
	L.st = capture_load(L.t, L.r, &rq, &bad, &why);
	return L;
}

static inline void unload(struct loaded *L)
{
	capture_trace_free(L->t);
	capture_rules_free(L->r);
}

/* The i-th packet kept, in input order (0: the oldest kept). The tests
 * name packets by their place in a fixture; the program uses numbers. */
static inline const struct nfp_packet *pkt_at(const struct capture_trace *t, size_t i)
{
	return capture_trace_packet(t, capture_trace_first(t) + i);
}

static inline const struct nfp_hop *hop_at(const struct loaded *L, size_t pkt, uint32_t i)
{
	return capture_packet_hop(L->t, pkt_at(L->t, pkt), i);
}

static inline const char *S(const struct loaded *L, uint32_t id)
{
	return capture_str(L->t, id);
}

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
