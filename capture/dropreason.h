/* dropreason: where on the diagram a kernel drop happened, and what it
 * means, from its reason (as skb:kfree_skb names it) and the kernel
 * function that freed the packet.
 *
 * Pure: strings in, a box or words out. */
#ifndef NFP_DROPREASON_H
#define NFP_DROPREASON_H

#include <stddef.h>

#include "hop.h"

struct capture_trace;
struct nfp_packet;

/* Box and layer of drop hop h, the newest hop of packet p (whose earlier
 * hops are placed): from its reason, else its location; NETFILTER_DROP
 * sits on the box of the rule that dropped it; a drop inside a container's
 * namespace sits where the packet left for it. Called by the stitcher. */
void capture_dropreason_place(const struct capture_trace *t, const struct nfp_packet *p, struct nfp_hop *h);

/* Box for a reason and location alone (NFP_BOX_NONE when neither tells);
 * *layer gets the row it is drawn on. */
int capture_dropreason_box(const char *reason, const char *location, int *layer);

/* 1 when the kernel freed this packet although it was delivered: an ICMP
 * echo reply's original is freed with NO_SOCKET in ping_rcv when no ping
 * (ICMP datagram) socket wants it, after raw sockets (ping as root,
 * busybox) got their own copy in raw_local_deliver; a TCP segment a
 * socket had queued is freed with QUEUE_PURGE in sk_stream_kill_queues when
 * the socket closes (a real HTTP fetch's FIN, in the server's container).
 * Such a drop is shown but is not the packet's fate. */
int capture_dropreason_after_delivery(const char *reason, const char *location);

/* One or two sentences on what the reason means and the setting or
 * state to look at. dev: the device it arrived on or left by (may be
 * NULL or ""). Writes at most cap bytes (NUL-terminated); returns the
 * length, 0 when there are no words for this reason. Strings are the
 * kernel's names and device names: the caller escapes them for display. */
size_t capture_dropreason_words(const char *reason, const char *location, const char *dev, char *out, size_t cap);

#endif
