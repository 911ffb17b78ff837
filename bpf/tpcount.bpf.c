/* tpcount: funccount's counts of tracepoint hits (bcc's `funccount 't:net:*'`).
 * One program attached to every matched tracepoint with the tracepoint's index
 * as attach cookie (5.15+); before cookies, one instance of this object per
 * tracepoint, counts shared, its index in tp_index. Counts are per-CPU u64
 * slots indexed by tracepoint: they cannot fill up. */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* funccount -p PID (children not followed): other tasks turned away at once. */
const volatile __u32 only_tgid = 0;
const volatile __u32 tp_index = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized by user space: one slot per tracepoint */
	__type(key, __u32);
	__type(value, __u64);
} tp_counts SEC(".maps");

static __always_inline int count_tracepoint(__u32 index)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), *v;

	if (only_tgid && (__u32)(pid_tgid >> 32) != only_tgid)
		return 0;
	if (!kp_recorded_role(pid_tgid))
		return 0;
	v = bpf_map_lookup_elem(&tp_counts, &index);
	if (v)
		*v += 1;
	return 0;
}

SEC("tracepoint")
int tp_count(void *ctx)
{
	return count_tracepoint(bpf_get_attach_cookie(ctx));
}

SEC("tracepoint")
int tp_count_fixed(void *ctx)
{
	return count_tracepoint(tp_index);
}
