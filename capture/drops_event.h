/* drops_event: the record the kernel drop tracer (drops.bpf.c) sends to
 * user space (drops.c) through its ring buffer, one per dropped packet.
 *
 * Shared by the eBPF object and the user-space decoder, so it uses only
 * fixed-width fields in the host's byte order, no pointers that user space
 * follows, and no padding. The decoder never trusts it: it checks the size
 * and every length before reading (capture_drops_decode). */
#ifndef NFP_DROPS_EVENT_H
#define NFP_DROPS_EVENT_H

#define NFP_DROP_HDR 96 /* bytes of the packet from its network header */

struct nfp_drop_event {
	unsigned long long ts_ns;    /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	unsigned long long location; /* kernel address of the freeing call site */
	unsigned int reason;	     /* enum skb_drop_reason, as the running kernel numbers it */
	unsigned int netns;	     /* inode of the device's (else the socket's) network namespace */
	unsigned int ifindex;	     /* skb->dev's ifindex, 0 without a device */
	unsigned short protocol;     /* skb->protocol, network byte order */
	unsigned short hdr_len;	     /* valid bytes in hdr */
	unsigned char hdr[NFP_DROP_HDR];
};

#endif
