/* The tcpdump-style filter translator against its table
 * (tests/fixtures/filter/translations.txt), which tests/e2e/t_filter_nft.sh
 * also loads into real nft: what the translator writes is what nft reads
 * back. */
#include "helpers.h"

#include "../../capture/filter.h"

#define TABLE FIXTURES "/filter/translations.txt"

struct entry {
	char expr[1024];
	char rules[2][CAPTURE_FILTER_RULES][CAPTURE_FILTER_RULE_LEN];
	int n[2];
	int refused;
	size_t pos, len;
	char msg[1024];
};

static void check_entry(const struct entry *e, struct capture_filter *f)
{
	struct capture_filter_error err;
	int r = capture_filter_translate(e->expr, f, &err);
	if (e->refused) {
		ck_assert_msg(r == -1, "'%s' should be refused", e->expr);
		ck_assert_msg(err.pos == e->pos && err.len == e->len, "'%s': at %zu+%zu, table says %zu+%zu", e->expr,
			      err.pos, err.len, e->pos, e->len);
		ck_assert_str_eq(err.msg, e->msg);
		ck_assert_int_eq(f->n[0] + f->n[1], 0);
		return;
	}
	ck_assert_msg(r == 0, "'%s' refused: %s", e->expr, err.msg);
	for (int fam = 0; fam < 2; fam++) {
		ck_assert_msg(f->n[fam] == e->n[fam], "'%s' family %d: %d rules, table says %d", e->expr, fam, f->n[fam],
			      e->n[fam]);
		for (int i = 0; i < e->n[fam]; i++)
			ck_assert_msg(strcmp(f->rule[fam][i], e->rules[fam][i]) == 0, "'%s' family %d rule %d:\n got  %s\n want %s",
				      e->expr, fam, i, f->rule[fam][i], e->rules[fam][i]);
	}
}

START_TEST(translation_table)
{
	FILE *in = fopen(TABLE, "r");
	ck_assert_msg(in != NULL, "cannot open %s", TABLE);
	struct capture_filter *f = calloc(1, sizeof(*f));
	struct entry *e = calloc(1, sizeof(*e));
	char line[1024];
	int have = 0, entries = 0, refused = 0;
	while (1) {
		char *got = fgets(line, sizeof(line), in);
		if (got)
			line[strcspn(line, "\n")] = '\0';
		if (!got || line[0] == '>') {
			if (have) {
				check_entry(e, f);
				entries++;
				refused += e->refused;
			}
			if (!got)
				break;
			memset(e, 0, sizeof(*e));
			snprintf(e->expr, sizeof(e->expr), "%s", line + 2);
			have = 1;
		} else if (strncmp(line, "bridge", 6) == 0 || strncmp(line, "inet", 4) == 0) {
			int fam = line[0] == 'b' ? CAPTURE_FILTER_BRIDGE : CAPTURE_FILTER_INET;
			const char *r = line + (fam ? 4 : 6);
			snprintf(e->rules[fam][e->n[fam]++], CAPTURE_FILTER_RULE_LEN, "%s", *r ? r + 1 : "");
		} else if (line[0] == '!') {
			int off = 0;
			ck_assert(sscanf(line, "! %zu %zu %n", &e->pos, &e->len, &off) == 2);
			snprintf(e->msg, sizeof(e->msg), "%s", line + off);
			e->refused = 1;
		}
	}
	fclose(in);
	ck_assert_int_ge(entries, 40);
	ck_assert_int_ge(refused, 10);
	free(e);
	free(f);
}
END_TEST

START_TEST(refusals_point_at_the_word)
{
	static const struct {
		const char *expr;
		size_t pos;
	} cases[] = {
		{ "", 0 },
		{ "   ", 0 },
		{ "host 1.2.3.4 and \x1b[2J", 17 },
		{ "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((tcp", 64 },
		{ "not", 3 },
		{ "tcp port 80 or", 14 },
		{ "src", 3 },
		{ "dst port", 8 },
	};
	struct capture_filter *f = calloc(1, sizeof(*f));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct capture_filter_error err;
		ck_assert_msg(capture_filter_translate(cases[i].expr, f, &err) == -1, "'%s' accepted", cases[i].expr);
		ck_assert_msg(err.pos == cases[i].pos, "'%s': at %zu, want %zu (%s)", cases[i].expr, err.pos, cases[i].pos,
			      err.msg);
		ck_assert(err.msg[0]);
	}
	/* the alternatives multiply: refused, not cut */
	char big[2048] = "";
	for (int i = 0; i < 8; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "%s(host 10.0.0.%d or port %d)", i ? " and " : "", i,
			 i + 1);
	struct capture_filter_error err;
	ck_assert_int_eq(capture_filter_translate(big, f, &err), -1);
	ck_assert_msg(strstr(err.msg, "too many") || strstr(err.msg, "more than 64"), "%s", err.msg);
	free(f);
}
END_TEST

START_TEST(raw_default_and_join)
{
	struct capture_filter *f = calloc(1, sizeof(*f));
	capture_filter_default(f);
	ck_assert_int_eq(f->n[0], 3);
	ck_assert_int_eq(f->n[1], 3);
	ck_assert_str_eq(f->rule[1][0], "icmp type { echo-request, echo-reply }");
	ck_assert_str_eq(f->rule[1][2], CAPTURE_FILTER_ECHO_TUNNEL);
	ck_assert_int_eq(capture_filter_add_raw(f, "tcp dport 5201"), 0);
	ck_assert_str_eq(f->rule[0][3], "tcp dport 5201");
	char long_expr[CAPTURE_FILTER_RULE_LEN + 1];
	memset(long_expr, 'x', sizeof(long_expr) - 1);
	long_expr[sizeof(long_expr) - 1] = '\0';
	ck_assert_int_eq(capture_filter_add_raw(f, long_expr), -1);
	char *argv[] = { "host", "172.17.0.3", "and", "tcp port 80" };
	char out[64];
	ck_assert_int_eq(capture_filter_join(out, sizeof(out), 4, argv), 0);
	ck_assert_str_eq(out, "host 172.17.0.3 and tcp port 80");
	ck_assert_int_eq(capture_filter_join(out, 10, 4, argv), -1);
	free(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("filter");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, translation_table);
	tcase_add_test(tc, refusals_point_at_the_word);
	tcase_add_test(tc, raw_default_and_join);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
