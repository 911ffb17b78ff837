/* phases: who is traced and which syscall each traced thread is inside.
 * sys_enter/sys_exit keep kp_thread_phase; fork follows children of traced
 * processes. Interrupt context is read from preempt_count (common.bpf.h), or,
 * in the KP_IRQ_FROM_TRACEPOINTS build, counted by the irq tracepoints below. */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* syscall number -> enum kp_phase, filled by user space for this architecture */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u8);
} phase_of_syscall SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int phase_enter(struct tp_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, nr = ctx->id;
	__u8 phase = KP_OTHER, *p;

	if (!kp_is_tracked_syscall(pid_tgid, nr))
		return 0;
	p = bpf_map_lookup_elem(&phase_of_syscall, &nr);
	if (p && *p)
		phase = *p;
	bpf_map_update_elem(&kp_thread_phase, &tid, &phase, BPF_ANY);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int phase_exit(struct tp_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&kp_thread_phase, &tid);
	return 0;
}

/* A held process is traced from its execve on: entering execve clears the
 * pending bit of its role. Attached before any recorder's sys_enter program,
 * so this runs first and the execve itself is the command's first syscall. */
SEC("tracepoint/raw_syscalls/sys_enter")
int start_at_exec(struct tp_sys_enter *ctx)
{
	__u32 tgid;
	__u8 *role;

	if (ctx->id != KP_NR_EXECVE && ctx->id != KP_NR_EXECVEAT)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	role = bpf_map_lookup_elem(&kp_tracked, &tgid);
	if (role && (*role & KP_ROLE_PENDING_EXEC))
		*role &= ~KP_ROLE_PENDING_EXEC;
	return 0;
}

/* A raw tracepoint: some kernels refuse perf-event attachment to sched:* (this
 * project's own CI host does, with EPERM), while raw tracepoints work. */
SEC("raw_tp/sched_process_fork")
int follow_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 zero = 0, pid = BPF_CORE_READ(child, pid);
	struct kp_config *cfg = bpf_map_lookup_elem(&kp_config, &zero);
	__u8 role;

	if (!cfg || !cfg->filter_tgids || !cfg->follow_forks)
		return 0;
	role = kp_role_of(bpf_get_current_pid_tgid());
	if (role && bpf_map_update_elem(&kp_tracked, &pid, &role, BPF_ANY))
		kp_count_lost(KP_LOST_TRACKED);
	return 0;
}

#ifdef KP_IRQ_FROM_TRACEPOINTS
static __always_inline int irq_depth_add(int delta)
{
	__u32 zero = 0, *d = bpf_map_lookup_elem(&kp_irq_depth, &zero);

	if (!d)
		return 0;
	if (delta > 0)
		*d += 1;
	else if (*d > 0)
		*d -= 1;
	return 0;
}

SEC("tracepoint/irq/softirq_entry")
int softirq_entry(void *ctx) { return irq_depth_add(1); }

SEC("tracepoint/irq/softirq_exit")
int softirq_exit(void *ctx) { return irq_depth_add(-1); }

SEC("tracepoint/irq/irq_handler_entry")
int hardirq_entry(void *ctx) { return irq_depth_add(1); }

SEC("tracepoint/irq/irq_handler_exit")
int hardirq_exit(void *ctx) { return irq_depth_add(-1); }
#endif
