/* view_main: the explorer's main screen (view.h): the diagram with the
 * selected packet's route, the packet list, its hops and the hop detail.
 *
 * Layout by size: wide terminals put the diagram left and the panes
 * right; tall ones put the panes below; small ones (80x24) show one area
 * at a time and Tab cycles through them. */
#include "view.h"

#include "../capture/query.h"
#include "../render/explain.h"
#include "../render/picture.h"
#include "../render/text.h"

#include <stdio.h>
#include <string.h>

static void draw_packets(struct tui *u, int y, int x, int w, int h)
{
	char title[128];
	snprintf(title, sizeof(title), " Packets %zu%s%s%s ", u->nvis, u->filter[0] ? "  filter: " : "", u->filter,
		 u->follow ? "  [follow]" : "");
	tui_pane_title(y, x, w, title, u->focus == P_PACKETS);
	int rows = h - 1;
	long pos = tui_vis_pos(u);
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
			 p->flow == NFP_NONE ? "" : capture_packet_ct_name(p), sum, p->nhops);
		attr_t a = i == u->sel ? A_REVERSE : 0;
		tui_fill(y + 1 + r, x, w, a);
		tui_put_text(y + 1 + r, x, w, line, a, 0);
	}
}

static void draw_hops(struct tui *u, int y, int x, int w, int h)
{
	const struct nfp_packet *p = tui_selected(u);
	char title[96];
	snprintf(title, sizeof(title), " Hops of packet %zu ", p ? u->t->pkt_base + u->sel + 1 : 0);
	tui_pane_title(y, x, w, title, u->focus == P_HOPS);
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
		tui_fill(y + 1 + r, x, w, a);
		tui_put_text(y + 1 + r, x, 2, k == u->hop ? (u->ascii ? ">" : "\xe2\x96\xb6") : " ", a, 0);
		tui_put_text(y + 1 + r, x + 2, w - 2, cell, a, 0);
	}
}

static void draw_detail(struct tui *u, int y, int x, int w, int h)
{
	const struct nfp_packet *p = tui_selected(u);
	char title[64];
	if (p)
		snprintf(title, sizeof(title), " Hop %u/%u ", u->hop + 1, p->nhops);
	else
		snprintf(title, sizeof(title), " Hop ");
	tui_pane_title(y, x, w, title, u->focus == P_DETAIL);
	if (!p || !p->nhops)
		return;
	struct capture_buf b = { 0 };
	render_hop_fields(&b, u->t, p, u->hop, u->ascii);
	capture_buf_putc(&b, '\n');
	render_explain(&b, u->t, u->d, p, u->hop);
	if (b.p)
		tui_wrap(y + 1, x, w, h - 1, b.p, 0);
	capture_buf_free(&b);
}

static void draw_diagram(struct tui *u, int y, int x, int w, int h)
{
	render_route_clear(&u->route);
	char detail[512] = "", caption[512] = "";
	const struct nfp_packet *p = tui_selected(u);
	if (p) {
		render_route_add(&u->route, u->d, u->t, p, (int)u->hop, 0);
		if (p->nhops)
			render_hop_detail(u->t, p, u->hop, detail, sizeof(detail));
		render_route_caption(u->t, p, caption, sizeof(caption), u->ascii);
	}
	tui_draw_diagram(u, y, x, w, h, detail, caption);
	u->at[P_DIAGRAM] = (struct pane_at){ y, x, w, h, 0 };
}

static void draw(struct tui *u, int body, int w)
{
	if (u->zoom) {
		draw_diagram(u, 0, 0, w, body);
	} else if (w >= 160 && body >= 30) {
		/* diagram left, panes right */
		int lw = w - 60 < 105 ? w - 60 : 105;
		if (w >= 260 && body >= 48)
			lw = 199;
		int rw = w - lw - 1;
		draw_diagram(u, 0, 0, lw, body);
		int ph = body / 3, hh = body / 3;
		draw_packets(u, 0, lw + 1, rw, ph);
		draw_hops(u, ph, lw + 1, rw, hh);
		draw_detail(u, ph + hh, lw + 1, rw, body - ph - hh);
	} else if (body >= 36) {
		/* diagram above, panes below */
		int dhh = body - 10;
		draw_diagram(u, 0, 0, w, dhh);
		int pw = w / 3;
		draw_packets(u, dhh, 0, pw, body - dhh);
		draw_hops(u, dhh, pw, pw, body - dhh);
		draw_detail(u, dhh, 2 * pw, w - 2 * pw, body - dhh);
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
			draw_detail(u, 0, 0, w, body);
			break;
		default:
			draw_diagram(u, 0, 0, w, body);
		}
	}
}

static enum tui_key_result key(struct tui *u, int ch)
{
	const struct nfp_packet *p = tui_selected(u);
	switch (ch) {
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
		tui_move_packet(u, 1);
		break;
	case 'k':
	case KEY_UP:
		tui_move_packet(u, -1);
		break;
	case KEY_NPAGE:
		tui_move_packet(u, 10);
		break;
	case KEY_PPAGE:
		tui_move_packet(u, -10);
		break;
	case 'f': {
		long nx = p ? capture_packet_next_in_flow(u->t, u->sel, CAPTURE_NEXT_ANY) : -1;
		if (nx < 0)
			snprintf(u->msg, sizeof(u->msg), "no later packet in this flow");
		else
			tui_select_packet(u, (size_t)nx);
		break;
	}
	case 'c':
		if (p)
			tui_open_compare(u, capture_packet_next_in_flow(u->t, u->sel, CAPTURE_NEXT_SAME_DIR),
					 "later packet of this flow and direction");
		break;
	case 'r':
		if (p)
			tui_open_compare(u, capture_packet_next_in_flow(u->t, u->sel, CAPTURE_NEXT_OTHER_DIR),
					 "packet of the other direction");
		break;
	case 27:
		u->zoom = 0;
		u->filter[0] = '\0';
		tui_refilter(u);
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
	default:
		return TUI_KEY_UNHANDLED;
	}
	return TUI_KEY_HANDLED;
}

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
	const struct nfp_packet *p = tui_selected(u);
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

static void mouse(struct tui *u, const MEVENT *ev)
{
	int wheel = (ev->bstate & BUTTON4_PRESSED) ? -1 : (ev->bstate & BUTTON5_PRESSED) ? 1 : 0;
	int click = !!(ev->bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED));
	const struct nfp_packet *p = tui_selected(u);
	long r;
	if (wheel) {
		/* the wheel scrolls what it is over: hops there, packets elsewhere */
		if (p && u->at[P_HOPS].h && row_in(u, P_HOPS, ev->y, ev->x) >= 0) {
			if (wheel < 0 && u->hop)
				u->hop--;
			else if (wheel > 0 && u->hop + 1 < p->nhops)
				u->hop++;
		} else {
			tui_move_packet(u, wheel);
		}
		return;
	}
	if (!click)
		return;
	if ((r = row_in(u, P_PACKETS, ev->y, ev->x)) >= 0) {
		u->focus = P_PACKETS;
		if (r < (long)u->nvis)
			tui_select_packet(u, u->vis[r]);
	} else if ((r = row_in(u, P_HOPS, ev->y, ev->x)) >= 0) {
		u->focus = P_HOPS;
		if (p && r < (long)p->nhops)
			u->hop = (uint32_t)r;
	} else if (p && p->nhops && u->at[P_DIAGRAM].h) {
		const struct pane_at *a = &u->at[P_DIAGRAM];
		int n = render_diagram_node_at(u->d, a->w, a->h, ev->x - a->x, ev->y - a->y);
		if (n >= 0)
			click_box(u, n);
	}
}

static void status(struct tui *u, char *out, size_t cap)
{
	const struct nfp_packet *p = tui_selected(u);
	size_t npk = u->paused ? u->shown : u->t->npkts;
	snprintf(out, cap, "packet %zu/%zu | hop %u/%u", p ? u->t->pkt_base + u->sel + 1 : 0, u->t->pkt_base + npk,
		 p && p->nhops ? u->hop + 1 : 0, p ? p->nhops : 0);
}

const struct tui_view tui_view_main = { "main", draw, key, mouse, status };
