/* compare: alignment and the side-by-side text (see compare.h). */
#include "compare.h"

#include "../capture/box.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the same rule of the same chain of the same box on the same host (interned ids compare
 * by value: one strpool per trace). nftables names a rule by its handle,
 * not a number: two different rules of one chain (a jump into DOCKER, an
 * accept of established traffic) are different steps. */
static int same_step(const struct capture_trace *t, const struct nfp_hop *x, const struct nfp_hop *y)
{
	(void)t;
	/* on different hosts it is a different step, whatever the chain: a
	 * journey over two hosts crosses filter:FORWARD on each */
	return x->host == y->host && x->box == y->box && x->layer == y->layer && x->chain == y->chain && x->kind == y->kind &&
	       x->rule == y->rule && (x->flags & NFP_HOP_PROBE) == (y->flags & NFP_HOP_PROBE) &&
	       (x->flags & NFP_HOP_HANDLE) == (y->flags & NFP_HOP_HANDLE) &&
	       (!(x->flags & NFP_HOP_HANDLE) || x->handle == y->handle) && x->jump == y->jump;
}

/* Appends to out the LCS alignment of A's hops ia[0..n) with B's hops
 * ib[0..m) (indices into each packet's hops). -1 on ENOMEM. */
static int align_lists(const struct capture_trace *t, const struct nfp_packet *pa, const struct nfp_packet *pb,
		       const uint32_t *ia, size_t n, const uint32_t *ib, size_t m, struct render_align *out)
{
	uint16_t *L = calloc((n + 1) * (m + 1), sizeof(*L));
	if (!L)
		return -1;
#define AT(i, j) L[(size_t)(i) * (m + 1) + (size_t)(j)]
#define EQ(i, j) same_step(t, capture_packet_hop(t, pa, ia[i]), capture_packet_hop(t, pb, ib[j]))
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;) {
			uint16_t best = AT(i + 1, j) > AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1);
			if (EQ(i, j) && AT(i + 1, j + 1) + 1 > best)
				best = (uint16_t)(AT(i + 1, j + 1) + 1);
			AT(i, j) = best;
		}
	size_t i = 0, j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && EQ(i, j) && AT(i, j) == AT(i + 1, j + 1) + 1) {
			out->rows[out->n++] = (struct render_align_row){ (int32_t)ia[i], (int32_t)ib[j] };
			i++;
			j++;
		} else if (j >= m || (i < n && AT(i + 1, j) >= AT(i, j + 1))) {
			out->rows[out->n++] = (struct render_align_row){ (int32_t)ia[i], -1 };
			i++;
		} else {
			out->rows[out->n++] = (struct render_align_row){ -1, (int32_t)ib[j] };
			j++;
		}
	}
#undef EQ
#undef AT
	free(L);
	return 0;
}

int render_align(const struct capture_trace *t, const struct nfp_packet *pa, const struct nfp_packet *pb,
		 struct render_align *out)
{
	size_t n = pa->nhops, m = pb->nhops;
	memset(out, 0, sizeof(*out));
	/* hop lists are short (tens): a full LCS table is fine, but cap it */
	if (n > 4000 || m > 4000) {
		n = n > 4000 ? 4000 : n;
		m = m > 4000 ? 4000 : m;
	}
	uint32_t *ia = malloc((n + 1) * sizeof(*ia)), *ib = malloc((m + 1) * sizeof(*ib));
	out->rows = malloc((n + m + 1) * sizeof(*out->rows));
	int r = 0;
	if (!ia || !ib || !out->rows) {
		r = -1;
		goto out;
	}
	/* host by host, in the order A met them (then B's others): a request
	 * and its reply cross two hosts in opposite orders, and each host's
	 * walk is compared with the same host's. Without hosts: one pass. */
	size_t da = 0, db = 0; /* hops of A and B already aligned */
	while (da < n || db < m) {
		uint32_t host = 0;
		int found = 0;
		for (size_t i = 0; i < n && !found; i++) {
			const struct nfp_hop *h = capture_packet_hop(t, pa, (uint32_t)i);
			int done = 0;
			for (size_t k = 0; k < out->n && !done; k++)
				done = out->rows[k].a == (int32_t)i;
			if (!done) {
				host = h->host;
				found = 1;
			}
		}
		for (size_t j = 0; j < m && !found; j++) {
			const struct nfp_hop *h = capture_packet_hop(t, pb, (uint32_t)j);
			int done = 0;
			for (size_t k = 0; k < out->n && !done; k++)
				done = out->rows[k].b == (int32_t)j;
			if (!done) {
				host = h->host;
				found = 1;
			}
		}
		size_t na = 0, nb = 0;
		for (size_t i = 0; i < n; i++)
			if (capture_packet_hop(t, pa, (uint32_t)i)->host == host)
				ia[na++] = (uint32_t)i;
		for (size_t j = 0; j < m; j++)
			if (capture_packet_hop(t, pb, (uint32_t)j)->host == host)
				ib[nb++] = (uint32_t)j;
		if (align_lists(t, pa, pb, ia, na, ib, nb, out) < 0) {
			r = -1;
			goto out;
		}
		da += na;
		db += nb;
	}
out:
	free(ia);
	free(ib);
	if (r < 0) {
		free(out->rows);
		out->rows = NULL;
		out->n = 0;
	}
	return r;
}

void render_align_free(struct render_align *al)
{
	free(al->rows);
	al->rows = NULL;
	al->n = 0;
}

/* s cut or padded to exactly w columns */
static void fit_pad(char *out, size_t cap, const char *s, int w, int ascii)
{
	render_fit(out, cap, s, w, ascii);
	size_t l = strlen(out);
	for (int c = render_cols(out, l); c < w && l + 1 < cap; c++)
		out[l++] = ' ';
	out[l] = '\0';
}

void render_compare_cell(const struct capture_trace *t, const struct nfp_packet *p, int32_t hop, char *out,
			 size_t cap, int w, int ascii)
{
	if (hop < 0) {
		/* a gap: the other packet made a hop here */
		char gap[16];
		snprintf(gap, sizeof(gap), "    %s", ascii ? "-" : "\xe2\x80\x94");
		fit_pad(out, cap, gap, w, ascii);
		return;
	}
	const struct nfp_hop *h = capture_packet_hop(t, p, (uint32_t)hop);
	char act[160];
	render_hop_action(t, h, act, sizeof(act));
	struct capture_buf chain = { 0 };
	const char *box = nfp_box_name(h->box);
	const char *bc = strrchr(box, ':');
	if (h->chain && (!bc || strcmp(bc + 1, capture_str(t, h->chain)) != 0)) {
		capture_buf_put(&chain, " [", 2);
		render_esc(&chain, capture_str(t, h->chain), capture_str_len(t, h->chain), ascii);
		capture_buf_putc(&chain, ']');
	}
	char line[512];
	/* the outer packet of a tunnel the packet crossed, in its place */
	snprintf(line, sizeof(line), "%3d %-4.4s %s%s %s%s%s", hop + 1, h->layer == NFP_LAYER_LINK ? "link" : "net",
		 *box ? box : "?", chain.p ? chain.p : "", act, (h->flags & NFP_HOP_PROBE) ? " (probe)" : "",
		 capture_hop_is_tunnel(h) ? " (tunnel)" : "");
	capture_buf_free(&chain);
	fit_pad(out, cap, line, w, ascii);
}

/* did p cross box (at that layer) on host (0: a trace without hosts)? */
static int box_in(const struct capture_trace *t, const struct nfp_packet *p, int box, int layer, uint32_t host)
{
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->box == box && h->layer == layer && h->host == host)
			return 1;
	}
	return 0;
}

/* an earlier hop of p than i on the same box, layer and host */
static int box_before(const struct capture_trace *t, const struct nfp_packet *p, uint32_t i)
{
	const struct nfp_hop *h = capture_packet_hop(t, p, i);
	for (uint32_t k = 0; k < i; k++) {
		const struct nfp_hop *o = capture_packet_hop(t, p, k);
		if (o->box == h->box && o->layer == h->layer && o->host == h->host && !(o->flags & NFP_HOP_PROBE))
			return 1;
	}
	return 0;
}

/* " on HOST" (escaped) when the trace has several hosts, else "" */
static void on_host(const struct capture_trace *t, uint32_t host, char *out, size_t cap)
{
	out[0] = '\0';
	if (!capture_trace_many_hosts(t) || !host)
		return;
	struct capture_buf b = { 0 };
	render_esc(&b, capture_str(t, host), capture_str_len(t, host), 0);
	snprintf(out, cap, " on %s", b.p ? b.p : "");
	capture_buf_free(&b);
}

static int is_nat_box(int box)
{
	return box == NFP_BOX_NAT_PREROUTING || box == NFP_BOX_NAT_POSTROUTING || box == NFP_BOX_NAT_OUTPUT ||
	       box == NFP_BOX_NAT_INPUT;
}


/* A line made by snprintf into line[cap] (n: what snprintf returned): the
 * names in it come from the input and have no length limit, so a longer
 * line is cut, still ending with its newline. */
static int put_line(struct capture_buf *b, char *line, int n, size_t cap)
{
	if (n < 0)
		return -1;
	if ((size_t)n >= cap) {
		n = (int)cap - 1;
		line[n - 1] = '\n';
	}
	return capture_buf_put(b, line, (size_t)n);
}
int render_compare_words(struct capture_buf *b, const struct capture_trace *t, size_t na, size_t nb,
			 const struct render_align *al)
{
	const struct nfp_packet *pa = capture_trace_packet(t, na), *pb = capture_trace_packet(t, nb);
	if (!pa || !pb) {
		errno = EINVAL;
		return -1;
	}
	char line[1200];
	int r = 0, said = 0;
	/* how each ended, first: the question most comparisons are asked for */
	const struct nfp_fate *fa = &pa->fate, *fb = &pb->fate;
	int went = fa->kind == NFP_FATE_FORWARDED || fa->kind == NFP_FATE_SENT || fa->kind == NFP_FATE_DELIVERED;
	if (fa->kind != fb->kind || (went && fa->dev != fb->dev) ||
	    (!went && (fa->box != fb->box || fa->rule_text != fb->rule_text))) {
		char wa[512], wb[512];
		render_fate_phrase(t, pa, wa, sizeof(wa), 1);
		render_fate_phrase(t, pb, wb, sizeof(wb), 1);
		int n = snprintf(line, sizeof(line), "fate: packet %zu %s; packet %zu %s\n", na, wa, nb, wb);
		r |= capture_buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
		said++;
	}
	/* boxes one packet crossed and the other did not */
	for (int side = 0; side < 2; side++) {
		const struct nfp_packet *p = side ? pb : pa, *q = side ? pa : pb;
		for (uint32_t i = 0; i < p->nhops; i++) {
			const struct nfp_hop *h = capture_packet_hop(t, p, i);
			if (!h->box || (h->flags & NFP_HOP_PROBE) || box_before(t, p, i))
				continue;
			if (!box_in(t, q, h->box, h->layer, h->host)) {
				char on[300];
				on_host(t, h->host, on, sizeof(on));
				int n = snprintf(line, sizeof(line), "%s (%s)%s only in packet %zu\n", nfp_box_name(h->box),
						 nfp_layer_name(h->layer), on, side ? nb : na);
				r |= put_line(b, line, n, sizeof(line));
				said++;
			}
		}
	}
	/* rules inside a box both crossed that only one packet met (the
	 * first packet's jump into DOCKER, the later one's accept of
	 * established traffic) */
	size_t only_a = 0, only_b = 0;
	for (size_t i = 0; i < al->n; i++) {
		only_a += al->rows[i].b < 0;
		only_b += al->rows[i].a < 0;
		if (al->rows[i].a >= 0 && al->rows[i].b >= 0)
			continue;
		int side = al->rows[i].a < 0;
		const struct nfp_packet *p = side ? pb : pa, *q = side ? pa : pb;
		int32_t k = side ? al->rows[i].b : al->rows[i].a;
		const struct nfp_hop *h = capture_packet_hop(t, p, (uint32_t)k);
		if (h->kind != NFP_KIND_RULE || (h->flags & NFP_HOP_PROBE) || !box_in(t, q, h->box, h->layer, h->host))
			continue;
		char act[160], on[300];
		render_hop_action(t, h, act, sizeof(act));
		on_host(t, h->host, on, sizeof(on));
		struct capture_buf ch = { 0 };
		render_esc(&ch, capture_str(t, h->chain), capture_str_len(t, h->chain), 0);
		int n = snprintf(line, sizeof(line), "%s (%s)%s chain %s %s only in packet %zu\n", nfp_box_name(h->box),
				 nfp_layer_name(h->layer), on, ch.p ? ch.p : "?", act, side ? nb : na);
		capture_buf_free(&ch);
		r |= put_line(b, line, n, sizeof(line));
		said++;
	}
	if (pa->ct != pb->ct || pa->ct_kernel != pb->ct_kernel || pa->dir != pb->dir) {
		int n = snprintf(line, sizeof(line), "conntrack: %s %s in packet %zu, %s %s in packet %zu\n",
				 capture_packet_ct_name(pa), nfp_dir_name(pa->dir), na, capture_packet_ct_name(pb),
				 nfp_dir_name(pb->dir), nb);
		r |= put_line(b, line, n, sizeof(line));
		said++;
	}
	/* the iptables nat boxes (not ebtables' nat, which every frame
	 * crosses) that only the connection's first packet went through */
	if (pa->flow == pb->flow && pa->flow != NFP_NONE && (pa->ct == NFP_CT_NEW) != (pb->ct == NFP_CT_NEW)) {
		const struct nfp_packet *first = pa->ct == NFP_CT_NEW ? pa : pb, *other = first == pa ? pb : pa;
		size_t nf = first == pa ? na : nb, no = first == pa ? nb : na;
		char boxes[1024] = "";
		size_t o = 0;
		int nnat = 0;
		uint32_t host = 0;
		/* the boxes host by host, in the order the journey met them
		 * ("nat:PREROUTING, nat:POSTROUTING on a and nat:PREROUTING on b") */
		for (uint32_t i = 0; i < first->nhops; i++) {
			const struct nfp_hop *h = capture_packet_hop(t, first, i);
			if (!is_nat_box(h->box) || box_before(t, first, i) || box_in(t, other, h->box, h->layer, h->host))
				continue;
			char on[300];
			if (nnat && h->host != host) {
				on_host(t, host, on, sizeof(on));
				if (o < sizeof(boxes))
					o += (size_t)snprintf(boxes + o, sizeof(boxes) - o, "%s and", on);
			}
			if (o < sizeof(boxes))
				o += (size_t)snprintf(boxes + o, sizeof(boxes) - o, "%s%s",
						      !nnat ? "" : h->host != host ? " " : ", ", nfp_box_name(h->box));
			host = h->host;
			nnat++;
		}
		if (nnat && o < sizeof(boxes)) {
			char on[300];
			on_host(t, host, on, sizeof(on));
			snprintf(boxes + o, sizeof(boxes) - o, "%s", on);
		}
		if (nnat) {
			int reply = other->dir != first->dir;
			int n = snprintf(line, sizeof(line),
					 "packet %zu skips %s: only a connection's first packet (%zu) goes through the "
					 "nat table; conntrack applies the NAT chosen then to %s\n",
					 no, boxes, nf,
					 reply ? "its replies, reversed" : "the later packets");
			r |= put_line(b, line, n, sizeof(line));
		}
	}
	int n = snprintf(line, sizeof(line), "%zu hops in packet %zu, %zu in packet %zu; %zu only in %zu, %zu only in %zu\n",
			 (size_t)pa->nhops, na, (size_t)pb->nhops, nb, only_a, na, only_b, nb);
	r |= put_line(b, line, n, sizeof(line));
	if (!said) {
		const char *same = "same boxes in both packets\n";
		r |= capture_buf_put(b, same, strlen(same));
	}
	return r ? -1 : 0;
}

int render_compare_text(struct capture_buf *b, const struct capture_trace *t, size_t na, size_t nb, int width,
			int ascii)
{
	const struct nfp_packet *pa = capture_trace_packet(t, na), *pb = capture_trace_packet(t, nb);
	if (!pa || !pb) {
		errno = EINVAL;
		return -1;
	}
	struct render_align al;
	if (render_align(t, pa, pb, &al) < 0)
		return -1;
	int col = (width - 3) / 2;
	if (col < 20)
		col = 20;
	char l[2][1024], sum[256];
	int r = 0;
	for (int s = 0; s < 2; s++) {
		const struct nfp_packet *p = s ? pb : pa;
		render_packet_summary(t, p, sum, sizeof(sum));
		snprintf(l[s], sizeof(l[s]), "packet %zu: %s, ct %s", s ? nb : na, sum,
			 capture_packet_ct_name(p));
	}
	char line[2200], h0[1024], h1[1024];
	fit_pad(h0, sizeof(h0), l[0], col, ascii);
	render_fit(h1, sizeof(h1), l[1], col, ascii);
	int n = snprintf(line, sizeof(line), "%s %s %s\n", h0, ascii ? "|" : "\xe2\x94\x82", h1);
	r |= capture_buf_put(b, line, (size_t)n);
	uint32_t host[2] = { 0, 0 };
	for (size_t i = 0; i < al.n; i++) {
		char ca[1024], cb[1024];
		/* where a side moves to another host, a line says so (as --print) */
		if (capture_trace_many_hosts(t)) {
			int32_t k[2] = { al.rows[i].a, al.rows[i].b };
			char on[2][320];
			int moved = 0;
			for (int s = 0; s < 2; s++) {
				uint32_t hh = k[s] >= 0 ? capture_packet_hop(t, s ? pb : pa, (uint32_t)k[s])->host : host[s];
				on[s][0] = '\0';
				if (hh != host[s] && hh) {
					char o[300];
					on_host(t, hh, o, sizeof(o));
					snprintf(on[s], sizeof(on[s]), "   %s", o + 1);
					moved = 1;
				}
				host[s] = hh;
			}
			if (moved) {
				fit_pad(ca, sizeof(ca), on[0], col, ascii);
				render_fit(cb, sizeof(cb), on[1], col, ascii);
				n = snprintf(line, sizeof(line), "%s %s %s", ca, ascii ? "|" : "\xe2\x94\x82", cb);
				while (n > 0 && line[n - 1] == ' ')
					line[--n] = '\0';
				r |= capture_buf_put(b, line, (size_t)n);
				r |= capture_buf_putc(b, '\n');
			}
		}
		render_compare_cell(t, pa, al.rows[i].a, ca, sizeof(ca), col, ascii);
		render_compare_cell(t, pb, al.rows[i].b, cb, sizeof(cb), col, ascii);
		const char *mid = al.rows[i].a < 0 ? (ascii ? ">" : "\xe2\x96\xb6")
				  : al.rows[i].b < 0 ? (ascii ? "<" : "\xe2\x97\x80")
						     : (ascii ? "|" : "\xe2\x94\x82");
		n = snprintf(line, sizeof(line), "%s %s %s\n", ca, mid, cb);
		/* trailing blanks off */
		while (n > 1 && line[n - 2] == ' ') {
			line[n - 2] = '\n';
			line[n - 1] = '\0';
			n--;
		}
		r |= capture_buf_put(b, line, (size_t)n);
	}
	r |= capture_buf_put(b, "\ndifferences:\n", 14);
	struct capture_buf words = { 0 };
	r |= render_compare_words(&words, t, na, nb, &al);
	if (render_wrap(b, words.p ? words.p : "", width, ascii) < 0)
		r = -1;
	capture_buf_free(&words);
	render_align_free(&al);
	return r ? -1 : 0;
}
