/* canvas: cells, line masks and text output (see canvas.h). */
#include "canvas.h"

#include <stdlib.h>
#include <string.h>

struct render_canvas *render_canvas_new(int w, int h)
{
	if (w < 1 || h < 1 || w > 10000 || h > 10000)
		return NULL;
	struct render_canvas *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	c->w = w;
	c->h = h;
	c->cells = calloc((size_t)w * (size_t)h, sizeof(*c->cells));
	if (!c->cells) {
		free(c);
		return NULL;
	}
	return c;
}

void render_canvas_free(struct render_canvas *c)
{
	if (!c)
		return;
	free(c->cells);
	free(c);
}

void render_canvas_clear(struct render_canvas *c)
{
	memset(c->cells, 0, (size_t)c->w * (size_t)c->h * sizeof(*c->cells));
}

static struct render_cell *at(struct render_canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

void render_canvas_put(struct render_canvas *c, int x, int y, uint32_t ch, int fg, int attr)
{
	struct render_cell *p = at(c, x, y);
	if (!p)
		return;
	p->ch = ch;
	p->fg = (uint8_t)fg;
	p->attr = (uint8_t)attr;
	p->lines = 0;
}

void render_canvas_style(struct render_canvas *c, int x, int y, int fg, int attr)
{
	struct render_cell *p = at(c, x, y);
	if (!p)
		return;
	p->fg = (uint8_t)fg;
	p->attr = (uint8_t)attr;
}

int render_canvas_text(struct render_canvas *c, int x, int y, const char *s, int maxw, int fg, int attr)
{
	int n = 0;
	const unsigned char *u = (const unsigned char *)s;
	while (*u && n < maxw) {
		uint32_t cp = *u;
		int len = 1;
		if (cp >= 0xf0 && u[1] && u[2] && u[3]) {
			cp = (uint32_t)(cp & 7) << 18 | (uint32_t)(u[1] & 63) << 12 | (uint32_t)(u[2] & 63) << 6 | (u[3] & 63);
			len = 4;
		} else if (cp >= 0xe0 && u[1] && u[2]) {
			cp = (uint32_t)(cp & 15) << 12 | (uint32_t)(u[1] & 63) << 6 | (u[2] & 63);
			len = 3;
		} else if (cp >= 0xc0 && u[1]) {
			cp = (uint32_t)(cp & 31) << 6 | (u[1] & 63);
			len = 2;
		}
		/* never let a control byte reach a terminal */
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			cp = '?';
		render_canvas_put(c, x + n, y, cp, fg, attr);
		u += len;
		n++;
	}
	return n;
}

void render_canvas_line(struct render_canvas *c, int x, int y, unsigned mask)
{
	struct render_cell *p = at(c, x, y);
	if (!p || p->ch)
		return;
	p->lines |= (uint8_t)mask;
}

int render_canvas_is_free(const struct render_canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return 0;
	return c->cells[(size_t)y * (size_t)c->w + (size_t)x].ch == 0;
}

/* light and heavy box-drawing glyphs by U D L R mask */
static const uint32_t light[16] = {
	0,	0x2575, 0x2577, 0x2502, 0x2574, 0x2518, 0x2510, 0x2524,
	0x2576, 0x2514, 0x250c, 0x251c, 0x2500, 0x2534, 0x252c, 0x253c,
};
static const uint32_t heavy[16] = {
	0,	0x2579, 0x257b, 0x2503, 0x2578, 0x251b, 0x2513, 0x252b,
	0x257a, 0x2517, 0x250f, 0x2523, 0x2501, 0x253b, 0x2533, 0x254b,
};

void render_canvas_resolve(struct render_canvas *c, int ascii)
{
	for (int i = 0; i < c->w * c->h; i++) {
		struct render_cell *p = &c->cells[i];
		if (p->ch || !p->lines)
			continue;
		unsigned m = p->lines & 15u;
		int hv = !!(p->lines & RL_HEAVY), ds = !!(p->lines & RL_DASHED);
		if (ascii) {
			int vert = m & (RL_UP | RL_DOWN), hor = m & (RL_LEFT | RL_RIGHT);
			if (vert && hor)
				p->ch = '+';
			else if (vert)
				p->ch = hv ? '#' : ds ? ':' : '|';
			else
				p->ch = hv ? '=' : ds ? '.' : '-';
			continue;
		}
		if (ds && (m == (RL_LEFT | RL_RIGHT) || m == RL_LEFT || m == RL_RIGHT))
			p->ch = 0x2504; /* ┄ */
		else if (ds && (m == (RL_UP | RL_DOWN) || m == RL_UP || m == RL_DOWN))
			p->ch = 0x2506; /* ┆ */
		else
			p->ch = hv ? heavy[m] : light[m];
		/* a lone half segment reads better as a full one */
		if (m == RL_LEFT || m == RL_RIGHT)
			p->ch = ds ? 0x2504 : hv ? 0x2501 : 0x2500;
		if (m == RL_UP || m == RL_DOWN)
			p->ch = ds ? 0x2506 : hv ? 0x2503 : 0x2502;
	}
}

int render_utf8(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 63));
		out[2] = (char)(0x80 | (cp & 63));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 63));
	out[2] = (char)(0x80 | ((cp >> 6) & 63));
	out[3] = (char)(0x80 | (cp & 63));
	return 4;
}

/* ANSI colours for the classes (8-colour palette, works everywhere) */
static const char *const sgr_fg[RF__COUNT] = {
	"", "34", "32", "37", "39", "35", "33", "2", "36", "35", "33", "2", "31",
};

static int sgr(struct capture_buf *b, int fg, int attr)
{
	char s[48] = "\033[0";
	size_t n = 3;
	if (fg > 0 && fg < RF__COUNT && sgr_fg[fg][0]) {
		s[n++] = ';';
		size_t l = strlen(sgr_fg[fg]);
		memcpy(s + n, sgr_fg[fg], l);
		n += l;
	}
	if (attr & RA_BOLD) {
		memcpy(s + n, ";1", 2);
		n += 2;
	}
	if (attr & RA_DIM) {
		memcpy(s + n, ";2", 2);
		n += 2;
	}
	if (attr & RA_UNDERLINE) {
		memcpy(s + n, ";4", 2);
		n += 2;
	}
	if (attr & RA_REVERSE) {
		memcpy(s + n, ";7", 2);
		n += 2;
	}
	s[n++] = 'm';
	return capture_buf_put(b, s, n);
}

int render_canvas_text_out(const struct render_canvas *c, struct capture_buf *b, int color, int ascii)
{
	int r = 0;
	for (int y = 0; y < c->h; y++) {
		const struct render_cell *row = &c->cells[(size_t)y * (size_t)c->w];
		int last = c->w - 1;
		while (last >= 0 && (row[last].ch == 0 || row[last].ch == ' ') && !(color && row[last].attr & RA_REVERSE))
			last--;
		int cur_fg = 0, cur_attr = 0;
		for (int x = 0; x <= last; x++) {
			const struct render_cell *p = &row[x];
			if (color && (p->fg != cur_fg || p->attr != cur_attr)) {
				r |= sgr(b, p->fg, p->attr);
				cur_fg = p->fg;
				cur_attr = p->attr;
			}
			uint32_t ch = p->ch ? p->ch : ' ';
			if (ascii && ch > 0x7e)
				ch = '?';
			char u[4];
			int n = render_utf8(ch, u);
			r |= capture_buf_put(b, u, (size_t)n);
		}
		if (color && (cur_fg || cur_attr))
			r |= capture_buf_put(b, "\033[0m", 4);
		r |= capture_buf_putc(b, '\n');
	}
	return r ? -1 : 0;
}
