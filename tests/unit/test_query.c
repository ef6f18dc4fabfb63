/* The model's questions for the viewers (capture/query.c) and writing a
 * whole trace back as a recording (capture_rec_write_trace), on the real
 * Docker sample and the lab recording. */
#include "helpers.h"

#include "../../capture/query.h"
#include "../../capture/record.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define SAMPLE "tests/fixtures/docker-c2c-ping.log"
#define DEMO "assets/demo/lab-docker.rec"

/* request 1, its reply, request 2: one flow */
START_TEST(next_in_flow_on_the_sample)
{
	struct loaded L = load_files(SAMPLE, NULL, NULL);
	ck_assert_uint_eq(capture_trace_count(L.t), 3);
	ck_assert_uint_eq(capture_query_next(L.t, 1, CAPTURE_NEXT_ANY), 2);
	ck_assert_uint_eq(capture_query_next(L.t, 1, CAPTURE_NEXT_SAME_DIR), 3);
	ck_assert_uint_eq(capture_query_next(L.t, 1, CAPTURE_NEXT_OTHER_DIR), 2);
	ck_assert_uint_eq(capture_query_next(L.t, 2, CAPTURE_NEXT_OTHER_DIR), 3);
	/* the last request: no reply after it, so the reply before it */
	ck_assert_uint_eq(capture_query_next(L.t, 3, CAPTURE_NEXT_OTHER_DIR), 2);
	ck_assert_uint_eq(capture_query_next(L.t, 3, CAPTURE_NEXT_SAME_DIR), 0);
	ck_assert_uint_eq(capture_query_next(L.t, 3, CAPTURE_NEXT_ANY), 0);
	ck_assert_uint_eq(capture_query_next(L.t, 2, CAPTURE_NEXT_SAME_DIR), 0);
	/* a number not kept has no next */
	ck_assert_uint_eq(capture_query_next(L.t, 4, CAPTURE_NEXT_ANY), 0);
	ck_assert_uint_eq(capture_query_next(L.t, 0, CAPTURE_NEXT_ANY), 0);
	unload(&L);
}
END_TEST

START_TEST(matches_boxes_chains_devices_and_text)
{
	struct loaded L = load_files(SAMPLE, NULL, NULL);
	ck_assert_int_eq(capture_query_match(L.t, 1, "", NULL), 1);
	/* the first request is the only one through iptables' nat PREROUTING */
	ck_assert_int_eq(capture_query_match(L.t, 1, "PREROUTING", NULL), 1);
	ck_assert_int_eq(capture_query_match(L.t, 1, " nat:PREROUTING", NULL), 0); /* boxes, not text */
	ck_assert_int_eq(capture_query_match(L.t, 1, "DOCKER-ISOLATION", NULL), 1);
	ck_assert_int_eq(capture_query_match(L.t, 1, "docker0", NULL), 1);
	ck_assert_int_eq(capture_query_match(L.t, 1, "no-such-thing", NULL), 0);
	/* the caller's line for the packet is searched too */
	ck_assert_int_eq(capture_query_match(L.t, 1, "seq 2", "ICMP echo-request id 1 seq 2"), 1);
	unload(&L);
}
END_TEST

/* eth0 of nfpl-out is named after its namespace in the lab recording */
START_TEST(matches_learnt_device_names)
{
	struct loaded L = load_files(DEMO, NULL, NULL);
	ck_assert_uint_gt(capture_trace_count(L.t), 0);
	int found = 0;
	for (size_t n = capture_trace_first(L.t); n <= capture_trace_last(L.t); n++)
		if (capture_query_match(L.t, n, "nfpl-out", NULL) && !capture_query_match(L.t, n, "eth0", NULL))
			ck_abort_msg("packet %zu matched a device name without its device", n);
		else
			found += capture_query_match(L.t, n, "nfpl-out", NULL);
	ck_assert_int_gt(found, 0);
	unload(&L);
}
END_TEST

START_TEST(write_trace_round_trips)
{
	struct loaded L = load_files(DEMO, NULL, NULL);
	char path[] = "/tmp/nfp-rec-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	long n = capture_rec_write_trace(fd, L.t);
	close(fd);
	ck_assert_int_eq(n, (long)capture_trace_hop_count(L.t));
	struct loaded R = load_files(path, NULL, NULL);
	unlink(path);
	ck_assert_uint_eq(capture_trace_hop_count(R.t), capture_trace_hop_count(L.t));
	ck_assert_uint_eq(capture_trace_count(R.t), capture_trace_count(L.t));
	ck_assert_uint_eq(capture_trace_name_count(R.t), capture_trace_name_count(L.t));
	unload(&R);
	unload(&L);
}
END_TEST

/* a full disk is reported, not taken for success */
START_TEST(write_trace_reports_failure)
{
	struct loaded L = load_files(DEMO, NULL, NULL);
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		return; /* no /dev/full in this sandbox */
	errno = 0;
	ck_assert_int_eq(capture_rec_write_trace(fd, L.t), -1);
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
	unload(&L);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, next_in_flow_on_the_sample);
	tcase_add_test(tc, matches_boxes_chains_devices_and_text);
	tcase_add_test(tc, matches_learnt_device_names);
	tcase_add_test(tc, write_trace_round_trips);
	tcase_add_test(tc, write_trace_reports_failure);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
