/* picture: text renderings of the diagram and comparisons (picture.h). */
#include "picture.h"

#include "../capture/box.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

void render_hop_detail(const struct capture_trace *t, const struct nfp_packet *p, uint32_t hi, char *out, size_t cap)
{
	const struct nfp_hop *h = capture_packet_hop(t, p, hi);
	char kind[40];
	render_hop_kind(t, h, kind, sizeof(kind));
	struct capture_buf chain = { 0 };
	render_esc(&chain, capture_str(t, h->chain), capture_str_len(t, h->chain), 1);
	char verdict[128];
	render_verdict_label(t, h, verdict, sizeof(verdict), 1);
	snprintf(out, cap, "hop %u/%u  %s %s  chain %s  %s  %s%s", hi + 1, p->nhops, nfp_layer_name(h->layer),
		 h->box ? nfp_box_name(h->box) : "?", chain.p ? chain.p : "-", kind, verdict,
		 (h->flags & NFP_HOP_PROBE) ? "  (nfpath probe)" : "");
	capture_buf_free(&chain);
}

#include "print.h"

static void port(struct capture_buf *b, const struct capture_trace *t, uint32_t host, uint32_t dev, int ascii)
{
	render_esc(b, capture_str(t, dev), capture_str_len(t, dev), ascii);
	const char *nm = render_name_on(t, host, 1, capture_str(t, dev));
	if (*nm) {
		capture_buf_put(b, " [", 2);
		render_esc(b, nm, strlen(nm), ascii);
		capture_buf_putc(b, ']');
	}
}

void render_route_caption(const struct capture_trace *t, const struct nfp_packet *p, char *out, size_t cap, int ascii)
{
	/* the bridge port (PHYSIN, or a bridge-family hop's own device) says
	 * more than the bridge itself; where it went is the packet's fate,
	 * so a packet that never left is never said to leave */
	uint32_t in = 0, in_host = 0;
	for (uint32_t i = 0; i < p->nhops && !in; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		in = h->physin ? h->physin : h->in;
		in_host = h->host;
	}
	const struct nfp_fate *f = &p->fate;
	struct capture_buf b = { 0 };
	if (in) {
		capture_buf_put(&b, "enters at ", 10);
		port(&b, t, in_host, in, ascii);
		capture_buf_put(&b, ", ", 2);
	}
	const char *box = f->box ? nfp_box_name(f->box) : "a box nfpath could not place";
	char by[256], line[400];
	render_fate_by(t, p, by, sizeof(by), ascii);
	switch (f->kind) {
	case NFP_FATE_FORWARDED:
	case NFP_FATE_SENT:
		if (f->dev) {
			capture_buf_put(&b, "leaves at ", 10);
			port(&b, t, f->dev_host, f->dev, ascii);
		} else {
			capture_buf_put(&b, "leaves", 6);
		}
		break;
	case NFP_FATE_DELIVERED:
		snprintf(line, sizeof(line), "delivered locally (%s)", box);
		capture_buf_put(&b, line, strlen(line));
		break;
	case NFP_FATE_DROPPED:
	case NFP_FATE_REJECTED:
		snprintf(line, sizeof(line), "%s %s at %s by %s", ascii ? "X" : "\xe2\x9c\x97",
			 f->kind == NFP_FATE_DROPPED ? "dropped" : "rejected", box, by);
		capture_buf_put(&b, line, strlen(line));
		break;
	case NFP_FATE_QUEUED:
	case NFP_FATE_STOLEN:
		snprintf(line, sizeof(line), "%s at %s by %s", capture_fate_kind_name(f->kind), box, by);
		capture_buf_put(&b, line, strlen(line));
		break;
	default:
		snprintf(line, sizeof(line), "the trace ends after %s (fate unknown)", box);
		capture_buf_put(&b, line, strlen(line));
	}
	snprintf(out, cap, "%s", b.p ? b.p : "");
	capture_buf_free(&b);
}

int render_picture_diagram(struct capture_buf *b, const struct render_diagram *d, const struct capture_trace *t,
			   size_t num, const struct render_picture_opts *o)
{
	struct render_canvas *c = render_canvas_new(o->width, o->height);
	struct render_route r;
	if (!c || render_route_init(&r, d) < 0) {
		render_canvas_free(c);
		return -1;
	}
	const struct nfp_packet *p = num ? capture_trace_packet(t, num) : NULL;
	/* a journey over several hosts: one diagram per host, in the order
	 * the packet reached them, each of that host's hops, labelled */
	uint32_t hs[16];
	int nh = p ? render_packet_hosts(t, p, hs, 16) : 0, rc = 0;
	if (nh < 2)
		nh = 1;
	for (int k = 0; k < nh && rc == 0; k++) {
		char detail[512] = "", caption[512] = "", label[320] = "";
		uint32_t first = 0, host = 0;
		render_route_clear(&r);
		if (p) {
			while (nh > 1 && first < p->nhops && capture_packet_hop(t, p, first)->host != hs[k])
				first++;
			host = render_journey_host(t, p, first, label, sizeof(label), o->ascii);
			render_route_add_host(&r, d, t, p, (int)first, 0, host);
			if (p->nhops)
				render_hop_detail(t, p, first < p->nhops ? first : 0, detail, sizeof(detail));
			render_route_caption(t, p, caption, sizeof(caption), o->ascii);
		}
		struct render_diagram_opts dopts = { o->ascii, detail[0] ? detail : NULL, caption[0] ? caption : NULL,
						     label[0] ? label : NULL, 0, 0 };
		render_diagram_draw(d, num ? &r : NULL, c, &dopts);
		if (k)
			rc |= capture_buf_putc(b, '\n');
		rc |= render_canvas_text_out(c, b, o->color, o->ascii);
	}
	render_route_free(&r);
	render_canvas_free(c);
	return rc ? -1 : 0;
}
