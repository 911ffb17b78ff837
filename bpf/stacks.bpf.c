/* stacks: kernel stacks at functions (kprobe, kprobe.multi) and tracepoints.
 * Counting mode aggregates in stack_counts (like bcc's stackcount); event mode
 * also sends every hit through a ring buffer (like bcc's trace -K). */
#include "common.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 emit_events = 0;

KP_STACK_MAP(stack_traces, 16384);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, struct kp_stack_key);
	__type(value, struct kp_stack_val);
} stack_counts SEC(".maps");

KP_RING_BUFFER(hit_events, 1 << 22);

/* Before 5.15 there are no attach cookies. A kprobe hit is told apart by
 * its address (+1, kp_kprobe_ip) through target_of. A tracepoint's record
 * cannot say which event it is (its first 8 bytes hold the regs pointer when
 * BPF runs), so each tracepoint gets its own instance of this object, maps
 * shared, with its target index in tp_target. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized by user space */
	__type(key, __u64);     /* probed address + 1 */
	__type(value, __u32);   /* index of the target */
} target_of SEC(".maps");

const volatile __u32 tp_target = 0;

/* trace at a tracepoint: the hit and the raw record in one ring buffer record */
static __always_inline int emit_tracepoint_hit(void *ctx, struct kp_stack_key *key, __u32 target)
{
	struct kp_tp_hit_event *e = bpf_ringbuf_reserve(&hit_events, sizeof(*e), 0);

	if (!e) {
		kp_count_lost(KP_LOST_EVENTS);
		return 0;
	}
	e->hit.ts = bpf_ktime_get_ns();
	e->hit.tgid = key->tgid;
	e->hit.tid = key->tid;
	e->hit.target = target;
	e->hit.kstack = key->kstack;
	e->hit.phase = key->phase;
	e->hit.softirq = key->softirq;
	__builtin_memset(e->hit.pad, 0, sizeof(e->hit.pad));
	__builtin_memcpy(e->hit.comm, key->comm, sizeof(e->hit.comm));
	if (bpf_probe_read_kernel(e->data, sizeof(e->data), ctx))
		__builtin_memset(e->data, 0, sizeof(e->data));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int record_stack(void *ctx, __u32 target, int tracepoint)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct kp_stack_key key = {};
	struct kp_stack_val *val, init = {};

	if (!kp_recorded_role(pid_tgid))
		return 0;
	key.target = target;
	key.tgid = pid_tgid >> 32;
	key.tid = (__u32)pid_tgid;
	key.phase = kp_phase(key.tid);
	key.softirq = kp_in_irq();
	key.kstack = bpf_get_stackid(ctx, &stack_traces, 0);
	if (key.kstack < 0)
		kp_count_lost(KP_LOST_STACK);
	bpf_get_current_comm(&key.comm, sizeof(key.comm));

	/* __atomic_fetch_add with the result unused: a plain atomic add. clang 21
	 * compiles __sync_fetch_and_add to atomic_fetch_add, which 5.10 refuses
	 * ("BPF_STX uses reserved fields"; fetch atomics came in 5.12). */
	val = bpf_map_lookup_elem(&stack_counts, &key);
	if (val) {
		__atomic_fetch_add(&val->count, 1, __ATOMIC_RELAXED);
	} else {
		init.count = 1;
		init.first_ns = bpf_ktime_get_ns();
		if (bpf_map_update_elem(&stack_counts, &key, &init, BPF_NOEXIST)) {
			val = bpf_map_lookup_elem(&stack_counts, &key);
			if (val)
				__atomic_fetch_add(&val->count, 1, __ATOMIC_RELAXED);
			else
				kp_count_lost(KP_LOST_COUNTS);
		}
	}

	if (emit_events && tracepoint)
		return emit_tracepoint_hit(ctx, &key, target);
	if (emit_events) {
		struct kp_hit_event *e = bpf_ringbuf_reserve(&hit_events, sizeof(*e), 0);
		if (!e) {
			kp_count_lost(KP_LOST_EVENTS);
			return 0;
		}
		e->ts = bpf_ktime_get_ns();
		e->tgid = key.tgid;
		e->tid = key.tid;
		e->target = target;
		e->kstack = key.kstack;
		e->phase = key.phase;
		e->softirq = key.softirq;
		__builtin_memcpy(e->comm, key.comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

SEC("kprobe")
int stack_kprobe(struct pt_regs *ctx)
{
	return record_stack(ctx, bpf_get_attach_cookie(ctx), 0);
}

SEC("kprobe.multi")
int stack_kprobe_multi(struct pt_regs *ctx)
{
	return record_stack(ctx, bpf_get_attach_cookie(ctx), 0);
}

SEC("tracepoint")
int stack_tracepoint(void *ctx)
{
	return record_stack(ctx, bpf_get_attach_cookie(ctx), 1);
}

SEC("kprobe")
int stack_kprobe_ip(struct pt_regs *ctx)
{
	__u64 ip = kp_kprobe_ip(ctx);
	__u32 *target = bpf_map_lookup_elem(&target_of, &ip);

	return target ? record_stack(ctx, *target, 0) : 0;
}

SEC("tracepoint")
int stack_tracepoint_fixed(void *ctx)
{
	return record_stack(ctx, tp_target, 1);
}
