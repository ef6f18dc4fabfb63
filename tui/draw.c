/* draw: text, fills and canvases into the curses screen for the views
 * (view.h). render/ produces the text and cells; this only places them. */
#include "view.h"

#include "../render/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int tui_put_text(int y, int x, int w, const char *s, attr_t a, short pair)
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

void tui_fill(int y, int x, int w, attr_t a)
{
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ' | a);
}

/* colour pairs for the canvas classes */
short tui_pair(const struct tui *u, int fg)
{
	return u->color && fg > 0 && fg < RF__COUNT ? (short)fg : 0;
}

void tui_init_colours(struct tui *u)
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
			setcchar(&cc, ws, a, tui_pair(u, p->fg), NULL);
			mvadd_wch(y0 + y, x0 + x, &cc);
		}
}

void tui_pane_title(int y, int x, int w, const char *title, int focused)
{
	tui_fill(y, x, w, focused ? A_REVERSE : A_UNDERLINE);
	tui_put_text(y, x, w, title, focused ? A_REVERSE | A_BOLD : A_UNDERLINE | A_BOLD, 0);
}

int tui_put_fit(const struct tui *u, int y, int x, int w, const char *s, attr_t a, short pair)
{
	char buf[1024];
	render_fit(buf, sizeof(buf), s, w, u->ascii);
	return tui_put_text(y, x, w, buf, a, pair);
}

int tui_wrap(const struct tui *u, int y, int x, int w, int maxlines, const char *s, int skip)
{
	struct capture_buf b = { 0 };
	int lines = render_wrap(&b, s, w, u->ascii);
	const char *p = b.p ? b.p : "";
	for (int line = 0; *p && line - skip < maxlines; line++) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (line >= skip) {
			char buf[1024];
			snprintf(buf, sizeof(buf), "%.*s", (int)(l < sizeof(buf) - 1 ? l : sizeof(buf) - 1), p);
			tui_put_text(y + line - skip, x, w, buf, 0, 0);
		}
		p += l + (nl ? 1 : 0);
	}
	capture_buf_free(&b);
	return lines < 0 ? 0 : lines;
}

void tui_vrule(const struct tui *u, int y, int x, int h)
{
	for (int i = 0; i < h; i++)
		tui_put_text(y + i, x, 1, u->ascii ? "|" : "\xe2\x94\x82", A_DIM, 0);
}

void tui_packet_line(const struct tui *u, int y, int x, int w, const char *lead, const struct nfp_packet *p, attr_t a,
		     short pair)
{
	char fate[128], line[1024], full[1100];
	int lw = render_cols(lead, strlen(lead));
	render_packet_line(u->t, p, tui_fate(u, p, fate, sizeof(fate)), 1, w - lw, u->ascii, line, sizeof(line));
	snprintf(full, sizeof(full), "%s%s", lead, line);
	tui_fill(y, x, w, a);
	tui_put_text(y, x, w, full, a, pair);
}

void tui_draw_diagram(struct tui *u, int y, int x, int w, int h, const char *detail, const char *caption,
		      const char *label)
{
	if (w < 1 || h < 1)
		return;
	if (!u->canvas || u->canvas->w != w || u->canvas->h != h) {
		render_canvas_free(u->canvas);
		u->canvas = render_canvas_new(w, h);
		if (!u->canvas)
			return;
	}
	/* one line each under the diagram: cut where the canvas ends, visibly */
	char d[1024] = "", c[1024] = "";
	if (detail)
		render_fit(d, sizeof(d), detail, w, u->ascii);
	if (caption)
		render_fit(c, sizeof(c), caption, w, u->ascii);
	/* the message names the terminal size: the canvas plus the lines and
	 * columns the view keeps for itself around it */
	int th, tw;
	getmaxyx(stdscr, th, tw);
	struct render_diagram_opts o = { u->ascii, d[0] ? d : NULL, c[0] ? c : NULL, label && *label ? label : NULL,
					 tw > w ? tw - w : 0, th > h ? th - h : 0 };
	render_diagram_draw(u->d, &u->route, u->canvas, &o);
	blit(u, u->canvas, y, x);
}
