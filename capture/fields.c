/* fields: small pure decoders for addresses, numbers and MACs in text. */
#include "parse.h"

#include <arpa/inet.h>
#include <string.h>

int capture_parse_uint(const char *s, size_t n, int base, uint64_t max, uint64_t *out)
{
	if (n == 0)
		return -1;
	if (base == 10 && n <= 9) {
		/* the common case: short decimal fields, no overflow possible */
		uint64_t v = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			if (d > 9)
				return -1;
			v = v * 10 + d;
		}
		if (v > max)
			return -1;
		*out = v;
		return 0;
	}
	if (base == 0)
		base = (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
	if (base == 16 && n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n > 20)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int capture_parse_ipv4(const char *s, size_t n, uint8_t out[16])
{
	unsigned part = 0, val = 0, digits = 0;
	uint8_t b[4];
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!digits || val > 255 || part > 3)
				return -1;
			b[part++] = (uint8_t)val;
			val = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			val = val * 10 + (unsigned)(s[i] - '0');
			digits++;
		} else {
			return -1;
		}
	}
	if (part != 4)
		return -1;
	memset(out, 0, 16);
	memcpy(out, b, 4);
	return 0;
}

int capture_parse_ip(const char *s, size_t n, uint8_t out[16], uint8_t *l3)
{
	if (capture_parse_ipv4(s, n, out) == 0) {
		*l3 = 4;
		return 0;
	}
	char buf[INET6_ADDRSTRLEN + 1];
	if (n == 0 || n >= sizeof(buf) || memchr(s, ':', n) == NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, out) != 1)
		return -1;
	*l3 = 6;
	return 0;
}

/* Accepts "2:12:dd:bc:67:ba" too: xtables-monitor drops leading zeros. */
int capture_parse_mac(const char *s, size_t n, uint8_t out[6])
{
	unsigned part = 0, val = 0, digits = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == ':') {
			if (!digits || part > 5)
				return -1;
			out[part++] = (uint8_t)val;
			val = digits = 0;
			continue;
		}
		unsigned c = (unsigned char)s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		if (++digits > 2)
			return -1;
		val = val * 16 + d;
	}
	return part == 6 ? 0 : -1;
}

int capture_arp_decode(const uint8_t *b, size_t n, struct nfp_pkt *pk)
{
	/* htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4: the only layout
	 * whose addresses fit the packet fields */
	if (n < 28 || b[0] != 0 || b[1] != 1 || b[2] != 0x08 || b[3] != 0 || b[4] != 6 || b[5] != 4)
		return -1;
	memset(pk, 0, sizeof(*pk));
	pk->arp_op = b[6] ? 255 : b[7]; /* 16-bit operation; 1..4 in use, 255 for "larger" */
	memcpy(pk->mac_src, b + 8, 6);
	memcpy(pk->src, b + 14, 4);
	memcpy(pk->mac_dst, b + 18, 6);
	memcpy(pk->dst, b + 24, 4);
	pk->flags = NFP_PK_ARP | NFP_PK_ADDRS | NFP_PK_MACS;
	return 0;
}
