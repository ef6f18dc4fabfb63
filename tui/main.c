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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../capture/load.h"
#include "../capture/readfd.h"
#include "../capture/record.h"
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
	      "       nfpath [options] --live [capture options]   trace live and explore (root)\n"
	      "       nfpath capture [options]         trace live (root), write a recording;\n"
	      "                                        see nfpath capture --help\n"
	      "\n"
	      "Input:\n"
	      "  -r, --read FILE      read traces from FILE ('-' = stdin); repeatable. Accepts\n"
	      "                       iptables TRACE / LOG / nft log kernel lines (raw, dmesg,\n"
	      "                       syslog, journalctl, /dev/kmsg), ebtables --log lines,\n"
	      "                       'nft monitor trace' and 'xtables-monitor --trace' output,\n"
	      "                       and nfpath recordings\n"
	      "      --rules FILE     iptables-save, ip6tables-save, ebtables-save or\n"
	      "                       'nft -a list ruleset' output, for rule text; repeatable\n"
	      "      --demo           use the bundled sample and its rule sets\n"
	      "\n"
	      "Output (on a terminal the explorer opens without one of these; press ? there):\n"
	      "      --print          packets and their hops as text (the default off a terminal)\n"
	      "      --json           one JSON object per packet per line\n"
	      "      --stats          totals: lines, hops, packets, flows, hops per box/verdict\n"
	      "      --diagram        the netfilter diagram with a packet's route\n"
	      "      --compare A,B    packets A and B side by side, and their differences\n"
	      "  -p, --packet N       only packet N (--diagram: the packet drawn, default 1)\n"
	      "      --no-route       --diagram without any packet's route\n"
	      "      --diagram-file F use F instead of the built-in diagram description\n"
	      "      --bench-render   time rendering and key handling (for make bench)\n"
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
	      "  /   filter packets by text   Tab  cycle panes   z  zoom the diagram\n"
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
       OPT_NOMOUSE };

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

static void emit_packet(void *ctx, const struct capture_trace *t, size_t pi)
{
	struct emit *e = ctx;
	if (e->err || e->o->mode == CLI_STATS)
		return;
	if (e->o->packet && (size_t)e->o->packet != t->pkt_base + pi + 1)
		return;
	struct render_print_opts po = { e->o->ascii };
	int r = e->o->mode == CLI_JSON ? render_json_packet(&e->b, t, pi) : render_print_packet(&e->b, t, pi, &po);
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
 * read end. live_argv[0] is "--live", replaced by "capture". */
static int spawn_capture(char **live_argv, pid_t *pid)
{
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
		/* the capture's messages would scribble over the explorer */
		int dn = open("/dev/null", O_WRONLY);
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

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc > 1 && strcmp(argv[1], "capture") == 0)
		return capture_main(argc - 1, argv + 1);
	/* "--live" ends nfpath's own options: the rest go to the capture */
	char **live_argv = NULL;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--live") == 0) {
			live_argv = argv + i;
			argc = i;
			break;
		}
	struct cli_opts o;
	memset(&o, 0, sizeof(o));
	o.max_packets = 100000;
	o.packet = 0;
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
		{ "no-mouse", no_argument, 0, OPT_NOMOUSE },
		{ "ascii", no_argument, 0, OPT_ASCII }, { "demo", no_argument, 0, OPT_DEMO },
		{ "help", no_argument, 0, 'h' },	{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	struct capture_source src[64], rsrc[64];
	size_t nsrc = 0, nrsrc = 0;
	int c;
	long v;
	while ((c = getopt_long(argc, argv, "r:p:hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (nsrc == 64) {
				fprintf(stderr, "nfpath: too many -r files (64 at most)\n");
				return EXIT_USAGE;
			}
			src[nsrc++] = (struct capture_source){ optarg, NULL, 0 };
			break;
		case OPT_RULES:
			if (nrsrc == 64) {
				fprintf(stderr, "nfpath: too many --rules files (64 at most)\n");
				return EXIT_USAGE;
			}
			rsrc[nrsrc++] = (struct capture_source){ optarg, NULL, 0 };
			break;
		case OPT_PRINT:
			o.mode = CLI_PRINT;
			break;
		case OPT_JSON:
			o.mode = CLI_JSON;
			break;
		case OPT_STATS:
			o.mode = CLI_STATS;
			break;
		case OPT_DIAGRAM:
			o.mode = CLI_DIAGRAM;
			break;
		case OPT_NOROUTE:
			o.no_route = 1;
			break;
		case OPT_DIAGFILE:
			o.diagram_file = optarg;
			break;
		case OPT_BENCH:
			o.mode = CLI_BENCH;
			break;
		case OPT_MAXPKT:
			if (parse_num(optarg, 0, 1000000000, &v) < 0) {
				fprintf(stderr, "nfpath: --max-packets wants a count (0 = no limit)\n");
				return EXIT_USAGE;
			}
			o.max_packets = v;
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
			o.mode = CLI_COMPARE;
			o.cmp_a = a;
			o.cmp_b = b2;
			break;
		}
		case OPT_WIDTH:
		case OPT_HEIGHT:
			if (parse_num(optarg, 1, 10000, &v) < 0) {
				fprintf(stderr, "nfpath: --%s wants a number from 1 to 10000\n",
					c == OPT_WIDTH ? "width" : "height");
				return EXIT_USAGE;
			}
			*(c == OPT_WIDTH ? &o.width : &o.height) = (int)v;
			break;
		case OPT_COLOR:
			o.color = 1;
			break;
		case OPT_NOCOLOR:
			o.color = -1;
			break;
		case OPT_NOMOUSE:
			o.no_mouse = 1;
			break;
		case 'p':
			if (parse_num(optarg, 1, 100000000, &v) < 0) {
				fprintf(stderr, "nfpath: --packet wants a packet number from 1\n");
				return EXIT_USAGE;
			}
			o.packet = v;
			break;
		case OPT_ASCII:
			o.ascii = 1;
			break;
		case OPT_DEMO:
			o.demo = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nfpath %s\n", NFP_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nfpath: unexpected argument '%s' (input files go after -r)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o.demo) {
		for (size_t i = 0; i < nfp_asset_demo_count; i++) {
			const struct nfp_asset *a = &nfp_asset_demo[i];
			if (a->is_rules)
				rsrc[nrsrc++] = (struct capture_source){ a->name, a->data, a->len };
			else
				src[nsrc++] = (struct capture_source){ a->name, a->data, a->len };
		}
	}
	if (live_argv) {
		if (nsrc) {
			fprintf(stderr, "nfpath: --live and -r exclude each other\n");
			return EXIT_USAGE;
		}
		if (o.mode != CLI_NONE && o.mode != CLI_TUI) {
			fprintf(stderr, "nfpath: --live opens the explorer; for text use nfpath capture | nfpath -r - --print\n");
			return EXIT_USAGE;
		}
	} else if (nsrc == 0) {
		fprintf(stderr, "nfpath: no input: give -r FILE or --demo (see --help)\n");
		return EXIT_USAGE;
	}
	if (!nl_langinfo(CODESET) || strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		o.ascii = 1;

	struct capture_trace *t = capture_trace_new();
	struct capture_rules *rules = capture_rules_new();
	if (!t || !rules) {
		fprintf(stderr, "nfpath: out of memory\n");
		return 1;
	}
	t->max_packets = (size_t)o.max_packets;
	struct diag_ctx dc = { 0, 0, 0 };
	const char *bad, *why;
	if (o.mode == CLI_NONE)
		o.mode = isatty(1) ? CLI_TUI : CLI_PRINT;
	/* the explorer reads one stream as it grows: a pipe, a live capture,
	 * or a file still being written */
	struct capture_input *stream = NULL;
	int stream_fd = -1, stream_is_file = 0;
	pid_t child = 0;
	const char *label = nsrc ? src[0].name : "live";
	if (o.mode == CLI_TUI && (live_argv || (nsrc == 1 && !src[0].data))) {
		if (live_argv) {
			stream_fd = spawn_capture(live_argv, &child);
			if (stream_fd < 0) {
				fprintf(stderr, "nfpath: cannot start the capture: %s\n", strerror(errno));
				return 1;
			}
			drop_privileges();
		} else {
			stream_fd = strcmp(src[0].name, "-") == 0 ? 0 : open(src[0].name, O_RDONLY | O_CLOEXEC);
			if (stream_fd < 0) {
				file_error(src[0].name, 0, strerror(errno));
				return EXIT_USAGE;
			}
		}
		stream = calloc(1, sizeof(*stream));
		if (!stream)
			return 1;
		capture_input_init(stream, t, label, 0, diag, &dc);
		struct stat sb;
		stream_is_file = fstat(stream_fd, &sb) == 0 && S_ISREG(sb.st_mode);
		/* a file: what is there now, at once (on two threads); the
		 * rest as it grows */
		if (stream_is_file && capture_read_fd(stream, stream_fd) < 0) {
			file_error(label, 0, strerror(errno));
			return 1;
		}
		nsrc = 0;
	}
	struct emit em = { { 0 }, &o, 0 };
	int streaming = o.mode == CLI_PRINT || o.mode == CLI_JSON || o.mode == CLI_STATS;
	if (streaming) {
		t->on_done = emit_packet;
		t->done_ctx = &em;
		/* printed packets need not stay: a window is enough */
		t->max_packets = 4096;
	}
	/* ^C while the text outputs read: stop reading and finish with what
	 * was read, as tcpdump prints its counts (the explorer takes the
	 * signals itself once it runs) */
	const volatile sig_atomic_t *stop = o.mode != CLI_TUI ? tui_stop_signals() : NULL;
	struct capture_load_req rq = { src, nsrc, rsrc, nrsrc, diag, &dc, stop, flush_idle, &em };
	enum capture_load_status st = capture_load(t, rules, &rq, &bad, &why);
	if (st == NFP_LOAD_OK && stream_is_file && t->st.hops == 0) {
		st = NFP_LOAD_NO_TRACE;
		why = "no trace lines in the input";
	}
	int rc = 0;
	if (dc.total > dc.shown)
		fprintf(stderr, "nfpath: %lu more malformed lines not shown\n", dc.total - dc.shown);
	switch (st) {
	case NFP_LOAD_OK:
		break;
	case NFP_LOAD_OPEN_FAILED:
		file_error(bad, 0, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	case NFP_LOAD_RULES_BAD:
		file_error(bad, 0, why);
		rc = EXIT_USAGE;
		goto out;
	case NFP_LOAD_NO_TRACE:
		fprintf(stderr, "nfpath: no usable input: %s (%lu lines read)\n", why, t->st.lines);
		rc = EXIT_USAGE;
		goto out;
	case NFP_LOAD_NOMEM:
		fprintf(stderr, "nfpath: out of memory while reading input\n");
		rc = 1;
		goto out;
	}
	size_t first = t->pkt_base + 1, last = t->pkt_base + t->npkts;
	if (o.mode == CLI_COMPARE && ((size_t)o.cmp_a < first || (size_t)o.cmp_a > last || (size_t)o.cmp_b < first ||
				      (size_t)o.cmp_b > last)) {
		fprintf(stderr, "nfpath: no packet %ld (the input has %zu..%zu)\n",
			(size_t)o.cmp_a < first || (size_t)o.cmp_a > last ? o.cmp_a : o.cmp_b, first, last);
		rc = EXIT_USAGE;
		goto out;
	}
	if (t->st.dropped_packets && !streaming && o.mode != CLI_TUI)
		fprintf(stderr, "nfpath: %lu oldest packets dropped (over --max-packets %ld); numbers go on from %zu\n",
			t->st.dropped_packets, o.max_packets, t->pkt_base + 1);
	if (o.packet && (streaming ? (size_t)o.packet > t->pkt_base + t->npkts
				   : ((size_t)o.packet <= t->pkt_base || (size_t)o.packet > t->pkt_base + t->npkts))) {
		fprintf(stderr, "nfpath: no packet %ld (the input has %zu)\n", o.packet, t->pkt_base + t->npkts);
		rc = EXIT_USAGE;
		goto out;
	}
	if (load_diagram(&o) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (o.mode == CLI_TUI) {
		struct tui_opts to = { o.ascii,		 o.color,	   label,	  stream_fd, stream,
				       stream_is_file, child,	   o.diagram_text, o.diagram_len, o.no_mouse };
		char lab[300];
		if (live_argv) {
			const char *ns = "current netns";
			for (char **a = live_argv; *a; a++)
				if ((strcmp(*a, "-n") == 0 || strcmp(*a, "--netns") == 0) && a[1])
					ns = a[1];
			snprintf(lab, sizeof(lab), "live %s", ns);
			to.source = lab;
		}
		rc = tui_run(t, rules, &to);
		if (child) {
			kill(child, SIGTERM);
			waitpid(child, NULL, 0);
		}
		if (stream_fd > 0)
			close(stream_fd);
		if (stream)
			capture_input_end(stream); /* frees its partial line */
		free(stream);
		goto out;
	}
	if (o.mode == CLI_BENCH) {
		rc = cli_bench(t, &o);
		goto out;
	}
	if (streaming) {
		/* the packets are out already; the totals come last */
		if (o.mode == CLI_STATS)
			render_print_stats(&em.b, t);
		if (!em.err && flush(&em.b) < 0)
			em.err = errno;
		if (em.err && em.err != EPIPE)
			fprintf(stderr, "nfpath: writing output: %s\n", strerror(em.err));
		rc = em.err ? 1 : 0;
		capture_buf_free(&em.b);
		goto out;
	}
	rc = o.mode == CLI_DIAGRAM ? cli_diagram(t, &o) : cli_compare(t, &o);
out:
	capture_trace_free(t);
	capture_rules_free(rules);
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
	int r = render_picture_diagram(&b, d, t, o->no_route ? -1 : o->packet ? o->packet - 1 - (long)t->pkt_base : 0, &po);
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
	int r = render_compare_text(&b, t, (size_t)o->cmp_a - 1 - t->pkt_base, (size_t)o->cmp_b - 1 - t->pkt_base,
				    o->width ? o->width : w, o->ascii);
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
	if (!d || !c || render_route_init(&r, d) < 0 || !t->npkts) {
		fprintf(stderr, "nfpath: bench set-up failed\n");
		return 1;
	}
	struct render_diagram_opts dopts = { 0, NULL, NULL };
	int runs = 2000, tier = -1;
	double t0 = mono();
	for (int i = 0; i < runs; i++) {
		render_route_clear(&r);
		render_route_add(&r, d, t, &t->pkts[(size_t)i % t->npkts], i % 5, 0);
		tier = render_diagram_draw(d, &r, c, &dopts);
	}
	double per = (mono() - t0) / runs;
	printf("render 200x50 frame with a route (tier %d): %.3f ms (goal < 1 ms)\n", tier, per * 1e3);
	render_route_free(&r);
	render_canvas_free(c);
	render_diagram_free(d);
	struct tui_opts to = { o->ascii, 0, "bench", -1, NULL, 0, 0, o->diagram_text, o->diagram_len, 1 };
	double key = tui_bench(t, &to, 200, 50, 200);
	printf("explorer redraw after a key, %zu packets loaded, 200x50: %.2f ms (goal < 20 ms)\n", t->npkts, key * 1e3);
	return 0;
}
