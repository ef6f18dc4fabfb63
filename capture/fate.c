/* fate: the end of each packet's walk (see fate.h).
 *
 * The first terminal event decides: a rule or policy verdict of drop,
 * reject, queue or stolen, or a kernel drop hop (NFP_KIND_DROP). A
 * NETFILTER_DROP reason only confirms the rule hop before it, which stays
 * the fate. Without one, the last box the packet was placed on says where
 * it went: a POSTROUTING/egress/bridge output box or an accepted FORWARD
 * or OUTPUT means it left; INPUT means it reached the local input path;
 * anything earlier means the trace just ends before the routing or
 * bridging decision, where the kernel drops packets outside netfilter.
 *
 * A trace that ends inside a chain after a rule that continues (an
 * ebtables --log rule, say) did not show what the rest of the chain did.
 * With --rules, the later rules of that chain are matched against the
 * packet; the first one that surely matches and ends the walk is taken
 * (an inferred fate), and a rule nfpath cannot evaluate stops the guess. */
#include "fate.h"

#include "dropreason.h"
#include "resolve.h"
#include "rules.h"
#include "trace.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[] = { "unknown", "forwarded", "delivered", "sent",
					  "dropped", "rejected",  "queued",    "stolen" };

const char *capture_fate_kind_name(int kind)
{
	return kind >= 0 && kind < NFP_FATE__COUNT ? kind_names[kind] : "?";
}

const char *capture_fate_why_text(int why)
{
	switch (why) {
	case NFP_WHY_ROUTING:
		return "the routing decision comes next: a packet with no route (IpExtInNoRoutes), one the "
		       "reverse-path filter refuses (net.ipv4.conf.<dev>.rp_filter), a martian address or a frame "
		       "for another host is dropped there, outside netfilter; or the later chains are not traced";
	case NFP_WHY_ROUTING6:
		return "IPv6's routing decision comes next: a packet with no route (Ip6InNoRoutes), one for another "
		       "host while forwarding is off (net.ipv6.conf.<dev>.forwarding), a source or destination of the "
		       "wrong scope (Ip6InAddrErrors) or a multicast group nobody joined is dropped there, outside "
		       "netfilter; or the later chains are not traced";
	case NFP_WHY_NEIGH:
		return "the neighbour layer (arp_rcv, arp_process) comes next: a request for an address this host "
		       "does not answer for (net.ipv4.conf.<dev>.arp_ignore, arp_filter), a gratuitous ARP it does not "
		       "take (arp_accept, drop_gratuitous_arp) or a malformed frame ends there, outside netfilter; or "
		       "the later chains are not traced";
	case NFP_WHY_UP:
		return "the frame is handed up to the host's handler for its protocol, which may drop it outside "
		       "netfilter; or the later chains are not traced";
	case NFP_WHY_BRIDGING:
		return "the bridging decision comes next: a port that is not forwarding (STP state), a frame the "
		       "bridge filters or one sent back out of its own port ends there, outside netfilter; or the "
		       "later chains are not traced";
	case NFP_WHY_IN_CHAIN:
		return "the trace ends inside this chain after a rule that lets it go on: a later rule that was "
		       "not traced (a DROP with no LOG) or a drop outside netfilter ended it";
	case NFP_WHY_NO_VERDICT:
		return "the trace does not say the last hop's verdict (legacy TRACE lines carry none): give the "
		       "ruleset with --rules";
	case NFP_WHY_NO_BOX:
		return "no hop of it could be placed on the diagram";
	case NFP_WHY_NOT_OUT:
		return "nfpath's probe at POSTROUTING, which sees every traced packet that leaves, never saw it: "
		       "after this box a rule that was not traced, the reroute check, the MTU or the neighbour "
		       "layer (no ARP/ND answer) ended it";
	default:
		return "";
	}
}

const char *capture_fate_dev_name(const struct capture_trace *t, const struct nfp_fate *f)
{
	if (!f->dev)
		return "";
	return capture_str(t, capture_trace_name_on(t, f->dev_host, 1, capture_str(t, f->dev)));
}

/* ---- rule text --------------------------------------------------------- */

/* does the rule's target send an answer (iptables REJECT, nft reject)? */
static int text_is_reject(const char *s)
{
	if (!s || !*s)
		return 0;
	if (strstr(s, "-j REJECT") || strstr(s, "--jump REJECT"))
		return 1;
	for (const char *p = s; (p = strstr(p, "reject")) != NULL; p++)
		if ((p == s || p[-1] == ' ') && (p[6] == '\0' || p[6] == ' ' || p[6] == ';'))
			return 1;
	return 0;
}

/* A log line's rule may end the walk itself: nft's "... log prefix "x"
 * drop" logs, then drops, and the line carries no verdict. The rule text's
 * last statement says it (iptables text has its -j verdict resolved). */
static int hop_verdict(const struct capture_trace *t, const struct nfp_hop *h)
{
	if (h->kind != NFP_KIND_LOG || (h->verdict != NFP_V_NONE && h->verdict != NFP_V_CONTINUE) || !h->rule_text)
		return h->verdict;
	const char *s = capture_str(t, h->rule_text);
	if (s[0] == '-')
		return h->verdict; /* iptables/ebtables syntax: resolved from -j already */
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	size_t b = n;
	while (b && s[b - 1] != ' ')
		b--;
	if (n - b == 4 && memcmp(s + b, "drop", 4) == 0)
		return NFP_V_DROP;
	if (n - b == 6 && memcmp(s + b, "accept", 6) == 0)
		return NFP_V_ACCEPT;
	if (text_is_reject(s))
		return NFP_V_REJECT;
	return h->verdict;
}

/* ---- a small matcher for --rules inference ---------------------------- */

struct tok {
	const char *s;
	size_t n;
};

/* splits text into words, a double-quoted word being one; at most cap */
static size_t tokenize(const char *s, struct tok *w, size_t cap)
{
	size_t n = 0;
	while (*s && n < cap) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		const char *b = s;
		if (*s == '"') {
			s++;
			while (*s && *s != '"')
				s++;
			if (*s)
				s++;
		} else {
			while (*s && *s != ' ' && *s != '\t')
				s++;
		}
		w[n++] = (struct tok){ b, (size_t)(s - b) };
	}
	return *s ? cap + 1 : n; /* too many words: cannot say */
}

static int tok_is(const struct tok *w, const char *lit)
{
	return strlen(lit) == w->n && memcmp(w->s, lit, w->n) == 0;
}

static int tok_ieq(const struct tok *w, const char *lit)
{
	return strlen(lit) == w->n && strncasecmp(w->s, lit, w->n) == 0;
}

/* "10.0.0.0/8", "fd00::1", "10.1.2.3/255.255.255.0" against addr */
static int addr_in(const struct tok *w, int l3, const uint8_t *a)
{
	char buf[80];
	if (w->n >= sizeof(buf))
		return -1;
	memcpy(buf, w->s, w->n);
	buf[w->n] = '\0';
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	uint8_t net[16] = { 0 }, mask[16] = { 0 };
	int v6 = strchr(buf, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, net) != 1)
		return -1;
	if ((v6 && l3 != 6) || (!v6 && l3 != 4))
		return 0;
	int len = v6 ? 16 : 4;
	if (!slash) {
		memset(mask, 0xff, (size_t)len);
	} else if (strchr(slash, '.') || strchr(slash, ':')) {
		if (inet_pton(v6 ? AF_INET6 : AF_INET, slash, mask) != 1)
			return -1;
	} else {
		char *e;
		long bits = strtol(slash, &e, 10);
		if (*e || bits < 0 || bits > len * 8)
			return -1;
		for (int i = 0; i < len; i++) {
			long b = bits - i * 8;
			mask[i] = (uint8_t)(b >= 8 ? 0xff : b <= 0 ? 0 : (0xff << (8 - b)) & 0xff);
		}
	}
	for (int i = 0; i < len; i++)
		if ((a[i] & mask[i]) != (net[i] & mask[i]))
			return 0;
	return 1;
}

static int port_in(const struct tok *w, uint16_t port)
{
	char buf[24];
	if (w->n >= sizeof(buf))
		return -1;
	memcpy(buf, w->s, w->n);
	buf[w->n] = '\0';
	char *e;
	long lo = strtol(buf, &e, 10), hi = lo;
	if (e == buf)
		return -1;
	if (*e == ':') {
		char *f;
		hi = strtol(e + 1, &f, 10);
		if (f == e + 1 || *f)
			return -1;
	} else if (*e) {
		return -1;
	}
	return port >= lo && port <= hi;
}

static int proto_is(const struct tok *w, const struct nfp_pkt *pk)
{
	if (tok_ieq(w, "all"))
		return 1;
	if (!(pk->flags & NFP_PK_PROTO))
		return -1;
	int p = nfp_proto_parse(w->s, w->n);
	return p < 0 ? -1 : pk->proto == p;
}

/* "eth0", "veth+" against a device name */
static int dev_is(const struct tok *w, const char *dev)
{
	if (w->n && w->s[w->n - 1] == '+')
		return strncmp(dev, w->s, w->n - 1) == 0;
	return strlen(dev) == w->n && memcmp(dev, w->s, w->n) == 0;
}

/* Does an iptables-save or ebtables-save rule line surely match the packet
 * as seen at hop h? 1 yes, 0 no, -1 cannot say (an option nfpath does not
 * evaluate, a negation, a field the trace lacks). *target gets the -j word. */
static int rule_matches(const struct capture_trace *t, const struct nfp_hop *h, const char *text, struct tok *target)
{
	struct tok w[64];
	size_t n = tokenize(text, w, 64);
	const struct nfp_pkt *pk = &h->pk;
	int bridge = h->family == NFP_FAM_BRIDGE;
	int result = 1;
	target->s = NULL;
	target->n = 0;
	if (n > 64 || n < 2 || !tok_is(&w[0], "-A"))
		return -1;
	for (size_t i = 2; i < n; i++) {
		const struct tok *o = &w[i], *a = i + 1 < n ? &w[i + 1] : NULL;
		int m;
		if (tok_is(o, "-j") || tok_is(o, "--jump")) {
			if (!a)
				return -1;
			*target = *a;
			break; /* target options follow */
		}
		if (tok_is(o, "!") || (a && tok_is(a, "!")))
			return -1;
		if (tok_is(o, "-m") || tok_is(o, "--match")) {
			if (!a || !(tok_is(a, "tcp") || tok_is(a, "udp") || tok_is(a, "icmp") || tok_is(a, "comment")))
				return -1;
			i++;
			continue;
		}
		if (tok_is(o, "--comment") || tok_is(o, "--log-prefix") || tok_is(o, "--log-level")) {
			i++;
			continue;
		}
		if (tok_is(o, "--log-ip") || tok_is(o, "--log-arp") || tok_is(o, "--log-ip6") || tok_is(o, "--log"))
			continue;
		if (!a)
			return -1;
		i++;
		if (tok_is(o, "-p") || tok_is(o, "--protocol")) {
			if (bridge)
				m = tok_ieq(a, "IPv4")	 ? pk->l3 == 4
				    : tok_ieq(a, "IPv6") ? pk->l3 == 6
				    : tok_ieq(a, "ARP")	 ? (h->family == NFP_FAM_ARP || (pk->flags & NFP_PK_ADDRS && pk->l3 == 0))
							 : -1;
			else
				m = proto_is(a, pk);
		} else if (tok_is(o, "--ip-proto") || tok_is(o, "--ip-protocol") || tok_is(o, "--ip6-proto") ||
			   tok_is(o, "--ip6-protocol")) {
			m = proto_is(a, pk);
		} else if (tok_is(o, "-s") || tok_is(o, "--source") || tok_is(o, "--ip-src") || tok_is(o, "--ip-source") ||
			   tok_is(o, "--ip6-src") || tok_is(o, "--ip6-source")) {
			m = (pk->flags & NFP_PK_ADDRS) ? addr_in(a, pk->l3, pk->src) : -1;
		} else if (tok_is(o, "-d") || tok_is(o, "--destination") || tok_is(o, "--ip-dst") ||
			   tok_is(o, "--ip-destination") || tok_is(o, "--ip6-dst") || tok_is(o, "--ip6-destination")) {
			m = (pk->flags & NFP_PK_ADDRS) ? addr_in(a, pk->l3, pk->dst) : -1;
		} else if (tok_is(o, "--dport") || tok_is(o, "--destination-port") || tok_is(o, "--ip-dport") ||
			   tok_is(o, "--ip-destination-port") || tok_is(o, "--ip6-dport")) {
			m = (pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID) ? port_in(a, pk->dport) : -1;
		} else if (tok_is(o, "--sport") || tok_is(o, "--source-port") || tok_is(o, "--ip-sport") ||
			   tok_is(o, "--ip-source-port") || tok_is(o, "--ip6-sport")) {
			m = (pk->flags & NFP_PK_PORTS) && !(pk->flags & NFP_PK_ICMPID) ? port_in(a, pk->sport) : -1;
		} else if (tok_is(o, "-i") || tok_is(o, "--in-interface") || tok_is(o, "--in-if")) {
			m = h->in ? dev_is(a, capture_str(t, h->in)) : -1;
		} else if (tok_is(o, "-o") || tok_is(o, "--out-interface") || tok_is(o, "--out-if")) {
			m = h->out ? dev_is(a, capture_str(t, h->out)) : -1;
		} else {
			return -1;
		}
		if (m < 0)
			return -1;
		if (m == 0)
			result = 0; /* keep reading: an option we cannot judge still makes it "cannot say" */
	}
	return target->s ? result : -1;
}

/* The rule number of hop h in its chain: its own, or the rule whose text
 * it carries (LOG lines have none). -1 when not found. */
static long hop_rule_number(const struct capture_trace *t, const struct nfp_hop *h)
{
	if (h->rule >= 0)
		return h->rule;
	const struct capture_rules *rules = capture_trace_rules(t);
	if (!h->rule_text || !rules)
		return -1;
	const char *tab = capture_str(t, h->table), *ch = capture_str(t, h->chain), *rt = capture_str(t, h->rule_text);
	for (long n = 1; n < 100000; n++) {
		const char *s = capture_rules_lookup(rules, h->family, tab, ch, NFP_KIND_RULE, n, 0, 0, NULL);
		if (!s)
			return -1;
		if (strcmp(s, rt) == 0)
			return n;
	}
	return -1;
}

/* The walk stopped being traced inside h's chain after h: what do the
 * later rules of the chain, then its policy, do with the packet? Returns
 * a verdict (NFP_V_DROP, NFP_V_REJECT, NFP_V_ACCEPT) or NFP_V_NONE when it
 * cannot say; *rule and *text tell which rule (rule 0: the policy). */
static int infer_rest(const struct capture_trace *t, const struct nfp_hop *h, long *rule, const char **text)
{
	long from = hop_rule_number(t, h);
	if (from < 0)
		return NFP_V_NONE;
	const struct capture_rules *rules = capture_trace_rules(t);
	const char *tab = capture_str(t, h->table), *ch = capture_str(t, h->chain);
	for (long n = from + 1; n < from + 10000; n++) {
		const char *s = capture_rules_lookup(rules, h->family, tab, ch, NFP_KIND_RULE, n, 0, 0, NULL);
		if (!s)
			break;
		struct tok target;
		int m = rule_matches(t, h, s, &target);
		if (m < 0)
			return NFP_V_NONE;
		if (m == 0)
			continue;
		int v = NFP_V_NONE;
		if (tok_is(&target, "DROP"))
			v = NFP_V_DROP;
		else if (tok_is(&target, "REJECT"))
			v = NFP_V_REJECT;
		else if (tok_is(&target, "ACCEPT"))
			v = NFP_V_ACCEPT;
		else if (tok_is(&target, "CONTINUE") || tok_is(&target, "LOG") || tok_is(&target, "NFLOG"))
			continue; /* it would have been logged or goes on: no fate here */
		if (v == NFP_V_NONE)
			return NFP_V_NONE; /* a jump or a target nfpath does not follow */
		*rule = n;
		*text = s;
		return v;
	}
	const char *pol = capture_rules_lookup(rules, h->family, tab, ch, NFP_KIND_POLICY, -1, 0, 0, NULL);
	const char *j;
	size_t jl;
	int v = pol ? capture_rule_verdict(pol, &j, &jl) : NFP_V_NONE;
	if (v != NFP_V_DROP && v != NFP_V_ACCEPT)
		return NFP_V_NONE;
	*rule = 0;
	*text = pol;
	return v;
}

/* ---- where it went ---------------------------------------------------- */

static int is_terminal(int v)
{
	return v == NFP_V_DROP || v == NFP_V_REJECT || v == NFP_V_QUEUE || v == NFP_V_STOLEN;
}

static int is_reason(const struct capture_trace *t, uint32_t id, const char *lit)
{
	return id && strcmp(capture_str(t, id), lit) == 0;
}

/* the port or device a packet that left went out by: a bridge port
 * (PHYSOUT, a bridge hop's own device) says more than the bridge */
static uint32_t out_dev(const struct capture_trace *t, const struct nfp_packet *p)
{
	uint32_t fallback = 0;
	for (uint32_t i = p->nhops; i-- > 0;) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->physout)
			return h->physout;
		if (h->out && h->family == NFP_FAM_BRIDGE)
			return h->out;
		if (h->out && !fallback)
			fallback = h->out;
	}
	return fallback;
}

static uint32_t in_dev(const struct capture_trace *t, const struct nfp_packet *p)
{
	for (uint32_t i = p->nhops; i-- > 0;) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->physin)
			return h->physin;
		if (h->in)
			return h->in;
	}
	return 0;
}

/* An unknown fate after the packet was handed up (IP PREROUTING, a frame
 * the bridge passed up at its INPUT): what comes next is its family's
 * business, so the words name that layer (ARP has no routing decision). */
static int up_why(const struct capture_trace *t, const struct nfp_packet *p)
{
	int l3 = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->family == NFP_FAM_ARP || (h->pk.flags & NFP_PK_ARP))
			return NFP_WHY_NEIGH;
		if (h->family == NFP_FAM_IPV6 || ((h->pk.flags & NFP_PK_ADDRS) && h->pk.l3 == 6))
			l3 = 6;
		else if (!l3 && (h->family == NFP_FAM_IPV4 || ((h->pk.flags & NFP_PK_ADDRS) && h->pk.l3 == 4)))
			l3 = 4;
	}
	return l3 == 6 ? NFP_WHY_ROUTING6 : l3 == 4 ? NFP_WHY_ROUTING : NFP_WHY_UP;
}

/* made on this host: its first placed hop is an OUTPUT hook */
static int locally_made(const struct capture_trace *t, const struct nfp_packet *p)
{
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->in || h->physin)
			return 0;
		if (h->box)
			return nfp_box_hook(h->box) == NFP_HOOK_OUTPUT;
	}
	return 0;
}

/* ---- this host's addresses -------------------------------------------- */

/* a unicast address a host can own (not unspecified, multicast, broadcast) */
static int unicast(int l3, const uint8_t *a)
{
	static const uint8_t zero[16];
	if (l3 == 6)
		return memcmp(a, zero, 16) != 0 && a[0] != 0xff;
	return l3 == 4 && memcmp(a, zero, 4) != 0 && a[0] < 224;
}

/* link-scope: never routed (IPv6 link-local or link-scope multicast, IPv4
 * link-local, 224.0.0.0/24, broadcast) */
static int link_scope(int l3, const uint8_t *a)
{
	if (l3 == 6)
		return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 0x0f) <= 2);
	return (a[0] == 169 && a[1] == 254) || (a[0] == 224 && a[1] == 0 && a[2] == 0) ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static int host_has(const struct capture_fate_hosts *hs, int l3, const uint8_t *a)
{
	for (unsigned i = 0; i < hs->n; i++)
		if (hs->l3[i] == l3 && memcmp(hs->addr[i], a, l3 == 6 ? 16 : 4) == 0)
			return 1;
	return 0;
}

static int host_family(const struct capture_fate_hosts *hs, int l3)
{
	for (unsigned i = 0; i < hs->n; i++)
		if (hs->l3[i] == l3)
			return 1;
	return 0;
}

static void host_learn(struct capture_fate_hosts *hs, int l3, const uint8_t *a)
{
	if (!unicast(l3, a) || host_has(hs, l3, a))
		return;
	unsigned i = hs->n < NFP_FATE_HOSTS ? hs->n++ : hs->next++ % NFP_FATE_HOSTS;
	memset(hs->addr[i], 0, 16);
	memcpy(hs->addr[i], a, l3 == 6 ? 16 : 4);
	hs->l3[i] = (uint8_t)l3;
}

/* What packet p shows of this host's addresses. Made here for sure: its
 * walk begins at an IP OUTPUT hook, or it is ARP, neighbour discovery or
 * link-scope traffic leaving by an OUTPUT hook (none of these is ever
 * routed). Delivered (settled packets): its destination. */
static void learn_hosts(struct capture_trace *t, const struct nfp_packet *p)
{
	const struct nfp_pkt *pk = &p->ident;
	struct capture_fate_hosts *hs = &capture_trace_counters(t)->fate.hosts;
	if (!(pk->flags & NFP_PK_ADDRS) || (pk->l3 != 4 && pk->l3 != 6 && !(pk->flags & NFP_PK_ARP)))
		return;
	int l3 = (pk->flags & NFP_PK_ARP) ? 4 : pk->l3;
	if (p->fate.kind == NFP_FATE_DELIVERED && p->fate.box && nfp_box_class(p->fate.box) == 0 &&
	    (p->cur.flags & NFP_PK_ADDRS))
		host_learn(hs, p->cur.l3, p->cur.dst);
	if (!locally_made(t, p))
		return;
	int ip_output = 0;
	for (uint32_t i = 0; i < p->nhops && !ip_output; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		ip_output = h->box && nfp_box_class(h->box) == 0 && h->layer == NFP_LAYER_NETWORK;
	}
	int nd = pk->l3 == 6 && pk->proto == 58 && (pk->flags & NFP_PK_ICMP) && pk->icmp_type >= 133 &&
		 pk->icmp_type <= 137;
	if (ip_output || (pk->flags & NFP_PK_ARP) || nd || link_scope(l3, pk->dst))
		host_learn(hs, l3, pk->src);
}

/* An IP packet seen only at the bridge's own OUTPUT (ebtables logs: no IP
 * layer hop) left the host's IP layer: made here, or routed here from
 * another interface. It was routed when its source is none of the
 * addresses this host showed (those of packets before it, and of the ones
 * already in after it: a host's neighbour solicitation often follows the
 * reply it holds back). With no address of the family seen, it stays sent. */
static int routed_here(struct capture_trace *t, size_t num)
{
	const struct nfp_packet *p = capture_trace_packet(t, num);
	struct capture_fate_hosts *hs = &capture_trace_counters(t)->fate.hosts;
	const struct nfp_pkt *pk = &p->ident;
	if (!(pk->flags & NFP_PK_ADDRS) || (pk->l3 != 4 && pk->l3 != 6) || (pk->flags & NFP_PK_ARP) ||
	    link_scope(pk->l3, pk->dst) || link_scope(pk->l3, pk->src))
		return 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->kind != NFP_KIND_DROP && h->family != NFP_FAM_BRIDGE)
			return 0;
	}
	if (host_has(hs, pk->l3, pk->src))
		return 0;
	/* each later packet is looked at once ahead of its turn */
	size_t q = hs->looked > num ? hs->looked + 1 : num + 1;
	for (; q <= capture_trace_last(t) && q <= num + 256; q++)
		learn_hosts(t, capture_trace_packet(t, q));
	if (q - 1 > hs->looked)
		hs->looked = q - 1;
	return host_family(hs, pk->l3) && !host_has(hs, pk->l3, pk->src);
}

static void from_hop(struct nfp_fate *f, const struct nfp_hop *h, uint32_t i)
{
	f->hop = i;
	f->box = h->box;
	f->layer = h->layer;
	f->table = h->table;
	f->chain = h->chain;
	f->rule = h->rule;
	f->rule_text = h->rule_text;
}

/* A hop without a box (a log line nfpath could not place) leaves the box
 * of death unknown: the box before it would be a guess, and a wrong one
 * when the rule sat in a later hook. */
/* After a drop the kernel runs no more chains for the packet: hops after
 * it (but a kernel drop record) say the verdict is not what happened. A
 * rule text resolved from a ruleset that changed during the capture does
 * that (seen in the lab: a DROP rule deleted mid-capture, the next ping's
 * TRACE line for the rule now at that number still got the DROP's text). */
static int walks_on(const struct capture_trace *t, const struct nfp_packet *p, uint32_t i)
{
	for (uint32_t k = i + 1; k < p->nhops; k++)
		if (capture_packet_hop(t, p, k)->kind != NFP_KIND_DROP)
			return 1;
	return 0;
}

static int after_delivery(const struct capture_trace *t, const struct nfp_hop *h)
{
	return h->kind == NFP_KIND_DROP &&
	       capture_dropreason_after_delivery(capture_str(t, h->drop_reason), capture_str(t, h->drop_location));
}

/* A frame the bridge flooded (a group address, an unknown unicast) left
 * by several ports, or by one and up to the host: its copies are one
 * packet (the stitcher joins them). Counts the bridge ports it left by;
 * *first gets the first, *up whether a copy went up (the bridge's INPUT). */
static unsigned flooded(const struct capture_trace *t, const struct nfp_packet *p, uint32_t *first, int *up)
{
	uint32_t ports[8];
	unsigned n = 0;
	*first = 0;
	*up = 0;
	/* one bridge on one host: a routed packet also goes up through one
	 * bridge's INPUT and out of another's OUTPUT (on this host or, in a
	 * journey over two hosts, on the other), which is no flood */
	uint32_t host = 0;
	int any = 0;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->family != NFP_FAM_BRIDGE || h->kind == NFP_KIND_DROP || !h->box || nfp_box_class(h->box) != 1)
			continue;
		if (!any) {
			host = h->host;
			any = 1;
		} else if (h->host != host) {
			break;
		}
		int hook = nfp_box_hook(h->box);
		if (hook == NFP_HOOK_INPUT && h->in)
			*up = 1;
		if (hook == NFP_HOOK_OUTPUT)
			break; /* the IP layer's frame: whatever follows was routed */
		if ((hook != NFP_HOOK_FORWARD && hook != NFP_HOOK_POSTROUTING) || !h->out)
			continue;
		int seen = 0;
		for (unsigned k = 0; k < n && k < 8; k++)
			seen |= ports[k] == h->out;
		if (seen)
			continue;
		if (n < 8)
			ports[n] = h->out;
		if (!n)
			*first = h->out;
		n++;
	}
	return n;
}

static void decide(struct capture_trace *t, size_t num, struct nfp_fate *f)
{
	const struct nfp_packet *p = capture_trace_packet(t, num);
	f->hop = UINT32_MAX;
	f->rule = -1;
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->kind == NFP_KIND_DROP && after_delivery(t, h))
			continue;
		if (h->kind == NFP_KIND_DROP) {
			from_hop(f, h, i);
			f->rule = -1;
			f->rule_text = 0;
			f->kind = NFP_FATE_DROPPED;
			f->by = NFP_FATE_BY_KERNEL;
			f->reason = h->drop_reason;
			f->location = h->drop_location;
			f->dev = h->in ? h->in : h->out;
			return;
		}
		int v = hop_verdict(t, h);
		if (h->kind == NFP_KIND_PACKET || !is_terminal(v) || walks_on(t, p, i))
			continue;
		from_hop(f, h, i);
		f->by = h->kind == NFP_KIND_POLICY ? NFP_FATE_BY_POLICY : NFP_FATE_BY_RULE;
		switch (v) {
		case NFP_V_QUEUE:
			f->kind = NFP_FATE_QUEUED;
			break;
		case NFP_V_STOLEN:
			f->kind = NFP_FATE_STOLEN;
			break;
		default:
			f->kind = v == NFP_V_REJECT || text_is_reject(capture_str(t, h->rule_text)) ? NFP_FATE_REJECTED
												    : NFP_FATE_DROPPED;
		}
		f->dev = in_dev(t, p);
		/* the kernel's own record of the same drop confirms the rule */
		for (uint32_t k = i + 1; k < p->nhops; k++) {
			const struct nfp_hop *o = capture_packet_hop(t, p, k);
			if (o->kind == NFP_KIND_DROP && is_reason(t, o->drop_reason, "NETFILTER_DROP")) {
				f->reason = o->drop_reason;
				f->location = o->drop_location;
				break;
			}
		}
		return;
	}
	/* no verdict ended it: where did the walk stop? */
	uint32_t li = UINT32_MAX;
	for (uint32_t i = p->nhops; i-- > 0;)
		if (capture_packet_hop(t, p, i)->box && !after_delivery(t, capture_packet_hop(t, p, i))) {
			li = i;
			break;
		}
	if (li == UINT32_MAX) {
		f->kind = NFP_FATE_UNKNOWN;
		f->why = NFP_WHY_NO_BOX;
		f->dev = in_dev(t, p);
		return;
	}
	const struct nfp_hop *L = capture_packet_hop(t, p, li);
	from_hop(f, L, li);
	uint32_t port0;
	int up;
	unsigned nports = flooded(t, p, &port0, &up);
	if (nports >= 2 || (nports == 1 && up)) {
		f->kind = NFP_FATE_FORWARDED;
		f->flags |= NFP_FATE_F_FLOODED | (up ? NFP_FATE_F_UP : 0);
		f->nports = (uint8_t)(nports > 255 ? 255 : nports);
		f->dev = port0;
		return;
	}
	int hook = nfp_box_hook(L->box), cls = nfp_box_class(L->box);
	int leaving = hook == NFP_HOOK_POSTROUTING || hook == NFP_HOOK_EGRESS || (cls == 1 && hook == NFP_HOOK_OUTPUT);
	/* did the chain finish? an accept, or any verdict of a policy, does */
	int open_end = L->verdict != NFP_V_ACCEPT && L->kind != NFP_KIND_POLICY;
	int no_verdict = L->verdict == NFP_V_NONE && (L->kind == NFP_KIND_RULE || L->kind == NFP_KIND_RETURN);
	if (L->kind == NFP_KIND_POLICY && L->verdict == NFP_V_NONE)
		no_verdict = 1;
	if (open_end && capture_trace_rules(t) && !(L->flags & NFP_HOP_PROBE)) {
		long rule;
		const char *text;
		int v = infer_rest(t, L, &rule, &text);
		if (v == NFP_V_DROP || v == NFP_V_REJECT) {
			f->kind = v == NFP_V_REJECT || text_is_reject(text) ? NFP_FATE_REJECTED : NFP_FATE_DROPPED;
			f->by = NFP_FATE_BY_INFERRED;
			f->rule = (int32_t)rule;
			uint32_t id = capture_strpool_intern(capture_trace_strpool(t), text, strlen(text));
			f->rule_text = id == UINT32_MAX ? 0 : id;
			f->dev = in_dev(t, p);
			return;
		}
		if (v == NFP_V_ACCEPT)
			open_end = no_verdict = 0;
	}
	int local = locally_made(t, p);
	/* the trace's end is where it stopped only when its verdict is known */
	if (!leaving && no_verdict && hook != NFP_HOOK_PREROUTING && hook != NFP_HOOK_BROUTING &&
	    hook != NFP_HOOK_INGRESS) {
		f->kind = NFP_FATE_UNKNOWN;
		f->why = NFP_WHY_NO_VERDICT;
		f->dev = in_dev(t, p);
		return;
	}
	if (!leaving && open_end && !no_verdict && (hook == NFP_HOOK_FORWARD || hook == NFP_HOOK_OUTPUT) &&
	    L->kind != NFP_KIND_LOG && !(L->flags & NFP_HOP_PROBE)) {
		f->kind = NFP_FATE_UNKNOWN;
		f->why = NFP_WHY_IN_CHAIN;
		f->dev = in_dev(t, p);
		return;
	}
	if (!leaving && open_end && L->kind == NFP_KIND_LOG && cls != 0 && hook == NFP_HOOK_FORWARD) {
		/* an ebtables --log trace logs each frame at every box: one
		 * seen in FORWARD and never at POSTROUTING did not leave */
		f->kind = NFP_FATE_UNKNOWN;
		f->why = NFP_WHY_IN_CHAIN;
		f->dev = in_dev(t, p);
		return;
	}
	/* a live capture has probes at every hook: what left was seen at POSTROUTING */
	int probed = 0;
	for (uint32_t i = 0; i < p->nhops && !probed; i++)
		probed = !!(capture_packet_hop(t, p, i)->flags & NFP_HOP_PROBE);
	if (!leaving && probed && (hook == NFP_HOOK_FORWARD || hook == NFP_HOOK_OUTPUT)) {
		f->kind = NFP_FATE_UNKNOWN;
		f->why = NFP_WHY_NOT_OUT;
		f->dev = in_dev(t, p);
		return;
	}
	if (leaving || ((hook == NFP_HOOK_FORWARD || hook == NFP_HOOK_OUTPUT) && (cls == 0 || cls == 1))) {
		if (local && routed_here(t, num)) {
			f->flags |= NFP_FATE_F_ROUTED;
			local = 0;
		}
		f->kind = local ? NFP_FATE_SENT : NFP_FATE_FORWARDED;
		f->dev = out_dev(t, p);
		return;
	}
	/* arp INPUT hands the packet to arp_process, as IP INPUT to a socket */
	if ((cls == 0 || cls == 4) && hook == NFP_HOOK_INPUT) {
		f->kind = NFP_FATE_DELIVERED;
		f->dev = in_dev(t, p);
		return;
	}
	f->kind = NFP_FATE_UNKNOWN;
	f->dev = in_dev(t, p);
	/* before the bridge decided (link-layer PREROUTING, broute), or
	 * before routing (IP PREROUTING, a frame handed up by eb INPUT) */
	f->why = (hook == NFP_HOOK_BROUTING || (hook == NFP_HOOK_PREROUTING && L->layer == NFP_LAYER_LINK))
			 ? NFP_WHY_BRIDGING
			 : up_why(t, p);
}

/* ---- the answer a REJECT sent ------------------------------------------ */

static const struct nfp_hop *first_addressed(const struct capture_trace *t, const struct nfp_packet *p)
{
	for (uint32_t i = 0; i < p->nhops; i++) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->pk.flags & NFP_PK_ADDRS)
			return h;
	}
	return NULL;
}

/* Is q the ICMP error or TCP reset the kernel sent for rejected packet r?
 * Made soon after, to r's source; an error whose inner header the source
 * showed must carry r's; a reset has r's ports swapped. */
static int answers(const struct capture_trace *t, const struct nfp_packet *r, const struct nfp_packet *q)
{
	const struct nfp_hop *rh = capture_packet_hop(t, r, r->fate.hop);
	const struct nfp_pkt *a = (rh->pk.flags & NFP_PK_ADDRS) ? &rh->pk : &r->cur;
	const struct nfp_hop *qh = first_addressed(t, q);
	if (!qh || !(a->flags & NFP_PK_ADDRS))
		return 0;
	const struct nfp_pkt *b = &qh->pk;
	if (a->l3 != b->l3 || memcmp(b->dst, a->src, 16) != 0)
		return 0;
	if ((rh->flags & NFP_HOP_TS) && (qh->flags & NFP_HOP_TS) && (qh->ts < rh->ts - 0.001 || qh->ts > rh->ts + 2.0))
		return 0;
	if ((b->flags & NFP_PK_ICMP) && ((b->l3 == 4 && b->proto == 1 && b->icmp_type == 3) ||
					 (b->l3 == 6 && b->proto == 58 && b->icmp_type == 1))) {
		const struct nfp_inner *in = &qh->inner;
		if (!(in->flags & NFP_IN_ADDRS))
			return 1;
		if (memcmp(in->src, a->src, 16) != 0 || memcmp(in->dst, a->dst, 16) != 0)
			return 0;
		return !((in->flags & NFP_IN_PORTS) && (a->flags & NFP_PK_PORTS) &&
			 (in->sport != a->sport || in->dport != a->dport));
	}
	return b->proto == 6 && (b->tcp_flags & 0x04) && memcmp(b->src, a->dst, 16) == 0 &&
	       (b->flags & a->flags & NFP_PK_PORTS) && b->sport == a->dport && b->dport == a->sport;
}

#define ANSWER_WINDOW 64

static void link_answers(struct capture_trace *t, size_t num)
{
	struct nfp_packet *p = capture_trace_packet_mut(t, num);
	size_t first = capture_trace_first(t), last = capture_trace_last(t);
	if (p->fate.kind == NFP_FATE_REJECTED && p->fate.hop != UINT32_MAX && !p->fate.answer) {
		/* usually the answer's hops are in already: it follows at once */
		for (size_t n = num + 1; n <= last && n <= num + ANSWER_WINDOW; n++) {
			struct nfp_packet *q = capture_trace_packet_mut(t, n);
			if (!q->fate.answers && answers(t, p, q)) {
				p->fate.answer = n;
				q->fate.answers = num;
				return;
			}
		}
	}
	if (p->fate.answers)
		return;
	for (size_t n = num; n-- > first && num - n <= ANSWER_WINDOW;) {
		struct nfp_packet *r = capture_trace_packet_mut(t, n);
		if (r->fate.kind == NFP_FATE_REJECTED && r->fate.hop != UINT32_MAX && !r->fate.answer && answers(t, r, p)) {
			r->fate.answer = num;
			p->fate.answers = n;
			return;
		}
	}
}

static void count(struct capture_trace *t, const struct nfp_packet *p)
{
	const struct nfp_fate *f = &p->fate;
	struct capture_fate_stats *s = &capture_trace_counters(t)->fate;
	s->kind[f->kind < NFP_FATE__COUNT ? f->kind : 0]++;
	if (f->kind != NFP_FATE_DROPPED && f->kind != NFP_FATE_REJECTED)
		return;
	int l = f->layer < 3 ? f->layer : 0, bx = f->box < NFP_BOX__COUNT ? f->box : 0;
	s->died_at[l][bx][f->kind == NFP_FATE_REJECTED]++;
	if ((f->by == NFP_FATE_BY_RULE || f->by == NFP_FATE_BY_POLICY) && f->hop < p->nhops) {
		/* the box table counts the deciding hop under the verdict its
		 * fate names: nft's reject reaches the trace as a drop, a log
		 * line as no verdict (its rule text says log ... drop) */
		const struct nfp_hop *h = capture_packet_hop(t, p, f->hop);
		int v = f->kind == NFP_FATE_REJECTED ? NFP_V_REJECT : NFP_V_DROP;
		int was = h->verdict <= NFP_V_OTHER ? h->verdict : NFP_V_OTHER;
		unsigned long *bv = capture_trace_counters(t)->box_verdict[l][bx];
		if (h->box == f->box && was != v && bv[was]) {
			bv[was]--;
			bv[v]++;
		}
	}
	if (!f->reason)
		return;
	for (int i = 0; i < NFP_FATE_NREASONS; i++) {
		if (s->reasons[i].reason == f->reason || !s->reasons[i].reason) {
			s->reasons[i].reason = f->reason;
			s->reasons[i].n++;
			return;
		}
	}
	s->reasons_other++;
}

void capture_fate_compute(struct capture_trace *t, size_t num)
{
	struct nfp_packet *p = capture_trace_packet_mut(t, num);
	/* an answer link may be set already (by an earlier REJECT that saw
	 * this packet in flight) */
	size_t answered = p->fate.answers;
	memset(&p->fate, 0, sizeof(p->fate));
	p->fate.answers = answered;
	decide(t, num, &p->fate);
	/* the device's host: the latest hop that names it (a journey over
	 * two hosts crosses an eth1 on each) */
	for (uint32_t i = p->nhops; p->fate.dev && i-- > 0;) {
		const struct nfp_hop *h = capture_packet_hop(t, p, i);
		if (h->in == p->fate.dev || h->out == p->fate.dev || h->physin == p->fate.dev ||
		    h->physout == p->fate.dev) {
			p->fate.dev_host = h->host;
			break;
		}
	}
	learn_hosts(t, p);
	link_answers(t, num);
	count(t, p);
}

/* ---- the packet filter ------------------------------------------------- */

int capture_fate_filter(const struct capture_trace *t, const struct nfp_packet *p, const char *needle)
{
	(void)t;
	int k = p->fate.kind;
	int asked = strncmp(needle, "fate:", 5) == 0;
	const char *w = asked ? needle + 5 : needle;
	if (!asked && (strcmp(w, "drop") == 0 || strcmp(w, "dropped") == 0))
		return k == NFP_FATE_DROPPED || k == NFP_FATE_REJECTED;
	if (strcmp(w, "reject") == 0)
		return k == NFP_FATE_REJECTED;
	if (!asked && strcmp(w, "unknown") == 0)
		return -1; /* too common a word to take from the text filter */
	for (int i = 0; i < NFP_FATE__COUNT; i++)
		if (strcmp(w, kind_names[i]) == 0)
			return k == i;
	return asked ? 0 : -1;
}
