/* packets: every packet handed to a network device (net:net_dev_queue), with
 * addresses, ports, TCP flags, the task and syscall it was sent under, and the
 * kernel stack. This is kpath's replacement for the article's iptables LOG
 * rules: on loopback it sees both directions, including the peer's replies
 * sent from softirq on the sender's own stack. */
#include "common.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kp_packet_config);
} pkt_config SEC(".maps");

KP_STACK_MAP(pkt_stacks, 4096);

KP_RING_BUFFER(packet_events, 1 << 22);

struct iphdr_min {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__be32 saddr;
	__be32 daddr;
};

struct ipv6hdr_min {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct ports_tcp {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff;
	__u8 flags;
};

SEC("tracepoint/net/net_dev_queue")
int packet_queued(struct tp_net_dev_template *ctx)
{
	struct sk_buff *skb = ctx->skbaddr;
	__u32 zero = 0;
	struct kp_packet_config *cfg = bpf_map_lookup_elem(&pkt_config, &zero);
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct ports_tcp th = {};
	unsigned char *l4;
	struct kp_packet_event e = {};
	__u64 pid_tgid;

	if (cfg && cfg->tracked_only && !kp_is_tracked(bpf_get_current_pid_tgid()))
		return 0;
	if (proto == 0x0800) {
		struct iphdr_min ip = {};
		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return 0;
		e.family = 2; /* AF_INET */
		e.proto = ip.protocol;
		__builtin_memcpy(e.saddr, &ip.saddr, 4);
		__builtin_memcpy(e.daddr, &ip.daddr, 4);
		l4 = head + nh + (ip.ver_ihl & 0x0f) * 4;
	} else if (proto == 0x86DD) {
		struct ipv6hdr_min ip6 = {};
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return 0;
		e.family = 10; /* AF_INET6 */
		e.proto = ip6.nexthdr;
		__builtin_memcpy(e.saddr, ip6.saddr, 16);
		__builtin_memcpy(e.daddr, ip6.daddr, 16);
		l4 = head + nh + sizeof(ip6);
	} else {
		return 0;
	}
	if (e.proto != 6 && e.proto != 17)
		return 0;
	if (bpf_probe_read_kernel(&th, sizeof(th), l4))
		return 0;
	e.sport = bpf_ntohs(th.source);
	e.dport = bpf_ntohs(th.dest);
	if (cfg && cfg->port && e.sport != cfg->port && e.dport != cfg->port)
		return 0;
	if (e.proto == 6) {
		e.tcp_flags = th.flags;
		e.seq = bpf_ntohl(th.seq);
		e.ack_seq = bpf_ntohl(th.ack_seq);
	}

	pid_tgid = bpf_get_current_pid_tgid();
	e.ts = bpf_ktime_get_ns();
	e.tgid = pid_tgid >> 32;
	e.tid = (__u32)pid_tgid;
	e.len = ctx->len;
	e.phase = kp_phase(e.tid);
	e.softirq = kp_in_irq();
	e.kstack = (cfg && cfg->want_stacks) ? bpf_get_stackid(ctx, &pkt_stacks, 0) : -1;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	BPF_CORE_READ_STR_INTO(&e.dev, skb, dev, name);
	if (bpf_ringbuf_output(&packet_events, &e, sizeof(e), 0))
		kp_count_lost(KP_LOST_EVENTS);
	return 0;
}
