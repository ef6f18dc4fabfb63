/* view_main: the explorer's main screen (view.h): the diagram with the
 * selected packet's route, the packet list, its hops and the hop detail.
 *
 * A packet line on top says what the selected packet is. Below it, by
 * size: the richest diagram that leaves eight rows puts the packets, hops
 * and hop detail side by side under it (from 187 columns with full
 * labels); very wide terminals put the boxed diagram left and the panes
 * right; small ones (80x24) show one area at a time, Tab cycles through
 * them, the diagram's last line names the codes on the packet's route and
 * z lists the route's boxes with their full names. */
#include "view.h"

#include "../capture/query.h"
#include "../render/explain.h"
#include "../render/picture.h"
#include "../render/text.h"

#include <stdio.h>
#include <string.h>

static const char *ct_short(const struct nfp_packet *p)
{
	static const char *const n[] = { "?", "new", "est", "rel", "inv", "unt" };
	if (p->flow == NFP_NONE)
		return "";
	if (p->ct == NFP_CT_UNKNOWN && p->ct_kernel)
		return "-"; /* the kernel says: not tracked */
	return p->ct < sizeof(n) / sizeof(n[0]) ? n[p->ct] : "?";
}

/* rows [top, top+rows) of a list of n keeping sel in view */
static long list_top(long sel, long n, int rows)
{
	long top = sel < 0 ? 0 : sel - rows / 2;
	if (top + rows > n)
		top = n - rows;
	return top < 0 ? 0 : top;
}

static void draw_packets(struct tui *u, int y, int x, int w, int h)
{
	char title[160];
	size_t npk = tui_shown_count(u);
	if (u->filter[0])
		snprintf(title, sizeof(title), " Packets: %zu of %zu match /%s%s ", u->nvis, npk, u->filter,
			 u->follow ? "  [follow]" : "");
	else
		snprintf(title, sizeof(title), " Packets %zu%s ", u->nvis, u->follow ? "  [follow]" : "");
	tui_pane_title(y, x, w, title, u->focus == P_PACKETS);
	/* columns: number, flow, direction, conntrack state, the packet, hops */
	size_t maxn = capture_trace_first(u->t) + npk - 1; /* the last number listed */
	int nw = maxn >= 10000 ? 6 : maxn >= 1000 ? 4 : 3;
	int fw = capture_trace_flows_total(u->t) >= 100 ? 5 : 3; /* "f12" */
	int pw = w - (nw + 1 + fw + 1 + 1 + 1 + 3 + 1) - 5;
	if (h >= 4) {
		char head[256];
		snprintf(head, sizeof(head), "%*s %-*s %s %-3s %-*s %4s", nw, "#", fw, "fl", " ", "ct", pw > 0 ? pw : 0,
			 "packet", "hops");
		tui_put_fit(u, y + 1, x, w, head, A_DIM, 0);
		y++;
		h--;
	}
	int rows = h - 1;
	long top = list_top(tui_vis_pos(u), (long)u->nvis, rows);
	u->at[P_PACKETS] = (struct pane_at){ y, x, w, h, top };
	for (int r = 0; r < rows && top + r < (long)u->nvis; r++) {
		size_t num = u->vis[top + r];
		const struct nfp_packet *p = capture_trace_packet(u->t, num);
		char pl[512], line[800], flow[16], fate[128];
		const char *dir = p->dir == NFP_DIR_REPLY ? (u->ascii ? "<" : "\xe2\x86\x90") : (u->ascii ? ">" : "\xe2\x86\x92");
		if (p->flow == NFP_NONE)
			snprintf(flow, sizeof(flow), "f?");
		else
			snprintf(flow, sizeof(flow), "f%u", p->flow + 1);
		const char *fa = tui_fate(u, p, fate, sizeof(fate));
		if (fa && pw < 60) {
			/* a narrow list keeps the fate's sign and word ("✗ drop"):
			 * the packet line on top has where */
			char *sp = strchr(fate, ' ');
			if (sp && (sp = strchr(sp + 1, ' ')))
				*sp = '\0';
		}
		render_packet_line(u->t, p, fa, 0, pw > 8 ? pw : 8, u->ascii, pl, sizeof(pl));
		int pad = pw - render_cols(pl, strlen(pl));
		snprintf(line, sizeof(line), "%*zu %-*s %s %-3s %s%*s %4u", nw, num, fw, flow, dir, ct_short(p),
			 pl, pad > 0 ? pad : 0, "", p->nhops);
		attr_t a = num == u->sel ? A_REVERSE : 0;
		tui_fill(y + 1 + r, x, w, a);
		tui_put_fit(u, y + 1 + r, x, w, line, a, 0);
	}
}

static void draw_hops(struct tui *u, int y, int x, int w, int h)
{
	const struct nfp_packet *p = tui_selected(u);
	char title[96];
	if (p)
		snprintf(title, sizeof(title), " Hops of packet %zu (%u) ", u->sel, p->nhops);
	else
		snprintf(title, sizeof(title), " Hops ");
	tui_pane_title(y, x, w, title, u->focus == P_HOPS);
	if (!p)
		return;
	/* a host column only when the trace has several hosts: as wide as
	 * this packet's longest host name, within a quarter of the pane (at
	 * least 12); a longer name loses its middle, not the end that tells
	 * two namespaces of one machine apart */
	int hw = 0;
	if (capture_trace_many_hosts(u->t) && w >= 30) {
		uint32_t hs[16];
		int nh = render_packet_hosts(u->t, p, hs, 16), longest = 0;
		for (int k = 0; k < nh; k++) {
			int l = (int)capture_str_len(u->t, hs[k]);
			longest = l > longest ? l : longest;
		}
		int most = w / 4 > 12 ? w / 4 : 12;
		hw = longest + 1 < 8 ? 8 : longest + 1 > most ? most : longest + 1;
	}
	if (h >= 4) {
		char head[96];
		snprintf(head, sizeof(head), "  %-*s  # layer box [chain] what happened", hw > 1 ? hw - 1 : 1, "host");
		tui_put_fit(u, y + 1, x, w, hw ? head : "    # layer box [chain] what happened", A_DIM, 0);
		y++;
		h--;
	}
	int rows = h - 1;
	long top = list_top((long)u->hop, (long)p->nhops, rows);
	u->at[P_HOPS] = (struct pane_at){ y, x, w, h, top };
	for (int r = 0; r < rows && top + r < (long)p->nhops; r++) {
		uint32_t k = (uint32_t)(top + r);
		char cell[512];
		render_compare_cell(u->t, p, (int32_t)k, cell, sizeof(cell), w > 2 + hw ? w - 2 - hw : 1, u->ascii);
		attr_t a = k == u->hop ? A_REVERSE | A_BOLD : 0;
		tui_fill(y + 1 + r, x, w, a);
		tui_put_text(y + 1 + r, x, 2, k == u->hop ? (u->ascii ? ">" : "\xe2\x96\xb6") : " ", a, 0);
		if (hw) {
			uint32_t host = capture_packet_hop(u->t, p, k)->host;
			/* a host name is input: escaped before it is drawn */
			struct capture_buf hb = { 0 };
			if (host)
				render_esc(&hb, capture_str(u->t, host), capture_str_len(u->t, host), u->ascii);
			char fit[256];
			render_fit_middle(fit, sizeof(fit), hb.p ? hb.p : "?", hw - 1, u->ascii);
			tui_put_text(y + 1 + r, x + 2, hw - 1, fit, a | A_DIM, 0);
			capture_buf_free(&hb);
		}
		tui_put_text(y + 1 + r, x + 2 + hw, w - 2 - hw, cell, a, 0);
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
	char ports[512], line[600];
	if (render_bridge_ports(u->t, p, u->hop, u->ascii, ports, sizeof(ports))) {
		/* the ip family names only the bridge: its ports come from the
		 * packet's bridge hops */
		int n = snprintf(line, sizeof(line), "ports     %s (from this packet's bridge hops)\n", ports);
		capture_buf_put(&b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	capture_buf_putc(&b, '\n');
	render_explain(&b, u->t, u->d, p, u->hop);
	if (b.p)
		tui_wrap(u, y + 1, x, w, h - 1, b.p, 0);
	capture_buf_free(&b);
}

static void draw_diagram(struct tui *u, int y, int x, int w, int h)
{
	render_route_clear(&u->route);
	char detail[512] = "", caption[512] = "", label[320] = "";
	const struct nfp_packet *p = tui_selected(u);
	if (p) {
		/* a journey over several hosts: the diagram is one host's
		 * netfilter, the selected hop's (h goes to the next host) */
		uint32_t host = render_journey_host(u->t, p, u->hop, label, sizeof(label), u->ascii);
		render_route_add_host(&u->route, u->d, u->t, p, (int)u->hop, 0, host);
		if (p->nhops)
			render_hop_detail(u->t, p, u->hop, detail, sizeof(detail));
		render_route_caption(u->t, p, caption, sizeof(caption), u->ascii);
	}
	tui_draw_diagram(u, y, x, w, h, detail, caption, label);
	u->at[P_DIAGRAM] = (struct pane_at){ y, x, w, h, 0 };
}

/* "rP=raw PREROUTING", "NP=eb nat PREROUTING", "B=bridging decision" */
static void box_key(const struct tui *u, int node, char *out, size_t cap)
{
	const char *id = render_diagram_node_id(u->d, node);
	const char *slash = strchr(id, '/');
	char name[64];
	if (render_diagram_node_is_chain(u->d, node) && slash) {
		snprintf(name, sizeof(name), "%s", slash + 1);
		for (char *c = name; *c; c++)
			if (*c == ':')
				*c = ' ';
	} else {
		render_diagram_node_name(u->d, node, name, sizeof(name));
	}
	snprintf(out, cap, "%s=%s", render_diagram_node_code(u->d, node), name);
}

/* the boxes of p's hops in order, a box once per visit; *cur: the visit
 * holding the current hop */
static int route_boxes(const struct tui *u, const struct nfp_packet *p, int *nodes, uint32_t *first, uint32_t *last,
		       int max, int *cur)
{
	int n = 0;
	*cur = -1;
	for (uint32_t k = 0; k < p->nhops; k++) {
		int node = render_hop_node(u->d, u->t, p, k);
		if (node < 0)
			continue;
		if (!n || nodes[n - 1] != node) {
			if (n == max)
				break;
			nodes[n] = node;
			first[n] = last[n] = k;
			n++;
		} else {
			last[n - 1] = k;
		}
		if (k <= u->hop)
			*cur = n - 1;
	}
	return n;
}

/* One line naming the codes on the small diagram, from the current hop's
 * box on: "key: rP=raw PREROUTING  nP=nat PREROUTING ..." */
static void draw_key_strip(struct tui *u, int y, int w)
{
	const struct nfp_packet *p = tui_selected(u);
	if (!p)
		return;
	int nodes[256], cur;
	uint32_t first[256], last[256];
	int n = route_boxes(u, p, nodes, first, last, 256, &cur);
	char line[1024];
	size_t o = (size_t)snprintf(line, sizeof(line), "key:");
	int items = 0;
	for (int i = cur < 0 ? 0 : cur; i < n && o < sizeof(line); i++) {
		char k[96];
		box_key(u, nodes[i], k, sizeof(k));
		int dup = 0;
		for (int j = cur < 0 ? 0 : cur; j < i && !dup; j++)
			dup = strcmp(render_diagram_node_code(u->d, nodes[j]), render_diagram_node_code(u->d, nodes[i])) == 0 &&
			      nodes[j] == nodes[i];
		if (dup)
			continue;
		if (render_cols(line, o) + 2 + (int)strlen(k) > w)
			break;
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s", items++ ? "  " : " ", k);
	}
	tui_fill(y, 0, w, 0);
	tui_put_text(y, 0, w, line, A_DIM, 0);
}

/* z on a small screen: the boxes this packet crosses, in order, with
 * their full names, where the diagram has room only for codes */
static void draw_route_strip(struct tui *u, int y, int x, int w, int h)
{
	const struct nfp_packet *p = tui_selected(u);
	tui_pane_title(y, x, w, " Route through the diagram (z: back) ", 1);
	if (!p)
		return;
	int nodes[256], cur;
	uint32_t first[256], last[256];
	int n = route_boxes(u, p, nodes, first, last, 256, &cur);
	tui_put_fit(u, y + 1, x, w, " hops    code box                      what happened last", A_DIM, 0);
	int rows = h - 2;
	long top = list_top(cur, n, rows);
	for (int r = 0; r < rows && top + r < n; r++) {
		int i = (int)(top + r);
		char k[96], hops[24], act[160], line[512], name[96];
		box_key(u, nodes[i], k, sizeof(k));
		const char *eq = strchr(k, '=');
		snprintf(name, sizeof(name), "%s", eq ? eq + 1 : k);
		if (first[i] == last[i])
			snprintf(hops, sizeof(hops), "%u", first[i] + 1);
		else
			snprintf(hops, sizeof(hops), "%u-%u", first[i] + 1, last[i] + 1);
		render_hop_action(u->t, capture_packet_hop(u->t, p, last[i]), act, sizeof(act));
		snprintf(line, sizeof(line), "%s%-7s %-4s %-24s %s", i == cur ? (u->ascii ? ">" : "\xe2\x96\xb6") : " ", hops,
			 render_diagram_node_code(u->d, nodes[i]), name, act);
		attr_t a = i == cur ? A_REVERSE | A_BOLD : 0;
		tui_fill(y + 2 + r, x, w, a);
		tui_put_fit(u, y + 2 + r, x, w, line, a, 0);
	}
}

/* Panes side by side under the diagram: packets, hops, detail, with a
 * rule between them */
static void panes_row(struct tui *u, int y, int w, int h)
{
	int pw = w * 2 / 5, hw = (w - pw) / 2;
	int dw = w - pw - hw - 2;
	draw_packets(u, y, 0, pw, h);
	tui_vrule(u, y, pw, h);
	draw_hops(u, y, pw + 1, hw, h);
	tui_vrule(u, y, pw + 1 + hw, h);
	draw_detail(u, y, pw + hw + 2, dw, h);
}

/* Panes stacked right of the diagram */
static void panes_column(struct tui *u, int y, int x, int w, int h)
{
	int ph = h / 3, hh = h / 3;
	draw_packets(u, y, x, w, ph);
	draw_hops(u, y + ph, x, w, hh);
	draw_detail(u, y + ph + hh, x, w, h - ph - hh);
}

static void draw(struct tui *u, int body, int w)
{
	const struct nfp_packet *p = tui_selected(u);
	/* the packet line: what this packet is, at every size */
	if (p) {
		char lead[48];
		snprintf(lead, sizeof(lead), " packet %zu: ", u->sel);
		tui_packet_line(u, 0, 0, w, lead, p, A_BOLD, 0);
	} else if (u->filter[0] && capture_trace_count(u->t)) {
		tui_put_fit(u, 0, 0, w, " no packet matches the filter (Esc clears it)", A_BOLD, 0);
	} else {
		tui_put_fit(u, 0, 0, w, " no packets yet", A_BOLD, 0);
	}
	int y0 = 1, avail = body - 1;
	int full_w, full_h, dw, dh;
	render_diagram_fit(u->d, w, avail, &full_w, &full_h);
	if (u->zoom && avail >= 30) {
		draw_diagram(u, y0, 0, w, avail);
		return;
	}
	if (w >= 187 + 40 && avail >= 48) {
		/* the boxed diagram left, panes right */
		render_diagram_fit(u->d, w - 40, avail, &dw, &dh);
		draw_diagram(u, y0, 0, dw + 1, avail);
		tui_vrule(u, y0, dw + 1, avail);
		panes_column(u, y0, dw + 2, w - dw - 2, avail);
		return;
	}
	/* the richest diagram that leaves eight rows for the panes below */
	render_diagram_fit(u->d, w, avail - 8, &dw, &dh);
	if (dh && w >= 160 && dw < 120 && avail >= 30) {
		/* short labels only: the diagram left, panes right */
		render_diagram_fit(u->d, w - 60, avail, &dw, &dh);
		if (dw) {
			draw_diagram(u, y0, 0, dw + 1, avail);
			tui_vrule(u, y0, dw + 1, avail);
			panes_column(u, y0, dw + 2, w - dw - 2, avail);
			return;
		}
	}
	if (dh && avail - dh >= 8) {
		/* the caption under the legend when one more row is free */
		int dhh = avail - dh >= 12 ? dh + 1 : dh;
		draw_diagram(u, y0, 0, w, dhh);
		panes_row(u, y0 + dhh, w, avail - dhh);
		return;
	}
	/* one area at a time; the diagram keeps a line for its key */
	switch (u->focus) {
	case P_PACKETS:
		draw_packets(u, y0, 0, w, avail);
		break;
	case P_HOPS:
		draw_hops(u, y0, 0, w, avail);
		break;
	case P_DETAIL:
		draw_detail(u, y0, 0, w, avail);
		break;
	default:
		if (u->zoom) {
			draw_route_strip(u, y0, 0, w, avail);
		} else {
			draw_diagram(u, y0, 0, w, avail - 1);
			draw_key_strip(u, y0 + avail - 1, w);
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
		size_t nx = p ? capture_query_next(u->t, u->sel, CAPTURE_NEXT_ANY) : 0;
		if (!nx)
			snprintf(u->msg, sizeof(u->msg), "no later packet in this flow");
		else
			tui_select_packet(u, nx);
		break;
	}
	case 'c':
		if (p)
			tui_open_compare(u, capture_query_next(u->t, u->sel, CAPTURE_NEXT_SAME_DIR),
					 "later packet of this flow and direction");
		break;
	case 'r':
		if (p)
			tui_open_compare(u, capture_query_next(u->t, u->sel, CAPTURE_NEXT_OTHER_DIR),
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
	case 'h': {
		long nx = p ? render_next_host_hop(u->t, p, u->hop) : -1;
		if (nx < 0)
			snprintf(u->msg, sizeof(u->msg), "this packet crossed one host");
		else
			u->hop = (uint32_t)nx;
		break;
	}
	case 'z':
		u->zoom = !u->zoom;
		if (u->zoom)
			u->focus = P_DIAGRAM;
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
	snprintf(u->msg, sizeof(u->msg), "packet %zu has no hop at %s", u->sel, label);
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
	size_t npk = tui_shown_count(u);
	if (!p && u->filter[0] && npk) {
		snprintf(out, cap, "no packet of %zu matches /%s", npk, u->filter);
		return;
	}
	snprintf(out, cap, "packet %zu/%zu | hop %u/%u", p ? u->sel : 0, capture_trace_first(u->t) + npk - 1,
		 p && p->nhops ? u->hop + 1 : 0, p ? p->nhops : 0);
}

const struct tui_view tui_view_main = { "main", draw, key, mouse, status };
