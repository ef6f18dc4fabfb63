/* main: nfpath's command line. Parses options, loads the input through
 * capture_load, and hands the trace to a printer or the explorer. The only
 * place that prints errors and chooses the exit status. */
#include <errno.h>
#include <time.h>
#include <getopt.h>
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../capture/grow.h"
#include "../capture/load.h"
#include "../capture/readfd.h"
#include "../capture/record.h"
#include "../capture/remote.h"
#include "../capture/resolve.h"
#include "../render/print.h"
#include "../render/text.h"
#include "../render/compare.h"
#include "../render/picture.h"
#include "assets.h"
#include "cli.h"
#include "stopsig.h"
#include "tui.h"

#define EXIT_USAGE 2

struct diag_ctx {
	unsigned long shown, total;
	int quiet;
};

/* "nfpath: FILE[:LINE]: MSG", the file name escaped (it may be hostile) */
static void file_error(const char *file, unsigned long line, const char *msg)
{
	struct capture_buf b = { 0 };
	render_esc(&b, file, strlen(file), 0);
	if (line)
		fprintf(stderr, "nfpath: %s:%lu: %s\n", b.p ? b.p : "", line, msg);
	else
		fprintf(stderr, "nfpath: %s: %s\n", b.p ? b.p : "", msg);
	capture_buf_free(&b);
}

static void diag(void *vctx, const char *file, unsigned long line, const char *msg)
{
	struct diag_ctx *c = vctx;
	c->total++;
	if (c->quiet || c->shown >= 10)
		return;
	c->shown++;
	file_error(file, line, msg);
}

static void usage(FILE *f)
{
	fputs("Usage: nfpath [options] -r FILE...      explore recorded or logged traces\n"
	      "       nfpath --demo                    explore the bundled Docker-host sample\n"
	      "       nfpath [options] --live [capture options] [FILTER]\n"
	      "                                        trace live and explore (root); FILTER is\n"
	      "                                        tcpdump-style: host 172.17.0.3 and tcp port 80\n"
	      "       nfpath [options] --live --ssh HOST [-n NETNS] [--ssh HOST2 ...]\n"
	      "                    [capture options] [FILTER]\n"
	      "                                        capture on other hosts through ssh (as root:\n"
	      "                                        sudo -n unless the login is root) and merge\n"
	      "                                        them live; -n after a --ssh is that host's.\n"
	      "                                        --ssh-config FILE (ssh -F), --ssh-nfpath PATH\n"
	      "                                        (the far side's nfpath); with --print/--json\n"
	      "                                        until every host's -c/-t or ^C\n"
	      "       nfpath capture [options] [FILTER]  trace live (root), write a recording;\n"
	      "                                        see nfpath capture --help\n"
	      "\n"
	      "Input:\n"
	      "  -r, --read FILE      read traces from FILE ('-' = stdin); repeatable, each\n"
	      "                       file once. Accepts iptables TRACE / LOG / nft log kernel\n"
	      "                       lines (raw; any dmesg style: plain, -r, -x, -T, -t, -d,\n"
	      "                       -e, --time-format iso|delta|reltime|ctime|notime;\n"
	      "                       syslog, journalctl, /dev/kmsg), ebtables --log lines,\n"
	      "                       ARP log lines, 'nft monitor trace' and 'xtables-monitor\n"
	      "                       --trace' output, and nfpath recordings (several hosts'\n"
	      "                       recordings are merged onto one timeline, each hop\n"
	      "                       naming its host)\n"
	      "      --rules FILE     iptables-save, ip6tables-save, ebtables-save or\n"
	      "                       'nft -a list ruleset' output, for rule text; repeatable\n"
	      "      --demo           use the bundled sample and its rule sets\n"
	      "\n"
	      "Output, one of these (on a terminal the explorer opens without; press ? there):\n"
	      "      --print          packets, their fate and their hops as text (the default\n"
	      "                       off a terminal)\n"
	      "      --json           one JSON object per packet per line (with \"fate\")\n"
	      "      --stats          totals: lines (skipped, malformed: per cause), hops,\n"
	      "                       packets, flows, hops per box/verdict, packets per fate\n"
	      "                       and per drop box/reason\n"
	      "      --diagram        the netfilter diagram with a packet's route\n"
	      "      --compare A,B    packets A and B side by side, and their differences\n"
	      "  -p, --packet N       only packet N (--diagram: the packet drawn, default 1)\n"
	      "      --no-route       --diagram without any packet's route\n"
	      "      --diagram-file F use F instead of the built-in diagram description\n"
	      "      --bench-render   time rendering and key handling (for make bench)\n"
	      "      --screen WxH     the explorer's screen as text after --keys, without a\n"
	      "                       terminal (tests, bug reports)\n"
	      "      --keys KEYS      keys for --screen, space-separated: n c Esc Enter Tab\n"
	      "                       Up Down PgDn C-u ..., @WxH resizes, a word is typed\n"
	      "      --width W        diagram width (default: the terminal's, or 200)\n"
	      "      --height H       diagram height (default: the terminal's, or 50)\n"
	      "      --max-packets N  the explorer, --diagram and --compare keep at most N\n"
	      "                       packets; older ones are dropped and counted (default\n"
	      "                       100000, 0 = no limit). --print/--json/--stats stream\n"
	      "                       every packet in bounded memory\n"
	      "      --ascii          ASCII only: drawing and escaped text (also when the\n"
	      "                       locale is not UTF-8)\n"
	      "      --color          colour even when stdout is not a terminal\n"
	      "      --no-color       never colour (also NO_COLOR=1)\n"
	      "      --no-mouse       the explorer leaves the mouse to the terminal\n"
	      "\n"
	      "  -h, --help           this text\n"
	      "  -V, --version        version\n"
	      "\n"
	      "Keys in the explorer:\n"
	      "  n Right / p Left   next / previous hop     Home End   first / last hop\n"
	      "  j Down / k Up      next / previous packet  PgDn PgUp  ten packets\n"
	      "  f   next packet of the flow                c   compare with the next packet of\n"
	      "  r   compare request and reply                  the flow and direction\n"
	      "  /   filter packets by text, or by fate: drop, forwarded, fate:unknown ...\n"
	      "  Tab  cycle panes   z  zoom the diagram   h  the journey's next host\n"
	      "  space  pause/resume (live)   F    follow the newest   w  write a recording\n"
	      "  m   mouse on/off (click a packet, hop or box; the wheel scrolls)\n"
	      "  Esc back   ? help   q quit\n"
	      "\n"
	      "Exit status: 0 ok, 2 usage error or no usable input, 1 other failure.\n"
	      "See nfpath(1) for the input formats and the recording format.\n",
	      f);
}

enum { OPT_RULES = 256, OPT_PRINT, OPT_JSON, OPT_STATS, OPT_ASCII, OPT_DEMO, OPT_DIAGRAM, OPT_WIDTH, OPT_HEIGHT,
       OPT_COLOR, OPT_NOCOLOR, OPT_COMPARE, OPT_NOROUTE, OPT_DIAGFILE, OPT_BENCH, OPT_MAXPKT,
       OPT_NOMOUSE, OPT_SCREEN, OPT_KEYS };

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int flush(struct capture_buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t n = write(1, b->p + off, b->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	b->len = 0;
	return 0;
}

/* --print and --json stream: each packet is written once it is final, so
 * any input size runs in bounded memory and loses no packet */
struct emit {
	struct capture_buf b;
	const struct cli_opts *o;
	int err;
};

static int flush(struct capture_buf *b);

static void emit_packet(void *ctx, const struct capture_trace *t, size_t num)
{
	struct emit *e = ctx;
	if (e->err || e->o->mode == CLI_STATS)
		return;
	if (e->o->packet && (size_t)e->o->packet != num)
		return;
	struct render_print_opts po = { e->o->ascii };
	int r = e->o->mode == CLI_JSON ? render_json_packet(&e->b, t, num) : render_print_packet(&e->b, t, num, &po);
	if (r < 0 || (e->b.len > (1u << 20) && flush(&e->b) < 0))
		e->err = errno ? errno : EIO;
}

/* a paused stream: what was printed goes out now, not at 1 MiB */
static void flush_idle(void *ctx)
{
	struct emit *e = ctx;
	if (!e->err && e->b.len && flush(&e->b) < 0)
		e->err = errno ? errno : EIO;
}

/* the diagram description: the built-in one, or --diagram-file (checked
 * here so a bad file is a usage error before anything starts) */
static int load_diagram(struct cli_opts *o)
{
	o->diagram_text = nfp_asset_diagram;
	o->diagram_len = nfp_asset_diagram_len;
	if (!o->diagram_file)
		return 0;
	FILE *f = fopen(o->diagram_file, "r");
	static char buf[1 << 16];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	int e = errno;
	if (f)
		fclose(f);
	if (!f) {
		fprintf(stderr, "nfpath: %s: %s\n", o->diagram_file, strerror(e));
		return -1;
	}
	char err[256];
	struct render_diagram *d = render_diagram_parse(buf, n, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "nfpath: %s: %s\n", o->diagram_file, err);
		return -1;
	}
	render_diagram_free(d);
	o->diagram_text = buf;
	o->diagram_len = n;
	return 0;
}

/* runs `nfpath capture ARGS` with its stdout on a pipe; returns the
 * read end. live_argv[0] is "--live", replaced by "capture". The capture's
 * messages go to *err_fd (a memory file, read after the explorer ends: they
 * would scribble over it). */
static int spawn_capture(char **live_argv, pid_t *pid, int *err_fd)
{
	*err_fd = memfd_create("nfpath-capture-messages", MFD_CLOEXEC);
	int p[2];
	if (pipe(p) < 0)
		return -1;
	int n = 0;
	while (live_argv[n])
		n++;
	char **av = calloc((size_t)n + 2, sizeof(*av));
	if (!av)
		return -1;
	av[0] = "nfpath";
	av[1] = "capture";
	for (int i = 1; i < n; i++)
		av[i + 1] = live_argv[i];
	*pid = fork();
	if (*pid < 0) {
		free(av);
		return -1;
	}
	if (*pid == 0) {
		/* the explorer gone (crashed, killed): the capture ends too, and
		 * with it the trace tables */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(0);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		int dn = *err_fd >= 0 ? *err_fd : open("/dev/null", O_WRONLY);
		if (dn >= 0)
			dup2(dn, 2);
		execv("/proc/self/exe", av);
		_exit(127);
	}
	free(av);
	close(p[1]);
	return p[0];
}

/* Under sudo the viewer needs no privilege: become the invoking user. The
 * capture child keeps root for set-up and tear-down. */
static void drop_privileges(void)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	if (geteuid() != 0 || !su || !sg)
		return;
	uid_t uid = (uid_t)strtoul(su, NULL, 10);
	gid_t gid = (gid_t)strtoul(sg, NULL, 10);
	if (uid == 0)
		return;
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		fprintf(stderr, "nfpath: cannot drop privileges to uid %u: %s\n", (unsigned)uid, strerror(errno));
		exit(1);
	}
}

/* One run of the program: what the options asked for and what was built
 * from them. main is three phases over it (parse the arguments, build the
 * sources, run a mode) and one tear-down. */
struct run {
	struct cli_opts o;
	char **live_argv; /* "--live" and the capture's arguments, or NULL */
	/* traces and rule sets to read; entries point into argv or the
	 * embedded assets, the arrays are owned here */
	struct capture_source *src, *rsrc;
	size_t nsrc, capsrc, nrsrc, caprsrc;
	struct capture_trace *t;
	struct capture_rules *rules;
	struct diag_ctx dc;
	/* the explorer reads one stream as it grows: a pipe, a live capture,
	 * or a file still being written */
	struct capture_input *stream;
	int stream_fd, stream_is_file;
	pid_t child; /* the live capture */
	struct capture_remote_set hosts; /* --ssh: the hosts' captures (hosts.n 0: none) */
	int child_err; /* its messages (memfd), or -1 */
	const char *label;
	struct emit em;
	int streaming; /* --print/--json/--stats: packets go out as they settle */
};

/* a phase that does not end the run returns GO_ON, else the exit status */
#define GO_ON (-1)

/* every fill of a source array goes through here: no fixed bound to overrun */
static int add_source(struct capture_source **a, size_t *n, size_t *cap, struct capture_source s)
{
	if (capture_grow((void **)a, cap, *n + 1, sizeof(**a)) < 0)
		return -1;
	(*a)[(*n)++] = s;
	return 0;
}

/* The output options choose one mode each: a second, different one is a
 * usage error (the last one won silently: --print --json printed JSON). */
static int set_mode(struct cli_opts *o, const char **given, int mode, const char *name)
{
	if (*given && (int)o->mode != mode) {
		fprintf(stderr, "nfpath: %s and %s exclude each other (one output at a time)\n"
				"Try 'nfpath --help' for more information.\n",
			*given, name);
		return EXIT_USAGE;
	}
	*given = name;
	o->mode = mode;
	return GO_ON;
}

/* An input given twice (the same file by any path, compared by device and
 * inode; "-" is standard input) would be merged with itself, every hop
 * doubled: refused, naming the second. A path that cannot be read is left
 * to the loader, which says why. */
static int inputs_distinct(const struct run *r)
{
	for (size_t i = 1; i < r->nsrc; i++) {
		struct stat a;
		const char *pa = r->src[i].name;
		if ((strcmp(pa, "-") == 0 ? fstat(STDIN_FILENO, &a) : stat(pa, &a)) != 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			struct stat b;
			const char *pb = r->src[j].name;
			if ((strcmp(pb, "-") == 0 ? fstat(STDIN_FILENO, &b) : stat(pb, &b)) != 0 || a.st_dev != b.st_dev ||
			    a.st_ino != b.st_ino)
				continue;
			/* each input is read once: say which earlier -r it repeats
			 * when the paths differ */
			struct capture_buf e = { 0 };
			render_esc(&e, pb, strlen(pb), 0);
			char msg[600];
			if (strcmp(pa, pb) == 0)
				snprintf(msg, sizeof(msg), "given twice with -r: each input is read once");
			else
				snprintf(msg, sizeof(msg), "given twice with -r (the same file as -r %.400s): each input is read once",
					 e.p ? e.p : "");
			capture_buf_free(&e);
			file_error(pa, 0, msg);
			return EXIT_USAGE;
		}
	}
	return GO_ON;
}

static int parse_args(struct run *r, int argc, char **argv)
{
	/* "--live" ends nfpath's own options: the rest go to the capture */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--live") == 0) {
			r->live_argv = argv + i;
			argc = i;
			break;
		}
	struct cli_opts *o = &r->o;
	o->max_packets = 100000;
	o->packet = 0;
	static const struct option lopts[] = {
		{ "read", required_argument, 0, 'r' },	{ "rules", required_argument, 0, OPT_RULES },
		{ "print", no_argument, 0, OPT_PRINT }, { "json", no_argument, 0, OPT_JSON },
		{ "stats", no_argument, 0, OPT_STATS }, { "packet", required_argument, 0, 'p' },
		{ "diagram", no_argument, 0, OPT_DIAGRAM }, { "width", required_argument, 0, OPT_WIDTH },
		{ "compare", required_argument, 0, OPT_COMPARE }, { "no-route", no_argument, 0, OPT_NOROUTE },
		{ "diagram-file", required_argument, 0, OPT_DIAGFILE }, { "bench-render", no_argument, 0, OPT_BENCH },
		{ "max-packets", required_argument, 0, OPT_MAXPKT },
		{ "height", required_argument, 0, OPT_HEIGHT }, { "color", no_argument, 0, OPT_COLOR },
		{ "colour", no_argument, 0, OPT_COLOR }, { "no-color", no_argument, 0, OPT_NOCOLOR },
		{ "no-mouse", no_argument, 0, OPT_NOMOUSE }, { "screen", required_argument, 0, OPT_SCREEN },
		{ "keys", required_argument, 0, OPT_KEYS },
		{ "ascii", no_argument, 0, OPT_ASCII }, { "demo", no_argument, 0, OPT_DEMO },
		{ "help", no_argument, 0, 'h' },	{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	int c;
	long v;
	const char *mode_opt = NULL; /* the output option given first */
	/* getopt's own message starts with argv[0]: the program's name, not
	 * the path it was run by */
	static char prog[] = "nfpath";
	argv[0] = prog;
	while ((c = getopt_long(argc, argv, "r:p:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case OPT_RULES: {
			struct capture_source s = { optarg, NULL, 0 };
			if (c == 'r' ? add_source(&r->src, &r->nsrc, &r->capsrc, s)
				     : add_source(&r->rsrc, &r->nrsrc, &r->caprsrc, s)) {
				fprintf(stderr, "nfpath: out of memory\n");
				return 1;
			}
			break;
		}
		case OPT_PRINT:
			if (set_mode(o, &mode_opt, CLI_PRINT, "--print") != GO_ON)
				return EXIT_USAGE;
			break;
		case OPT_JSON:
			if (set_mode(o, &mode_opt, CLI_JSON, "--json") != GO_ON)
				return EXIT_USAGE;
			break;
		case OPT_STATS:
			if (set_mode(o, &mode_opt, CLI_STATS, "--stats") != GO_ON)
				return EXIT_USAGE;
			break;
		case OPT_DIAGRAM:
			if (set_mode(o, &mode_opt, CLI_DIAGRAM, "--diagram") != GO_ON)
				return EXIT_USAGE;
			break;
		case OPT_NOROUTE:
			o->no_route = 1;
			break;
		case OPT_DIAGFILE:
			o->diagram_file = optarg;
			break;
		case OPT_BENCH:
			if (set_mode(o, &mode_opt, CLI_BENCH, "--bench-render") != GO_ON)
				return EXIT_USAGE;
			break;
		case OPT_MAXPKT:
			if (parse_num(optarg, 0, 1000000000, &v) < 0) {
				fprintf(stderr, "nfpath: --max-packets wants a count (0 = no limit)\n");
				return EXIT_USAGE;
			}
			o->max_packets = v;
			break;
		case OPT_COMPARE: {
			long a, b2;
			char *comma = strchr(optarg, ',');
			if (comma)
				*comma = '\0';
			if (!comma || parse_num(optarg, 1, 100000000, &a) < 0 || parse_num(comma + 1, 1, 100000000, &b2) < 0) {
				fprintf(stderr, "nfpath: --compare wants A,B (two packet numbers)\n");
				return EXIT_USAGE;
			}
			if (set_mode(o, &mode_opt, CLI_COMPARE, "--compare") != GO_ON)
				return EXIT_USAGE;
			o->cmp_a = a;
			o->cmp_b = b2;
			break;
		}
		case OPT_WIDTH:
		case OPT_HEIGHT:
			if (parse_num(optarg, 1, 10000, &v) < 0) {
				fprintf(stderr, "nfpath: --%s wants a number from 1 to 10000\n",
					c == OPT_WIDTH ? "width" : "height");
				return EXIT_USAGE;
			}
			*(c == OPT_WIDTH ? &o->width : &o->height) = (int)v;
			break;
		case OPT_COLOR:
			o->color = 1;
			break;
		case OPT_NOCOLOR:
			o->color = -1;
			break;
		case OPT_NOMOUSE:
			o->no_mouse = 1;
			break;
		case OPT_SCREEN: {
			char tail;
			if (sscanf(optarg, "%dx%d%c", &o->screen_w, &o->screen_h, &tail) != 2 || o->screen_w < 1 ||
			    o->screen_w > 1000 || o->screen_h < 1 || o->screen_h > 1000) {
				fprintf(stderr, "nfpath: --screen wants WxH (columns x rows, up to 1000x1000)\n");
				return EXIT_USAGE;
			}
			if (set_mode(o, &mode_opt, CLI_SCREEN, "--screen") != GO_ON)
				return EXIT_USAGE;
			break;
		}
		case OPT_KEYS:
			o->keys = optarg;
			break;
		case 'p':
			if (parse_num(optarg, 1, 100000000, &v) < 0) {
				fprintf(stderr, "nfpath: --packet wants a packet number from 1\n");
				return EXIT_USAGE;
			}
			o->packet = v;
			break;
		case OPT_ASCII:
			o->ascii = 1;
			break;
		case OPT_DEMO:
			o->demo = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nfpath %s\n", NFP_VERSION);
			return 0;
		default:
			/* getopt said what was wrong in one line; the options
			 * are a page: point at them (as ls and tcpdump do) */
			fprintf(stderr, "Try 'nfpath --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nfpath: unexpected argument '%s' (input files go after -r)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (r->live_argv) {
		if (r->nsrc || o->demo) {
			fprintf(stderr, "nfpath: --live and -r exclude each other\n");
			return EXIT_USAGE;
		}
		int n = 0;
		while (r->live_argv[n])
			n++;
		char msg[300];
		if (capture_remote_parse(&r->hosts, n - 1, r->live_argv + 1, msg, sizeof(msg)) < 0) {
			struct capture_buf b = { 0 };
			render_esc(&b, msg, strlen(msg), 0);
			fprintf(stderr, "nfpath: %.*s\n", (int)b.len, b.p ? b.p : "");
			capture_buf_free(&b);
			return EXIT_USAGE;
		}
		/* the hosts' captures end by -c/-t: the text outputs can wait for them */
		if (r->hosts.n && o->mode == CLI_BENCH) {
			fprintf(stderr, "nfpath: --ssh does not go with --bench-render\n");
			return EXIT_USAGE;
		}
	} else if (r->nsrc == 0 && !o->demo) {
		fprintf(stderr, "nfpath: no input: give -r FILE or --demo (see --help)\n");
		return EXIT_USAGE;
	} else if (inputs_distinct(r) != GO_ON) {
		return EXIT_USAGE;
	}
	if (!nl_langinfo(CODESET) || strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		o->ascii = 1;
	if (o->mode == CLI_NONE)
		o->mode = isatty(1) ? CLI_TUI : CLI_PRINT;
	/* a local --live is the explorer: piped, it would trace nothing */
	if (r->live_argv && !r->hosts.n && o->mode != CLI_TUI) {
		fprintf(stderr, "nfpath: --live opens the explorer%s; for text use nfpath capture | nfpath -r - --print\n",
			isatty(1) ? "" : ", which needs a terminal");
		return EXIT_USAGE;
	}
	r->streaming = o->mode == CLI_PRINT || o->mode == CLI_JSON || o->mode == CLI_STATS;
	return GO_ON;
}

/* The capture's messages, after the terminal is restored: escaped (they
 * quote the user's expressions), at most 8 KiB. */
static void print_capture_messages(int fd)
{
	char buf[8192];
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	if (n <= 0)
		return;
	struct capture_buf b = { 0 };
	for (ssize_t i = 0; i < n;) {
		const char *eol = memchr(buf + i, '\n', (size_t)(n - i));
		size_t l = eol ? (size_t)(eol - buf - i) : (size_t)(n - i);
		render_esc(&b, buf + i, l, 0);
		capture_buf_put(&b, "\n", 1);
		i += (ssize_t)l + 1;
	}
	fwrite(b.p ? b.p : "", 1, b.len, stderr);
	capture_buf_free(&b);
}

/* Waits (up to 10 s) until the capture is armed: its first output byte.
 * An output that closes first means it failed: its messages, and -1. */
static int wait_armed(struct run *r)
{
	int eof = 0;
	for (int i = 0; i < 100 && !eof; i++) {
		struct pollfd p = { r->stream_fd, POLLIN, 0 };
		if (poll(&p, 1, 100) <= 0)
			continue;
		int avail = 0;
		if (ioctl(r->stream_fd, FIONREAD, &avail) == 0 && avail > 0)
			return 0;
		eof = (p.revents & (POLLHUP | POLLERR)) != 0;
	}
	if (!eof)
		return 0; /* still setting up: the explorer shows what comes */
	/* the output closed: the capture is on its way out */
	int status = 0;
	waitpid(r->child, &status, 0);
	r->child = 0;
	print_capture_messages(r->child_err);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		fprintf(stderr, "nfpath: the capture ended before it was armed\n");
	return -1;
}

/* The demo's files, the trace and its consumers, and the explorer's
 * stream (a live capture, a pipe, or a file that may grow). */
static int build_sources(struct run *r)
{
	struct cli_opts *o = &r->o;
	for (size_t i = 0; o->demo && i < nfp_asset_demo_count; i++) {
		const struct nfp_asset *a = &nfp_asset_demo[i];
		struct capture_source s = { a->name, a->data, a->len };
		if (a->is_rules ? add_source(&r->rsrc, &r->nrsrc, &r->caprsrc, s)
				: add_source(&r->src, &r->nsrc, &r->capsrc, s)) {
			fprintf(stderr, "nfpath: out of memory\n");
			return 1;
		}
	}
	struct capture_trace_hooks hooks = capture_resolve_hooks();
	r->em.o = o;
	if (r->streaming) {
		hooks.on_done = emit_packet;
		hooks.done_ctx = &r->em;
	}
	r->t = capture_trace_new(&hooks);
	r->rules = capture_rules_new();
	if (!r->t || !r->rules) {
		if (!r->t)
			hooks.resolve_free(hooks.resolve_ctx);
		fprintf(stderr, "nfpath: out of memory\n");
		return 1;
	}
	/* printed packets need not stay: a window is enough */
	capture_trace_set_window(r->t, r->streaming ? 4096 : (size_t)o->max_packets);
	r->label = r->nsrc ? r->src[0].name : "live";
	if (r->hosts.n) {
		/* the viewer needs no privilege: ssh runs as the user, with
		 * the user's config and agent */
		drop_privileges();
		if (capture_remote_start(&r->hosts, r->t, diag, &r->dc) < 0) {
			fprintf(stderr, "nfpath: cannot start ssh: %s\n",
				errno == ENOENT ? "no ssh in the system directories (install openssh-client)" : strerror(errno));
			return 1;
		}
		return GO_ON;
	}
	if (o->mode != CLI_TUI || !(r->live_argv || (r->nsrc == 1 && !r->src[0].data)))
		return GO_ON;
	if (r->live_argv) {
		r->stream_fd = spawn_capture(r->live_argv, &r->child, &r->child_err);
		if (r->stream_fd < 0) {
			fprintf(stderr, "nfpath: cannot start the capture: %s\n", strerror(errno));
			return 1;
		}
		drop_privileges();
		if (wait_armed(r) < 0)
			return 1;
	} else {
		r->stream_fd = strcmp(r->src[0].name, "-") == 0 ? 0 : open(r->src[0].name, O_RDONLY | O_CLOEXEC);
		if (r->stream_fd < 0) {
			file_error(r->src[0].name, 0, strerror(errno));
			return EXIT_USAGE;
		}
	}
	r->stream = calloc(1, sizeof(*r->stream));
	if (!r->stream) {
		fprintf(stderr, "nfpath: out of memory\n");
		return 1;
	}
	capture_input_init(r->stream, r->t, r->label, 0, diag, &r->dc);
	struct stat sb;
	r->stream_is_file = fstat(r->stream_fd, &sb) == 0 && S_ISREG(sb.st_mode);
	/* a file: what is there now, at once (on two threads); the rest as
	 * it grows */
	if (r->stream_is_file && capture_read_fd(r->stream, r->stream_fd) < 0) {
		file_error(r->label, 0, strerror(errno));
		return 1;
	}
	r->nsrc = 0; /* the explorer reads the stream itself */
	return GO_ON;
}

/* The hosts of --ssh that failed, with their errors (escaped already). */
static void report_hosts(struct run *r)
{
	for (size_t i = 0; i < r->hosts.n; i++)
		if (r->hosts.host[i].state == NFP_REMOTE_FAILED)
			fprintf(stderr, "nfpath: %s: %s\n", r->hosts.host[i].label, r->hosts.host[i].error);
}

/* Reads the sources and checks what the options asked for exists. */
static int load_input(struct run *r)
{
	struct cli_opts *o = &r->o;
	struct capture_trace *t = r->t;
	const char *bad = NULL, *why;
	/* ^C while the text outputs read: stop reading and finish with what
	 * was read, as tcpdump prints its counts (the explorer takes the
	 * signals itself once it runs) */
	const volatile sig_atomic_t *stop = o->mode != CLI_TUI ? tui_stop_signals() : NULL;
	struct capture_load_req rq = { r->src, r->nsrc, r->rsrc, r->nrsrc, diag, &r->dc, stop, flush_idle, &r->em };
	enum capture_load_status st = capture_load(t, r->rules, &rq, &bad, &why);
	/* --ssh for text (or a screen): the hosts' captures to their end */
	if (st == NFP_LOAD_OK && r->hosts.n && o->mode != CLI_TUI) {
		if (capture_remote_run(&r->hosts, t, stop, flush_idle, &r->em) < 0)
			st = NFP_LOAD_NOMEM;
		capture_trace_flush(t);
		report_hosts(r);
	}
	if (st == NFP_LOAD_OK && r->stream_is_file && capture_trace_stats(t)->hops == 0) {
		st = NFP_LOAD_NO_TRACE;
		bad = NULL;
		why = "no trace lines in the input";
	}
	if (r->dc.total > r->dc.shown)
		fprintf(stderr, "nfpath: %lu more malformed lines not shown\n", r->dc.total - r->dc.shown);
	/* hops left off the diagram: once per cause */
	for (int w = 1; w < NFP_UNPLACED__COUNT; w++)
		if (capture_trace_unplaced(t, w))
			fprintf(stderr, "nfpath: %lu hop%s not placed on the diagram: %s\n", capture_trace_unplaced(t, w),
				capture_trace_unplaced(t, w) == 1 ? "" : "s", capture_box_why_text(w));
	switch (st) {
	case NFP_LOAD_OK:
		break;
	case NFP_LOAD_OPEN_FAILED:
		file_error(bad, 0, strerror(errno));
		return EXIT_USAGE;
	case NFP_LOAD_RULES_BAD:
		file_error(bad, 0, why);
		return EXIT_USAGE;
	case NFP_LOAD_NO_TRACE:
		if (bad) {
			char msg[160];
			snprintf(msg, sizeof(msg), "no usable input: no trace lines in it (%lu lines read)",
				 capture_trace_stats(t)->lines);
			file_error(bad, 0, msg);
		} else {
			fprintf(stderr, "nfpath: no usable input: %s (%lu lines read)\n", why, capture_trace_stats(t)->lines);
		}
		return EXIT_USAGE;
	case NFP_LOAD_NOMEM:
		fprintf(stderr, "nfpath: out of memory while reading input\n");
		return 1;
	}
	size_t first = capture_trace_first(t), last = capture_trace_last(t);
	if (o->mode == CLI_COMPARE && ((size_t)o->cmp_a < first || (size_t)o->cmp_a > last ||
				       (size_t)o->cmp_b < first || (size_t)o->cmp_b > last)) {
		fprintf(stderr, "nfpath: no packet %ld (the input has %zu..%zu)\n",
			(size_t)o->cmp_a < first || (size_t)o->cmp_a > last ? o->cmp_a : o->cmp_b, first, last);
		return EXIT_USAGE;
	}
	if (capture_trace_stats(t)->dropped_packets && !r->streaming && o->mode != CLI_TUI)
		fprintf(stderr, "nfpath: %lu oldest packets dropped (over --max-packets %ld); numbers go on from %zu\n",
			capture_trace_stats(t)->dropped_packets, o->max_packets, first);
	if (o->packet && (r->streaming ? (size_t)o->packet > last : ((size_t)o->packet < first || (size_t)o->packet > last))) {
		fprintf(stderr, "nfpath: no packet %ld (the input has %zu)\n", o->packet, last);
		return EXIT_USAGE;
	}
	if (load_diagram(o) < 0)
		return EXIT_USAGE;
	return GO_ON;
}

static int run_explorer(struct run *r)
{
	struct cli_opts *o = &r->o;
	struct tui_opts to = { o->ascii,	     o->color, r->label,	r->stream_fd,  r->stream,
			       r->stream_is_file, r->child, o->diagram_text, o->diagram_len, o->no_mouse, NULL };
	char lab[300];
	if (r->hosts.n) {
		snprintf(lab, sizeof(lab), "live over ssh: %zu host%s", r->hosts.n, r->hosts.n == 1 ? "" : "s");
		to.source = lab;
		to.remote = &r->hosts;
	} else if (r->live_argv) {
		const char *ns = "current netns";
		for (char **a = r->live_argv; *a; a++)
			if ((strcmp(*a, "-n") == 0 || strcmp(*a, "--netns") == 0) && a[1])
				ns = a[1];
		snprintf(lab, sizeof(lab), "live %s", ns);
		to.source = lab;
	}
	return tui_run(r->t, r->rules, &to);
}

static int run_mode(struct run *r)
{
	struct cli_opts *o = &r->o;
	if (o->mode == CLI_TUI)
		return run_explorer(r);
	if (o->mode == CLI_BENCH)
		return cli_bench(r->t, o);
	if (o->mode == CLI_SCREEN) {
		struct tui_opts to = { o->ascii, -1, r->label, -1, NULL, 0, 0, o->diagram_text, o->diagram_len, 1, NULL };
		if (r->hosts.n) {
			to.source = "over ssh";
			to.remote = &r->hosts;
		}
		return tui_screen(r->t, r->rules, &to, o->screen_w, o->screen_h, o->keys, stdout);
	}
	if (r->streaming) {
		/* the packets are out already; the totals come last */
		struct emit *em = &r->em;
		if (o->mode == CLI_STATS)
			render_print_stats(&em->b, r->t);
		if (!em->err && flush(&em->b) < 0)
			em->err = errno;
		if (em->err && em->err != EPIPE)
			fprintf(stderr, "nfpath: writing output: %s\n", strerror(em->err));
		return em->err ? 1 : 0;
	}
	return o->mode == CLI_DIAGRAM ? cli_diagram(r->t, o) : cli_compare(r->t, o);
}

/* Ends the capture of --live; returns rc, or 1 when the capture had
 * failed on its own (its messages are printed, the terminal restored). */
static int end_capture(struct run *r, int rc)
{
	if (r->hosts.n) {
		/* the explorer's hosts, once the terminal is back */
		if (r->o.mode == CLI_TUI) {
			capture_remote_stop(&r->hosts);
			report_hosts(r);
		}
		if (capture_remote_failed(&r->hosts))
			rc = rc ? rc : 1;
	}
	if (!r->child)
		return rc;
	int status = 0;
	pid_t done = waitpid(r->child, &status, WNOHANG);
	if (done != r->child) {
		/* still running: our stop; a capture stops cleanly on TERM */
		kill(r->child, SIGTERM);
		waitpid(r->child, NULL, 0);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "nfpath: the capture failed:\n");
		print_capture_messages(r->child_err);
		if (WIFSIGNALED(status))
			fprintf(stderr, "nfpath: the capture was killed by signal %d\n", WTERMSIG(status));
		rc = rc ? rc : 1;
	}
	r->child = 0;
	return rc;
}

static void teardown(struct run *r)
{
	if (r->child) {
		kill(r->child, SIGTERM);
		waitpid(r->child, NULL, 0);
	}
	if (r->child_err >= 0)
		close(r->child_err);
	if (r->stream_fd > 0)
		close(r->stream_fd);
	if (r->stream)
		capture_input_end(r->stream); /* frees its partial line */
	capture_remote_free(&r->hosts);
	free(r->stream);
	capture_buf_free(&r->em.b);
	capture_trace_free(r->t);
	capture_rules_free(r->rules);
	free(r->src);
	free(r->rsrc);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "capture") == 0)
		return capture_main(argc - 1, argv + 1);
	struct run r;
	memset(&r, 0, sizeof(r));
	r.stream_fd = -1;
	r.child_err = -1;
	int rc = parse_args(&r, argc, argv);
	if (rc == GO_ON)
		rc = build_sources(&r);
	if (rc == GO_ON)
		rc = load_input(&r);
	if (rc == GO_ON)
		rc = run_mode(&r);
	rc = end_capture(&r, rc);
	teardown(&r);
	return rc;
}


/* the terminal's size when stdout is one, else the given default */
static void term_size(int *w, int *h)
{
	struct winsize ws;
	if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		*w = ws.ws_col;
		*h = ws.ws_row;
	}
}

int cli_diagram(const struct capture_trace *t, const struct cli_opts *o)
{
	char err[256];
	struct render_diagram *d = render_diagram_parse(o->diagram_text, o->diagram_len, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "nfpath: diagram: %s\n", err);
		return 1;
	}
	int w = 200, h = 50;
	term_size(&w, &h);
	struct render_picture_opts po = { o->width ? o->width : w, o->height ? o->height : h, o->ascii, 0 };
	po.color = o->color > 0 || (o->color == 0 && isatty(1) && !getenv("NO_COLOR"));
	struct capture_buf b = { 0 };
	size_t num = o->no_route ? 0 : o->packet ? (size_t)o->packet : capture_trace_first(t);
	int r = render_picture_diagram(&b, d, t, num, &po);
	if (r == 0)
		r = flush(&b);
	capture_buf_free(&b);
	render_diagram_free(d);
	if (r < 0) {
		fprintf(stderr, "nfpath: drawing the diagram: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int cli_compare(const struct capture_trace *t, const struct cli_opts *o)
{
	int w = 200, h = 50;
	term_size(&w, &h);
	struct capture_buf b = { 0 };
	int r = render_compare_text(&b, t, (size_t)o->cmp_a, (size_t)o->cmp_b, o->width ? o->width : w, o->ascii);
	if (r == 0)
		r = flush(&b);
	capture_buf_free(&b);
	if (r < 0) {
		fprintf(stderr, "nfpath: comparing: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int cli_bench(struct capture_trace *t, const struct cli_opts *o)
{
	char err[256];
	struct render_diagram *d = render_diagram_parse(o->diagram_text, o->diagram_len, err, sizeof(err));
	struct render_canvas *c = render_canvas_new(200, 50);
	struct render_route r;
	if (!d || !c || render_route_init(&r, d) < 0 || !capture_trace_count(t)) {
		fprintf(stderr, "nfpath: bench set-up failed\n");
		return 1;
	}
	struct render_diagram_opts dopts = { 0, NULL, NULL, NULL, 0, 0 };
	int runs = 2000, tier = -1;
	double t0 = mono();
	for (int i = 0; i < runs; i++) {
		render_route_clear(&r);
		/* the kept packets in turn */
		size_t num = capture_trace_first(t) + (size_t)i % capture_trace_count(t);
		render_route_add(&r, d, t, capture_trace_packet(t, num), i % 5, 0);
		tier = render_diagram_draw(d, &r, c, &dopts);
	}
	double per = (mono() - t0) / runs;
	printf("render 200x50 frame with a route (tier %d): %.3f ms (goal < 1 ms)\n", tier, per * 1e3);
	render_route_free(&r);
	render_canvas_free(c);
	render_diagram_free(d);
	struct tui_opts to = { o->ascii, 0, "bench", -1, NULL, 0, 0, o->diagram_text, o->diagram_len, 1, NULL };
	double key = tui_bench(t, &to, 200, 50, 200);
	printf("explorer redraw after a key, %zu packets loaded, 200x50: %.2f ms (goal < 20 ms)\n", capture_trace_count(t),
	       key * 1e3);
	return 0;
}
