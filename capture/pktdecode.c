/* pktdecode: raw IPv4/IPv6 + transport header bytes -> nfp_pkt.
 * Used for NFLOG payloads, nft trace headers and xtables-monitor NH= hex. */
#include "parse.h"

#include <string.h>

static void transport(const uint8_t *t, size_t tl, struct nfp_pkt *pk)
{
	if (!t)
		return;
	switch (pk->proto) {
	case 6:
	case 17:
	case 132:
	case 136:
	case 33:
		if (tl >= 4) {
			pk->sport = (uint16_t)(t[0] << 8 | t[1]);
			pk->dport = (uint16_t)(t[2] << 8 | t[3]);
			pk->flags |= NFP_PK_PORTS;
		}
		if (pk->proto == 6 && tl >= 14)
			pk->tcp_flags = t[13];
		break;
	case 1:
	case 58:
		if (tl >= 2) {
			pk->icmp_type = t[0];
			pk->icmp_code = t[1];
			pk->flags |= NFP_PK_ICMP;
		}
		/* echo request/reply carry id and sequence */
		if (tl >= 8 && ((pk->proto == 1 && (t[0] == 0 || t[0] == 8)) ||
				(pk->proto == 58 && (t[0] == 128 || t[0] == 129)))) {
			pk->sport = (uint16_t)(t[4] << 8 | t[5]);
			pk->dport = (uint16_t)(t[6] << 8 | t[7]);
			pk->flags |= NFP_PK_ICMPID;
		}
		break;
	}
}

int capture_pkt_decode(const uint8_t *nh, size_t nl, const uint8_t *th, size_t tl, struct nfp_pkt *pk)
{
	if (!nh || nl < 1)
		return -1;
	unsigned ver = nh[0] >> 4;
	if (ver == 4) {
		if (nl < 20)
			return -1;
		size_t ihl = (size_t)(nh[0] & 15) * 4;
		if (ihl < 20)
			return -1;
		pk->l3 = 4;
		memset(pk->src, 0, 16);
		memset(pk->dst, 0, 16);
		memcpy(pk->src, nh + 12, 4);
		memcpy(pk->dst, nh + 16, 4);
		pk->len = (uint16_t)(nh[2] << 8 | nh[3]);
		pk->ipid = (uint32_t)(nh[4] << 8 | nh[5]);
		if (nh[6] & 0x40)
			pk->flags |= NFP_PK_DF;
		pk->ttl = nh[8];
		pk->proto = nh[9];
		pk->flags |= NFP_PK_ADDRS | NFP_PK_LEN | NFP_PK_IPID | NFP_PK_TTL | NFP_PK_PROTO;
		/* fragments after the first carry no transport header */
		int frag_off = ((nh[6] & 0x1f) << 8) | nh[7];
		if (frag_off)
			return 0;
		if (!th && nl > ihl) {
			th = nh + ihl;
			tl = nl - ihl;
		} else if (!th) {
			return 0;
		}
		transport(th, tl, pk);
		return 0;
	}
	if (ver == 6) {
		if (nl < 40)
			return -1;
		pk->l3 = 6;
		memcpy(pk->src, nh + 8, 16);
		memcpy(pk->dst, nh + 24, 16);
		pk->ipid = (uint32_t)((nh[1] & 15) << 16 | nh[2] << 8 | nh[3]);
		pk->len = (uint16_t)((nh[4] << 8 | nh[5]) + 40);
		pk->proto = nh[6];
		pk->ttl = nh[7];
		pk->flags |= NFP_PK_ADDRS | NFP_PK_LEN | NFP_PK_TTL | NFP_PK_PROTO;
		if (pk->ipid)
			pk->flags |= NFP_PK_IPID;
		/* extension headers are not walked: the trace's transport
		 * header, when given, already points past them */
		if (!th && nl > 40) {
			th = nh + 40;
			tl = nl - 40;
		}
		transport(th, tl, pk);
		return 0;
	}
	return -1;
}

int capture_icmp_is_error(uint8_t proto, uint8_t type)
{
	if (proto == 1)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return proto == 58 && type >= 1 && type <= 4;
}

int capture_icmp_inner(uint8_t proto, uint8_t type, const uint8_t *b, size_t n, struct nfp_inner *in)
{
	if (!capture_icmp_is_error(proto, type) || !b || n < 1)
		return -1;
	memset(in, 0, sizeof(*in));
	if (b[0] >> 4 == 4 && n >= 12) {
		in->ipid = (uint16_t)(b[4] << 8 | b[5]);
		in->proto = b[9];
		in->l3 = 4;
		in->flags = NFP_IN_IPID;
	}
	struct nfp_pkt i;
	memset(&i, 0, sizeof(i));
	if (capture_pkt_decode(b, n, NULL, 0, &i) < 0 || !(i.flags & NFP_PK_ADDRS))
		return in->flags ? 0 : -1;
	memcpy(in->src, i.src, 16);
	memcpy(in->dst, i.dst, 16);
	in->l3 = i.l3;
	in->proto = i.proto;
	in->flags |= NFP_IN_ADDRS;
	if (i.flags & NFP_PK_ICMPID) {
		in->sport = i.sport;
		in->flags |= NFP_IN_ICMPID;
	} else if (i.flags & NFP_PK_PORTS) {
		in->sport = i.sport;
		in->dport = i.dport;
		in->flags |= NFP_IN_PORTS;
	}
	return 0;
}

int capture_pkt_inner(const uint8_t *nh, size_t nl, struct nfp_inner *in)
{
	struct nfp_pkt o;
	memset(&o, 0, sizeof(o));
	if (capture_pkt_decode(nh, nl, NULL, 0, &o) < 0 || !(o.flags & NFP_PK_ICMP))
		return -1;
	/* past the outer header and the 8 bytes of ICMP header */
	size_t off = (o.l3 == 4 ? (size_t)(nh[0] & 15) * 4 : 40) + 8;
	if (off >= nl)
		return -1;
	return capture_icmp_inner(o.proto, o.icmp_type, nh + off, nl - off, in);
}

/* The Ethernet frame a tunnel carries: the identity of the IP packet in
 * it (addresses, IP ID, ICMP echo id/sequence or ports), as far as the
 * bytes reach. */
static void tunnel_frame(const uint8_t *e, size_t n, struct nfp_inner *in)
{
	if (n < 14)
		return;
	size_t off = 12;
	unsigned type = (unsigned)(e[off] << 8 | e[off + 1]);
	if (type == 0x8100 && n >= 18) { /* one VLAN tag */
		off += 4;
		type = (unsigned)(e[off] << 8 | e[off + 1]);
	}
	off += 2;
	if (type != 0x0800 && type != 0x86dd)
		return;
	struct nfp_pkt i;
	memset(&i, 0, sizeof(i));
	if (capture_pkt_decode(e + off, n - off, NULL, 0, &i) < 0)
		return;
	memcpy(in->src, i.src, 16);
	memcpy(in->dst, i.dst, 16);
	in->l3 = i.l3;
	in->proto = i.proto;
	in->flags |= NFP_IN_ADDRS;
	if (i.l3 == 4) {
		in->ipid = (uint16_t)i.ipid;
		in->flags |= NFP_IN_IPID;
	}
	if (i.flags & NFP_PK_ICMPID) {
		in->sport = i.sport;
		in->dport = i.dport;
		in->flags |= NFP_IN_ICMPID;
	} else if (i.flags & NFP_PK_PORTS) {
		in->sport = i.sport;
		in->dport = i.dport;
		in->flags |= NFP_IN_PORTS;
	}
}

int capture_tunnel_decode(const struct nfp_pkt *pk, const uint8_t *th, size_t tl, struct nfp_inner *in)
{
	if (!th || tl < 16 || !(pk->flags & NFP_PK_PROTO) || pk->proto != 17 || !(pk->flags & NFP_PK_PORTS))
		return 0;
	size_t frame;
	unsigned kind;
	if (pk->dport == 4789 || pk->dport == 8472) {
		/* RFC 7348: flags (I set: the VNI is valid), 24 reserved bits,
		 * the VNI, 8 reserved bits */
		if (!(th[8] & 0x08))
			return 0;
		kind = NFP_IN_VXLAN;
		frame = 16;
	} else if (pk->dport == 6081) {
		/* RFC 8926: version 0, options length in 4-byte words, protocol
		 * type (Ethernet: 0x6558), VNI */
		if (th[8] >> 6 != 0)
			return 0;
		kind = NFP_IN_GENEVE;
		frame = 16 + (size_t)(th[8] & 0x3f) * 4;
		if ((th[10] << 8 | th[11]) != 0x6558)
			frame = tl; /* an IP packet straight in: not decoded */
	} else {
		return 0;
	}
	memset(in, 0, sizeof(*in));
	in->flags = (uint8_t)kind;
	in->vni[0] = th[12];
	in->vni[1] = th[13];
	in->vni[2] = th[14];
	if (frame < tl)
		tunnel_frame(th + frame, tl - frame, in);
	return 1;
}

int capture_pkt_tunnel(const uint8_t *nh, size_t nl, struct nfp_inner *in)
{
	struct nfp_pkt o;
	memset(&o, 0, sizeof(o));
	if (capture_pkt_decode(nh, nl, NULL, 0, &o) < 0 || (o.l3 == 4 && (((nh[6] & 0x1f) << 8) | nh[7])))
		return 0;
	size_t off = o.l3 == 4 ? (size_t)(nh[0] & 15) * 4 : 40;
	if (off >= nl)
		return 0;
	return capture_tunnel_decode(&o, nh + off, nl - off, in);
}
