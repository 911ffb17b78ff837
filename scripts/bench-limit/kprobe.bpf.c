// The program scripts/bench-limit/kprobes.c attaches to every function: it
// counts hits in one array slot, the least a counting kprobe can do.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("kprobe")
int hit(void *ctx)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&hits, &k);
	if (n)
		*n += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
