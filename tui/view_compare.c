/* view_compare: two packets side by side (view.h): their hops aligned
 * row by row (render/compare.c), both routes on the diagram above when
 * there is room, and the differences in words below. */
#include "view.h"

#include "../render/picture.h"
#include "../render/text.h"

#include <stdio.h>
#include <string.h>

static void draw_diagram(struct tui *u, int y, int x, int w, int h)
{
	render_route_clear(&u->route);
	char detail[512] = "";
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
	tui_draw_diagram(u, y, x, w, h, detail, NULL);
}

static void draw(struct tui *u, int body, int w)
{
	const struct nfp_packet *pa = &u->t->pkts[u->ca], *pb = &u->t->pkts[u->cb];
	int dh = 0, dw = 0;
	render_diagram_min_size(u->d, &dw, &dh);
	int listh = body;
	int diag_y = -1;
	/* the diagram overlay above the rows when there is room */
	if (body >= dh + 10) {
		int dhh = body - 10 > 30 ? 30 : body - 10;
		if (dhh >= dh) {
			draw_diagram(u, 0, 0, w, dhh);
			diag_y = dhh;
			listh = body - dhh;
		}
	}
	int y0 = diag_y < 0 ? 0 : diag_y;
	int col = (w - 3) / 2;
	char head[2][300], sum[256];
	for (int s = 0; s < 2; s++) {
		const struct nfp_packet *p = s ? pb : pa;
		render_packet_summary(u->t, p, sum, sizeof(sum));
		snprintf(head[s], sizeof(head[s]), " %s %zu: %s, ct %s", s ? "B" : "A", u->t->pkt_base + (s ? u->cb : u->ca) + 1,
			 sum, capture_packet_ct_name(p));
	}
	tui_fill(y0, 0, w, A_UNDERLINE);
	tui_put_text(y0, 0, col, head[0], A_BOLD | A_UNDERLINE, tui_pair(u, RF_ONLY_A));
	tui_put_text(y0, col + 3, col, head[1], A_BOLD | A_UNDERLINE, tui_pair(u, RF_ONLY_B));
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
		tui_fill(yy, 0, w, a);
		short pa_pair = row->b < 0 ? tui_pair(u, RF_ONLY_A) : 0, pb_pair = row->a < 0 ? tui_pair(u, RF_ONLY_B) : 0;
		tui_put_text(yy, 0, col, ca, a | (row->b < 0 ? A_BOLD : 0), pa_pair);
		const char *mid = row->a < 0	 ? (u->ascii ? " > " : " \xe2\x96\xb6 ")
				  : row->b < 0 ? (u->ascii ? " < " : " \xe2\x97\x80 ")
					       : (u->ascii ? " | " : " \xe2\x94\x82 ");
		tui_put_text(yy, col, 3, mid, a | A_BOLD, 0);
		tui_put_text(yy, col + 3, col, cb, a | (row->a < 0 ? A_BOLD : 0), pb_pair);
	}
	int wy = y0 + 1 + rows;
	const char *s = words.p ? words.p : "";
	for (int k = 0; k < nwords && *s; k++) {
		const char *nl = strchr(s, '\n');
		char line[300];
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		snprintf(line, sizeof(line), " %.*s", (int)(l < 290 ? l : 290), s);
		tui_put_text(wy + k, 0, w, line, A_BOLD, 0);
		s += l + (nl ? 1 : 0);
	}
	capture_buf_free(&words);
}

static enum tui_key_result key(struct tui *u, int ch)
{
	switch (ch) {
	case 27:
		tui_open_view(u, &tui_view_main);
		break;
	case 'n':
	case KEY_RIGHT:
	case 'j':
	case KEY_DOWN:
		if (u->crow + 1 < u->al.n)
			u->crow++;
		break;
	case 'p':
	case KEY_LEFT:
	case 'k':
	case KEY_UP:
		if (u->crow)
			u->crow--;
		break;
	case KEY_HOME:
		u->crow = 0;
		break;
	case KEY_END:
		u->crow = u->al.n ? u->al.n - 1 : 0;
		break;
	default:
		return TUI_KEY_UNHANDLED;
	}
	return TUI_KEY_HANDLED;
}

static void mouse(struct tui *u, const MEVENT *ev)
{
	if ((ev->bstate & BUTTON4_PRESSED) && u->crow)
		u->crow--;
	else if ((ev->bstate & BUTTON5_PRESSED) && u->crow + 1 < u->al.n)
		u->crow++;
}

static void status(struct tui *u, char *out, size_t cap)
{
	char base[128];
	tui_view_main.status(u, base, sizeof(base));
	snprintf(out, cap, "%s | compare %zu vs %zu row %zu/%zu", base, u->t->pkt_base + u->ca + 1,
		 u->t->pkt_base + u->cb + 1, u->crow + 1, u->al.n);
}

const struct tui_view tui_view_compare = { "compare", draw, key, mouse, status };
