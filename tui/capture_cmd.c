/* capture_cmd: `nfpath capture`, the privileged part. Parses options,
 * handles signals, runs capture_live_run and reports the outcome. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../capture/filter.h"
#include "../capture/live.h"
#include "../render/text.h"
#include "cli.h"
#include "stopsig.h"

static void capture_usage(FILE *f)
{
	fputs("Usage: nfpath capture [options] [FILTER]   trace live, write a recording\n"
	      "\n"
	      "FILTER selects the packets to trace, tcpdump style: host ADDR, net ADDR/LEN,\n"
	      "port N, portrange N-M (each with src or dst before it, and tcp or udp before\n"
	      "port), the protocols ip ip6 arp icmp icmp6 tcp udp, and/or/not, parentheses:\n"
	      "    nfpath capture host 172.17.0.3 and tcp port 80\n"
	      "    nfpath capture 'icmp or udp port 53'\n"
	      "It becomes nft rules in nfpath's own tables (see --print-rules); what it\n"
	      "cannot translate exactly it refuses. Without FILTER, -e or the shortcuts:\n"
	      "ICMP and ICMPv6 echo request/reply, and ICMP echo inside VXLAN or Geneve\n"
	      "(the outer UDP packet: with a FILTER of your own, add 'or udp port 8472'\n"
	      "or the like to see a tunnel's step).\n"
	      "\n"
	      "  -n, --netns NS       trace inside a network namespace: an 'ip netns' name,\n"
	      "                       a PID, or a path (/proc/PID/ns/net, /var/run/docker/netns/..)\n"
	      "  -e, --expr EXPR      an nft match expression instead of FILTER ('tcp dport\n"
	      "                       80', not tcpdump's 'tcp port 80'); repeatable, a packet\n"
	      "                       matching any is traced\n"
	      "      --host ADDR      shortcut: packets from or to ADDR\n"
	      "      --proto P        shortcut: icmp, tcp or udp\n"
	      "      --port N         shortcut: TCP/UDP packets from or to port N\n"
	      "      --rate N         trace at most N packets/s in all (default 100, 0 = no\n"
	      "                       limit: every selected packet, expensive on a busy flow);\n"
	      "                       with a bridge in the namespace, half of N for packets\n"
	      "                       entering through its ports and half for the others\n"
	      "      --print-rules    print the nft tables the capture would install, and exit\n"
	      "      --no-setup       install nothing; only listen (TRACE/LOG rules made by hand)\n"
	      "      --no-nflog       do not bind nfnetlink_log (legacy iptables TRACE is then\n"
	      "                       not captured; nf_log bindings stay untouched)\n"
	      "      --nflog-group N  also read NFLOG group N ('log group N' rules); repeatable\n"
	      "      --no-drops       do not trace the kernel's packet drops and their reasons\n"
	      "  -c, --count N        stop after N packets whose paths are complete\n"
	      "  -t, --time SECONDS   stop after SECONDS\n"
	      "      --grace SECONDS  a path is complete after this long without a new hop\n"
	      "                       (default 0.3)\n"
	      "  -w, --write FILE     write the recording to FILE ('-' or default: standard\n"
	      "                       output)\n"
	      "      --host-name NAME the host the recording names (default: the hostname,\n"
	      "                       and with -n the hostname/NETNS), for nfpath -r A -r B\n"
	      "                       to merge several hosts' recordings\n"
	      "  -h, --help           this text\n"
	      "\n"
	      "Needs root or CAP_NET_ADMIN. nfpath installs only its own tables ('table\n"
	      "bridge nfpath', 'table inet nfpath', flags owner): the kernel removes them\n"
	      "when the capture ends, however it ends. While capturing, nfnetlink_log is\n"
	      "the bound logger for IPv4, IPv6 and bridge (so legacy iptables TRACE reaches\n"
	      "nfpath); the previous loggers are put back at exit, by a watchdog process\n"
	      "if nfpath is killed. Read the result with nfpath -r FILE.\n"
	      "\n"
	      "Drop reasons: the capture also records where the kernel dropped a traced\n"
	      "packet and why (IP_RPFILTER, IP_INNOROUTES, NO_SOCKET, NETFILTER_DROP, ...),\n"
	      "from the skb:kfree_skb tracepoint through a small eBPF program. It needs a\n"
	      "kernel with BTF (/sys/kernel/btf/vmlinux) and the tracepoint's reason\n"
	      "argument (Linux 5.17 or later), and CAP_BPF and CAP_PERFMON (or root) at\n"
	      "set-up; only drops in the traced namespace and its containers' are sent,\n"
	      "at most 10 x --rate per second. Without them the capture says why in one\n"
	      "line and traces netfilter alone.\n",
	      f);
}

static int num(const char *s, double min, double max, double *out)
{
	char *e;
	errno = 0;
	double v = strtod(s, &e);
	if (errno || e == s || *e || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "nfpath capture: MSG" and the expression with a caret under the word at
 * fault. The translator refuses any byte that is not printable ASCII, so
 * the expression prints as it is, with '?' for such a byte. */
static void filter_error(const char *what, const char *expr, const struct capture_filter_error *e)
{
	fprintf(stderr, "nfpath capture: %s: %s\n  ", what, e->msg);
	for (const char *c = expr; *c; c++)
		fputc((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?', stderr);
	fprintf(stderr, "\n  %*s", (int)e->pos, "");
	for (size_t i = 0; i < e->len; i++)
		fputc('^', stderr);
	fputc('\n', stderr);
}

/* the selection from the FILTER words, -e, or the shortcuts: 0, or the
 * exit status after saying what is wrong */
static int build_selection(struct capture_live_opts *o, struct capture_filter *f, char *text, size_t cap, int nwords,
			   char **words, const char *host, const char *proto, int port)
{
	int shortcuts = host || proto || port;
	if ((nwords > 0) + (o->nexpr > 0) + (shortcuts > 0) > 1) {
		fprintf(stderr, "nfpath capture: a FILTER, -e and the --host/--proto/--port shortcuts exclude each other\n");
		return 2;
	}
	struct capture_filter_error e;
	if (nwords) {
		if (capture_filter_join(text, cap, nwords, words) < 0) {
			fprintf(stderr, "nfpath capture: the filter is too long\n");
			return 2;
		}
		if (capture_filter_translate(text, f, &e) < 0) {
			filter_error("cannot translate the filter", text, &e);
			return 2;
		}
	} else if (o->nexpr) {
		text[0] = '\0';
		for (int i = 0; i < o->nexpr; i++) {
			if (capture_filter_add_raw(f, o->expr[i]) < 0) {
				fprintf(stderr, "nfpath capture: -e expression %d is too long\n", i + 1);
				return 2;
			}
			size_t l = strlen(text);
			snprintf(text + l, cap - l, "%s-e %s", i ? " " : "", o->expr[i]);
		}
	} else if (shortcuts) {
		/* the shortcuts are a filter too */
		snprintf(text, cap, "%s%s%s%s%s%s%.0d", host ? "host " : "", host ? host : "", host && proto ? " and " : "",
			 !proto ? "" : strcmp(proto, "icmp") == 0 ? "(icmp or icmp6)" : proto,
			 (host || proto) && port ? " and " : "", port ? "port " : "", port);
		if (capture_filter_translate(text, f, &e) < 0) {
			filter_error("cannot use --host/--proto/--port", text, &e);
			return 2;
		}
	} else {
		capture_filter_default(f);
		snprintf(text, cap, "icmp echo");
	}
	o->sel = f;
	o->sel_text = text;
	return 0;
}

static void note(const char *line)
{
	fprintf(stderr, "nfpath capture: %s\n", line);
}

int capture_main(int argc, char **argv)
{
	struct capture_live_opts o;
	memset(&o, 0, sizeof(o));
	o.rate = 100;
	o.out_fd = 1;
	o.out_name = "standard output";
	const char *wfile = NULL, *host = NULL, *proto = NULL;
	int port = 0, print_rules = 0;
	enum { O_HOST = 256, O_PROTO, O_PORT, O_RATE, O_NOSETUP, O_GRACE, O_NONFLOG, O_GROUP, O_PRINTRULES, O_NODROPS, O_HOSTNAME };
	static const struct option lo[] = {
		{ "netns", required_argument, 0, 'n' }, { "expr", required_argument, 0, 'e' },
		{ "host", required_argument, 0, O_HOST }, { "proto", required_argument, 0, O_PROTO },
		{ "port", required_argument, 0, O_PORT }, { "rate", required_argument, 0, O_RATE },
		{ "no-setup", no_argument, 0, O_NOSETUP }, { "count", required_argument, 0, 'c' },
		{ "no-nflog", no_argument, 0, O_NONFLOG }, { "nflog-group", required_argument, 0, O_GROUP },
		{ "no-drops", no_argument, 0, O_NODROPS },
		{ "time", required_argument, 0, 't' },	  { "grace", required_argument, 0, O_GRACE },
		{ "write", required_argument, 0, 'w' },	  { "help", no_argument, 0, 'h' },
		{ "print-rules", no_argument, 0, O_PRINTRULES }, { "host-name", required_argument, 0, O_HOSTNAME },
		{ 0, 0, 0, 0 },
	};
	int c;
	double v;
	optind = 1;
	static char prog[] = "nfpath capture";
	argv[0] = prog; /* getopt's messages start with it */
	while ((c = getopt_long(argc, argv, "n:e:c:t:w:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.netns = optarg;
			break;
		case 'e':
			if (o.nexpr == 8) {
				fprintf(stderr, "nfpath capture: at most 8 -e expressions\n");
				return 2;
			}
			o.expr[o.nexpr++] = optarg;
			break;
		case O_HOST:
			host = optarg;
			break;
		case O_PROTO:
			if (strcmp(optarg, "icmp") && strcmp(optarg, "tcp") && strcmp(optarg, "udp")) {
				fprintf(stderr, "nfpath capture: --proto wants icmp, tcp or udp\n");
				return 2;
			}
			proto = optarg;
			break;
		case O_PORT:
			if (num(optarg, 1, 65535, &v) < 0) {
				fprintf(stderr, "nfpath capture: --port wants 1..65535\n");
				return 2;
			}
			port = (int)v;
			break;
		case O_RATE:
			if (num(optarg, 0, 1000000, &v) < 0) {
				fprintf(stderr, "nfpath capture: --rate wants packets per second (0 = no limit)\n");
				return 2;
			}
			o.rate = (int)v;
			break;
		case O_PRINTRULES:
			print_rules = 1;
			break;
		case O_HOSTNAME:
			if (!*optarg || strlen(optarg) > 255) {
				fprintf(stderr, "nfpath capture: --host-name wants 1..255 bytes\n");
				return 2;
			}
			o.host_name = optarg;
			break;
		case O_NOSETUP:
			o.no_setup = 1;
			break;
		case O_NONFLOG:
			o.no_nflog = 1;
			break;
		case O_NODROPS:
			o.no_drops = 1;
			break;
		case O_GROUP:
			if (num(optarg, 1, 65535, &v) < 0 || o.ngroups == 8) {
				fprintf(stderr, "nfpath capture: --nflog-group wants 1..65535 (8 at most)\n");
				return 2;
			}
			o.groups[o.ngroups++] = (int)v;
			break;
		case 'c':
			if (num(optarg, 1, 1e12, &v) < 0) {
				fprintf(stderr, "nfpath capture: -c wants a packet count from 1\n");
				return 2;
			}
			o.count = (long)v;
			break;
		case 't':
			if (num(optarg, 0.001, 1e9, &v) < 0) {
				fprintf(stderr, "nfpath capture: -t wants seconds\n");
				return 2;
			}
			o.seconds = v;
			break;
		case O_GRACE:
			if (num(optarg, 0.001, 60, &v) < 0) {
				fprintf(stderr, "nfpath capture: --grace wants seconds (0.001..60)\n");
				return 2;
			}
			o.grace = v;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 'h':
			capture_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'nfpath capture --help' for more information.\n");
			return 2;
		}
	}
	/* about 50 KiB: not on the stack */
	static struct capture_filter sel;
	char sel_text[4200];
	int rc = build_selection(&o, &sel, sel_text, sizeof(sel_text), argc - optind, argv + optind, host, proto, port);
	if (rc)
		return rc;
	if (print_rules) {
		static char script[1 << 17];
		int n = capture_live_script(&o, script, sizeof(script));
		if (n < 0 || (size_t)n >= sizeof(script)) {
			fprintf(stderr, "nfpath capture: the selection is too long\n");
			return 2;
		}
		fputs(script, stdout);
		return 0;
	}
	if (wfile && strcmp(wfile, "-") == 0)
		wfile = NULL; /* -w -: standard output, as without -w */
	if (wfile) {
		o.out_fd = open(wfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (o.out_fd < 0) {
			fprintf(stderr, "nfpath capture: %s: %s\n", wfile, strerror(errno));
			return 1;
		}
		o.out_name = wfile;
	}
	if (o.rate == 0 && !o.no_setup)
		fputs("nfpath capture: --rate 0 traces every selected packet. On a busy flow that is\n"
		      "  expensive: the kernel reports each packet at every hook, so a bulk transfer can\n"
		      "  slow to a fraction of its speed and the recording grows by tens of MB a second.\n"
		      "  Stop with ^C (or bound it with -t SECONDS / -c COUNT); --rate N caps the cost.\n",
		      stderr);
	o.stop = tui_stop_signals();
	o.note = note;
	/* a reader that went away shows as EPIPE on write, not a kill */
	signal(SIGPIPE, SIG_IGN);

	struct capture_live_result r;
	char msg[2048] = "";
	enum capture_live_status st = capture_live_run(&o, &r, msg, sizeof(msg));
	if (wfile)
		close(o.out_fd);
	if (st != NFP_LIVE_OK) {
		/* it may quote an -e expression or a namespace name: escaped
		 * like every outside string (C0, C1, bidi), line by line */
		struct capture_buf b = { 0 };
		for (char *m = msg, *nl; *m; m = nl ? nl + 1 : m + strlen(m)) {
			nl = strchr(m, '\n');
			b.len = 0;
			render_esc(&b, m, nl ? (size_t)(nl - m) : strlen(m), 0);
			fprintf(stderr, "nfpath capture: %.*s\n", (int)b.len, b.p ? b.p : "");
		}
		capture_buf_free(&b);
		return 1;
	}
	fprintf(stderr,
		"nfpath capture: %lu events, %lu hops, %lu packets (%lu complete), %lu kernel drops; lost: %lu kernel "
		"buffer overruns, %lu events over the queue limit, %lu NFLOG events, %lu drop events%s\n",
		r.events, r.hops_written, r.packets, r.complete, r.drops_shown, r.overruns, r.rx_dropped, r.nflog_lost,
		r.drops_lost,
		r.overruns || r.rx_dropped || r.nflog_lost || r.drops_lost ? " (the recording is incomplete)" : "");
	if (r.drops_limited)
		fprintf(stderr, "nfpath capture: %lu kernel drops over the drop rate cap were not recorded\n",
			r.drops_limited);
	return 0;
}
