/* remote: captures on other hosts through ssh, merged live (see remote.h). */
#include "remote.h"

#include "grow.h"
#include "names.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* capture options that take a value (the value is never a host's -n) */
static int takes_value(const char *a)
{
	static const char *const shortv = "nectw";
	if (a[0] == '-' && a[1] && a[1] != '-' && strchr(shortv, a[1]) && !a[2])
		return 1;
	static const char *const longv[] = { "--netns", "--expr",  "--host",	    "--proto",	   "--port",
					     "--rate",	"--grace", "--write",	    "--nflog-group", "--host-name",
					     "--count", "--time" };
	for (size_t i = 0; i < sizeof(longv) / sizeof(longv[0]); i++)
		if (strcmp(a, longv[i]) == 0)
			return 1;
	return 0;
}

/* "--opt VALUE" or "--opt=VALUE": the value and how many words it took */
static const char *opt_value(const char *name, int argc, char **argv, int i, int *used)
{
	size_t l = strlen(name);
	if (strncmp(argv[i], name, l) != 0)
		return NULL;
	if (argv[i][l] == '=') {
		*used = 1;
		return argv[i] + l + 1;
	}
	if (argv[i][l] || i + 1 >= argc)
		return NULL;
	*used = 2;
	return argv[i + 1];
}

static int add_arg(struct capture_remote_set *s, char *a)
{
	if (capture_grow((void **)&s->args, &s->capargs, (size_t)s->nargs + 1, sizeof(*s->args)) < 0)
		return -1;
	s->args[s->nargs++] = a;
	return 0;
}

int capture_remote_parse(struct capture_remote_set *s, int argc, char **argv, char *msg, size_t cap)
{
	const char *v;
	int used;
	for (int i = 0; i < argc; i += used) {
		used = 1;
		const char *a = argv[i];
		if ((v = opt_value("--ssh-config", argc, argv, i, &used))) {
			s->ssh_config = v;
		} else if ((v = opt_value("--ssh-nfpath", argc, argv, i, &used))) {
			s->nfpath = v;
		} else if ((v = opt_value("--ssh", argc, argv, i, &used))) {
			/* a destination that starts with '-' would be an option to ssh */
			if (!*v || v[0] == '-') {
				snprintf(msg, cap, "--ssh wants a destination (user@host), not '%.100s'", v);
				return -1;
			}
			if (capture_grow((void **)&s->host, &s->cap, s->n + 1, sizeof(*s->host)) < 0) {
				snprintf(msg, cap, "out of memory");
				return -1;
			}
			memset(&s->host[s->n], 0, sizeof(s->host[s->n]));
			s->host[s->n].dest = v;
			s->host[s->n].out_fd = s->host[s->n].err_fd = -1;
			s->n++;
		} else if (strcmp(a, "-n") == 0 || strcmp(a, "--netns") == 0 || strncmp(a, "--netns=", 8) == 0 ||
			   (a[0] == '-' && a[1] == 'n' && a[2])) {
			/* -n after a --ssh is that host's; before the first, every host's */
			const char *ns = a[1] == 'n' ? (a[2] ? a + 2 : NULL) : a[7] == '=' ? a + 8 : NULL;
			if (!ns) {
				if (i + 1 >= argc) {
					snprintf(msg, cap, "%s wants a network namespace", a);
					return -1;
				}
				ns = argv[i + 1];
				used = 2;
			}
			if (s->n)
				s->host[s->n - 1].netns = ns;
			else
				s->netns = ns;
		} else if (strcmp(a, "-w") == 0 || strncmp(a, "--write", 7) == 0 || strcmp(a, "--print-rules") == 0 ||
			   (a[0] == '-' && a[1] == 'w')) {
			snprintf(msg, cap, "%s: with --ssh each host's recording comes back through ssh (write one with w in the explorer)", a);
			return -1;
		} else if (strcmp(a, "--") == 0) {
			/* the rest is the filter */
			for (int j = i; j < argc; j++)
				if (add_arg(s, argv[j]) < 0) {
					snprintf(msg, cap, "out of memory");
					return -1;
				}
			used = argc - i;
		} else {
			if (takes_value(a) && i + 1 < argc)
				used = 2;
			for (int j = 0; j < used; j++)
				if (add_arg(s, argv[i + j]) < 0) {
					snprintf(msg, cap, "out of memory");
					return -1;
				}
		}
	}
	if (!s->n && (s->ssh_config || s->nfpath)) {
		snprintf(msg, cap, "--ssh-config and --ssh-nfpath go with --ssh HOST");
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct capture_remote_host *h = &s->host[i];
		const char *ns = h->netns ? h->netns : s->netns;
		snprintf(h->label, sizeof(h->label), "%s%s%s", h->dest, ns ? "/" : "", ns ? ns : "");
		/* the label is shown: keep it printable */
		for (char *c = h->label; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
	}
	if (!s->nfpath)
		s->nfpath = "nfpath";
	s->hold = NFP_MERGE_HOLD;
	return 0;
}

/* appends ' word' to buf, single-quoted for a POSIX shell */
static int put_quoted(char *buf, size_t cap, size_t *len, const char *w)
{
	size_t n = *len;
	if (n + 2 >= cap)
		return -1;
	buf[n++] = ' ';
	buf[n++] = '\'';
	for (const char *c = w; *c; c++) {
		if (*c == '\'') {
			if (n + 4 >= cap)
				return -1;
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			if (n + 1 >= cap)
				return -1;
			buf[n++] = *c;
		}
	}
	if (n + 1 >= cap)
		return -1;
	buf[n++] = '\'';
	buf[n] = '\0';
	*len = n;
	return 0;
}

static int put_raw(char *buf, size_t cap, size_t *len, const char *w)
{
	size_t l = strlen(w);
	if (*len + l >= cap)
		return -1;
	memcpy(buf + *len, w, l + 1);
	*len += l;
	return 0;
}

/* nfpath capture with its arguments, quoted */
static int put_capture(const struct capture_remote_set *s, size_t i, char *buf, size_t cap, size_t *len)
{
	const char *ns = s->host[i].netns ? s->host[i].netns : s->netns;
	if (put_quoted(buf, cap, len, s->nfpath) < 0 || put_raw(buf, cap, len, " capture") < 0)
		return -1;
	if (ns && (put_raw(buf, cap, len, " -n") < 0 || put_quoted(buf, cap, len, ns) < 0))
		return -1;
	for (int a = 0; a < s->nargs; a++)
		if (put_quoted(buf, cap, len, s->args[a]) < 0)
			return -1;
	return 0;
}

int capture_remote_command(const struct capture_remote_set *s, size_t i, char *buf, size_t cap)
{
	/* root needs no sudo (and a host may have none); anyone else gets
	 * sudo -n, which fails with a message instead of asking for a
	 * password nobody can type */
	size_t len = 0;
	if (!cap)
		return -1;
	buf[0] = '\0';
	if (put_raw(buf, cap, &len, "if [ \"$(id -u)\" = 0 ]; then exec") < 0 || put_capture(s, i, buf, cap, &len) < 0 ||
	    put_raw(buf, cap, &len, "; else exec sudo -n") < 0 || put_capture(s, i, buf, cap, &len) < 0 ||
	    put_raw(buf, cap, &len, "; fi") < 0)
		return -1;
	return (int)len;
}

static void fail(struct capture_remote_host *h, const char *fmt, const char *arg)
{
	h->state = NFP_REMOTE_FAILED;
	snprintf(h->error, sizeof(h->error), fmt, arg);
}

static int start_one(struct capture_remote_set *s, size_t i, const char *ssh)
{
	struct capture_remote_host *h = &s->host[i];
	char cmd[16384]; /* the far command line, quoted; lives until the exec */
	if (capture_remote_command(s, i, cmd, sizeof(cmd)) < 0) {
		fail(h, "%s", "the capture arguments are too long");
		return 0;
	}
	h->err_fd = memfd_create("nfpath-ssh-messages", MFD_CLOEXEC);
	int p[2];
	if (h->err_fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		fail(h, "cannot start ssh: %s", strerror(errno));
		return 0;
	}
	const char *argv[16];
	int n = 0;
	argv[n++] = "ssh";
	argv[n++] = "-T";
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	/* a host that drops off the network is noticed within half a minute */
	argv[n++] = "-o";
	argv[n++] = "ServerAliveInterval=10";
	argv[n++] = "-o";
	argv[n++] = "ConnectTimeout=15";
	if (s->ssh_config) {
		argv[n++] = "-F";
		argv[n++] = s->ssh_config;
	}
	argv[n++] = "--";
	argv[n++] = h->dest;
	argv[n++] = cmd;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		fail(h, "cannot start ssh: %s", strerror(errno));
		return 0;
	}
	if (pid == 0) {
		/* the explorer gone: ssh ends, and with it the far side's capture */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(0);
		int dn = open("/dev/null", O_RDONLY);
		if (dn >= 0)
			dup2(dn, 0);
		dup2(p[1], 1);
		dup2(h->err_fd, 2);
		execv(ssh, (char *const *)argv);
		/* a forked child of a threaded program: async-signal-safe calls only */
		static const char msg[] = "cannot run ssh from the system directories\n";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(255);
		_exit(255);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	h->pid = pid;
	h->out_fd = p[0];
	h->state = NFP_REMOTE_CONNECTING;
	return 1;
}

int capture_remote_start(struct capture_remote_set *s, struct capture_trace *t, capture_diag_fn diag, void *diag_ctx)
{
	char ssh[256];
	if (capture_tool_path("ssh", ssh, sizeof(ssh)) < 0) {
		errno = ENOENT;
		return -1;
	}
	const char **names = calloc(s->n ? s->n : 1, sizeof(*names));
	if (!names)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		names[i] = s->host[i].label;
	s->merge = capture_merge_new(t, s->n, names, s->hold, diag, diag_ctx);
	free(names);
	if (!s->merge)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		start_one(s, i, ssh);
	for (size_t i = 0; i < s->n; i++)
		if (s->host[i].state == NFP_REMOTE_FAILED)
			capture_merge_end(s->merge, i, 0);
	return 0;
}

/* the last line ssh or the far side wrote, printable */
static void last_message(const struct capture_remote_host *h, char *out, size_t cap)
{
	out[0] = '\0';
	struct stat st;
	if (h->err_fd < 0 || fstat(h->err_fd, &st) < 0 || st.st_size <= 0)
		return;
	char buf[2048];
	off_t from = st.st_size > (off_t)sizeof(buf) - 1 ? st.st_size - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(h->err_fd, buf, sizeof(buf) - 1, from);
	if (n <= 0)
		return;
	/* the last line that says something (the capture's summary line
	 * comes after its error only when it ran: then it is the news) */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	char *line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	size_t o = 0;
	for (const char *c = line; *c && o + 1 < cap; c++)
		out[o++] = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?';
	out[o] = '\0';
}

/* a host whose output closed: how its ssh ended */
static void reap(struct capture_remote_host *h, int block)
{
	if (h->pid <= 0)
		return;
	int status;
	pid_t r;
	while ((r = waitpid(h->pid, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	if (r != h->pid)
		return;
	h->pid = 0;
	if (h->state == NFP_REMOTE_STOPPED)
		return;
	char m[256];
	last_message(h, m, sizeof(m));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		h->state = NFP_REMOTE_ENDED;
		return;
	}
	h->state = NFP_REMOTE_FAILED;
	if (m[0])
		snprintf(h->error, sizeof(h->error), "%s", m);
	else if (WIFSIGNALED(status))
		snprintf(h->error, sizeof(h->error), "ssh killed by signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status) == 255)
		snprintf(h->error, sizeof(h->error), "ssh failed (status 255)");
	else
		snprintf(h->error, sizeof(h->error), "the capture failed (status %d)", WEXITSTATUS(status));
}

long capture_remote_pump(struct capture_remote_set *s, double now)
{
	long got = 0;
	char buf[65536];
	for (size_t i = 0; i < s->n; i++) {
		struct capture_remote_host *h = &s->host[i];
		for (int k = 0; h->out_fd >= 0 && k < 16; k++) {
			ssize_t n = read(h->out_fd, buf, sizeof(buf));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				close(h->out_fd);
				h->out_fd = -1;
				if (capture_merge_end(s->merge, i, now) < 0)
					return -1;
				break;
			}
			if (h->state == NFP_REMOTE_CONNECTING)
				h->state = NFP_REMOTE_RUNNING;
			got += n;
			if (capture_merge_feed(s->merge, i, buf, (size_t)n, now) < 0)
				return -1;
		}
		if (h->out_fd < 0)
			reap(h, 0);
	}
	if (capture_merge_release(s->merge, now) < 0)
		return -1;
	return got;
}

void capture_remote_wait(const struct capture_remote_set *s, int ms)
{
	struct pollfd pf[64];
	nfds_t n = 0;
	for (size_t i = 0; i < s->n && n < 64; i++)
		if (s->host[i].out_fd >= 0)
			pf[n++] = (struct pollfd){ s->host[i].out_fd, POLLIN, 0 };
	poll(pf, n, ms);
}

int capture_remote_busy(const struct capture_remote_set *s)
{
	return s->merge && capture_merge_busy(s->merge);
}

int capture_remote_done(const struct capture_remote_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->host[i].out_fd >= 0 || s->host[i].pid > 0)
			return 0;
	return !s->merge || capture_merge_done(s->merge);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int capture_remote_run(struct capture_remote_set *s, struct capture_trace *t, const volatile sig_atomic_t *stop,
		       void (*idle)(void *ctx), void *idle_ctx)
{
	double quiet = 0, last = mono();
	while (!capture_remote_done(s)) {
		if (stop && *stop) {
			capture_remote_stop(s);
			break;
		}
		capture_remote_wait(s, 100);
		double now = mono();
		long got = capture_remote_pump(s, now);
		if (got < 0)
			return -1;
		/* the stream's clock runs only while nothing comes, as for
		 * one stream (tui.c) */
		if (!got)
			quiet += now - last;
		last = now;
		if (!capture_remote_busy(s)) {
			capture_trace_tick(t, quiet);
			if (!got && idle)
				idle(idle_ctx);
		}
	}
	/* whatever a stopped host left in the queues */
	if (s->merge && capture_merge_release(s->merge, 1e300) < 0)
		return -1;
	return 0;
}

void capture_remote_status(const struct capture_remote_set *s, char *buf, size_t cap)
{
	size_t n = 0;
	if (!cap)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n && n + 1 < cap; i++) {
		const struct capture_remote_host *h = &s->host[i];
		const char *what = h->state == NFP_REMOTE_FAILED	 ? h->error
				   : h->state == NFP_REMOTE_CONNECTING ? "connecting"
				   : h->state == NFP_REMOTE_ENDED	 ? "ended"
									 : NULL;
		if (!what)
			continue;
		int k = snprintf(buf + n, cap - n, "%s%s: %s", n ? "; " : "", h->label, what);
		if (k < 0)
			break;
		n += (size_t)k < cap - n ? (size_t)k : cap - n - 1;
	}
}

size_t capture_remote_failed(const struct capture_remote_set *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		k += s->host[i].state == NFP_REMOTE_FAILED;
	return k;
}

void capture_remote_stop(struct capture_remote_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct capture_remote_host *h = &s->host[i];
		if (h->pid > 0) {
			if (h->state == NFP_REMOTE_CONNECTING || h->state == NFP_REMOTE_RUNNING)
				h->state = NFP_REMOTE_STOPPED;
			kill(h->pid, SIGTERM);
			reap(h, 1);
		}
		if (h->out_fd >= 0) {
			close(h->out_fd);
			h->out_fd = -1;
			if (s->merge)
				capture_merge_end(s->merge, i, 0);
		}
	}
}

void capture_remote_free(struct capture_remote_set *s)
{
	capture_remote_stop(s);
	for (size_t i = 0; i < s->n; i++)
		if (s->host[i].err_fd >= 0)
			close(s->host[i].err_fd);
	capture_merge_free(s->merge);
	free(s->host);
	free(s->args);
	memset(s, 0, sizeof(*s));
}
