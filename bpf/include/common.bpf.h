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

#ifdef KP_IRQ_FROM_TRACEPOINTS
/* Kernels without CONFIG_KALLSYMS_ALL cannot resolve the per-CPU preempt
 * count below: this build of each object counts irq:softirq_entry/exit and
 * irq:irq_handler_entry/exit per CPU instead (phases.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32); /* softirq/hardirq nesting depth on this CPU */
} kp_irq_depth SEC(".maps");
#else
/* x86's preempt_count is a per-CPU variable: __preempt_count up to 6.1 and
 * again from 6.15, pcpu_hot.preempt_count from 6.2 to 6.14. Both are weak
 * ksyms; CO-RE keeps the branch this kernel has. */
extern int __preempt_count __ksym __weak;
struct pcpu_hot {
	int preempt_count;
} __attribute__((preserve_access_index));
extern struct pcpu_hot pcpu_hot __ksym __weak;
#endif

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
	if (!role || (*role & KP_ROLE_PENDING_EXEC))
		return 0;
	return *role;
}

/* --tid, --comm, -c (kp_config): whether a traced task's hit is recorded.
 * Separate from kp_role_of: a filtered-out parent still hands its role to
 * its children (`--comm cat -- sh -c cat` must follow sh to find cat). */
static __always_inline int kp_task_wanted(__u64 pid_tgid)
{
	__u32 zero = 0;
	struct kp_config *cfg = bpf_map_lookup_elem(&kp_config, &zero);
	__u64 comm[2] = {}, want[2];

	if (!cfg)
		return 1;
	if (cfg->only_tid && cfg->only_tid != (__u32)pid_tgid)
		return 0;
	if (cfg->only_cpu && cfg->only_cpu - 1 != bpf_get_smp_processor_id())
		return 0;
	if (!cfg->only_comm[0])
		return 1;
	/* both NUL-padded to 16 bytes: two word compares */
	__builtin_memcpy(want, cfg->only_comm, sizeof(want));
	bpf_get_current_comm(comm, sizeof(comm));
	return comm[0] == want[0] && comm[1] == want[1];
}

/* The role of a task whose hits are recorded: traced, and passing the filters. */
static __always_inline __u8 kp_recorded_role(__u64 pid_tgid)
{
	__u8 role = kp_role_of(pid_tgid);

	return role && kp_task_wanted(pid_tgid) ? role : 0;
}

static __always_inline int kp_is_tracked(__u64 pid_tgid)
{
	return kp_role_of(pid_tgid) != 0;
}

/* At sys_enter: tracked, or a held process entering execve, its first syscall
 * as the command, whichever sys_enter program runs first (the kernel runs a
 * tracepoint's programs newest first; start_at_exec clears the pending bit). */
static __always_inline int kp_is_tracked_syscall(__u64 pid_tgid, __u32 nr)
{
	__u32 tgid = pid_tgid >> 32;
	__u8 *role;

	if (kp_is_tracked(pid_tgid))
		return 1;
	if (nr != KP_NR_EXECVE && nr != KP_NR_EXECVEAT)
		return 0;
	role = bpf_map_lookup_elem(&kp_tracked, &tgid);
	return role && (*role & KP_ROLE_PENDING_EXEC);
}

static __always_inline __u8 kp_phase(__u32 tid)
{
	__u8 *p = bpf_map_lookup_elem(&kp_thread_phase, &tid);
	return p ? *p : KP_NONE;
}

/* Serving a softirq, in a hardirq or in an NMI, on top of the current task
 * (loopback receive, the peer's reply). Bits of include/linux/preempt.h:
 * SOFTIRQ_OFFSET (0x100; bh-disabled sections add 0x200 and do not count),
 * HARDIRQ_MASK 0xf0000, NMI_MASK 0xf00000. Reading preempt_count keeps
 * kpath off the irq tracepoints, whose enabling patches the softirq loop. */
static __always_inline __u8 kp_in_irq(void)
{
#ifdef KP_IRQ_FROM_TRACEPOINTS
	__u32 zero = 0, *d = bpf_map_lookup_elem(&kp_irq_depth, &zero);
	return d && *d > 0;
#else
	int pc;

	if (bpf_core_type_exists(struct pcpu_hot)) {
		struct pcpu_hot *hot = bpf_this_cpu_ptr(&pcpu_hot);
		pc = hot->preempt_count;
	} else {
		pc = *(int *)bpf_this_cpu_ptr(&__preempt_count);
	}
	return (pc & (0x100 | 0xf0000 | 0xf00000)) != 0;
#endif
}

/* A kprobe's regs->ip: one past the probed address on x86, both for an int3
 * and for the ftrace site a kprobe at function entry stands on (which sets it
 * "as if a breakpoint hit"). ip is word 16 of x86-64's struct pt_regs, a
 * user ABI (arch/x86/include/uapi/asm/ptrace.h). User space keys address + 1. */
static __always_inline __u64 kp_kprobe_ip(struct pt_regs *ctx)
{
	return ((__u64 *)ctx)[16];
}

static __always_inline void kp_count_lost(__u32 kind)
{
	__u64 *v = bpf_map_lookup_elem(&kp_lost, &kind);
	if (v)
		*v += 1;
}

#endif
