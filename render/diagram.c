/* diagram: description parser, route over the graph, layout and drawing
 * (see diagram.h). */
#include "diagram.h"

#include "../capture/box.h"
#include "../capture/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CLS_EB, CLS_IP, CLS_CT, CLS_NFT, CLS_OTHER };

struct node {
	char id[40];
	int cls, col, row;
	char full[2][16], mid[2][8], tiny[4];
};

struct span {
	int a, b;
	char name[16];
};

struct render_diagram {
	struct node *nodes;
	int nnodes, ncols, nrows;
	int (*edges)[2];
	int nedges;
	struct span bands[8], frames[8];
	int nbands, nframes;
};

static const char *const cls_names[] = { "eb", "ip", "ct", "nft", "other" };

static void split2(const char *s, char out[2][16], size_t cap)
{
	const char *bar = strchr(s, '|');
	size_t a = bar ? (size_t)(bar - s) : strlen(s);
	snprintf(out[0], cap, "%.*s", (int)a, s);
	snprintf(out[1], cap, "%s", bar ? bar + 1 : "");
}

struct render_diagram *render_diagram_parse(const char *text, size_t len, char *err, size_t cap)
{
	struct render_diagram *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	int lineno = 0;
	size_t capn = 0, cape = 0;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - text - off) : len - off;
		char line[256];
		lineno++;
		if (ll >= sizeof(line)) {
			snprintf(err, cap, "line %d: too long", lineno);
			goto fail;
		}
		memcpy(line, text + off, ll);
		line[ll] = '\0';
		off += ll + 1;
		char *tok[10];
		int nt = 0;
		for (char *p = strtok(line, " \t\r"); p && nt < 10; p = strtok(NULL, " \t\r"))
			tok[nt++] = p;
		if (nt == 0 || tok[0][0] == '#')
			continue;
		if (strcmp(tok[0], "node") == 0) {
			if (nt != 8) {
				snprintf(err, cap, "line %d: node wants ID CLASS COL ROW FULL MID TINY", lineno);
				goto fail;
			}
			if (capture_grow((void **)&d->nodes, &capn, (size_t)d->nnodes + 1, sizeof(*d->nodes)) < 0)
				goto nomem;
			struct node *n = &d->nodes[d->nnodes];
			memset(n, 0, sizeof(*n));
			snprintf(n->id, sizeof(n->id), "%s", tok[1]);
			n->cls = -1;
			for (int c = 0; c < 5; c++)
				if (strcmp(tok[2], cls_names[c]) == 0)
					n->cls = c;
			n->col = atoi(tok[3]);
			n->row = atoi(tok[4]);
			if (n->cls < 0 || n->col < 0 || n->col >= 32 || n->row < 0 || n->row >= 16) {
				snprintf(err, cap, "line %d: bad class or position", lineno);
				goto fail;
			}
			split2(tok[5], n->full, sizeof(n->full[0]));
			char mid[2][16];
			split2(tok[6], mid, sizeof(mid[0]));
			snprintf(n->mid[0], sizeof(n->mid[0]), "%.7s", mid[0]);
			snprintf(n->mid[1], sizeof(n->mid[1]), "%.7s", mid[1]);
			snprintf(n->tiny, sizeof(n->tiny), "%.3s", tok[7]);
			for (int i = 0; i < d->nnodes; i++)
				if (d->nodes[i].col == n->col && d->nodes[i].row == n->row) {
					snprintf(err, cap, "line %d: %s sits on %s", lineno, n->id, d->nodes[i].id);
					goto fail;
				}
			if (n->col + 1 > d->ncols)
				d->ncols = n->col + 1;
			if (n->row + 1 > d->nrows)
				d->nrows = n->row + 1;
			d->nnodes++;
		} else if (strcmp(tok[0], "edge") == 0) {
			if (nt != 3) {
				snprintf(err, cap, "line %d: edge wants FROM TO", lineno);
				goto fail;
			}
			int a = render_diagram_find(d, tok[1]), b = render_diagram_find(d, tok[2]);
			if (a < 0 || b < 0) {
				snprintf(err, cap, "line %d: edge names an unknown node", lineno);
				goto fail;
			}
			if (capture_grow((void **)&d->edges, &cape, (size_t)d->nedges + 1, sizeof(*d->edges)) < 0)
				goto nomem;
			d->edges[d->nedges][0] = a;
			d->edges[d->nedges][1] = b;
			d->nedges++;
		} else if (strcmp(tok[0], "band") == 0 || strcmp(tok[0], "frame") == 0) {
			int isband = tok[0][0] == 'b';
			struct span *sp = isband ? d->bands : d->frames;
			int *n = isband ? &d->nbands : &d->nframes;
			if (nt != 4 || *n == 8) {
				snprintf(err, cap, "line %d: %s wants FROM TO NAME", lineno, tok[0]);
				goto fail;
			}
			sp[*n].a = atoi(tok[1]);
			sp[*n].b = atoi(tok[2]);
			if (sp[*n].a < 0 || sp[*n].b < sp[*n].a || sp[*n].b >= (isband ? 16 : 32)) {
				snprintf(err, cap, "line %d: bad %s range", lineno, tok[0]);
				goto fail;
			}
			snprintf(sp[*n].name, sizeof(sp[*n].name), "%s", tok[3]);
			(*n)++;
		} else {
			snprintf(err, cap, "line %d: unknown keyword '%.20s'", lineno, tok[0]);
			goto fail;
		}
	}
	if (!d->nnodes) {
		snprintf(err, cap, "no nodes");
		goto fail;
	}
	for (int i = 0; i < d->nbands; i++)
		if (d->bands[i].b >= d->nrows) {
			snprintf(err, cap, "band %s beyond the last row", d->bands[i].name);
			goto fail;
		}
	for (int i = 0; i < d->nframes; i++)
		if (d->frames[i].b >= d->ncols) {
			snprintf(err, cap, "frame %s beyond the last column", d->frames[i].name);
			goto fail;
		}
	return d;
nomem:
	snprintf(err, cap, "out of memory");
fail:
	render_diagram_free(d);
	return NULL;
}

void render_diagram_free(struct render_diagram *d)
{
	if (!d)
		return;
	free(d->nodes);
	free(d->edges);
	free(d);
}

int render_diagram_nnodes(const struct render_diagram *d)
{
	return d->nnodes;
}

int render_diagram_find(const struct render_diagram *d, const char *id)
{
	for (int i = 0; i < d->nnodes; i++)
		if (strcmp(d->nodes[i].id, id) == 0)
			return i;
	return -1;
}

const char *render_diagram_node_id(const struct render_diagram *d, int node)
{
	return node >= 0 && node < d->nnodes ? d->nodes[node].id : "";
}

void render_diagram_node_label(const struct render_diagram *d, int node, char *out, size_t cap)
{
	if (node < 0 || node >= d->nnodes) {
		snprintf(out, cap, "?");
		return;
	}
	const struct node *n = &d->nodes[node];
	if (n->cls == CLS_EB || n->cls == CLS_IP)
		snprintf(out, cap, "%s%s / %s", n->cls == CLS_EB ? "eb " : "", n->full[0], n->full[1]);
	else
		snprintf(out, cap, "%s %s", n->full[0], n->full[1]);
}

const char *render_diagram_node_code(const struct render_diagram *d, int node)
{
	return node >= 0 && node < d->nnodes ? d->nodes[node].tiny : "?";
}

void render_diagram_node_name(const struct render_diagram *d, int node, char *out, size_t cap)
{
	if (node < 0 || node >= d->nnodes) {
		snprintf(out, cap, "?");
		return;
	}
	const struct node *n = &d->nodes[node];
	snprintf(out, cap, "%s%s%s%s", n->cls == CLS_EB ? "eb " : "", n->full[0], n->full[1][0] ? " " : "", n->full[1]);
}

int render_diagram_node_is_chain(const struct render_diagram *d, int node)
{
	return node >= 0 && node < d->nnodes && (d->nodes[node].cls == CLS_EB || d->nodes[node].cls == CLS_IP);
}

/* ---- route ------------------------------------------------------------ */

int render_route_init(struct render_route *r, const struct render_diagram *d)
{
	memset(r, 0, sizeof(*r));
	r->nnodes = d->nnodes;
	r->nedges = d->nedges;
	r->node = calloc((size_t)d->nnodes, 1);
	r->first = calloc((size_t)d->nnodes, sizeof(*r->first));
	r->count = calloc((size_t)d->nnodes, sizeof(*r->count));
	r->edge = calloc((size_t)d->nedges + 1, 1);
	r->current = -1;
	r->dead = -1;
	if (!r->node || !r->first || !r->count || !r->edge) {
		render_route_free(r);
		return -1;
	}
	return 0;
}

void render_route_free(struct render_route *r)
{
	free(r->node);
	free(r->first);
	free(r->count);
	free(r->edge);
	memset(r, 0, sizeof(*r));
}

void render_route_clear(struct render_route *r)
{
	memset(r->node, 0, (size_t)r->nnodes);
	memset(r->first, 0, (size_t)r->nnodes * sizeof(*r->first));
	memset(r->count, 0, (size_t)r->nnodes * sizeof(*r->count));
	memset(r->edge, 0, (size_t)r->nedges);
	r->current = -1;
	r->dead = -1;
}

int render_hop_node(const struct render_diagram *d, const struct capture_trace *t, const struct nfp_packet *p,
		    uint32_t hop)
{
	const struct nfp_hop *h = capture_packet_hop(t, p, hop);
	if (!h->box)
		return -1;
	if (h->box == NFP_BOX_INGRESS)
		return render_diagram_find(d, "ingress");
	if (h->box == NFP_BOX_EGRESS)
		return render_diagram_find(d, "egress");
	if (nfp_box_class(h->box) == 3)
		return render_diagram_find(d, nfp_box_name(h->box));
	const char *prefix = h->layer == NFP_LAYER_LINK ? "link/" : "net/";
	if (h->box == NFP_BOX_EB_NAT_OUTPUT || h->box == NFP_BOX_EB_FILTER_OUTPUT)
		prefix = "out/";
	if (h->box == NFP_BOX_EB_NAT_POSTROUTING) {
		/* the bridged row only when the frame was bridged, else the
		 * row of frames leaving a bridge after routing */
		prefix = "out/";
		for (uint32_t i = 0; i < p->nhops; i++)
			if (capture_packet_hop(t, p, i)->box == NFP_BOX_EB_FILTER_FORWARD)
				prefix = "link/";
	}
	char id[48];
	snprintf(id, sizeof(id), "%s%s", prefix, nfp_box_name(h->box));
	return render_diagram_find(d, id);
}

static int is_chain(const struct render_diagram *d, int n)
{
	return d->nodes[n].cls == CLS_EB || d->nodes[n].cls == CLS_IP;
}

/* shortest path a -> b along the arrows; fills prev_edge; 0 when found */
static int bfs(const struct render_diagram *d, int a, int b, int *prev_edge, int *queue)
{
	for (int i = 0; i < d->nnodes; i++)
		prev_edge[i] = -2;
	int qh = 0, qt = 0;
	queue[qt++] = a;
	prev_edge[a] = -1;
	while (qh < qt) {
		int n = queue[qh++];
		if (n == b)
			return 0;
		for (int e = 0; e < d->nedges; e++)
			if (d->edges[e][0] == n && prev_edge[d->edges[e][1]] == -2) {
				prev_edge[d->edges[e][1]] = e;
				queue[qt++] = d->edges[e][1];
			}
	}
	return -1;
}

void render_route_add(struct render_route *r, const struct render_diagram *d, const struct capture_trace *t,
		      const struct nfp_packet *p, int current, unsigned which)
{
	render_route_add_host(r, d, t, p, current, which, 0);
}

void render_route_add_host(struct render_route *r, const struct render_diagram *d, const struct capture_trace *t,
			   const struct nfp_packet *p, int current, unsigned which, uint32_t host)
{
	int *prev = malloc((size_t)d->nnodes * sizeof(int));
	int *queue = malloc((size_t)d->nnodes * sizeof(int));
	uint8_t *visited = calloc((size_t)d->nnodes, 1);
	if (!prev || !queue || !visited)
		goto out;
	int last = -1;
	for (uint32_t i = 0; i < p->nhops; i++) {
		if (host && capture_packet_hop(t, p, i)->host != host)
			continue;
		int n = render_hop_node(d, t, p, i);
		if (n < 0)
			continue;
		visited[n] = 1;
		if (!which) {
			r->node[n] |= RN_TRAVERSED;
			if (!r->first[n])
				r->first[n] = (uint16_t)(i + 1 > 65535 ? 65535 : i + 1);
			if (r->count[n] < 65535)
				r->count[n]++;
		} else {
			r->node[n] |= (uint8_t)which;
		}
		if ((int)i == current) {
			r->node[n] |= RN_CURRENT;
			r->current = n;
		}
		if (last >= 0 && last != n && bfs(d, last, n, prev, queue) == 0) {
			for (int at = n; prev[at] >= 0; at = d->edges[prev[at]][0]) {
				int e = prev[at];
				r->edge[e] |= which == RN_B ? 2 : 1;
				int via = d->edges[e][0];
				if (via != last && !visited[via])
					r->node[via] |= is_chain(d, via) ? (which ? 0 : RN_SKIPPED) : (which ? (uint8_t)which : RN_PASSED);
			}
		}
		last = n;
	}
	/* where it died (a hop without a box leaves it unmarked) */
	const struct nfp_fate *f = &p->fate;
	if ((f->kind == NFP_FATE_DROPPED || f->kind == NFP_FATE_REJECTED) && f->hop < p->nhops &&
	    (!host || capture_packet_hop(t, p, f->hop)->host == host))
		r->dead = render_hop_node(d, t, p, f->hop);
	/* a node skipped on the way but crossed later is not skipped */
	for (int n = 0; n < d->nnodes; n++)
		if (r->node[n] & RN_TRAVERSED)
			r->node[n] &= (uint8_t)~RN_SKIPPED;
out:
	free(prev);
	free(queue);
	free(visited);
}

/* The label at the right end of the first line under the frame names
 * whose last cells are blank (the Application band has room in every
 * layout); cut to what is free when no line is. */
static void put_label(struct render_canvas *c, const char *label, int below)
{
	int len = 0;
	for (const char *s = label; *s; s++)
		len += ((unsigned char)*s & 0xc0) != 0x80;
	if (len > c->w - 2)
		len = c->w - 2;
	if (len <= 0)
		return;
	for (int y = 1; y < below && y < c->h; y++) {
		int ok = 1;
		for (int x = c->w - len - 1; x < c->w && ok; x++)
			ok = render_canvas_is_free(c, x, y) || c->cells[(size_t)y * (size_t)c->w + (size_t)x].ch == ' ';
		if (ok) {
			render_canvas_text(c, c->w - len, y, label, len, RF_DEFAULT, RA_BOLD);
			return;
		}
	}
}

/* ---- layout ----------------------------------------------------------- */

/* The layouts, richest first: full labels in boxes, full labels between
 * side bars (as wide, but as low as the short one: a 200x50 explorer has
 * room for it above its panes), short labels, codes. */
static const struct tier_def {
	int labels; /* 0 full, 1 short, 2 codes */
	int boxed;  /* top and bottom borders */
} tiers[] = { { 0, 1 }, { 0, 0 }, { 1, 0 }, { 2, 0 } };
#define NTIERS ((int)(sizeof(tiers) / sizeof(tiers[0])))

struct layout {
	int tier, labels, boxed, boxh, w, h;
	int colx[32], colw[32], rowy[16];
	int legend_y;
};

static int label_w(const struct node *n, int labels)
{
	if (labels == 0)
		return (int)(strlen(n->full[0]) > strlen(n->full[1]) ? strlen(n->full[0]) : strlen(n->full[1]));
	if (labels == 1)
		return (int)(strlen(n->mid[0]) > strlen(n->mid[1]) ? strlen(n->mid[0]) : strlen(n->mid[1]));
	return (int)strlen(n->tiny);
}

/* full: boxes with top and bottom borders; short and codes: side bars */
static void lay(const struct render_diagram *d, int tier, struct layout *L)
{
	memset(L, 0, sizeof(*L));
	L->tier = tier;
	L->labels = tiers[tier].labels;
	L->boxed = tiers[tier].boxed;
	L->boxh = L->boxed ? 4 : L->labels == 2 ? 1 : 2;
	for (int c = 0; c < d->ncols; c++)
		L->colw[c] = L->labels == 2 ? 2 : 3;
	for (int i = 0; i < d->nnodes; i++) {
		int w = label_w(&d->nodes[i], L->labels);
		if (w > L->colw[d->nodes[i].col])
			L->colw[d->nodes[i].col] = w;
	}
	int x = 1;
	for (int c = 0; c < d->ncols; c++) {
		L->colx[c] = x;
		x += L->colw[c] + 1;
	}
	L->w = x;
	/* line 0: path frames; then per row a gap line and the box */
	int y = 1;
	for (int r = 0; r < d->nrows; r++) {
		y += L->boxed ? 0 : 1; /* side bars: a gap line holds hop numbers */
		L->rowy[r] = y;
		y += L->boxh + (L->boxed ? 1 : 0);
	}
	L->legend_y = y;
	L->h = y + (L->labels == 2 ? 2 : 1);
}

void render_diagram_min_size(const struct render_diagram *d, int *w, int *h)
{
	struct layout L;
	lay(d, NTIERS - 1, &L);
	*w = L.w;
	*h = L.h;
}

void render_diagram_fit(const struct render_diagram *d, int w, int h, int *used_w, int *used_h)
{
	struct layout L;
	for (int tier = 0; tier < NTIERS; tier++) {
		lay(d, tier, &L);
		if (L.w <= w && L.h <= h) {
			*used_w = L.w;
			*used_h = L.h;
			return;
		}
	}
	*used_w = *used_h = 0;
}

/* ---- drawing ---------------------------------------------------------- */

static int node_fg(const struct node *n)
{
	switch (n->cls) {
	case CLS_EB:
		return RF_EBTABLES;
	case CLS_IP:
		return RF_IPTABLES;
	case CLS_CT:
		return RF_CONNTRACK;
	case CLS_NFT:
		return RF_NFT;
	default:
		return RF_OTHER;
	}
}

static void hline(struct render_canvas *c, int x0, int x1, int y, unsigned extra)
{
	for (int x = x0; x <= x1; x++) {
		unsigned m = extra;
		if (x > x0)
			m |= RL_LEFT;
		if (x < x1)
			m |= RL_RIGHT;
		render_canvas_line(c, x, y, m);
	}
}

static void vline(struct render_canvas *c, int x, int y0, int y1, unsigned extra)
{
	for (int y = y0; y <= y1; y++) {
		unsigned m = extra;
		if (y > y0)
			m |= RL_UP;
		if (y < y1)
			m |= RL_DOWN;
		render_canvas_line(c, x, y, m);
	}
}

struct box {
	int x0, x1, y0, y1; /* outer rectangle, borders included */
	int cx, cy;	    /* label centre */
};

static struct box box_of(const struct render_diagram *d, const struct layout *L, int n)
{
	const struct node *nd = &d->nodes[n];
	struct box b;
	b.x0 = L->colx[nd->col] - 1;
	b.x1 = L->colx[nd->col] + L->colw[nd->col];
	b.y0 = L->rowy[nd->row];
	b.y1 = b.y0 + L->boxh - 1;
	b.cx = L->colx[nd->col] + (L->colw[nd->col] - 1) / 2;
	b.cy = L->boxed ? b.y0 + 1 : b.y0;
	return b;
}

static void draw_box(const struct render_diagram *d, const struct layout *L, struct render_canvas *c, int n,
		     unsigned flags)
{
	const struct node *nd = &d->nodes[n];
	struct box b = box_of(d, L, n);
	unsigned style = (flags & (RN_TRAVERSED | RN_PASSED | RN_A | RN_B)) ? RL_HEAVY : (flags & RN_SKIPPED) ? RL_DASHED : 0;
	int lines = L->boxh;
	int ly0 = L->boxed ? b.y0 + 1 : b.y0;
	int nl = L->labels == 2 ? 1 : 2;
	if (L->boxed) {
		hline(c, b.x0, b.x1, b.y0, style);
		hline(c, b.x0, b.x1, b.y1, style);
		vline(c, b.x0, b.y0, b.y1, style);
		vline(c, b.x1, b.y0, b.y1, style);
	} else {
		for (int i = 0; i < lines; i++) {
			render_canvas_line(c, b.x0, b.y0 + i, RL_UP | RL_DOWN | style);
			render_canvas_line(c, b.x1, b.y0 + i, RL_UP | RL_DOWN | style);
		}
	}
	int fg = node_fg(nd), attr = 0;
	if (flags & RN_SKIPPED) {
		fg = RF_SKIPPED;
		attr = RA_DIM;
	}
	if (flags & RN_TRAVERSED)
		attr |= RA_BOLD;
	if ((flags & RN_A) && (flags & RN_B))
		fg = RF_BOTH, attr |= RA_BOLD;
	else if (flags & RN_A)
		fg = RF_ONLY_A, attr |= RA_BOLD;
	else if (flags & RN_B)
		fg = RF_ONLY_B, attr |= RA_BOLD;
	if (flags & RN_CURRENT)
		attr |= RA_REVERSE;
	int w = L->colw[nd->col];
	for (int i = 0; i < nl; i++) {
		char text[16];
		if (L->labels == 0)
			snprintf(text, sizeof(text), "%s", nd->full[i]);
		else if (L->labels == 1)
			snprintf(text, sizeof(text), "%s", nd->mid[i]);
		else
			snprintf(text, sizeof(text), "%s", nd->tiny);
		/* the route stays readable without colour: traversed boxes'
		 * codes in capitals in the small tiers */
		int tl = (int)strlen(text);
		int x = L->colx[nd->col] + (w - tl) / 2;
		for (int k = 0; k < w; k++)
			render_canvas_put(c, L->colx[nd->col] + k, ly0 + i, ' ', fg, attr);
		render_canvas_text(c, x, ly0 + i, text, w, fg, attr);
	}
}

/* cells of a straight run already taken by box text */
static int blocked(const struct render_canvas *c, int x0, int y0, int x1, int y1)
{
	int n = 0;
	for (int y = y0; y <= y1; y++)
		for (int x = x0; x <= x1; x++)
			n += !render_canvas_is_free(c, x, y);
	return n;
}

/* an arrow from box a to box b, along free cells; heavy when routed */
static void draw_edge(const struct render_diagram *d, const struct layout *L, struct render_canvas *c, int a, int b,
		      unsigned style, int ascii, int fg)
{
	struct box A = box_of(d, L, a), B = box_of(d, L, b);
	uint32_t right = ascii ? '>' : 0x25b6, left = ascii ? '<' : 0x25c0, up = ascii ? '^' : 0x25b2,
		 down = ascii ? 'v' : 0x25bc;
	int attr = style & RL_HEAVY ? RA_BOLD : 0;
	if (d->nodes[a].row == d->nodes[b].row) {
		int y = A.cy;
		if (B.x0 >= A.x1) {
			/* adjacent boxes share a border: only the arrowhead */
			hline(c, A.x1 + 1, B.x0 - 1, y, style);
			render_canvas_put(c, B.x0, y, right, fg, attr);
		} else {
			hline(c, B.x1 + 1, A.x0 - 1, y, style);
			render_canvas_put(c, B.x1, y, left, fg, attr);
		}
		return;
	}
	int goes_up = B.y1 < A.y0;
	/* vertical from a, then horizontal into b's side (or straight in) */
	int x = A.cx;
	if (x >= B.x0 && x <= B.x1) {
		if (goes_up) {
			vline(c, x, B.y1 + 1, A.y0 - 1, style);
			if (L->boxed)
				render_canvas_put(c, x, B.y1, up, fg, attr);
			else
				render_canvas_put(c, x, B.y1 + 1, up, fg, attr);
		} else {
			vline(c, x, A.y1 + 1, B.y0 - 1, style);
			render_canvas_put(c, x, L->boxed ? B.y0 : B.y0 - 1, down, fg, attr);
		}
		return;
	}
	/* two L shapes: down/up first then across, or across first then
	 * down/up; take the one that crosses fewer boxes */
	int y = B.cy;
	int vy0 = goes_up ? y : A.y1 + 1, vy1 = goes_up ? A.y0 - 1 : y;
	int hx0 = B.x0 > x ? x : B.x1 + 1, hx1 = B.x0 > x ? B.x0 - 1 : x;
	int cost_v = blocked(c, x, vy0, x, vy1) + blocked(c, hx0, y, hx1, y);
	int ax = B.cx > A.x1 ? A.x1 + 1 : A.x0 - 1; /* leave a from its side */
	int hy = A.cy;
	int h2x0 = B.cx > A.x1 ? ax : B.cx, h2x1 = B.cx > A.x1 ? B.cx : ax;
	int v2y0 = goes_up ? B.y1 + 1 : hy, v2y1 = goes_up ? hy : B.y0 - 1;
	int cost_h = blocked(c, h2x0, hy, h2x1, hy) + blocked(c, B.cx, v2y0, B.cx, v2y1);
	if (cost_h < cost_v) {
		hline(c, h2x0, h2x1, hy, style);
		if (goes_up) {
			vline(c, B.cx, v2y0, v2y1, style);
			render_canvas_put(c, B.cx, L->boxed ? B.y1 : B.y1 + 1, up, fg, attr);
		} else {
			vline(c, B.cx, v2y0, v2y1, style);
			render_canvas_put(c, B.cx, L->boxed ? B.y0 : B.y0 - 1, down, fg, attr);
		}
		return;
	}
	vline(c, x, vy0, vy1, style);
	if (B.x0 > x) {
		hline(c, x, B.x0 - 1, y, style);
		render_canvas_put(c, B.x0, y, right, fg, attr);
	} else {
		hline(c, B.x1 + 1, x, y, style);
		render_canvas_put(c, B.x1, y, left, fg, attr);
	}
}

static void too_small(const struct render_diagram *d, struct render_canvas *c, const struct render_diagram_opts *o)
{
	int w, h;
	render_diagram_min_size(d, &w, &h);
	int term = o && (o->around_w > 0 || o->around_h > 0);
	char need[64];
	snprintf(need, sizeof(need), "needs %dx%d", w + (term ? o->around_w : 0), h + (term ? o->around_h : 0));
	const char *lines[] = { "terminal too small", "for the diagram:", need };
	for (int i = 0; i < 3; i++) {
		int len = (int)strlen(lines[i]);
		int x = (c->w - len) / 2, y = c->h / 2 - 1 + i;
		render_canvas_text(c, x < 0 ? 0 : x, y < 0 ? 0 : y, lines[i], c->w, RF_WARN, RA_BOLD);
	}
}

int render_diagram_node_at(const struct render_diagram *d, int w, int h, int x, int y)
{
	struct layout L;
	int tier;
	for (tier = 0; tier < NTIERS; tier++) {
		lay(d, tier, &L);
		if (L.w <= w && L.h <= h)
			break;
	}
	if (tier == NTIERS)
		return -1;
	/* neighbours share a border column, where the left one's hop number
	 * is drawn: try each box without its right border first */
	for (int pass = 0; pass < 2; pass++)
		for (int n = 0; n < d->nnodes; n++) {
			struct box b = box_of(d, &L, n);
			/* small tiers: the hop-number line above a box belongs to it */
			int top = L.boxed ? b.y0 : b.y0 - 1;
			if (x >= b.x0 && x < b.x1 + pass && y >= top && y <= b.y1)
				return n;
		}
	return -1;
}

int render_diagram_draw(const struct render_diagram *d, const struct render_route *r, struct render_canvas *c,
			const struct render_diagram_opts *o)
{
	render_canvas_clear(c);
	struct layout L;
	int tier;
	for (tier = 0; tier < NTIERS; tier++) {
		lay(d, tier, &L);
		if (L.w <= c->w && L.h <= c->h)
			break;
	}
	if (tier == NTIERS) {
		too_small(d, c, o);
		return -1;
	}
	/* boxes first: their interiors are never crossed by arrows */
	for (int n = 0; n < d->nnodes; n++)
		draw_box(d, &L, c, n, r ? r->node[n] : 0);
	/* plain arrows, then the route's on top */
	for (int pass = 0; pass < 2; pass++)
		for (int e = 0; e < d->nedges; e++) {
			int routed = r && r->edge[e];
			if (routed != pass)
				continue;
			int fg = !routed ? RF_DEFAULT : r->edge[e] == 3 ? RF_BOTH : r->edge[e] == 2 ? RF_ONLY_B : RF_ROUTE;
			if (r && routed && !(r->node[d->edges[e][0]] & (RN_A | RN_B)) && r->edge[e] == 1)
				fg = RF_ROUTE;
			draw_edge(d, &L, c, d->edges[e][0], d->edges[e][1], routed ? RL_HEAVY : 0, o->ascii, fg);
		}
	render_canvas_resolve(c, o->ascii);
	/* hop numbers (in the top border, or the gap line above a box) and,
	 * between side bars, the skip and compare marks: each label may run
	 * past its box up to the next label on its line, so "6+6" and "13"
	 * stay whole where the neighbour has nothing to say */
	struct label {
		int node, x, y, fg, attr;
		char text[24];
	} lab[128];
	int nlab = 0;
	for (int n = 0; r && n < d->nnodes && nlab < 128; n++) {
		struct box b = box_of(d, &L, n);
		struct label *l = &lab[nlab];
		const char *cur = (r->node[n] & RN_CURRENT) ? (o->ascii ? ">" : "\xe2\x96\xb6") : "";
		const char *mark = NULL;
		if (L.boxed)
			; /* borders show skipping; compare marks are drawn below */
		else if (r->node[n] & RN_SKIPPED)
			mark = o->ascii ? "-" : "\xc3\x97";
		else if ((r->node[n] & (RN_A | RN_B)) == (RN_A | RN_B))
			mark = "AB";
		else if (r->node[n] & RN_A)
			mark = "A";
		else if (r->node[n] & RN_B)
			mark = "B";
		if (r->first[n] && r->count[n] > 1)
			snprintf(l->text, sizeof(l->text), "%s%u+%u", cur, r->first[n], r->count[n] - 1);
		else if (r->first[n])
			snprintf(l->text, sizeof(l->text), "%s%u", cur, r->first[n]);
		else if (cur[0] || mark)
			snprintf(l->text, sizeof(l->text), "%s%s", cur, mark ? mark : "");
		else
			continue;
		int numbered = r->first[n] || cur[0];
		l->node = n;
		l->x = b.x0 + (L.boxed || !numbered ? 1 : 0);
		l->y = L.boxed ? b.y0 : b.y0 - 1;
		l->fg = numbered ? RF_ROUTE : RF_SKIPPED;
		l->attr = numbered ? RA_BOLD | (cur[0] ? RA_REVERSE : 0) : 0;
		nlab++;
	}
	for (int i = 0; i < nlab; i++) {
		int room = c->w - lab[i].x;
		for (int k = 0; k < nlab; k++)
			if (k != i && lab[k].y == lab[i].y && lab[k].x > lab[i].x && lab[k].x - lab[i].x - 1 < room)
				room = lab[k].x - lab[i].x - 1; /* a space before the next label */
		render_canvas_text(c, lab[i].x, lab[i].y, lab[i].text, room, lab[i].fg, lab[i].attr);
		/* the box where the packet died: a cross after its hop number */
		if (lab[i].node == r->dead) {
			int tw = 0;
			for (const char *q = lab[i].text; *q; q++)
				tw += ((unsigned char)*q & 0xc0) != 0x80;
			int x = lab[i].x + (tw < room ? tw : room);
			render_canvas_put(c, x, lab[i].y, o->ascii ? 'X' : 0x2717, RF_WARN, RA_BOLD);
		}
	}
	for (int n = 0; r && L.boxed && n < d->nnodes; n++) {
		const char *mark = (r->node[n] & (RN_A | RN_B)) == (RN_A | RN_B) ? "A+B"
				   : (r->node[n] & RN_A)			 ? "A"
				   : (r->node[n] & RN_B)			 ? "B"
										 : NULL;
		if (mark) {
			struct box b = box_of(d, &L, n);
			render_canvas_text(c, b.x0 + 1, b.y0, mark, b.x1 - b.x0 - 1, RF_ROUTE, RA_BOLD);
		}
	}
	/* path frames on line 0 */
	for (int f = 0; f < d->nframes; f++) {
		int x0 = L.colx[d->frames[f].a] - 1, x1 = L.colx[d->frames[f].b] + L.colw[d->frames[f].b];
		if (x1 >= c->w)
			x1 = c->w - 1;
		for (int x = x0; x <= x1; x++)
			render_canvas_put(c, x, 0, o->ascii ? '-' : 0x2500, RF_BAND, 0);
		/* the longest name that fits the frame: "INPUT PATH", "INPUT", "IN" */
		char name[32];
		int room = x1 - x0 + 1 - 2;
		snprintf(name, sizeof(name), " %s PATH ", d->frames[f].name);
		if ((int)strlen(name) > room)
			snprintf(name, sizeof(name), " %s ", d->frames[f].name);
		if ((int)strlen(name) > room)
			snprintf(name, sizeof(name), " %.3s ", d->frames[f].name);
		int nlen = (int)strlen(name);
		if (nlen <= room)
			render_canvas_text(c, x0 + (x1 - x0 + 1 - nlen) / 2, 0, name, nlen, RF_BAND, RA_BOLD);
	}
	/* layer bands: the name at the left of the band's first free line */
	for (int bi = 0; bi < d->nbands; bi++) {
		int y = L.boxed ? L.rowy[d->bands[bi].a] - 0 : L.rowy[d->bands[bi].a] - 1;
		if (L.boxed && d->bands[bi].a > 0)
			y = L.rowy[d->bands[bi].a] - 1;
		const char *nm = d->bands[bi].name;
		int len = (int)strlen(nm);
		int ok = 1;
		for (int x = 0; x < len + 2 && ok; x++)
			ok = x >= c->w || render_canvas_is_free(c, x, y) ||
			     (y >= 0 && y < c->h && c->cells[(size_t)y * (size_t)c->w + (size_t)x].ch == ' ');
		if (ok && y >= 0)
			render_canvas_text(c, 0, y, nm, len, RF_BAND, RA_BOLD);
	}
	/* legend */
	const char *leg;
	if (o->ascii)
		leg = L.boxed ? "legend: #= route  :. skipped (no hop)  >N current hop  N+k hop N and k more  A/B compare"
				  : "legend: N hop  >N current  N+k: N and k more  - skipped  A/B compared";
	else
		leg = L.boxed ? "legend: \xe2\x94\x8f\xe2\x94\x81\xe2\x94\x93 route  \xe2\x94\x8c\xe2\x94\x84\xe2\x94\x90 skipped (no hop)  \xe2\x96\xb6N current hop  N+k hop N and k more  colours: ebtables iptables conntrack"
				  : "legend: N hop  \xe2\x96\xb6N current  N+k: N and k more  \xc3\x97 skipped  A/B compared";
	render_canvas_text(c, 0, L.legend_y, leg, c->w, RF_BAND, 0);
	int y = L.legend_y + 1;
	if (L.labels == 2 && o->detail)
		render_canvas_text(c, 0, y++, o->detail, c->w, RF_DEFAULT, RA_BOLD);
	if (o->caption && y < c->h)
		render_canvas_text(c, 0, y, o->caption, c->w, RF_DEFAULT, 0);
	if (o->label)
		put_label(c, o->label, L.legend_y);
	return L.labels;
}
