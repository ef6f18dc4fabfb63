/* explain: hop explanations and detail lines (see explain.h). */
#include "explain.h"

#include "../capture/tunnel.h"

#include "../capture/box.h"
#include "../capture/dropreason.h"
#include "print.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PUTS(b, s) capture_buf_put((b), (s), strlen(s))

static int has_word(const char *text, const char *w)
{
	return text && strcasestr(text, w) != NULL;
}

/* what Docker's chains are for (iptables and nftables names) */
static const char *docker_chain(const char *chain)
{
	if (strcmp(chain, "DOCKER-USER") == 0)
		return "DOCKER-USER is where Docker leaves room for your own rules; it is evaluated before Docker's.";
	if (strncmp(chain, "DOCKER-ISOLATION", 16) == 0)
		return "DOCKER-ISOLATION chains keep Docker networks apart: traffic from one bridge to another is dropped "
		       "here.";
	if (strcmp(chain, "DOCKER") == 0)
		return "The DOCKER chain holds the published ports: DNAT in the nat table, ACCEPT in the filter table.";
	if (strncmp(chain, "DOCKER-", 7) == 0)
		return "A chain made by Docker.";
	/* Docker 28+ with its nftables backend (table "docker-bridges") */
	if (strstr(chain, "forward-in__"))
		return "Docker's nftables chain for traffic entering a bridge network: replies and published ports are "
		       "accepted here.";
	if (strstr(chain, "forward-out__"))
		return "Docker's nftables chain for traffic leaving a bridge network.";
	if (strstr(chain, "isolat"))
		return "Docker's isolation between networks: traffic from one bridge to another is dropped here.";
	if (strstr(chain, "postrouting-out__"))
		return "Docker's nftables chain for traffic leaving a network: outbound NAT (masquerade).";
	if (strstr(chain, "dnat") || strstr(chain, "DNAT"))
		return "Docker's published ports: DNAT to the container.";
	return NULL;
}

/* the quoted text after key in a rule ("--comment \"", "comment \"") */
static int quoted_after(const char *text, const char *key, const char **q, size_t *n)
{
	const char *k = text ? strstr(text, key) : NULL;
	if (!k)
		return 0;
	*q = k + strlen(key);
	const char *e = strchr(*q, '"');
	*n = e ? (size_t)(e - *q) : strlen(*q);
	return *n > 0;
}

static int rule_comment(const char *text, const char **q, size_t *n)
{
	return quoted_after(text, "--comment \"", q, n) || quoted_after(text, "comment \"", q, n);
}

/* the word after key ("--to-destination ", "dnat to "), up to a blank */
static int word_after(const char *text, const char *key, const char **w, size_t *n)
{
	const char *k = text ? strstr(text, key) : NULL;
	if (!k)
		return 0;
	*w = k + strlen(key);
	*n = strcspn(*w, " ");
	return *n > 0;
}

/* kube-proxy's chains: its comments name the service ("ns/name:port")
 * and, on a service chain's jump to an endpoint, the endpoint
 * ("ns/name:port -> 10.244.1.5:8080") */
static int kube_explain(struct capture_buf *b, const char *chain, const char *rt, const char *jump)
{
	int r = 0;
	const char *c, *w;
	size_t cn = 0, wn;
	int have_c = rule_comment(rt, &c, &cn);
	size_t svc_n = 0;
	if (have_c) {
		const char *arrow = strstr(c, " -> ");
		svc_n = arrow && arrow < c + cn ? (size_t)(arrow - c) : strcspn(c, " ");
		if (svc_n > cn)
			svc_n = cn;
	}
	if (strcmp(chain, "KUBE-SERVICES") == 0) {
		r |= PUTS(b, "KUBE-SERVICES is kube-proxy's table of Services: one rule per ClusterIP and port; the "
			     "packet's destination picks the service chain it jumps to");
		if (have_c) {
			r |= PUTS(b, " (here the service ");
			r |= render_esc(b, c, svc_n, 0);
			r |= PUTS(b, ")");
		}
		r |= PUTS(b, ". ");
	} else if (strncmp(chain, "KUBE-SVC-", 9) == 0 || strncmp(chain, "KUBE-SVL-", 9) == 0) {
		r |= PUTS(b, "A kube-proxy service chain");
		if (have_c) {
			r |= PUTS(b, " for ");
			r |= render_esc(b, c, svc_n, 0);
		}
		r |= PUTS(b, ": it chooses one endpoint of the service. ");
		const char *arrow = have_c ? strstr(c, " -> ") : NULL;
		if (arrow && arrow < c + cn && jump && strncmp(jump, "KUBE-SEP-", 9) == 0) {
			r |= PUTS(b, "This rule sends the packet to the endpoint ");
			r |= render_esc(b, arrow + 4, (size_t)(c + cn - arrow - 4), 0);
			r |= PUTS(b, " (chain ");
			r |= render_esc(b, jump, strlen(jump), 0);
			r |= PUTS(b, "). ");
		}
		if (word_after(rt, "--probability ", &w, &wn)) {
			char num[32];
			snprintf(num, sizeof(num), "%.*s", (int)(wn < 31 ? wn : 31), w);
			double pr = strtod(num, NULL);
			char line[640];
			if (pr > 0 && pr <= 1)
				snprintf(line, sizeof(line),
					 "-m statistic --mode random --probability %s: the rule matches a packet that reaches it "
					 "with probability %s (about 1 in %.0f), drawn afresh for each new connection; with N "
					 "endpoints kube-proxy writes 1/N, 1/(N-1), ... and no test on the last rule, so every "
					 "endpoint gets an equal share. Later packets of the connection skip this choice: "
					 "conntrack keeps the DNAT made for the first. ",
					 num, num, 1 / pr);
			else
				snprintf(line, sizeof(line), "-m statistic --mode random: this rule matched by a random draw. ");
			r |= PUTS(b, line);
		} else if (jump && strncmp(jump, "KUBE-SEP-", 9) == 0) {
			r |= PUTS(b, "This rule has no random test: it takes every packet that reaches it (the last, or "
				     "only, endpoint). ");
		}
	} else if (strncmp(chain, "KUBE-SEP-", 9) == 0) {
		r |= PUTS(b, "A kube-proxy endpoint chain");
		if (have_c) {
			r |= PUTS(b, " of ");
			r |= render_esc(b, c, svc_n, 0);
		}
		if (word_after(rt, "--to-destination ", &w, &wn) || word_after(rt, "dnat to ", &w, &wn)) {
			r |= PUTS(b, ": DNAT to the endpoint ");
			r |= render_esc(b, w, wn, 0);
			r |= PUTS(b, ", the pod that serves this connection");
		} else if (jump && strcmp(jump, "KUBE-MARK-MASQ") == 0) {
			r |= PUTS(b, ": this rule matches when the endpoint talks to its own service (hairpin), and "
				     "marks the packet for masquerading so the reply comes back through the node");
		}
		r |= PUTS(b, ". ");
	} else if (strcmp(chain, "KUBE-MARK-MASQ") == 0) {
		r |= PUTS(b, "KUBE-MARK-MASQ sets kube-proxy's mark (0x4000) so that KUBE-POSTROUTING masquerades the "
			     "packet on its way out. ");
	} else if (strcmp(chain, "KUBE-POSTROUTING") == 0) {
		r |= PUTS(b, "KUBE-POSTROUTING masquerades the packets KUBE-MARK-MASQ marked (and clears the mark). ");
	} else if (strcmp(chain, "KUBE-NODEPORTS") == 0) {
		r |= PUTS(b, "KUBE-NODEPORTS holds the NodePort services: traffic to a node port goes to the service "
			     "chain. ");
	} else if (strncmp(chain, "KUBE-EXT-", 9) == 0) {
		r |= PUTS(b, "A kube-proxy chain for external traffic to a service (NodePort, LoadBalancer). ");
	} else if (strcmp(chain, "KUBE-MARK-DROP") == 0 || strncmp(chain, "KUBE-FW-", 8) == 0) {
		r |= PUTS(b, "A kube-proxy chain that filters traffic to a service (firewall or drop mark). ");
	} else if (strncmp(chain, "KUBE-", 5) == 0) {
		r |= PUTS(b, "A chain made by kube-proxy. ");
	}
	return r;
}

int render_explain(struct capture_buf *b, const struct capture_trace *t, const struct render_diagram *d,
		   const struct nfp_packet *p, uint32_t hi)
{
	const struct nfp_hop *h = capture_packet_hop(t, p, hi);
	const char *chain = capture_str(t, h->chain);
	const char *rt = capture_str(t, h->rule_text);
	int hook = nfp_box_hook(h->box);
	int r = 0;
	char line[512];

	if (h->kind == NFP_KIND_DROP) {
		/* the kernel's own words (skb:kfree_skb), then what they mean */
		const char *reason = capture_str(t, h->drop_reason), *loc = capture_str(t, h->drop_location);
		r |= PUTS(b, capture_dropreason_after_delivery(reason, loc) ? "The kernel freed the packet here: reason "
									      : "The kernel dropped the packet here: reason ");
		r |= render_esc(b, reason, strlen(reason), 0);
		if (*loc) {
			r |= PUTS(b, " in ");
			r |= render_esc(b, loc, strlen(loc), 0);
			r |= PUTS(b, "()");
		}
		if (h->drop_ns) {
			const char *via = capture_str(t, h->drop_ns);
			const char *nm = render_name_on(t, h->host, 1, via);
			r |= PUTS(b, ", inside the network namespace behind ");
			r |= render_esc(b, via, strlen(via), 0);
			if (*nm) {
				r |= PUTS(b, " (");
				r |= render_esc(b, nm, strlen(nm), 0);
				r |= PUTS(b, ")");
			}
		}
		r |= PUTS(b, ". ");
		const char *dev = capture_str(t, h->in ? h->in : h->out);
		char w[512];
		size_t wl = capture_dropreason_words(reason, loc, dev, w, sizeof(w));
		if (wl) {
			r |= render_esc(b, w, wl, 0);
			r |= PUTS(b, " ");
		}
	}
	if (h->flags & NFP_HOP_PROBE) {
		r |= PUTS(b, "nfpath's own probe at this hook: a waypoint showing the packet crossed it and through "
			     "which ports, not one of the host's rules. ");
	}
	if (nfp_box_class(h->box) == 0 && h->layer == NFP_LAYER_LINK) {
		/* at PREROUTING the bridge has not decided yet: the frame may
		 * still go up to be routed */
		r |= PUTS(b, "This iptables chain is called from the bridge code (br_netfilter, bridge-nf-call-iptables)");
		r |= PUTS(b, hook == NFP_HOOK_PREROUTING ? " for a frame that arrived on a bridge port"
							 : ": the frame is bridged from one port to another, not routed");
		r |= PUTS(b, h->physin || h->physout ? "; PHYSIN/PHYSOUT name the bridge ports. " : ". ");
	}
	if (nfp_box_class(h->box) == 1) {
		r |= PUTS(b, "An ebtables (bridge family) hook: it sees Ethernet frames on the bridge ports. ");
	}
	if (nfp_box_class(h->box) == 4) {
		r |= PUTS(b, "An arp family hook (arptables, nft arp tables): ARP requests and replies pass here, never "
			     "the IP chains or conntrack. The diagram has no ARP boxes, so this hop is listed at its "
			     "place without being drawn. ");
	}
	if (!h->box) {
		const char *why = capture_box_why_text(h->unplaced);
		r |= PUTS(b, "Not placed on the diagram: ");
		r |= PUTS(b, *why ? why : "this line names no chain nfpath knows");
		r |= PUTS(b, ". ");
	}
	/* boxes crossed without a line since the previous hop */
	if (d && hi > 0) {
		int prev = -1;
		for (uint32_t k = hi; k-- > 0;)
			if ((prev = render_hop_node(d, t, p, k)) >= 0)
				break;
		int cur = render_hop_node(d, t, p, hi);
		struct render_route rr;
		if (prev >= 0 && cur >= 0 && prev != cur && render_route_init(&rr, d) == 0) {
			/* route of just these two hops: the skipped chain boxes between */
			struct nfp_packet two = *p;
			uint32_t idx[2] = { p->hops[hi - 1], p->hops[hi] };
			for (uint32_t k = hi; k-- > 0;)
				if (render_hop_node(d, t, p, k) == prev) {
					idx[0] = p->hops[k];
					break;
				}
			two.hops = idx;
			two.nhops = 2;
			render_route_add(&rr, d, t, &two, -1, 0);
			int nskip = 0, nat = 0;
			char names[256] = "";
			for (int n = 0; n < rr.nnodes; n++)
				if (rr.node[n] & RN_SKIPPED) {
					const char *id = render_diagram_node_id(d, n);
					const char *slash = strchr(id, '/');
					size_t l = strlen(names);
					snprintf(names + l, sizeof(names) - l, "%s%s", nskip ? ", " : "", slash ? slash + 1 : id);
					nskip++;
					nat |= strstr(id, "/nat:") != NULL;
				}
			if (nskip) {
				snprintf(line, sizeof(line),
					 "On the way here the packet crossed %s without a line: no rule there matched, or that "
					 "table is not registered at the hook on this host. ",
					 names);
				r |= PUTS(b, line);
				if (nat && p->ct != NFP_CT_NEW)
					r |= PUTS(b, "The nat table is only consulted for a connection's first packet; this one "
						     "belongs to an established connection, so conntrack applies the NAT binding "
						     "made for the first packet without running the nat chains. ");
			}
			render_route_free(&rr);
		}
	}
	if (strcmp(capture_str(t, h->table), "raw") == 0 && h->kind == NFP_KIND_POLICY && h->source == NFP_SRC_KLOG)
		r |= PUTS(b, "The TRACE rule that started this trace does not print its own match: tracing begins after "
			     "it, so the first line of the raw table is the next rule that matches or, as here, the chain's "
			     "policy. ");
	if (h->verdict == NFP_V_JUMP || h->verdict == NFP_V_GOTO) {
		r |= PUTS(b, h->verdict == NFP_V_JUMP ? "This rule jumps to the user chain " : "This rule goes to the user chain ");
		r |= render_esc(b, capture_str(t, h->jump), capture_str_len(t, h->jump), 0);
		snprintf(line, sizeof(line), "; its hops stay in the %s box, since a user chain runs inside the base chain "
					     "that called it. ",
			 nfp_box_name(h->box));
		r |= PUTS(b, line);
	}
	if (h->kind == NFP_KIND_RETURN) {
		r |= PUTS(b, "End of the user chain: evaluation returns to the chain that jumped here, at the rule after "
			     "the jump. ");
	} else if (h->verdict == NFP_V_RETURN) {
		r |= PUTS(b, "A RETURN rule ends the user chain here: evaluation returns to the chain that jumped here, at "
			     "the rule after the jump. ");
	}
	const char *dk = docker_chain(chain);
	if (!dk && strcmp(capture_str(t, h->table), "docker-bridges") == 0)
		dk = "Docker's own nftables table (Docker 28 and later with the nftables firewall backend).";
	if (!dk && h->jump)
		dk = docker_chain(capture_str(t, h->jump));
	if (dk) {
		r |= PUTS(b, dk);
		r |= PUTS(b, " ");
	}
	r |= kube_explain(b, chain, rt, h->jump ? capture_str(t, h->jump) : NULL);
	if (has_word(rt, "MASQUERADE") || has_word(rt, "masquerade")) {
		r |= PUTS(b, "MASQUERADE rewrites the source address to the outgoing interface's own address when the "
			     "packet leaves (outbound NAT, how containers reach the outside); conntrack remembers it and "
			     "rewrites the replies back. ");
	} else if (has_word(rt, "DNAT") || has_word(rt, "dnat to")) {
		r |= PUTS(b, "DNAT rewrites the destination (a published port: the host's address and port become the "
			     "container's); the later hops show the new address, and the replies are rewritten back by "
			     "conntrack. ");
	} else if (has_word(rt, "SNAT") || has_word(rt, "snat to")) {
		r |= PUTS(b, "SNAT rewrites the source address; the replies are rewritten back by conntrack. ");
	}
	/* flooding: several bridge egress hops to different ports */
	if (h->box == NFP_BOX_EB_NAT_POSTROUTING || h->box == NFP_BOX_EB_FILTER_FORWARD) {
		uint32_t ports[8];
		int np = 0;
		for (uint32_t k = 0; k < p->nhops; k++) {
			const struct nfp_hop *o = capture_packet_hop(t, p, k);
			if (o->box != h->box || !o->out)
				continue;
			int seen = 0;
			for (int q = 0; q < np; q++)
				seen |= ports[q] == o->out;
			if (!seen && np < 8)
				ports[np++] = o->out;
		}
		if (np > 1)
			r |= PUTS(b, "The bridge flooded this frame to every port: it has not learnt which port leads to "
				     "the destination MAC (or the frame is broadcast), so one packet leaves several times. ");
	}
	if (p->ct != NFP_CT_UNKNOWN && hi == 0) {
		snprintf(line, sizeof(line), "Conntrack: %s, %s direction (%s). ", nfp_ct_name(p->ct), nfp_dir_name(p->dir),
			 p->ct_kernel  ? "from the kernel"
			 : p->ct == NFP_CT_RELATED ? "inferred: an ICMP error, tied to its flow by the header inside it"
			 : p->ct == NFP_CT_UNTRACKED ? "inferred: conntrack leaves neighbour discovery untracked"
						  : "inferred: NEW until a packet of the flow went the reply way");
		r |= PUTS(b, line);
	} else if (p->ct_kernel && hi == 0) {
		const struct nfp_hop *f = capture_packet_hop(t, p, 0);
		snprintf(line, sizeof(line),
			 "Conntrack: not tracked (from the kernel: it sends conntrack state with trace events and sent "
			 "none for this packet). Conntrack is not active for %s here (or it found the packet invalid), "
			 "so there is no state and no NAT. ",
			 f->pk.l3 == 6 ? "IPv6" : f->pk.l3 == 4 ? "IPv4" : "this family");
		r |= PUTS(b, line);
	} else if (hi == 0) {
		int arp = 0;
		for (uint32_t i = 0; i < p->nhops; i++)
			arp |= (capture_packet_hop(t, p, i)->pk.flags & NFP_PK_ARP) != 0;
		r |= PUTS(b, arp ? "Conntrack: none: conntrack never sees ARP. "
				 : "Conntrack: unknown: the input does not tell (no ICMP type, or the connection an "
				   "error answers is not in it). ");
	}
	/* what happens next */
	switch (h->verdict) {
	case NFP_V_ACCEPT:
		if (hi + 1 < p->nhops)
			snprintf(line, sizeof(line), "Accepted: the packet leaves this chain and goes on to %s.",
				 nfp_box_name(capture_packet_hop(t, p, hi + 1)->box));
		else
			snprintf(line, sizeof(line), "Accepted; this is the last hop traced for this packet.");
		r |= PUTS(b, line);
		break;
	case NFP_V_DROP:
	case NFP_V_REJECT:
		r |= PUTS(b, "The packet is dropped here: it goes no further.");
		break;
	case NFP_V_CONTINUE:
		r |= PUTS(b, "The rule does not decide: evaluation continues with the next rule.");
		break;
	case NFP_V_QUEUE:
		r |= PUTS(b, "The packet is queued to a userspace program, which decides its fate.");
		break;
	default:
		break;
	}
	return r ? -1 : 0;
}

static int field(struct capture_buf *b, const char *k, const char *v)
{
	char line[64];
	snprintf(line, sizeof(line), "%-9s ", k);
	return PUTS(b, line) | PUTS(b, v) | PUTS(b, "\n");
}

int render_hop_fields(struct capture_buf *b, const struct capture_trace *t, const struct nfp_packet *p, uint32_t hi,
		      int ascii)
{
	const struct nfp_hop *h = capture_packet_hop(t, p, hi);
	char v[512], kind[48];
	int r = 0;
	if (h->box)
		snprintf(v, sizeof(v), "%s (%s layer)", nfp_box_name(h->box), h->layer ? nfp_layer_name(h->layer) : "?");
	else
		snprintf(v, sizeof(v), "not placed (%s)",
			 *capture_box_why_text(h->unplaced) ? capture_box_why_text(h->unplaced) : "no chain nfpath knows");
	r |= field(b, "box", v);
	struct capture_buf e = { 0 };
	render_esc(&e, capture_str(t, h->table), capture_str_len(t, h->table), ascii);
	capture_buf_putc(&e, ':');
	render_esc(&e, capture_str(t, h->chain), capture_str_len(t, h->chain), ascii);
	snprintf(v, sizeof(v), "%s %s", nfp_family_name(h->family), e.p ? e.p : "");
	capture_buf_free(&e);
	/* a kernel drop happened in the kernel's own code, in no chain */
	r |= field(b, "chain", h->kind == NFP_KIND_DROP && !h->table && !h->chain ? "-" : v);
	render_hop_kind(t, h, kind, sizeof(kind));
	snprintf(v, sizeof(v), "%s%s%s", kind, h->verdict ? ", verdict " : "", h->verdict ? nfp_verdict_name(h->verdict) : "");
	r |= field(b, "kind", v);
	int freed = 0;
	if (h->kind == NFP_KIND_DROP) {
		/* the kernel's words, and the namespace it was in */
		struct capture_buf rs = { 0 };
		r |= render_kdrop_words(&rs, t, h, ascii);
		r |= field(b, "reason", rs.p ? rs.p : "-");
		capture_buf_free(&rs);
		freed = capture_dropreason_after_delivery(capture_str(t, h->drop_reason), capture_str(t, h->drop_location));
	}
	const char *rt = capture_str(t, h->rule_text);
	struct capture_buf rb = { 0 };
	if (*rt)
		render_esc(&rb, rt, strlen(rt), ascii);
	else if (h->kind == NFP_KIND_DROP)
		/* no rule to look up: --rules would not help */
		PUTS(&rb, freed ? "none: freed by the kernel"
				: "none: a kernel drop");
	else if (h->kind == NFP_KIND_POLICY)
		capture_buf_put(&rb, "(the chain's policy)", 20);
	else if (h->kind == NFP_KIND_RETURN)
		capture_buf_put(&rb, "(end of chain: implicit return)", 31);
	else if (h->prefix) {
		capture_buf_put(&rb, "log prefix \"", 12);
		render_esc(&rb, capture_str(t, h->prefix), capture_str_len(t, h->prefix), ascii);
		capture_buf_putc(&rb, '"');
	} else
		capture_buf_put(&rb, "(unknown: give --rules)", 23);
	r |= PUTS(b, "rule      ") | PUTS(b, rb.p ? rb.p : "") | PUTS(b, "\n");
	capture_buf_free(&rb);
	static const char *const dn[] = { "in", "out", "physin", "physout" };
	const uint32_t dv[] = { h->in, h->out, h->physin, h->physout };
	struct capture_buf dev = { 0 };
	for (int k = 0; k < 4; k++) {
		if (!dv[k])
			continue;
		if (dev.len)
			capture_buf_putc(&dev, ' ');
		PUTS(&dev, dn[k]);
		capture_buf_putc(&dev, '=');
		render_esc(&dev, capture_str(t, dv[k]), capture_str_len(t, dv[k]), ascii);
		const char *nm = render_name_on(t, h->host, 1, capture_str(t, dv[k]));
		if (*nm) {
			PUTS(&dev, " [");
			render_esc(&dev, nm, strlen(nm), ascii);
			const char *id = render_name(t, 3, nm);
			if (*id) {
				PUTS(&dev, " ");
				render_esc(&dev, id, strlen(id), ascii);
			}
			PUTS(&dev, "]");
		}
	}
	r |= field(b, "devices", dev.p ? dev.p : "-");
	capture_buf_free(&dev);
	const struct nfp_pkt *pk = &h->pk;
	int outer = capture_hop_is_tunnel(h);
	struct capture_tunnel tu;
	if (outer && capture_packet_tunnel(t, p, &tu)) {
		/* the packet is inside the outer one here: say which */
		struct capture_buf tb = { 0 };
		const char *tn = nfp_tunnel_name(&h->inner);
		PUTS(&tb, tn ? tn : tu.kind);
		if (tn) {
			snprintf(v, sizeof(v), " vni %u", nfp_inner_vni(&h->inner));
			PUTS(&tb, v);
		}
		PUTS(&tb, ": the outer packet that carries it, ");
		render_tunnel_text(&tb, t, &tu, ascii);
		r |= field(b, "tunnel", tb.p ? tb.p : "-");
		capture_buf_free(&tb);
	}
	if (pk->flags & NFP_PK_ADDRS) {
		char s[48], d[48];
		render_addr(pk, 0, s, sizeof(s));
		render_addr(pk, 1, d, sizeof(d));
		int n = snprintf(v, sizeof(v), "%s > %s", s, d);
		if ((pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID))
			n = snprintf(v, sizeof(v), "%s:%u > %s:%u", s, pk->sport, d, pk->dport);
		/* NAT: compare with the previous hop that had addresses (of the
		 * same packet: the outer one of a tunnel is no rewrite) */
		for (uint32_t k = hi; k-- > 0 && !outer;) {
			const struct nfp_hop *qh = capture_packet_hop(t, p, k);
			const struct nfp_pkt *q = &qh->pk;
			if (!(q->flags & NFP_PK_ADDRS) || capture_hop_is_tunnel(qh))
				continue;
			if (memcmp(q->src, pk->src, 16) || memcmp(q->dst, pk->dst, 16) ||
			    ((q->flags & pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID) &&
			     (q->sport != pk->sport || q->dport != pk->dport))) {
				char qs[48], qd[48];
				render_addr(q, 0, qs, sizeof(qs));
				render_addr(q, 1, qd, sizeof(qd));
				snprintf(v + n, sizeof(v) - (size_t)n, "  (NAT: was %s > %s at hop %u)", qs, qd, k + 1);
			}
			break;
		}
		r |= field(b, "packet", v);
	}
	v[0] = '\0';
	size_t o = 0;
	if (pk->flags & NFP_PK_IPID)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "id %u ", pk->ipid);
	if (pk->flags & NFP_PK_TTL)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "ttl %u ", pk->ttl);
	if (pk->flags & NFP_PK_LEN)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "len %u ", pk->len);
	if (pk->flags & NFP_PK_MARK)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "mark 0x%x ", pk->mark);
	if (pk->flags & NFP_PK_MACS)
		o += (size_t)snprintf(v + o, sizeof(v) - o, "mac %02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x",
				      pk->mac_src[0], pk->mac_src[1], pk->mac_src[2], pk->mac_src[3], pk->mac_src[4],
				      pk->mac_src[5], pk->mac_dst[0], pk->mac_dst[1], pk->mac_dst[2], pk->mac_dst[3],
				      pk->mac_dst[4], pk->mac_dst[5]);
	if (o)
		r |= field(b, "fields", v);
	snprintf(v, sizeof(v), "%s, %s (%s)",
		 (h->flags & NFP_HOP_CT) ? (h->ct_state ? nfp_ct_name(h->ct_state) : "not tracked") : capture_packet_ct_name(p),
		 nfp_dir_name((h->flags & NFP_HOP_CT) && h->ct_dir ? h->ct_dir : p->dir),
		 (h->flags & NFP_HOP_CT) ? "kernel" : p->ct_kernel ? "kernel" : "inferred");
	r |= field(b, "conntrack", v);
	return r ? -1 : 0;
}
