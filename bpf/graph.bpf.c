/* graph: call traces of the traced process's syscalls. raw_syscalls enter and
 * exit open and close each tree; an entry and a return program on every
 * matched function record the calls in between. All records go through one
 * ring buffer, so a thread's records arrive in the order they happened; user
 * space (Sessions/CallGraph.swift) rebuilds the trees per thread. */
#include "common.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* 1: every syscall is a root; 0: only those set in traced_syscalls (--syscall) */
const volatile __u32 trace_all = 1;

KP_RING_BUFFER(graph_events, 1 << 24);

KP_SYSCALL_SET(traced_syscalls);

/* The traced syscall each tracked thread is inside. Function probes look
 * only here (one lookup: a thread is in it only if tracked), and a failed
 * reservation is counted here so the thread's next record says so. */
struct in_syscall {
	__s32 nr;
	__u32 lost;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct in_syscall);
} graph_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized: two keys per function (HitKey.address) */
	__type(key, __u64);
	__type(value, __u32);
} ip_to_index SEC(".maps");

static __always_inline void emit(struct in_syscall *s, __u64 pid_tgid, __u8 kind, __u32 function, __s64 ret, __u8 irq)
{
	struct kp_graph_event *e = bpf_ringbuf_reserve(&graph_events, sizeof(*e), 0);

	if (!e) {
		s->lost += 1;
		kp_count_lost(KP_LOST_EVENTS);
		return;
	}
	e->ts = bpf_ktime_get_ns();
	e->ret = ret;
	e->tgid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->function = function;
	e->nr = s->nr;
	e->lost = s->lost;
	e->kind = kind;
	e->irq = irq;
	e->pad[0] = e->pad[1] = 0;
	s->lost = 0;
	bpf_ringbuf_submit(e, 0);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int graph_sys_enter(struct tp_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, nr = ctx->id;
	struct in_syscall fresh = { .nr = ctx->id, .lost = 0 }, *s;
	__u8 *want;

	if (!kp_is_tracked_syscall(pid_tgid, nr) || !kp_task_wanted(pid_tgid))
		return 0;
	if (!trace_all) {
		want = bpf_map_lookup_elem(&traced_syscalls, &nr);
		if (!want || !*want)
			return 0;
	}
	bpf_map_update_elem(&graph_threads, &tid, &fresh, BPF_ANY);
	s = bpf_map_lookup_elem(&graph_threads, &tid);
	if (s)
		emit(s, pid_tgid, KP_GRAPH_SYS_ENTER, 0, 0, 0);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int graph_sys_exit(struct tp_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct in_syscall *s = bpf_map_lookup_elem(&graph_threads, &tid);

	if (!s)
		return 0;
	emit(s, pid_tgid, KP_GRAPH_SYS_EXIT, 0, ctx->ret, 0);
	bpf_map_delete_elem(&graph_threads, &tid);
	return 0;
}

static __always_inline int on_call(__u8 kind, __u32 function, __s64 ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct in_syscall *s = bpf_map_lookup_elem(&graph_threads, &tid);

	if (s)
		emit(s, pid_tgid, kind, function, ret, kp_in_irq());
	return 0;
}

/* x86-64 struct pt_regs (a user ABI): ax, the return value, is word 10. */
static __always_inline __s64 kp_regs_rc(struct pt_regs *ctx)
{
	return ((__s64 *)ctx)[10];
}

SEC("kprobe.multi")
int graph_entry_multi(struct pt_regs *ctx)
{
	return on_call(KP_GRAPH_ENTRY, bpf_get_attach_cookie(ctx), 0);
}

SEC("kretprobe.multi")
int graph_return_multi(struct pt_regs *ctx)
{
	return on_call(KP_GRAPH_RETURN, bpf_get_attach_cookie(ctx), kp_regs_rc(ctx));
}

SEC("kprobe")
int graph_entry(struct pt_regs *ctx)
{
	return on_call(KP_GRAPH_ENTRY, bpf_get_attach_cookie(ctx), 0);
}

SEC("kretprobe")
int graph_return(struct pt_regs *ctx)
{
	return on_call(KP_GRAPH_RETURN, bpf_get_attach_cookie(ctx), kp_regs_rc(ctx));
}

/* Before 5.15 (no cookies): the entry is known by its probed address; the
 * return fires at the kretprobe trampoline, so it names no function and user
 * space matches it to the innermost open call. */
SEC("kprobe")
int graph_entry_ip(struct pt_regs *ctx)
{
	__u64 ip = kp_kprobe_ip(ctx);
	__u32 *index = bpf_map_lookup_elem(&ip_to_index, &ip);

	return index ? on_call(KP_GRAPH_ENTRY, *index, 0) : 0;
}

SEC("kretprobe")
int graph_return_ip(struct pt_regs *ctx)
{
	return on_call(KP_GRAPH_RETURN, KP_GRAPH_NO_FUNCTION, kp_regs_rc(ctx));
}
