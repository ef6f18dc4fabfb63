/* tui: views, keys, live updates and resize for the explorer (tui.h).
 *
 * Layout by size: wide terminals put the diagram left and the panes
 * (packets, hops, hop detail) right; tall ones put the panes below; small
 * ones (80x24) show one area at a time and Tab cycles through them. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "tui.h"

#include "stopsig.h"

#include "../capture/box.h"
#include "../capture/grow.h"
#include "../capture/input.h"
#include "../capture/record.h"
#include "../capture/resolve.h"
#include "../render/compare.h"
#include "../render/diagram.h"
#include "../render/explain.h"
#include "../render/picture.h"
#include "../render/text.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

enum { V_MAIN, V_COMPARE, V_HELP };
enum { P_DIAGRAM, P_PACKETS, P_HOPS, P_DETAIL, P__COUNT };

struct tui {
	struct capture_trace *t;
	struct capture_rules *rules;
	struct render_diagram *d;
	struct render_canvas *canvas;
	struct render_route route;
	const struct tui_opts *o;
	int ascii, color;
	size_t sel;    /* selected packet (index into t->pkts) */
	uint32_t hop;  /* selected hop of it */
	int view, focus, zoom;
	/* filter */
	char filter[96];
	int filtering;
	size_t *vis, nvis, capvis;
	/* compare */
	size_t ca, cb, crow;
	struct render_align al;
	/* live */
	struct capture_input *in; /* the caller's decoder, continued */
	int fd, eof, paused, follow;
	size_t shown; /* packets visible (frozen while paused) */
	size_t resolved; /* hops resolved so far */
	unsigned long ev_count;
	double ev_rate, rate_t, last_data;
	char msg[200];
	/* where the last frame put each pane, for the mouse (h 0: not shown);
	 * top: the first list row drawn */
	struct pane_at {
		int y, x, w, h;
		long top;
	} at[P__COUNT];
	int mouse;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- text into a window region ----------------------------------------- */

/* UTF-8 text at (y,x), at most w columns; bytes are already escaped */
static int put_text(int y, int x, int w, const char *s, attr_t a, short pair)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	int col = 0;
	size_t n = strlen(s);
	while (n && col < w) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, n, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			wc = L'?';
			k = 1;
			memset(&st, 0, sizeof(st));
		}
		int cw = wcwidth(wc);
		if (cw < 0)
			wc = L'?', cw = 1;
		if (col + cw > w)
			break;
		wchar_t ws[2] = { wc, 0 };
		cchar_t cc;
		setcchar(&cc, ws, a, pair, NULL);
		mvadd_wch(y, x + col, &cc);
		col += cw;
		s += k;
		n -= k;
	}
	return col;
}

static void fill(int y, int x, int w, attr_t a)
{
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ' | a);
}

/* colour pairs for the canvas classes */
static short pair_of(const struct tui *u, int fg)
{
	return u->color && fg > 0 && fg < RF__COUNT ? (short)fg : 0;
}

static void init_colours(struct tui *u)
{
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	static const short cols[RF__COUNT] = { -1,	   COLOR_BLUE,	 COLOR_GREEN, COLOR_WHITE, -1,
					       COLOR_MAGENTA, COLOR_YELLOW, -1,		 COLOR_CYAN,  COLOR_MAGENTA,
					       COLOR_YELLOW,  COLOR_WHITE, COLOR_RED };
	for (int i = 1; i < RF__COUNT; i++)
		init_pair((short)i, cols[i], -1);
}

static void blit(struct tui *u, const struct render_canvas *c, int y0, int x0)
{
	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++) {
			const struct render_cell *p = &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
			wchar_t ws[2] = { p->ch ? (wchar_t)p->ch : L' ', 0 };
			attr_t a = 0;
			if (p->attr & RA_BOLD)
				a |= A_BOLD;
			if (p->attr & RA_REVERSE)
				a |= A_REVERSE;
			if (p->attr & RA_DIM)
				a |= A_DIM;
			if (p->attr & RA_UNDERLINE)
				a |= A_UNDERLINE;
			cchar_t cc;
			setcchar(&cc, ws, a, pair_of(u, p->fg), NULL);
			mvadd_wch(y0 + y, x0 + x, &cc);
		}
}

/* ---- the packet list (filtered) --------------------------------------- */

static int pkt_matches(struct tui *u, size_t i)
{
	if (!u->filter[0])
		return 1;
	const struct nfp_packet *p = &u->t->pkts[i];
	char sum[256];
	render_packet_summary(u->t, p, sum, sizeof(sum));
	if (strstr(sum, u->filter))
		return 1;
	for (uint32_t k = 0; k < p->nhops; k++) {
		const struct nfp_hop *h = capture_packet_hop(u->t, p, k);
		if (strstr(nfp_box_name(h->box), u->filter) || strstr(capture_str(u->t, h->chain), u->filter) ||
		    strstr(capture_str(u->t, h->in), u->filter) || strstr(capture_str(u->t, h->out), u->filter) ||
		    strstr(capture_str(u->t, h->physin), u->filter) || strstr(capture_str(u->t, h->physout), u->filter))
			return 1;
	}
	return 0;
}

static void refilter(struct tui *u)
{
	u->nvis = 0;
	size_t lim = u->paused ? u->shown : u->t->npkts;
	for (size_t i = 0; i < lim; i++) {
		if (!pkt_matches(u, i))
			continue;
		if (capture_grow((void **)&u->vis, &u->capvis, u->nvis + 1, sizeof(*u->vis)) < 0)
			break;
		u->vis[u->nvis++] = i;
	}
}

static long vis_pos(const struct tui *u)
{
	for (size_t i = 0; i < u->nvis; i++)
		if (u->vis[i] == u->sel)
			return (long)i;
	return -1;
}

static void select_packet(struct tui *u, size_t i)
{
	if (i != u->sel)
		u->hop = 0;
	u->sel = i;
}

/* ---- panes ------------------------------------------------------------- */

static void pane_title(int y, int x, int w, const char *title, int focused)
{
	fill(y, x, w, focused ? A_REVERSE : A_UNDERLINE);
	put_text(y, x, w, title, focused ? A_REVERSE | A_BOLD : A_UNDERLINE | A_BOLD, 0);
}

static void draw_packets(struct tui *u, int y, int x, int w, int h)
{
	char title[128];
	snprintf(title, sizeof(title), " Packets %zu%s%s%s ", u->nvis, u->filter[0] ? "  filter: " : "", u->filter,
		 u->follow ? "  [follow]" : "");
	pane_title(y, x, w, title, u->focus == P_PACKETS);
	int rows = h - 1;
	long pos = vis_pos(u);
	long top = pos < 0 ? 0 : pos - rows / 2;
	if (top + rows > (long)u->nvis)
		top = (long)u->nvis - rows;
	if (top < 0)
		top = 0;
	u->at[P_PACKETS] = (struct pane_at){ y, x, w, h, top };
	for (int r = 0; r < rows && top + r < (long)u->nvis; r++) {
		size_t i = u->vis[top + r];
		const struct nfp_packet *p = &u->t->pkts[i];
		char sum[256], line[400];
		render_packet_summary(u->t, p, sum, sizeof(sum));
		const char *dir = p->dir == NFP_DIR_REPLY ? (u->ascii ? "<" : "\xe2\x86\x90") : (u->ascii ? ">" : "\xe2\x86\x92");
		char flow[16];
		if (p->flow == NFP_NONE)
			snprintf(flow, sizeof(flow), "f?");
		else
			snprintf(flow, sizeof(flow), "f%u", p->flow + 1);
		snprintf(line, sizeof(line), "%5zu %-4s %s %-11.11s %s  %uh", u->t->pkt_base + i + 1, flow, dir,
			 p->flow == NFP_NONE ? "" : nfp_ct_name(p->ct), sum, p->nhops);
		attr_t a = i == u->sel ? A_REVERSE : 0;
		fill(y + 1 + r, x, w, a);
		put_text(y + 1 + r, x, w, line, a, 0);
	}
}

static void draw_hops(struct tui *u, int y, int x, int w, int h)
{
	const struct nfp_packet *p = u->t->npkts ? &u->t->pkts[u->sel] : NULL;
	char title[96];
	snprintf(title, sizeof(title), " Hops of packet %zu ", p ? u->t->pkt_base + u->sel + 1 : 0);
	pane_title(y, x, w, title, u->focus == P_HOPS);
	if (!p)
		return;
	int rows = h - 1;
	long top = (long)u->hop - rows / 2;
	if (top + rows > (long)p->nhops)
		top = (long)p->nhops - rows;
	if (top < 0)
		top = 0;
	u->at[P_HOPS] = (struct pane_at){ y, x, w, h, top };
	for (int r = 0; r < rows && top + r < (long)p->nhops; r++) {
		uint32_t k = (uint32_t)(top + r);
		char cell[512];
		render_compare_cell(u->t, p, (int32_t)k, cell, sizeof(cell), w > 2 ? w - 2 : 1, u->ascii);
		attr_t a = k == u->hop ? A_REVERSE | A_BOLD : 0;
		fill(y + 1 + r, x, w, a);
		put_text(y + 1 + r, x, 2, k == u->hop ? (u->ascii ? ">" : "\xe2\x96\xb6") : " ", a, 0);
		put_text(y + 1 + r, x + 2, w - 2, cell, a, 0);
	}
}

/* wraps text into lines of w columns; returns lines drawn */
static int wrap(int y, int x, int w, int maxlines, const char *s, int skip)
{
	int line = 0;
	while (*s && line - skip < maxlines) {
		const char *nl = strchr(s, '\n');
		size_t seg = nl ? (size_t)(nl - s) : strlen(s);
		size_t pos = 0;
		do {
			size_t take = seg - pos;
			if ((int)take > w) {
				take = (size_t)w;
				/* break at a space when there is one */
				for (size_t k = take; k > (size_t)w / 2; k--)
					if (s[pos + k] == ' ') {
						take = k;
						break;
					}
			}
			if (line >= skip && line - skip < maxlines) {
				char buf[1024];
				size_t l = take < sizeof(buf) - 1 ? take : sizeof(buf) - 1;
				memcpy(buf, s + pos, l);
				buf[l] = '\0';
				put_text(y + line - skip, x, w, buf, 0, 0);
			}
			line++;
			pos += take;
			while (pos < seg && s[pos] == ' ')
				pos++;
		} while (pos < seg);
		s += seg + (nl ? 1 : 0);
	}
	return line;
}

static void draw_detail(struct tui *u, int y, int x, int w, int h, const struct nfp_packet *p, uint32_t hop)
{
	char title[64];
	if (p)
		snprintf(title, sizeof(title), " Hop %u/%u ", hop + 1, p->nhops);
	else
		snprintf(title, sizeof(title), " Hop ");
	pane_title(y, x, w, title, u->focus == P_DETAIL);
	if (!p || !p->nhops)
		return;
	struct capture_buf b = { 0 };
	render_hop_fields(&b, u->t, p, hop, u->ascii);
	capture_buf_putc(&b, '\n');
	render_explain(&b, u->t, u->d, p, hop);
	if (b.p)
		wrap(y + 1, x, w, h - 1, b.p, 0);
	capture_buf_free(&b);
}

static void draw_diagram(struct tui *u, int y, int x, int w, int h)
{
	if (w < 1 || h < 1)
		return;
	if (!u->canvas || u->canvas->w != w || u->canvas->h != h) {
		render_canvas_free(u->canvas);
		u->canvas = render_canvas_new(w, h);
		if (!u->canvas)
			return;
	}
	render_route_clear(&u->route);
	char detail[512] = "", caption[512] = "";
	if (u->view == V_COMPARE) {
		const struct nfp_packet *pa = &u->t->pkts[u->ca], *pb = &u->t->pkts[u->cb];
		render_route_add(&u->route, u->d, u->t, pa, -1, RN_A);
		render_route_add(&u->route, u->d, u->t, pb, -1, RN_B);
		if (u->al.n) {
			const struct render_align_row *row = &u->al.rows[u->crow];
			const struct nfp_packet *pp = row->a >= 0 ? pa : pb;
			int32_t hh = row->a >= 0 ? row->a : row->b;
			int n = render_hop_node(u->d, u->t, pp, (uint32_t)hh);
			if (n >= 0) {
				u->route.node[n] |= RN_CURRENT;
				u->route.current = n;
			}
			render_hop_detail(u->t, pp, (uint32_t)hh, detail, sizeof(detail));
		}
	} else if (u->t->npkts) {
		const struct nfp_packet *p = &u->t->pkts[u->sel];
		render_route_add(&u->route, u->d, u->t, p, (int)u->hop, 0);
		if (p->nhops)
			render_hop_detail(u->t, p, u->hop, detail, sizeof(detail));
		render_route_caption(u->t, p, caption, sizeof(caption), u->ascii);
	}
	struct render_diagram_opts o = { u->ascii, detail[0] ? detail : NULL, caption[0] ? caption : NULL };
	render_diagram_draw(u->d, &u->route, u->canvas, &o);
	blit(u, u->canvas, y, x);
	if (u->view == V_MAIN)
		u->at[P_DIAGRAM] = (struct pane_at){ y, x, w, h, 0 };
}

static void draw_status(struct tui *u, int y, int w)
{
	char s[512];
	const struct nfp_packet *p = u->t->npkts ? &u->t->pkts[u->sel] : NULL;
	size_t npk = u->paused ? u->shown : u->t->npkts;
	int n = snprintf(s, sizeof(s), " %s | packet %zu/%zu | hop %u/%u", u->o->source,
			 p ? u->t->pkt_base + u->sel + 1 : 0, u->t->pkt_base + npk,
			 p && p->nhops ? u->hop + 1 : 0, p ? p->nhops : 0);
	if (u->view == V_COMPARE)
		n += snprintf(s + n, sizeof(s) - (size_t)n, " | compare %zu vs %zu row %zu/%zu", u->t->pkt_base + u->ca + 1,
			      u->t->pkt_base + u->cb + 1,
			      u->crow + 1, u->al.n);
	if (u->o->child || (u->fd >= 0 && !u->o->stream_is_file))
		n += snprintf(s + n, sizeof(s) - (size_t)n, " | live %.0f ev/s lost %lu%s%s%s", u->ev_rate,
			      u->t->st.lost_events, u->t->st.overruns ? "+overruns" : "", u->paused ? " | PAUSED" : "",
			      u->eof ? " | ended" : "");
	if (u->t->st.dropped_packets)
		n += snprintf(s + n, sizeof(s) - (size_t)n, " | dropped %lu", u->t->st.dropped_packets);
	if (u->msg[0])
		n += snprintf(s + n, sizeof(s) - (size_t)n, " | %s", u->msg);
	snprintf(s + n, sizeof(s) - (size_t)n, " | ? help");
	fill(y, 0, w, A_REVERSE);
	put_text(y, 0, w, s, A_REVERSE, 0);
}

static const char *const help_lines[] = {
	"nfpath keys",
	"",
	"  n  Right     next hop                  p  Left      previous hop",
	"  Home         first hop                 End          last hop",
	"  j  Down      next packet               k  Up        previous packet",
	"  f            next packet of this flow",
	"  c            compare with the next packet of this flow and direction (first vs later)",
	"  r            compare with the matching packet of the other direction (request vs reply)",
	"  Esc          back (from compare, help or filter)",
	"  /            filter packets by text (address, box, chain, device); Enter applies, Esc clears",
	"  Tab          cycle panes (on small terminals: which pane fills the screen)",
	"  z            zoom: the diagram alone, as large as the terminal allows",
	"  PgUp PgDn    move ten packets",
	"  space        live: pause / resume the display (capture goes on)",
	"  F            live: follow the newest packet",
	"  w            write everything captured so far to a recording file",
	"  m            mouse on/off (click a packet, a hop or a box; the wheel scrolls)",
	"  ?            this help",
	"  q            quit",
	"",
	"Esc or ? to close.",
};

static void draw_help(int h, int w)
{
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]) && (int)i < h - 1; i++)
		put_text((int)i, 1, w - 2, help_lines[i], i == 0 ? A_BOLD : 0, 0);
}

static void draw_compare(struct tui *u, int h, int w)
{
	const struct nfp_packet *pa = &u->t->pkts[u->ca], *pb = &u->t->pkts[u->cb];
	int dh = 0, dw = 0;
	render_diagram_min_size(u->d, &dw, &dh);
	int listh = h - 1;
	int diag_y = -1;
	/* the diagram overlay above the rows when there is room */
	if (h - 1 >= dh + 10) {
		int dhh = h - 1 - 10 > 30 ? 30 : h - 1 - 10;
		if (dhh >= dh) {
			draw_diagram(u, 0, 0, w, dhh);
			diag_y = dhh;
			listh = h - 1 - dhh;
		}
	}
	int y0 = diag_y < 0 ? 0 : diag_y;
	int col = (w - 3) / 2;
	char head[2][300], sum[256];
	for (int s = 0; s < 2; s++) {
		const struct nfp_packet *p = s ? pb : pa;
		render_packet_summary(u->t, p, sum, sizeof(sum));
		snprintf(head[s], sizeof(head[s]), " %s %zu: %s, ct %s", s ? "B" : "A", u->t->pkt_base + (s ? u->cb : u->ca) + 1, sum,
			 nfp_ct_name(p->ct));
	}
	fill(y0, 0, w, A_UNDERLINE);
	put_text(y0, 0, col, head[0], A_BOLD | A_UNDERLINE, pair_of(u, RF_ONLY_A));
	put_text(y0, col + 3, col, head[1], A_BOLD | A_UNDERLINE, pair_of(u, RF_ONLY_B));
	/* differences in words at the bottom */
	struct capture_buf words = { 0 };
	render_compare_words(&words, u->t, u->ca, u->cb, &u->al);
	int nwords = 0;
	for (size_t i = 0; i < words.len; i++)
		nwords += words.p[i] == '\n';
	if (nwords > listh / 2)
		nwords = listh / 2;
	int rows = listh - 1 - nwords;
	long top = (long)u->crow - rows / 2;
	if (top + rows > (long)u->al.n)
		top = (long)u->al.n - rows;
	if (top < 0)
		top = 0;
	for (int r = 0; r < rows && top + r < (long)u->al.n; r++) {
		size_t i = (size_t)(top + r);
		const struct render_align_row *row = &u->al.rows[i];
		char ca[512], cb[512];
		render_compare_cell(u->t, pa, row->a, ca, sizeof(ca), col, u->ascii);
		render_compare_cell(u->t, pb, row->b, cb, sizeof(cb), col, u->ascii);
		attr_t a = i == u->crow ? A_REVERSE : 0;
		int yy = y0 + 1 + r;
		fill(yy, 0, w, a);
		short pa_pair = row->b < 0 ? pair_of(u, RF_ONLY_A) : 0, pb_pair = row->a < 0 ? pair_of(u, RF_ONLY_B) : 0;
		put_text(yy, 0, col, ca, a | (row->b < 0 ? A_BOLD : 0), pa_pair);
		const char *mid = row->a < 0 ? (u->ascii ? " > " : " \xe2\x96\xb6 ") : row->b < 0 ? (u->ascii ? " < " : " \xe2\x97\x80 ")
										     : (u->ascii ? " | " : " \xe2\x94\x82 ");
		put_text(yy, col, 3, mid, a | A_BOLD, 0);
		put_text(yy, col + 3, col, cb, a | (row->a < 0 ? A_BOLD : 0), pb_pair);
	}
	int wy = y0 + 1 + rows;
	const char *s = words.p ? words.p : "";
	for (int k = 0; k < nwords && *s; k++) {
		const char *nl = strchr(s, '\n');
		char line[300];
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		snprintf(line, sizeof(line), " %.*s", (int)(l < 290 ? l : 290), s);
		put_text(wy + k, 0, w, line, A_BOLD, 0);
		s += l + (nl ? 1 : 0);
	}
	capture_buf_free(&words);
}

static void draw(struct tui *u)
{
	int h, w;
	getmaxyx(stdscr, h, w);
	erase();
	memset(u->at, 0, sizeof(u->at));
	int dw, dh;
	render_diagram_min_size(u->d, &dw, &dh);
	if (w < 40 || h < 10) {
		put_text(0, 0, w, "terminal too small", A_BOLD, 0);
		put_text(1, 0, w, "nfpath needs 40x10", 0, 0);
		refresh();
		return;
	}
	if (u->view == V_HELP) {
		draw_help(h, w);
	} else if (u->view == V_COMPARE) {
		draw_compare(u, h, w);
	} else if (u->zoom) {
		draw_diagram(u, 0, 0, w, h - 1);
	} else {
		const struct nfp_packet *p = u->t->npkts ? &u->t->pkts[u->sel] : NULL;
		int body = h - 1;
		if (w >= 160 && body >= 30) {
			/* diagram left, panes right */
			int lw = w - 60 < 105 ? w - 60 : 105;
			if (w >= 260 && body >= 48)
				lw = 199;
			int rw = w - lw - 1;
			draw_diagram(u, 0, 0, lw, body);
			int ph = body / 3, hh = body / 3;
			draw_packets(u, 0, lw + 1, rw, ph);
			draw_hops(u, ph, lw + 1, rw, hh);
			draw_detail(u, ph + hh, lw + 1, rw, body - ph - hh, p, u->hop);
		} else if (body >= 36) {
			/* diagram above, panes below */
			int dhh = body - 10;
			draw_diagram(u, 0, 0, w, dhh);
			int pw = w / 3;
			draw_packets(u, dhh, 0, pw, body - dhh);
			draw_hops(u, dhh, pw, pw, body - dhh);
			draw_detail(u, dhh, 2 * pw, w - 2 * pw, body - dhh, p, u->hop);
		} else {
			/* one area at a time */
			switch (u->focus) {
			case P_PACKETS:
				draw_packets(u, 0, 0, w, body);
				break;
			case P_HOPS:
				draw_hops(u, 0, 0, w, body);
				break;
			case P_DETAIL:
				draw_detail(u, 0, 0, w, body, p, u->hop);
				break;
			default:
				draw_diagram(u, 0, 0, w, body);
			}
		}
	}
	if (u->filtering) {
		char line[160];
		snprintf(line, sizeof(line), "/%s", u->filter);
		fill(h - 1, 0, w, 0);
		put_text(h - 1, 0, w, line, A_BOLD, 0);
	} else {
		draw_status(u, h - 1, w);
	}
	refresh();
}

/* ---- actions ----------------------------------------------------------- */

static void move_packet(struct tui *u, long delta)
{
	long pos = vis_pos(u);
	if (u->nvis == 0)
		return;
	if (pos < 0)
		pos = 0;
	pos += delta;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)u->nvis)
		pos = (long)u->nvis - 1;
	select_packet(u, u->vis[pos]);
}

static long next_in_flow(struct tui *u, size_t from, int same_dir, int want_other_dir)
{
	const struct nfp_packet *p = &u->t->pkts[from];
	if (p->flow == NFP_NONE)
		return -1;
	for (size_t i = from + 1; i < u->t->npkts; i++) {
		const struct nfp_packet *q = &u->t->pkts[i];
		if (q->flow != p->flow)
			continue;
		if (same_dir && q->dir != p->dir)
			continue;
		if (want_other_dir && q->dir == p->dir)
			continue;
		return (long)i;
	}
	if (want_other_dir) /* a reply selected: its request came before */
		for (size_t i = from; i-- > 0;) {
			const struct nfp_packet *q = &u->t->pkts[i];
			if (q->flow == p->flow && q->dir != p->dir)
				return (long)i;
		}
	return -1;
}

static void open_compare(struct tui *u, long other, const char *what)
{
	if (other < 0) {
		snprintf(u->msg, sizeof(u->msg), "no %s to compare with", what);
		return;
	}
	render_align_free(&u->al);
	u->ca = u->sel;
	u->cb = (size_t)other;
	if (render_align(u->t, &u->t->pkts[u->ca], &u->t->pkts[u->cb], &u->al) < 0) {
		snprintf(u->msg, sizeof(u->msg), "out of memory");
		return;
	}
	u->crow = 0;
	u->view = V_COMPARE;
}

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
	struct capture_buf b = { 0 };
	capture_buf_put(&b, NFP_REC_MAGIC "\n", strlen(NFP_REC_MAGIC) + 1);
	/* what the capture learnt and lost travels with the hops */
	for (size_t i = 0; i < u->t->nnames; i++) {
		const struct nfp_name *nm = &u->t->names[i];
		capture_rec_write_name(&b, nm->kind, capture_str(u->t, nm->key), capture_strpool_len(u->t->sp, nm->key),
				       capture_str(u->t, nm->val), capture_strpool_len(u->t->sp, nm->val));
	}
	if (u->t->st.lost_events || u->t->st.overruns)
		capture_rec_write_loss(&b, u->t->st.lost_events, u->t->st.overruns);
	int ok = 1;
	for (size_t i = 0; i < u->t->nhops && ok; i++) {
		capture_rec_write_hop(&b, &u->t->hops[i], u->t->sp);
		if (b.len > (1 << 20) || i + 1 == u->t->nhops) {
			ok = write(fd, b.p, b.len) == (ssize_t)b.len;
			b.len = 0;
		}
	}
	if (ok && b.len)
		ok = write(fd, b.p, b.len) == (ssize_t)b.len;
	capture_buf_free(&b);
	close(fd);
	if (ok)
		snprintf(u->msg, sizeof(u->msg), "wrote %zu hops to %s", u->t->nhops, name);
	else
		snprintf(u->msg, sizeof(u->msg), "writing %s failed", name);
}

/* reads what the stream has now, without ever blocking the UI */
static void pump(struct tui *u)
{
	if (u->fd < 0)
		return;
	char buf[65536];
	size_t got = 0, base = u->t->pkt_base;
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
	double now = now_s();
	if (got)
		u->last_data = now;
	size_t gone = u->t->pkt_base - base;
	if (gone) {
		/* the oldest packets were dropped (--max-packets): indices moved */
		if (u->sel < gone)
			u->sel = 0, u->hop = 0;
		else
			u->sel -= gone;
		if (u->view == V_COMPARE && (u->ca < gone || u->cb < gone))
			u->view = V_MAIN;
		u->ca = u->ca >= gone ? u->ca - gone : 0;
		u->cb = u->cb >= gone ? u->cb - gone : 0;
		u->shown = u->shown >= gone ? u->shown - gone : 0;
		refilter(u);
	}
	/* a quiet stream: the packets in flight are complete (unless it
	 * stopped in mid-line: a block-buffered writer, more to come) */
	if (u->t->nopen && (u->eof || (now - u->last_data > 0.5 && !(u->in && u->in->plen)))) {
		if (u->eof && u->in)
			capture_input_end(u->in);
		capture_trace_settle(u->t, 0);
	} else {
		capture_trace_settle(u->t, 4096);
	}
	if (u->resolved < u->t->nhops) {
		u->ev_count += u->t->nhops - u->resolved;
		capture_trace_resolve(u->t, u->rules, u->resolved);
		u->resolved = u->t->nhops;
	}
	if (now - u->rate_t >= 1.0) {
		u->ev_rate = u->ev_count / (now - u->rate_t);
		u->ev_count = 0;
		u->rate_t = now;
	}
	if (!u->paused) {
		size_t before = u->shown;
		u->shown = u->t->npkts;
		if (u->shown != before || got) {
			refilter(u);
			if (u->follow && u->nvis)
				select_packet(u, u->vis[u->nvis - 1]);
		}
	}
}

/* ---- mouse -------------------------------------------------------------- */

#define MOUSE_EVENTS (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED)

/* the row of list pane p under (y, x): 0-based below its title, or -1 */
static long row_in(const struct tui *u, int p, int y, int x)
{
	const struct pane_at *a = &u->at[p];
	if (!a->h || x < a->x || x >= a->x + a->w || y <= a->y || y >= a->y + a->h)
		return -1;
	return a->top + (y - a->y - 1);
}

/* A click on a box goes to the packet's hop there; clicking the same box
 * again goes to its next hop there (a user chain's hops share its box). */
static void click_box(struct tui *u, int node)
{
	const struct nfp_packet *p = &u->t->pkts[u->sel];
	for (uint32_t k = 1; k <= p->nhops; k++) {
		uint32_t i = (u->hop + k) % p->nhops;
		if (render_hop_node(u->d, u->t, p, i) == node) {
			u->hop = i;
			return;
		}
	}
	char label[128];
	render_diagram_node_label(u->d, node, label, sizeof(label));
	snprintf(u->msg, sizeof(u->msg), "packet %zu has no hop at %s", u->t->pkt_base + u->sel + 1, label);
}

static void mouse(struct tui *u)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || u->filtering)
		return;
	int wheel = (ev.bstate & BUTTON4_PRESSED) ? -1 : (ev.bstate & BUTTON5_PRESSED) ? 1 : 0;
	int click = !!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED));
	if (u->view == V_HELP) {
		if (click)
			u->view = V_MAIN;
		return;
	}
	if (u->view == V_COMPARE) {
		if (wheel < 0 && u->crow)
			u->crow--;
		else if (wheel > 0 && u->crow + 1 < u->al.n)
			u->crow++;
		return;
	}
	const struct nfp_packet *p = u->t->npkts ? &u->t->pkts[u->sel] : NULL;
	long r;
	if (wheel) {
		/* the wheel scrolls what it is over: hops there, packets elsewhere */
		if (p && u->at[P_HOPS].h && row_in(u, P_HOPS, ev.y, ev.x) >= 0) {
			if (wheel < 0 && u->hop)
				u->hop--;
			else if (wheel > 0 && u->hop + 1 < p->nhops)
				u->hop++;
		} else {
			move_packet(u, wheel);
		}
		return;
	}
	if (!click)
		return;
	if ((r = row_in(u, P_PACKETS, ev.y, ev.x)) >= 0) {
		u->focus = P_PACKETS;
		if (r < (long)u->nvis)
			select_packet(u, u->vis[r]);
	} else if ((r = row_in(u, P_HOPS, ev.y, ev.x)) >= 0) {
		u->focus = P_HOPS;
		if (p && r < (long)p->nhops)
			u->hop = (uint32_t)r;
	} else if (p && p->nhops && u->at[P_DIAGRAM].h) {
		const struct pane_at *a = &u->at[P_DIAGRAM];
		int n = render_diagram_node_at(u->d, a->w, a->h, ev.x - a->x, ev.y - a->y);
		if (n >= 0)
			click_box(u, n);
	}
}

static int key(struct tui *u, int ch)
{
	if (ch == KEY_MOUSE) {
		u->msg[0] = '\0';
		mouse(u);
		return 0;
	}
	const struct nfp_packet *p = u->t->npkts ? &u->t->pkts[u->sel] : NULL;
	u->msg[0] = '\0';
	if (u->filtering) {
		size_t l = strlen(u->filter);
		if (ch == 27) {
			u->filter[0] = '\0';
			u->filtering = 0;
		} else if (ch == '\n' || ch == KEY_ENTER || ch == '\r') {
			u->filtering = 0;
		} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && l) {
			u->filter[l - 1] = '\0';
		} else if (ch >= 0x20 && ch < 0x7f && l + 1 < sizeof(u->filter)) {
			u->filter[l] = (char)ch;
			u->filter[l + 1] = '\0';
		}
		refilter(u);
		if (u->nvis && vis_pos(u) < 0)
			select_packet(u, u->vis[0]);
		return 0;
	}
	if (u->view == V_HELP) {
		if (ch == 27 || ch == '?' || ch == 'q')
			u->view = V_MAIN;
		return 0;
	}
	if (u->view == V_COMPARE) {
		switch (ch) {
		case 27:
			u->view = V_MAIN;
			return 0;
		case 'n':
		case KEY_RIGHT:
		case 'j':
		case KEY_DOWN:
			if (u->crow + 1 < u->al.n)
				u->crow++;
			return 0;
		case 'p':
		case KEY_LEFT:
		case 'k':
		case KEY_UP:
			if (u->crow)
				u->crow--;
			return 0;
		case KEY_HOME:
			u->crow = 0;
			return 0;
		case KEY_END:
			u->crow = u->al.n ? u->al.n - 1 : 0;
			return 0;
		case '?':
			u->view = V_HELP;
			return 0;
		case 'q':
			return 1;
		}
		return 0;
	}
	switch (ch) {
	case 'q':
		return 1;
	case 'n':
	case KEY_RIGHT:
		if (p && u->hop + 1 < p->nhops)
			u->hop++;
		break;
	case 'p':
	case KEY_LEFT:
		if (u->hop)
			u->hop--;
		break;
	case KEY_HOME:
		u->hop = 0;
		break;
	case KEY_END:
		if (p && p->nhops)
			u->hop = p->nhops - 1;
		break;
	case 'j':
	case KEY_DOWN:
		move_packet(u, 1);
		break;
	case 'k':
	case KEY_UP:
		move_packet(u, -1);
		break;
	case KEY_NPAGE:
		move_packet(u, 10);
		break;
	case KEY_PPAGE:
		move_packet(u, -10);
		break;
	case 'f': {
		long nx = p ? next_in_flow(u, u->sel, 0, 0) : -1;
		if (nx < 0)
			snprintf(u->msg, sizeof(u->msg), "no later packet in this flow");
		else
			select_packet(u, (size_t)nx);
		break;
	}
	case 'c':
		if (p)
			open_compare(u, next_in_flow(u, u->sel, 1, 0), "later packet of this flow and direction");
		break;
	case 'r':
		if (p)
			open_compare(u, next_in_flow(u, u->sel, 0, 1), "packet of the other direction");
		break;
	case 27:
		u->zoom = 0;
		u->filter[0] = '\0';
		refilter(u);
		break;
	case '/':
		u->filtering = 1;
		break;
	case '\t':
		u->focus = (u->focus + 1) % P__COUNT;
		break;
	case 'z':
		u->zoom = !u->zoom;
		break;
	case '?':
		u->view = V_HELP;
		break;
	case ' ':
		u->paused = !u->paused;
		if (!u->paused) {
			u->shown = u->t->npkts;
			refilter(u);
		}
		snprintf(u->msg, sizeof(u->msg), u->paused ? "display paused (capture goes on)" : "display resumed");
		break;
	case 'F':
		u->follow = !u->follow;
		if (u->follow && u->nvis)
			select_packet(u, u->vis[u->nvis - 1]);
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

static struct tui *active;

static void restore_terminal(void)
{
	if (active && !isendwin())
		endwin();
}

int tui_run(struct capture_trace *t, struct capture_rules *rules, const struct tui_opts *o)
{
	struct tui u;
	memset(&u, 0, sizeof(u));
	u.t = t;
	u.rules = rules;
	u.o = o;
	u.fd = o->in ? o->stream_fd : -1;
	u.in = o->in;
	u.ascii = o->ascii;
	char err[256];
	u.d = render_diagram_parse(o->diagram_text, o->diagram_len, err, sizeof(err));
	if (!u.d || render_route_init(&u.route, u.d) < 0) {
		fprintf(stderr, "nfpath: built-in diagram: %s\n", u.d ? "out of memory" : err);
		render_diagram_free(u.d);
		return 1;
	}
	if (u.fd >= 0)
		fcntl(u.fd, F_SETFL, fcntl(u.fd, F_GETFL) | O_NONBLOCK);
	u.shown = t->npkts;
	u.resolved = t->nhops;
	u.rate_t = now_s();
	refilter(&u);
	const volatile sig_atomic_t *quit_sig = tui_stop_signals();
	signal(SIGPIPE, SIG_IGN);
	active = &u;
	atexit(restore_terminal);
	/* keys come from the terminal even when stdin is the trace (a pipe) */
	FILE *in = isatty(0) ? stdin : fopen("/dev/tty", "r");
	if (!in || !newterm(NULL, stdout, in)) {
		fprintf(stderr, "nfpath: cannot start the terminal interface (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
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
	init_colours(&u);
	timeout(100);
	int rc = 0;
	draw(&u);
	for (;;) {
		if (*quit_sig)
			break;
		int ch = getch();
		pump(&u);
		if (ch == ERR) {
			if (u.fd >= 0 || o->child)
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
	endwin();
	active = NULL;
	if (*quit_sig)
		rc = 128 + *quit_sig;
	render_align_free(&u.al);
	render_route_free(&u.route);
	render_canvas_free(u.canvas);
	render_diagram_free(u.d);
	free(u.vis);
	return rc;
}

double tui_bench(struct capture_trace *t, const struct tui_opts *o, int w, int h, int n)
{
	struct tui u;
	memset(&u, 0, sizeof(u));
	u.t = t;
	u.o = o;
	u.fd = -1;
	u.ascii = o->ascii;
	char err[256];
	u.d = render_diagram_parse(o->diagram_text, o->diagram_len, err, sizeof(err));
	if (!u.d || render_route_init(&u.route, u.d) < 0)
		return -1;
	u.shown = t->npkts;
	refilter(&u);
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr = out && in ? newterm("xterm", out, in) : NULL;
	double per = -1;
	if (scr) {
		resizeterm(h, w);
		draw(&u);
		double t0 = now_s();
		for (int i = 0; i < n; i++) {
			key(&u, i % 2 ? 'j' : 'n');
			draw(&u);
		}
		per = (now_s() - t0) / n;
		endwin();
		delscreen(scr);
	}
	if (out)
		fclose(out);
	if (in)
		fclose(in);
	render_route_free(&u.route);
	render_canvas_free(u.canvas);
	render_diagram_free(u.d);
	free(u.vis);
	return per;
}
