/* State every kpath object shares: which processes are traced, which syscall
 * each thread is in, whether this CPU is in softirq. Each object declares the
 * same maps; the loader hands them all the phases object's maps (reuse_fd), so
 * there is one copy in the kernel. */
#ifndef KPATH_COMMON_BPF_H
#define KPATH_COMMON_BPF_H

#include "kernel.bpf.h"
#include "kpath.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kp_config);
} kp_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);   /* tgid (or tid of a traced child) */
	__type(value, __u8);  /* enum kp_role */
} kp_tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* tid */
	__type(value, __u8);  /* enum kp_phase */
} kp_thread_phase SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32); /* softirq/hardirq nesting depth on this CPU */
} kp_irq_depth SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KP_LOST_NKINDS);
	__type(key, __u32);
	__type(value, __u64);
} kp_lost SEC(".maps");

/* The role of the current task (enum kp_role), 0 when it is not traced.
 * Without a filter every task is traced, as the client role. */
static __always_inline __u8 kp_role_of(__u64 pid_tgid)
{
	__u32 zero = 0, tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct kp_config *cfg = bpf_map_lookup_elem(&kp_config, &zero);
	__u8 *role;

	if (!cfg || !cfg->filter_tgids)
		return KP_ROLE_CLIENT;
	role = bpf_map_lookup_elem(&kp_tracked, &tgid);
	if (!role)
		role = bpf_map_lookup_elem(&kp_tracked, &tid);
	return role ? *role : 0;
}

static __always_inline int kp_is_tracked(__u64 pid_tgid)
{
	return kp_role_of(pid_tgid) != 0;
}

static __always_inline __u8 kp_phase(__u32 tid)
{
	__u8 *p = bpf_map_lookup_elem(&kp_thread_phase, &tid);
	return p ? *p : KP_NONE;
}

static __always_inline __u8 kp_in_irq(void)
{
	__u32 zero = 0, *d = bpf_map_lookup_elem(&kp_irq_depth, &zero);
	return d && *d > 0;
}

static __always_inline void kp_count_lost(__u32 kind)
{
	__u64 *v = bpf_map_lookup_elem(&kp_lost, &kind);
	if (v)
		*v += 1;
}

#endif
