/* view: what the explorer's screens share (internal to tui/).
 *
 * Each screen is a view (tig's view_ops): it draws the area above the
 * status line, handles its keys and mouse events and says its part of
 * the status line. tui.c lays out the frame (too-small message, status
 * line, filter prompt) and routes input to the current view; keys a view
 * leaves unhandled fall to the keys every view shares (q, ?, w, m, space,
 * F). Drawing goes through the helpers in draw.c, the only curses
 * callers besides tui.c. */
#ifndef NFP_TUI_VIEW_H
#define NFP_TUI_VIEW_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "../capture/input.h"
#include "../capture/rules.h"
#include "../capture/trace.h"
#include "../render/canvas.h"
#include "../render/compare.h"
#include "../render/diagram.h"
#include "tui.h"

struct tui;

enum tui_key_result { TUI_KEY_UNHANDLED, TUI_KEY_HANDLED, TUI_KEY_QUIT };

struct tui_view {
	const char *name;
	/* draws rows [0, h) of a w-column screen (the status line is below) */
	void (*draw)(struct tui *u, int h, int w);
	enum tui_key_result (*key)(struct tui *u, int ch);
	void (*mouse)(struct tui *u, const MEVENT *ev);
	/* this view's part of the status line ("packet 2/3 | hop 4/10") */
	void (*status)(struct tui *u, char *out, size_t cap);
};

extern const struct tui_view tui_view_main, tui_view_compare, tui_view_help;

/* the main view's panes, for the mouse */
enum { P_DIAGRAM, P_PACKETS, P_HOPS, P_DETAIL, P__COUNT };

struct tui {
	struct capture_trace *t;
	struct capture_rules *rules;
	struct render_diagram *d;
	struct render_canvas *canvas;
	struct render_route route;
	const struct tui_opts *o;
	int ascii, color;
	const struct tui_view *view, *prev; /* prev: where help goes back to */
	size_t sel;    /* selected packet (its number) */
	uint32_t hop;  /* selected hop of it */
	int focus, zoom;
	int help_top;		   /* first help line shown */
	int help_rows, help_lines; /* rows it had and lines it took, last frame */
	/* filter */
	char filter[96];
	int filtering;
	size_t *vis, nvis, capvis; /* numbers of the packets listed */
	/* compare: packet numbers */
	size_t ca, cb, crow;
	struct render_align al;
	/* live */
	struct capture_input *in; /* the caller's decoder, continued */
	int fd, eof, paused, follow;
	size_t shown; /* number of the last packet listed (frozen while paused) */
	unsigned long hops_seen; /* hops counted for the event rate so far */
	unsigned long ev_count;
	double ev_rate, rate_t, last_data;
	double quiet_clock, last_pump; /* the stream's clock for the trace: runs while nothing comes */
	char msg[200];
	/* where the last frame put each pane, for the mouse (h 0: not shown);
	 * top: the first list row drawn */
	struct pane_at {
		int y, x, w, h;
		long top;
	} at[P__COUNT];
	int mouse;
};

/* ---- draw.c: text and canvases into the screen ---- */
/* UTF-8 text (already escaped) at (y,x), at most w columns; returns columns used */
int tui_put_text(int y, int x, int w, const char *s, attr_t a, short pair);
void tui_fill(int y, int x, int w, attr_t a);
short tui_pair(const struct tui *u, int fg);
void tui_init_colours(struct tui *u);
void tui_pane_title(int y, int x, int w, const char *title, int focused);
/* text cut to w columns, ending in "…" when it was cut */
int tui_put_fit(const struct tui *u, int y, int x, int w, const char *s, attr_t a, short pair);
/* text wrapped at w columns (render_wrap) from line skip on, at most
 * maxlines; returns the lines the whole text takes */
int tui_wrap(const struct tui *u, int y, int x, int w, int maxlines, const char *s, int skip);
/* a vertical rule between side-by-side panes */
void tui_vrule(const struct tui *u, int y, int x, int h);
/* draws u->route (filled by the caller) as the diagram in the given area;
 * label (escaped, may be NULL): which host's netfilter it draws */
void tui_draw_diagram(struct tui *u, int y, int x, int w, int h, const char *detail, const char *caption,
		      const char *label);

/* ---- tui.c: the packet list and selection every view shares ---- */
/* the selected packet; NULL when no packet is listed (none yet, or none
 * matches the filter) */
const struct nfp_packet *tui_selected(const struct tui *u);
/* the fate of packet p for the packet line (NULL while the model has no
 * fate for it) */
const char *tui_fate(const struct tui *u, const struct nfp_packet *p, char *buf, size_t cap);
/* the packet line of p across w columns at row y */
void tui_packet_line(const struct tui *u, int y, int x, int w, const char *lead, const struct nfp_packet *p, attr_t a,
		     short pair);
void tui_refilter(struct tui *u);
/* packets that may be listed: kept ones up to the last shown (paused: as
 * when the pause began) */
size_t tui_shown_count(const struct tui *u);
long tui_vis_pos(const struct tui *u);
/* selects packet number num */
void tui_select_packet(struct tui *u, size_t num);
void tui_move_packet(struct tui *u, long delta);
void tui_open_view(struct tui *u, const struct tui_view *v);
/* compare the selected packet with packet number other (0: says there is
 * no what) */
void tui_open_compare(struct tui *u, size_t other, const char *what);

#endif
