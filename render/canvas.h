/* canvas: a grid of cells (glyph + style) that every picture is drawn
 * into. No curses here: the TUI blits cells, the printers turn them into
 * text (plain, or with ANSI colour), and tests compare that text.
 *
 * Lines are drawn as direction masks per cell and turned into box-drawing
 * glyphs at the end, so crossings and corners join up whatever order the
 * pieces were drawn in. */
#ifndef NFP_RENDER_CANVAS_H
#define NFP_RENDER_CANVAS_H

#include <stddef.h>
#include <stdint.h>

#include "../capture/record.h"

/* colour classes, mapped to real colours by the TUI / ANSI writer */
enum render_fg {
	RF_DEFAULT,
	RF_EBTABLES,
	RF_IPTABLES,
	RF_CONNTRACK,
	RF_OTHER,
	RF_NFT,
	RF_ROUTE,
	RF_SKIPPED,
	RF_ONLY_A,
	RF_ONLY_B,
	RF_BOTH,
	RF_BAND,
	RF_WARN,
	RF__COUNT,
};

#define RA_BOLD 0x01u
#define RA_REVERSE 0x02u
#define RA_DIM 0x04u
#define RA_UNDERLINE 0x08u

/* line mask bits: light segments, and a heavy/dashed flag for the cell */
#define RL_UP 0x01u
#define RL_DOWN 0x02u
#define RL_LEFT 0x04u
#define RL_RIGHT 0x08u
#define RL_HEAVY 0x10u
#define RL_DASHED 0x20u

struct render_cell {
	uint32_t ch; /* Unicode code point, 0 = empty (space or a line) */
	uint8_t fg, attr, lines, pad;
};

struct render_canvas {
	int w, h;
	struct render_cell *cells;
};

/* Returns NULL on ENOMEM. Owned by the caller: render_canvas_free(). */
struct render_canvas *render_canvas_new(int w, int h);
void render_canvas_free(struct render_canvas *c);
void render_canvas_clear(struct render_canvas *c);

/* Writes are clipped to the canvas: nothing is ever drawn outside it. */
void render_canvas_put(struct render_canvas *c, int x, int y, uint32_t ch, int fg, int attr);
/* Writes UTF-8 text (one cell per code point; callers pass escaped text),
 * at most maxw cells. Returns the cells written. */
int render_canvas_text(struct render_canvas *c, int x, int y, const char *s, int maxw, int fg, int attr);
void render_canvas_style(struct render_canvas *c, int x, int y, int fg, int attr);
void render_canvas_line(struct render_canvas *c, int x, int y, unsigned mask);
int render_canvas_is_free(const struct render_canvas *c, int x, int y);
/* Turns line masks into box-drawing glyphs (ASCII when ascii is set). */
void render_canvas_resolve(struct render_canvas *c, int ascii);

/* The canvas as text, one '\n'-terminated line per row, trailing blanks
 * cut. color: emit ANSI SGR sequences for fg/attr. ascii: glyphs above
 * 0x7f become '?' (the drawing code already used ASCII). */
int render_canvas_text_out(const struct render_canvas *c, struct capture_buf *b, int color, int ascii);

/* Code point -> UTF-8 (returns bytes, 1..4). */
int render_utf8(uint32_t cp, char out[4]);

#endif
