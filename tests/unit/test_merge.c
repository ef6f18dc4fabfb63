/* The live merge of several hosts' streams (capture/merge.c), driven by the
 * real recordings of the two-host lab (tests/fixtures/lab2b-host*.rec: a
 * run whose readers interleaved the request's walks on the two hosts), and
 * the command --ssh runs on the far side (capture/remote.c). */
#include "helpers.h"

#include "../../capture/merge.h"
#include "../../capture/remote.h"

#include <sys/wait.h>
#include <unistd.h>

static char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	ck_assert(b && fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Each ping is one journey: the request's hops on host 1 then host 2, the
 * reply's on host 2 then host 1 (the kernel's drop events are machine-wide
 * and left out, as in t_lab_hosts). */
static void check_journeys(const struct capture_trace *t)
{
	ck_assert_uint_eq(capture_trace_count(t), 6);
	for (size_t num = capture_trace_first(t); num <= capture_trace_last(t); num++) {
		const struct nfp_packet *p = capture_trace_packet(t, num);
		const char *first = p->dir == NFP_DIR_REPLY ? "vm/nfpl-host2" : "vm/nfpl-host";
		const char *second = p->dir == NFP_DIR_REPLY ? "vm/nfpl-host" : "vm/nfpl-host2";
		ck_assert_int_eq(p->dir, (num % 2) ? NFP_DIR_ORIGINAL : NFP_DIR_REPLY);
		int phase = 0;
		for (uint32_t i = 0; i < p->nhops; i++) {
			const struct nfp_hop *h = capture_packet_hop(t, p, i);
			if (h->kind == NFP_KIND_DROP)
				continue;
			const char *host = capture_str(t, h->host);
			if (phase == 0 && strcmp(host, second) == 0)
				phase = 1;
			ck_assert_msg(strcmp(host, phase ? second : first) == 0, "packet %zu hop %u on %s, phase %d", num, i,
				      host, phase);
		}
		ck_assert_msg(phase == 1, "packet %zu never reached %s", num, second);
	}
}

/* One host's stream arrives whole before the other's starts (first: the
 * stream that comes whole): the merge places every hop by its time, not
 * by arrival, whether the hops wait in a queue or go straight through. */
static void late_host(int first)
{
	size_t len[2];
	char *rec[2] = { slurp_file(FIXTURES "/lab2b-host1.rec", &len[0]), slurp_file(FIXTURES "/lab2b-host2.rec", &len[1]) };
	struct capture_trace *t = resolving_trace();
	const char *names[2] = { "host1", "host2" };
	struct capture_merge *m = capture_merge_new(t, 2, names, 0.5, NULL, NULL);
	ck_assert_ptr_nonnull(m);
	int second = !first;
	ck_assert_int_eq(capture_merge_feed(m, (size_t)first, rec[first], len[first], 10.0), 0);
	/* the other host has sent nothing yet: these hops wait for it */
	ck_assert_int_eq(capture_merge_release(m, 10.1), 0);
	ck_assert(capture_merge_busy(m));
	/* the other's recording comes in small pieces, cut mid-line */
	for (size_t off = 0; off < len[second]; off += 777) {
		size_t n = len[second] - off < 777 ? len[second] - off : 777;
		ck_assert_int_eq(capture_merge_feed(m, (size_t)second, rec[second] + off, n, 10.2), 0);
		ck_assert(capture_merge_release(m, 10.2) >= 0);
	}
	ck_assert_int_eq(capture_merge_end(m, 0, 10.3), 0);
	ck_assert_int_eq(capture_merge_end(m, 1, 10.3), 0);
	ck_assert(capture_merge_release(m, 10.3) >= 0);
	ck_assert(capture_merge_done(m));
	ck_assert(!capture_merge_busy(m));
	capture_trace_flush(t);
	/* where the hops switch from one host to the other, time goes
	 * forward (within one host the recording's order stands: a kernel
	 * drop event carries the kernel's earlier time) */
	size_t switches = 0;
	for (size_t i = 1; i < capture_trace_hop_count(t); i++) {
		const struct nfp_hop *x = capture_trace_hop(t, i - 1), *y = capture_trace_hop(t, i);
		if (x->host == y->host)
			continue;
		switches++;
		ck_assert_msg(x->ts <= y->ts, "hop %zu (%s %.6f) before hop %zu (%s %.6f)", i - 1, capture_str(t, x->host),
			      x->ts, i, capture_str(t, y->host), y->ts);
	}
	ck_assert_uint_gt(switches, 6);
	check_journeys(t);
	capture_merge_free(m);
	capture_trace_free(t);
	free(rec[0]);
	free(rec[1]);
}

START_TEST(late_host_placed_by_time)
{
	late_host(1);
	late_host(0);
}
END_TEST

/* a quiet host holds the others back by the hold time, no longer */
START_TEST(quiet_host_holds_no_longer_than_hold)
{
	size_t l1;
	char *a = slurp_file(FIXTURES "/lab2b-host1.rec", &l1);
	struct capture_trace *t = resolving_trace();
	const char *names[2] = { "host1", "quiet" };
	struct capture_merge *m = capture_merge_new(t, 2, names, 0.5, NULL, NULL);
	ck_assert_int_eq(capture_merge_feed(m, 0, a, l1, 5.0), 0);
	ck_assert_int_eq(capture_merge_release(m, 5.4), 0);
	long moved = capture_merge_release(m, 5.5);
	ck_assert_int_gt(moved, 0);
	ck_assert_uint_eq((size_t)moved, capture_trace_stats(t)->hops);
	ck_assert(!capture_merge_busy(m));
	/* a host that ended holds nothing back */
	ck_assert_int_eq(capture_merge_end(m, 1, 6.0), 0);
	ck_assert(!capture_merge_done(m));
	ck_assert_int_eq(capture_merge_end(m, 0, 6.0), 0);
	ck_assert(capture_merge_done(m));
	capture_merge_free(m);
	capture_trace_free(t);
	free(a);
}
END_TEST

static struct capture_remote_set parse(int argc, char **argv, int want)
{
	struct capture_remote_set s;
	memset(&s, 0, sizeof(s));
	char msg[300] = "";
	ck_assert_msg(capture_remote_parse(&s, argc, argv, msg, sizeof(msg)) == want, "%s", msg);
	return s;
}

/* -n after a --ssh is that host's, before the first every host's; the
 * rest (values of options included) is every host's capture arguments */
START_TEST(ssh_arguments)
{
	char *av[] = { "-n", "shared", "--ssh", "root@a", "-e", "-n", "--ssh=b", "--netns=nb", "-c", "3",
		       "--ssh-nfpath", "/opt/nfpath", "icmp", "--", "-x" };
	struct capture_remote_set s = parse(15, av, 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.host[0].label, "root@a/shared");
	ck_assert_str_eq(s.host[1].label, "b/nb");
	ck_assert_str_eq(s.nfpath, "/opt/nfpath");
	ck_assert_int_eq(s.nargs, 7);
	const char *want[] = { "-e", "-n", "-c", "3", "icmp", "--", "-x" };
	for (int i = 0; i < 7; i++)
		ck_assert_str_eq(s.args[i], want[i]);
	capture_remote_free(&s);
	char *bad1[] = { "--ssh", "-oProxyCommand=x" };
	s = parse(2, bad1, -1);
	capture_remote_free(&s);
	char *bad2[] = { "--ssh", "a", "-w", "f" };
	s = parse(4, bad2, -1);
	capture_remote_free(&s);
	char *none[] = { "-n", "x", "icmp" };
	s = parse(3, none, 0);
	ck_assert_uint_eq(s.n, 0);
	capture_remote_free(&s);
}
END_TEST

/* the far side's shell gets every word as it was given, quotes and all */
START_TEST(ssh_command_quoting)
{
	char *av[] = { "--ssh", "h", "-n", "it's", "-e", "ip saddr 1.2.3.4; reboot", "--ssh-nfpath", "echo" };
	struct capture_remote_set s = parse(8, av, 0);
	char cmd[4096];
	ck_assert_int_gt(capture_remote_command(&s, 0, cmd, sizeof(cmd)), 0);
	ck_assert_ptr_nonnull(strstr(cmd, "sudo -n 'echo' capture -n 'it'\\''s' '-e' 'ip saddr 1.2.3.4; reboot'"));
	if (getuid() == 0) {
		/* as root: no sudo, and the shell splits nothing */
		char line[512] = "";
		const char *argv_sh[] = { "sh", "-c", cmd, NULL };
		int p[2];
		ck_assert_int_eq(pipe(p), 0);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			execv("/bin/sh", (char *const *)argv_sh);
			_exit(127);
		}
		close(p[1]);
		ssize_t n = read(p[0], line, sizeof(line) - 1);
		close(p[0]);
		waitpid(pid, NULL, 0);
		ck_assert_int_gt(n, 0);
		line[n] = '\0';
		ck_assert_str_eq(line, "capture -n it's -e ip saddr 1.2.3.4; reboot\n");
	}
	ck_assert_int_eq(capture_remote_command(&s, 0, cmd, 40), -1);
	capture_remote_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, late_host_placed_by_time);
	tcase_add_test(tc, quiet_host_holds_no_longer_than_hold);
	tcase_add_test(tc, ssh_arguments);
	tcase_add_test(tc, ssh_command_quoting);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
