/* drops.bpf: the kernel's packet drops, with their reason (eBPF, CO-RE).
 *
 * Attached to the BTF tracepoint skb:kfree_skb (Linux >= 5.17 passes the
 * drop reason). Every filter runs here, in the kernel, so a busy host pays
 * for one map lookup per freed packet and sends nothing it does not need:
 * consumed and unspecified frees are skipped, only the traced namespaces
 * (a hash of netns inodes filled by user space) pass, and a rate cap
 * (drops per second, like the trace rule's limit) bounds the stream. What
 * the ring buffer cannot take is counted, never silently lost.
 *
 * Only the few kernel fields read here are declared, with
 * preserve_access_index, so libbpf relocates them against the running
 * kernel's BTF (no vmlinux.h needed at build time). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "drops_event.h"

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	int ifindex;
	possible_net_t nd_net;
} __attribute__((preserve_access_index));

struct sock_common {
	possible_net_t skc_net;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct sk_buff {
	struct net_device *dev;
	struct sock *sk;
	unsigned char *head;
	unsigned int tail; /* sk_buff_data_t: an offset from head on 64-bit */
	__u16 network_header;
	__be16 protocol;
} __attribute__((preserve_access_index));

/* set by user space before load (from the running kernel's BTF: the
 * numbering of enum skb_drop_reason is not stable across versions) */
const volatile __u32 reason_consumed = 1;
const volatile __u32 reason_not_specified = 2;
const volatile __u32 reason_not_dropped = 0;
const volatile __u64 max_per_sec = 0; /* 0: no cap */

/* read by user space through the skeleton's mmapped bss */
__u64 lost;	 /* the ring buffer was full */
__u64 limited;	 /* over max_per_sec */
__u64 win_start; /* start of the current one-second window, ns */
__u64 win_count;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);  /* netns inode */
	__type(value, __u8);
} netns_ok SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

SEC("tp_btf/kfree_skb")
int BPF_PROG(nfp_kfree_skb, struct sk_buff *skb, void *location, unsigned int reason)
{
	if (reason == reason_consumed || reason == reason_not_specified || reason == reason_not_dropped)
		return 0;
	struct net_device *dev = skb->dev;
	struct sock *sk = skb->sk;
	struct net *net = 0;
	/* each pointer loaded once and checked: the verifier tracks that */
	if (dev)
		net = dev->nd_net.net;
	else if (sk)
		net = sk->__sk_common.skc_net.net;
	if (!net)
		return 0;
	__u32 inum = net->ns.inum;
	if (!bpf_map_lookup_elem(&netns_ok, &inum))
		return 0;
	if (max_per_sec) {
		__u64 now = bpf_ktime_get_ns();
		/* a racy window is fine: the cap bounds the stream, it does
		 * not count exactly */
		if (now - win_start >= 1000000000ull) {
			win_start = now;
			win_count = 0;
		}
		if (__sync_fetch_and_add(&win_count, 1) >= max_per_sec) {
			__sync_fetch_and_add(&limited, 1);
			return 0;
		}
	}
	struct nfp_drop_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->location = (__u64)location;
	e->reason = reason;
	e->netns = inum;
	e->ifindex = dev ? dev->ifindex : 0;
	e->protocol = skb->protocol;
	e->hdr_len = 0;
	__u16 nh = skb->network_header;
	unsigned char *head = skb->head;
	unsigned int tail = skb->tail;
	/* (u16)~0: no network header was ever set; read only the linear
	 * data, never past its end */
	if (nh != 0xffff && head && tail > nh) {
		__u64 n = (__u64)tail - nh;
		if (n > sizeof(e->hdr))
			n = sizeof(e->hdr);
		/* keep the bound visible to the verifier: without the barrier
		 * clang folds it into a mask that cuts lengths short */
		barrier_var(n);
		if (n <= sizeof(e->hdr) && bpf_probe_read_kernel(e->hdr, n, head + nh) == 0)
			e->hdr_len = (__u16)n;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
