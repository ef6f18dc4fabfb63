/* remote: live captures on other hosts, through the system's ssh.
 *
 * `nfpath --live --ssh HOST [--ssh HOST2 ...] [capture options] [FILTER]`
 * runs `nfpath capture` on each host (as root: directly when the login is
 * root, else through `sudo -n`, which refuses rather than asks for a
 * password) with the capture options and the filter, its recording on
 * ssh's standard output. ssh is /usr/bin/ssh (or wherever the system
 * directories hold it, never PATH), run with BatchMode (the user's config
 * and agent, no prompt), its standard input /dev/null and its messages
 * kept per host. The recordings are merged as they come (merge.h); a host
 * that fails or drops out is named with its error while the others go on.
 *
 * Ownership: a set holds pointers into the caller's argv (which must
 * outlive it) and owns its arrays, processes, descriptors and merge. */
#ifndef NFP_REMOTE_H
#define NFP_REMOTE_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "input.h"
#include "merge.h"
#include "trace.h"

enum capture_remote_state {
	NFP_REMOTE_IDLE,       /* not started */
	NFP_REMOTE_CONNECTING, /* started, nothing came yet */
	NFP_REMOTE_RUNNING,    /* its recording is coming */
	NFP_REMOTE_ENDED,      /* its capture ended (count, time) */
	NFP_REMOTE_FAILED,     /* ssh, sudo or the capture failed, or the link dropped: see error */
	NFP_REMOTE_STOPPED,    /* we stopped it */
};

struct capture_remote_host {
	const char *dest;	/* ssh destination (user@host, ssh://user@host:port, an alias) */
	const char *netns;	/* this host's -n, or NULL for the shared one */
	char label[300];	/* dest, and /NETNS when it has one: for messages */
	enum capture_remote_state state;
	char error[300];	/* FAILED: what ssh or the far side said last, printable ASCII */
	pid_t pid;
	int out_fd, err_fd;	/* its recording (pipe), its messages (memfd); -1 once closed */
};

struct capture_remote_set {
	struct capture_remote_host *host;
	size_t n, cap;
	const char *ssh_config; /* --ssh-config FILE: ssh -F FILE */
	const char *nfpath;	/* --ssh-nfpath PATH: the far side's nfpath (default "nfpath") */
	const char *netns;	/* -n given before the first --ssh: every host's */
	char **args;		/* the capture arguments every host gets (pointers into argv) */
	int nargs;
	size_t capargs;
	struct capture_merge *merge;
	double hold;
};

/* Splits the arguments after --live (argv[0..argc), not "--live" itself)
 * into hosts and capture arguments. No --ssh: s->n is 0 and nothing else
 * matters. -1 with a message for people in msg on a usage error. */
int capture_remote_parse(struct capture_remote_set *s, int argc, char **argv, char *msg, size_t cap);

/* The command host i runs on the far side (a POSIX shell line, every
 * argument quoted). Returns its length, or -1 when it does not fit. */
int capture_remote_command(const struct capture_remote_set *s, size_t i, char *buf, size_t cap);

/* Starts every host's ssh and the merge into t. -1 with errno when no ssh
 * is in the system directories or memory ran out; otherwise 0, and a host
 * that cannot start is FAILED (with its error) while the others run. */
int capture_remote_start(struct capture_remote_set *s, struct capture_trace *t, capture_diag_fn diag, void *diag_ctx);

/* Reads what every host sent by now without blocking, merges it, and
 * notices hosts that ended or failed. Returns the bytes read, -1 with
 * errno on ENOMEM. now: monotonic seconds. */
long capture_remote_pump(struct capture_remote_set *s, double now);
/* Waits up to ms for any host to send or end. */
void capture_remote_wait(const struct capture_remote_set *s, int ms);
/* Hops held back or a line cut short (see capture_merge_busy). */
int capture_remote_busy(const struct capture_remote_set *s);
/* Every host ended (ENDED, FAILED or STOPPED) and everything merged. */
int capture_remote_done(const struct capture_remote_set *s);

/* Reads until every host ended or *stop is set, ticking t as a single
 * stream would be; idle (when not NULL) is called when the streams pause.
 * -1 with errno on ENOMEM. */
int capture_remote_run(struct capture_remote_set *s, struct capture_trace *t, const volatile sig_atomic_t *stop,
		       void (*idle)(void *ctx), void *idle_ctx);

/* "HOST: error; HOST2: connecting" for the hosts that are not running
 * (printable ASCII); empty when all run. */
void capture_remote_status(const struct capture_remote_set *s, char *buf, size_t cap);
/* Hosts that FAILED. */
size_t capture_remote_failed(const struct capture_remote_set *s);

/* Ends every running ssh (the far side's capture ends when its output
 * closes) and waits for them. */
void capture_remote_stop(struct capture_remote_set *s);
/* Stops what runs, closes and frees everything. */
void capture_remote_free(struct capture_remote_set *s);

#endif
