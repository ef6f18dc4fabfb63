/* tui: the explorer's frame (tui.h, view.h): it lays out the current
 * view above the status line (or the filter prompt), routes keys and mouse
 * events to the view, reads a live stream between keys, and restores the
 * terminal on every way out. The screens themselves are view_*.c. */
#include "view.h"

#include "stopsig.h"

#include "../capture/grow.h"
#include "../capture/query.h"
#include "../capture/record.h"
#include "../capture/resolve.h"
#include "../render/text.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the packet list (filtered) and the selection ---------------------- */

const struct nfp_packet *tui_selected(const struct tui *u)
{
	return u->nvis ? capture_trace_packet(u->t, u->sel) : NULL;
}

const char *tui_fate(const struct tui *u, const struct nfp_packet *p, char *buf, size_t cap)
{
	render_fate_short(u->t, p, buf, cap, u->ascii);
	return buf[0] ? buf : NULL;
}

static int pkt_matches(struct tui *u, size_t num)
{
	if (!u->filter[0])
		return 1;
	char sum[256];
	render_packet_summary(u->t, capture_trace_packet(u->t, num), sum, sizeof(sum));
	return capture_query_match(u->t, num, u->filter, sum);
}

/* the number of the last packet listed */
static size_t shown_last(const struct tui *u)
{
	return u->paused ? u->shown : capture_trace_last(u->t);
}

size_t tui_shown_count(const struct tui *u)
{
	size_t first = capture_trace_first(u->t), last = shown_last(u);
	return last >= first ? last - first + 1 : 0;
}

void tui_refilter(struct tui *u)
{
	u->nvis = 0;
	size_t last = shown_last(u);
	for (size_t n = capture_trace_first(u->t); n <= last; n++) {
		if (!pkt_matches(u, n))
			continue;
		if (capture_grow((void **)&u->vis, &u->capvis, u->nvis + 1, sizeof(*u->vis)) < 0)
			break;
		u->vis[u->nvis++] = n;
	}
}

long tui_vis_pos(const struct tui *u)
{
	for (size_t i = 0; i < u->nvis; i++)
		if (u->vis[i] == u->sel)
			return (long)i;
	return -1;
}

void tui_select_packet(struct tui *u, size_t num)
{
	if (num != u->sel)
		u->hop = 0;
	u->sel = num;
}

void tui_move_packet(struct tui *u, long delta)
{
	long pos = tui_vis_pos(u);
	if (u->nvis == 0)
		return;
	if (pos < 0)
		pos = 0;
	pos += delta;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)u->nvis)
		pos = (long)u->nvis - 1;
	tui_select_packet(u, u->vis[pos]);
}

void tui_open_view(struct tui *u, const struct tui_view *v)
{
	if (v == &tui_view_help && u->view != &tui_view_help)
		u->prev = u->view;
	u->view = v;
}

void tui_open_compare(struct tui *u, size_t other, const char *what)
{
	const struct nfp_packet *pa = capture_trace_packet(u->t, u->sel), *pb = capture_trace_packet(u->t, other);
	if (!pa || !pb) {
		snprintf(u->msg, sizeof(u->msg), "no %s to compare with", what);
		return;
	}
	render_align_free(&u->al);
	u->ca = u->sel;
	u->cb = other;
	if (render_align(u->t, pa, pb, &u->al) < 0) {
		snprintf(u->msg, sizeof(u->msg), "out of memory");
		return;
	}
	u->crow = 0;
	tui_open_view(u, &tui_view_compare);
}

/* ---- the frame ---------------------------------------------------------- */

static void draw_status(struct tui *u, int y, int w)
{
	char s[1024], part[256], src[256];
	const struct capture_trace_stats *st = capture_trace_stats(u->t);
	u->view->status(u, part, sizeof(part));
	/* what was just done comes first: on a narrow screen the source
	 * name gives way to it */
	int n = snprintf(s, sizeof(s), " %s%s%s", u->msg[0] ? u->msg : "", u->msg[0] ? " | " : "", part);
	if (u->o->child || u->o->remote || (u->fd >= 0 && !u->o->stream_is_file))
		n += snprintf(s + n, sizeof(s) - (size_t)n, " | live %.0f ev/s lost %lu%s%s%s", u->ev_rate,
			      st->lost_events, st->overruns ? "+overruns" : "", u->paused ? " | PAUSED" : "",
			      u->eof ? " | ended" : "");
	if (u->o->remote) {
		/* the hosts that are not running: a failed one with its error */
		char hs[600];
		capture_remote_status(u->o->remote, hs, sizeof(hs));
		if (hs[0])
			n += snprintf(s + n, sizeof(s) - (size_t)n, " | %s", hs);
	}
	if (st->dropped_packets)
		n += snprintf(s + n, sizeof(s) - (size_t)n, " | dropped %lu", st->dropped_packets);
	int room = w - render_cols(s, (size_t)n) - (int)strlen(" | ? help") - 3;
	if (room >= 8) {
		render_fit(src, sizeof(src), u->o->source, room, u->ascii);
		n += snprintf(s + n, sizeof(s) - (size_t)n, " | %s", src);
	}
	snprintf(s + n, sizeof(s) - (size_t)n, " | ? help");
	tui_fill(y, 0, w, A_REVERSE);
	tui_put_fit(u, y, 0, w, s, A_REVERSE, 0);
}

static void draw(struct tui *u)
{
	int h, w;
	getmaxyx(stdscr, h, w);
	erase();
	memset(u->at, 0, sizeof(u->at));
	if (w < 40 || h < 10) {
		tui_put_text(0, 0, w, "terminal too small", A_BOLD, 0);
		tui_put_text(1, 0, w, "nfpath needs 40x10", 0, 0);
		refresh();
		return;
	}
	u->view->draw(u, h - 1, w);
	if (u->filtering) {
		char line[300];
		snprintf(line, sizeof(line), "/%s_   %zu of %zu packets match  (Enter keeps, Esc clears, C-u erases)",
			 u->filter, u->nvis, tui_shown_count(u));
		tui_fill(h - 1, 0, w, 0);
		tui_put_fit(u, h - 1, 0, w, line, A_BOLD, 0);
	} else {
		draw_status(u, h - 1, w);
	}
	refresh();
}

/* ---- input -------------------------------------------------------------- */

static void write_recording(struct tui *u)
{
	char name[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(name, sizeof(name), "nfpath-%Y%m%d-%H%M%S.rec", &tm);
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(u->msg, sizeof(u->msg), "cannot write %s: %s", name, strerror(errno));
		return;
	}
	long n = capture_rec_write_trace(fd, u->t);
	int e = errno;
	if (close(fd) < 0 && n >= 0)
		n = -1, e = errno;
	if (n < 0) {
		unlink(name); /* half a recording would read as a whole one */
		snprintf(u->msg, sizeof(u->msg), "writing %s failed: %s", name, strerror(e));
	} else {
		snprintf(u->msg, sizeof(u->msg), "wrote %ld hops to %s", n, name);
	}
}

static void filter_key(struct tui *u, int ch)
{
	size_t l = strlen(u->filter);
	if (ch == 27) {
		u->filter[0] = '\0';
		u->filtering = 0;
	} else if (ch == '\n' || ch == KEY_ENTER || ch == '\r') {
		u->filtering = 0;
	} else if (ch == 21) { /* C-u, as in a shell */
		u->filter[0] = '\0';
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && l) {
		u->filter[l - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && l + 1 < sizeof(u->filter)) {
		u->filter[l] = (char)ch;
		u->filter[l + 1] = '\0';
	}
	tui_refilter(u);
	if (u->nvis && tui_vis_pos(u) < 0)
		tui_select_packet(u, u->vis[0]);
}

#define MOUSE_EVENTS (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED)

/* 1: quit */
static int key(struct tui *u, int ch)
{
	u->msg[0] = '\0';
	if (ch == KEY_MOUSE) {
		MEVENT ev;
		if (getmouse(&ev) == OK && !u->filtering)
			u->view->mouse(u, &ev);
		return 0;
	}
	if (u->filtering) {
		filter_key(u, ch);
		return 0;
	}
	enum tui_key_result r = u->view->key(u, ch);
	if (r != TUI_KEY_UNHANDLED)
		return r == TUI_KEY_QUIT;
	/* the keys every view shares */
	switch (ch) {
	case 'q':
		return 1;
	case '?':
		tui_open_view(u, &tui_view_help);
		break;
	case ' ':
		u->paused = !u->paused;
		if (!u->paused) {
			u->shown = capture_trace_last(u->t);
			tui_refilter(u);
		}
		snprintf(u->msg, sizeof(u->msg), u->paused ? "display paused (capture goes on)" : "display resumed");
		break;
	case 'F':
		u->follow = !u->follow;
		if (u->follow && u->nvis)
			tui_select_packet(u, u->vis[u->nvis - 1]);
		break;
	case 'w':
		write_recording(u);
		break;
	case 'm':
		u->mouse = !u->mouse;
		mousemask(u->mouse ? MOUSE_EVENTS : 0, NULL);
		snprintf(u->msg, sizeof(u->msg), u->mouse ? "mouse on" : "mouse off: the terminal selects text");
		break;
	}
	return 0;
}

/* ---- a live stream ------------------------------------------------------ */

/* reads what the stream has now, without ever blocking the UI */
static void pump(struct tui *u)
{
	struct capture_remote_set *rs = u->o->remote;
	if (u->fd < 0 && !rs)
		return;
	char buf[65536];
	size_t got = 0, first = capture_trace_first(u->t);
	double now = now_s();
	/* a line cut short, or hops held for a slower host: more of their
	 * packets may be on the way */
	int cut;
	if (rs) {
		long n = capture_remote_pump(rs, now);
		got = n > 0 ? (size_t)n : 0;
		u->eof = capture_remote_done(rs);
		cut = capture_remote_busy(rs);
	} else {
		for (int i = 0; i < 64; i++) {
			ssize_t n = read(u->fd, buf, sizeof(buf));
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				if (!u->o->stream_is_file)
					u->eof = 1;
				break;
			}
			got += (size_t)n;
			capture_input_feed(u->in, buf, (size_t)n);
		}
		now = now_s();
		cut = u->in && u->in->plen;
	}
	if (got)
		u->last_data = now;
	/* a slow redraw is not a quiet stream: the clock runs only while
	 * nothing came */
	if (!got && u->last_pump)
		u->quiet_clock += now - u->last_pump;
	u->last_pump = now;
	/* the trace decides what is complete; the end of the stream
	 * completes everything. Not while a line is cut short: a
	 * block-buffered writer stopped in mid-packet, more to come. */
	if (u->eof && capture_trace_open_count(u->t)) {
		if (u->in)
			capture_input_end(u->in);
		capture_trace_flush(u->t);
	} else if (!cut) {
		capture_trace_tick(u->t, u->quiet_clock);
	}
	if (capture_trace_first(u->t) != first) {
		/* the oldest packets were forgotten (--max-packets) */
		first = capture_trace_first(u->t);
		if (u->sel < first)
			u->sel = first, u->hop = 0;
		if (u->ca < first || u->cb < first) {
			if (u->view == &tui_view_compare)
				u->view = &tui_view_main;
			if (u->prev == &tui_view_compare)
				u->prev = &tui_view_main;
		}
		tui_refilter(u);
	}
	unsigned long hops = capture_trace_stats(u->t)->hops;
	if (u->hops_seen < hops) {
		u->ev_count += hops - u->hops_seen;
		u->hops_seen = hops;
		/* complete packets are resolved by the trace; these are shown
		 * before they settle */
		capture_trace_resolve_open(u->t, u->rules);
	}
	if (now - u->rate_t >= 1.0) {
		u->ev_rate = u->ev_count / (now - u->rate_t);
		u->ev_count = 0;
		u->rate_t = now;
	}
	if (!u->paused) {
		size_t before = u->shown;
		u->shown = capture_trace_last(u->t);
		if (u->shown != before || got) {
			tui_refilter(u);
			if (u->follow && u->nvis)
				tui_select_packet(u, u->vis[u->nvis - 1]);
		}
	}
}

/* ---- the terminal ------------------------------------------------------- */

/* the state every way of running shares; -1 with a message on stderr */
static int setup(struct tui *u, struct capture_trace *t, struct capture_rules *rules, const struct tui_opts *o)
{
	memset(u, 0, sizeof(*u));
	u->t = t;
	u->rules = rules;
	u->o = o;
	u->fd = o->in ? o->stream_fd : -1;
	u->in = o->in;
	u->ascii = o->ascii;
	u->view = &tui_view_main;
	char err[256];
	u->d = render_diagram_parse(o->diagram_text, o->diagram_len, err, sizeof(err));
	if (!u->d || render_route_init(&u->route, u->d) < 0) {
		fprintf(stderr, "nfpath: built-in diagram: %s\n", u->d ? "out of memory" : err);
		render_diagram_free(u->d);
		return -1;
	}
	u->shown = capture_trace_last(t);
	u->sel = capture_trace_first(t);
	u->hops_seen = capture_trace_stats(t)->hops;
	u->eof = o->remote && capture_remote_done(o->remote);
	u->rate_t = now_s();
	tui_refilter(u);
	return 0;
}

static void teardown(struct tui *u)
{
	render_align_free(&u->al);
	render_route_free(&u->route);
	render_canvas_free(u->canvas);
	render_diagram_free(u->d);
	free(u->vis);
}

static struct tui *active;

/* Leaves the terminal as the shell had it. The screen is blanked first:
 * after a resize, a terminal (tmux) may carry rows of the alternate
 * screen over to the shell's when it switches back; blank rows leave
 * nothing behind. */
static void leave_screen(void)
{
	erase();
	refresh();
	endwin();
}

static void restore_terminal(void)
{
	if (active && !isendwin())
		leave_screen();
}

int tui_run(struct capture_trace *t, struct capture_rules *rules, const struct tui_opts *o)
{
	struct tui u;
	if (setup(&u, t, rules, o) < 0)
		return 1;
	if (u.fd >= 0)
		fcntl(u.fd, F_SETFL, fcntl(u.fd, F_GETFL) | O_NONBLOCK);
	const volatile sig_atomic_t *quit_sig = tui_stop_signals();
	signal(SIGPIPE, SIG_IGN);
	active = &u;
	atexit(restore_terminal);
	/* keys come from the terminal even when stdin is the trace (a pipe) */
	FILE *in = isatty(0) ? stdin : fopen("/dev/tty", "r");
	if (!in || !newterm(NULL, stdout, in)) {
		fprintf(stderr, "nfpath: cannot start the terminal interface (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		teardown(&u);
		return 1;
	}
	set_escdelay(25);
	/* Home/End arrive in several dialects (xterm normal and application
	 * mode, screen/tmux, rxvt) whatever TERM claims: accept them all */
	static const struct {
		const char *seq;
		int key;
	} extra[] = { { "\033[1~", KEY_HOME }, { "\033[7~", KEY_HOME }, { "\033[H", KEY_HOME }, { "\033OH", KEY_HOME },
		      { "\033[4~", KEY_END },	{ "\033[8~", KEY_END },  { "\033[F", KEY_END },  { "\033OF", KEY_END } };
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (key_defined(extra[i].seq) == 0)
			define_key(extra[i].seq, extra[i].key);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* clicks and the wheel; Shift+drag still selects text in most
	 * terminals, and m turns the mouse off for plain selection */
	u.mouse = !o->no_mouse;
	if (u.mouse) {
		mousemask(MOUSE_EVENTS, NULL);
		mouseinterval(0);
	}
	u.color = o->color > 0 || (o->color == 0 && has_colors() && !getenv("NO_COLOR"));
	if (o->color < 0)
		u.color = 0;
	tui_init_colours(&u);
	timeout(100);
	int rc = 0;
	draw(&u);
	for (;;) {
		if (*quit_sig)
			break;
		int ch = getch();
		pump(&u);
		if (ch == ERR) {
			if (u.fd >= 0 || o->child || o->remote)
				draw(&u);
			continue;
		}
		if (ch == KEY_RESIZE) {
			draw(&u);
			continue;
		}
		if (key(&u, ch))
			break;
		draw(&u);
	}
	leave_screen();
	active = NULL;
	if (*quit_sig)
		rc = 128 + *quit_sig;
	teardown(&u);
	return rc;
}

/* ---- headless: the same drawing into a screen nobody sees -------------- */

/* a curses screen writing to /dev/null, sized w x h */
struct headless {
	FILE *out, *in;
	SCREEN *scr;
};

static int headless_open(struct headless *hl, int w, int h)
{
	hl->out = fopen("/dev/null", "w");
	hl->in = fopen("/dev/null", "r");
	/* xterm's description ships with ncurses-base everywhere */
	hl->scr = hl->out && hl->in ? newterm("xterm", hl->out, hl->in) : NULL;
	if (!hl->scr)
		return -1;
	resizeterm(h, w);
	return 0;
}

static void headless_close(struct headless *hl)
{
	if (hl->scr) {
		endwin();
		delscreen(hl->scr);
	}
	if (hl->out)
		fclose(hl->out);
	if (hl->in)
		fclose(hl->in);
}

static const struct {
	const char *name;
	int ch;
} key_names[] = {
	{ "Enter", '\r' },	 { "Esc", 27 },		 { "Tab", '\t' },	  { "Space", ' ' },
	{ "Up", KEY_UP },	 { "Down", KEY_DOWN },	 { "Left", KEY_LEFT },	  { "Right", KEY_RIGHT },
	{ "Home", KEY_HOME },	 { "End", KEY_END },	 { "PgUp", KEY_PPAGE },	  { "PgDn", KEY_NPAGE },
	{ "BSpace", KEY_BACKSPACE }, { "C-u", 21 },
};

/* the screen as text: one line per row, trailing blanks dropped */
static int dump_screen(FILE *f, int w, int h)
{
	for (int y = 0; y < h; y++) {
		char line[8192];
		size_t n = 0, keep = 0;
		mbstate_t st;
		memset(&st, 0, sizeof(st));
		for (int x = 0; x < w && n + MB_LEN_MAX < sizeof(line); x++) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1] = { 0 };
			attr_t a;
			short pair;
			if (mvin_wch(y, x, &cc) != OK || getcchar(&cc, wc, &a, &pair, NULL) == ERR || !wc[0])
				wc[0] = L' ';
			size_t k = wcrtomb(line + n, wc[0], &st);
			if (k == (size_t)-1) {
				line[n] = '?';
				k = 1;
			}
			n += k;
			if (wc[0] != L' ')
				keep = n;
			if (wcwidth(wc[0]) == 2)
				x++; /* the cell after a wide character is its second half */
		}
		if (fprintf(f, "%.*s\n", (int)keep, line) < 0)
			return -1;
	}
	return 0;
}

int tui_screen(struct capture_trace *t, struct capture_rules *rules, const struct tui_opts *o, int w, int h,
	       const char *keys, FILE *out)
{
	struct tui u;
	if (setup(&u, t, rules, o) < 0)
		return 1;
	struct headless hl = { 0 };
	if (headless_open(&hl, w, h) < 0) {
		fprintf(stderr, "nfpath: --screen: cannot start a headless terminal (no xterm terminfo?)\n");
		headless_close(&hl);
		teardown(&u);
		return 1;
	}
	int rc = 0;
	draw(&u);
	const char *s = keys ? keys : "";
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = strcspn(s, " ");
		if (!n)
			break;
		char tok[64];
		snprintf(tok, sizeof(tok), "%.*s", (int)(n < 63 ? n : 63), s);
		s += n;
		int ch = -1, ww, hh;
		for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
			if (strcmp(tok, key_names[i].name) == 0)
				ch = key_names[i].ch;
		int quit = 0;
		if (tok[0] == '@' && sscanf(tok + 1, "%dx%d", &ww, &hh) == 2 && ww > 0 && hh > 0 && ww <= 1000 && hh <= 1000) {
			resizeterm(hh, ww); /* a terminal resize, as KEY_RESIZE brings it */
			w = ww;
			h = hh;
		} else if (ch >= 0 || n == 1) {
			quit = key(&u, ch >= 0 ? ch : (unsigned char)tok[0]);
		} else {
			/* any other word is typed, one key per character */
			for (const char *c = tok; *c && !quit; c++) {
				quit = key(&u, (unsigned char)*c);
				draw(&u);
			}
		}
		if (quit)
			break;
		draw(&u);
	}
	if (dump_screen(out, w, h) < 0 || fflush(out) != 0) {
		fprintf(stderr, "nfpath: --screen: writing the screen: %s\n", strerror(errno));
		rc = 1;
	}
	headless_close(&hl);
	teardown(&u);
	return rc;
}

double tui_bench(struct capture_trace *t, const struct tui_opts *o, int w, int h, int n)
{
	struct tui u;
	if (setup(&u, t, NULL, o) < 0)
		return -1;
	struct headless hl = { 0 };
	double per = -1;
	if (headless_open(&hl, w, h) == 0) {
		draw(&u);
		double t0 = now_s();
		for (int i = 0; i < n; i++) {
			key(&u, i % 2 ? 'j' : 'n');
			draw(&u);
		}
		per = (now_s() - t0) / n;
	}
	headless_close(&hl);
	teardown(&u);
	return per;
}
