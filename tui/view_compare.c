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
	char detail[512] = "", label[320] = "";
	const struct nfp_packet *pa = capture_trace_packet(u->t, u->ca), *pb = capture_trace_packet(u->t, u->cb);
	uint32_t host = 0;
	if (u->al.n) {
		/* journeys over several hosts: both routes on the current row's host */
		const struct render_align_row *row = &u->al.rows[u->crow];
		host = row->a >= 0 ? render_journey_host(u->t, pa, (uint32_t)row->a, label, sizeof(label), u->ascii)
				   : render_journey_host(u->t, pb, (uint32_t)row->b, label, sizeof(label), u->ascii);
	}
	render_route_add_host(&u->route, u->d, u->t, pa, -1, RN_A, host);
	render_route_add_host(&u->route, u->d, u->t, pb, -1, RN_B, host);
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
	tui_draw_diagram(u, y, x, w, h, detail, NULL, label);
}

static void draw(struct tui *u, int body, int w)
{
	const struct nfp_packet *pa = capture_trace_packet(u->t, u->ca), *pb = capture_trace_packet(u->t, u->cb);
	/* both packets, each on its own full line */
	char lead[48];
	snprintf(lead, sizeof(lead), " A %zu: ", u->ca);
	tui_packet_line(u, 0, 0, w, lead, pa, A_BOLD, tui_pair(u, RF_ONLY_A));
	snprintf(lead, sizeof(lead), " B %zu: ", u->cb);
	tui_packet_line(u, 1, 0, w, lead, pb, A_BOLD, tui_pair(u, RF_ONLY_B));
	int y0 = 2, avail = body - 2;
	/* the differences in words, wrapped, at the bottom */
	struct capture_buf words = { 0 }, wrapped = { 0 };
	render_compare_words(&words, u->t, u->ca, u->cb, &u->al);
	int nwords = render_wrap(&wrapped, words.p ? words.p : "", w - 1, u->ascii);
	if (nwords < 0)
		nwords = 0;
	int maxwords = avail / 3;
	int showwords = nwords > maxwords ? maxwords : nwords;
	/* both routes on the diagram above the rows when that leaves room for
	 * a dozen rows; otherwise the rows take the whole height */
	int dw, dh;
	render_diagram_fit(u->d, w, avail - showwords - 13, &dw, &dh);
	if (dh) {
		draw_diagram(u, y0, 0, w, dh);
		y0 += dh;
		avail -= dh;
	}
	int col = (w - 3) / 2;
	char head[2][400];
	for (int side = 0; side < 2; side++) {
		/* journeys over several hosts: the host each side is on at the
		 * current row (its nearest hop at or above it) */
		char on[320] = "";
		for (long i = (long)u->crow; capture_trace_many_hosts(u->t) && i >= 0 && i < (long)u->al.n; i--) {
			int32_t k = side ? u->al.rows[i].b : u->al.rows[i].a;
			if (k < 0)
				continue;
			uint32_t host = capture_packet_hop(u->t, side ? pb : pa, (uint32_t)k)->host;
			if (host) {
				struct capture_buf hb = { 0 };
				render_esc(&hb, capture_str(u->t, host), capture_str_len(u->t, host), u->ascii);
				snprintf(on, sizeof(on), " on %s", hb.p ? hb.p : "");
				capture_buf_free(&hb);
			}
			break;
		}
		/* narrow columns keep the host rather than the column names */
		snprintf(head[side], sizeof(head[side]),
			 on[0] && col < 60 ? "   # packet %zu%s" : "   # layer box [chain] what (packet %zu%s)",
			 side ? u->cb : u->ca, on);
	}
	tui_fill(y0, 0, w, A_UNDERLINE);
	tui_put_fit(u, y0, 0, col, head[0], A_UNDERLINE | A_DIM, 0);
	tui_put_fit(u, y0, col + 3, col, head[1], A_UNDERLINE | A_DIM, 0);
	int rows = avail - 1 - showwords;
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
	const char *s = wrapped.p ? wrapped.p : "";
	for (int k = 0; k < showwords && *s; k++) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);
		char line[1024];
		if (k == showwords - 1 && showwords < nwords)
			snprintf(line, sizeof(line), " ... %d more lines (nfpath --compare %zu,%zu prints them all)",
				 nwords - showwords + 1, u->ca, u->cb);
		else
			snprintf(line, sizeof(line), " %.*s", (int)(l < 1000 ? l : 1000), s);
		tui_put_fit(u, wy + k, 0, w, line, A_BOLD, 0);
		s += l + (nl ? 1 : 0);
	}
	capture_buf_free(&words);
	capture_buf_free(&wrapped);
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
	snprintf(out, cap, "%s | compare %zu vs %zu row %zu/%zu", base, u->ca,
		 u->cb, u->crow + 1, u->al.n);
}

const struct tui_view tui_view_compare = { "compare", draw, key, mouse, status };
