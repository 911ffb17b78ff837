/* funccount: one program attached to every matched function.
 *
 * Cookie programs (kprobe with cookies, kprobe.multi before 6.5) learn which
 * function fired from the attach cookie and count in a per-CPU array at index
 * ((function * KP_NROLES) + role - 1) * KP_SLOTS + phase * 2 + in_irq.
 *
 * Address programs (kprobe.multi on 6.5+, fentry, kprobes before 5.15) count
 * in one per-CPU hash keyed by the address that fired, the way bpftrace's
 * `@[func] = count()` does: one lookup both finds the function and counts.
 * User space turns addresses back into functions (ip_to_index, which only
 * it reads). The slot (role, phase, irq) is xor'ed into the address's upper
 * half, all ones for kernel text, so slot 0 is the address itself. */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set when the phases object follows syscalls (compare). funccount alone has
 * no phases: skipping the per-hit thread lookup keeps the hot path short. */
const volatile __u8 use_phases = 0;
/* The role, phase and irq split (compare). funccount prints totals only:
 * every hit then goes to slot 0, without the preempt-count read. */
const volatile __u8 split = 1;
/* kp_config held no filter when this object was loaded (no -p, no command,
 * no --tid/--comm/-c): every task counts, as the client, with no lookup.
 * Tracker sets kp_config before any recording object loads. */
const volatile __u8 unfiltered = 0;
/* funccount -p PID (children not followed): one compare turns every other
 * task away before any map lookup, as bpftrace's `pid == N` does. */
const volatile __u32 only_tgid = 0;
/* -p is the only filter (no --tid/--comm/--cpu): past the compare, a hit is
 * counted as bpftrace's `/pid == N/ { @[func] = count(); }` counts it. */
const volatile __u8 pid_only = 0;
/* Measurement only (scripts/bench-hit, KPATH_FUNCCOUNT_SKIP): each bit drops
 * one step of the hot path so the verifier prunes it, to time that step by
 * difference. 0 in every real session. */
const volatile __u32 bench_skip = 0;
enum { SKIP_ROLE = 1, SKIP_WHICH = 2, SKIP_IRQ = 4, SKIP_COUNT = 8 };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1); /* resized by user space to functions * KP_NROLES * KP_SLOTS */
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* The address programs' counters: key address ^ (slot << 32), per-CPU u64.
 * Filled as functions fire (as bpftrace's maps are); sized by user space to
 * every function times every slot it can see, so an insert never fails. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u64);
} counts_by_ip SEC(".maps");

/* Address -> function index, filled and read by user space only (the
 * address programs' counters are keyed by address). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized by user space */
	__type(key, __u64);     /* function address (fentry, kprobe.multi), address + 1 (kprobe) */
	__type(value, __u32);   /* function index */
} ip_to_index SEC(".maps");

/* How a program learns which function fired (constant per program, so each
 * keeps only its own branch). Asked only once the task is one to count: the
 * cookie of a kprobe.multi link is a binary search of its addresses; a task
 * that -p or the tracked set turns away pays nothing more than the pid read. */
enum { BY_COOKIE, BY_KPROBE_IP, BY_FUNC_IP };

/* One more hit of `key` on this CPU. A miss inserts; -EEXIST means another
 * CPU inserted the same key first (its insert zeroed this CPU's value). */
static __always_inline void count_address(__u64 key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts_by_ip, &key);

	if (v) {
		*v += 1;
		return;
	}
	if (!bpf_map_update_elem(&counts_by_ip, &key, &one, BPF_NOEXIST))
		return;
	v = bpf_map_lookup_elem(&counts_by_ip, &key);
	if (v)
		*v += 1;
	else
		kp_count_lost(KP_LOST_COUNTS);
}

static __always_inline int count_hit(void *ctx, int by)
{
	__u32 skip, slot = 0, key;
	__u64 pid_tgid = 0, ip, *v;
	__u8 role = KP_ROLE_CLIENT;

	/* Read-only flags: the verifier drops the branches a session does not take. */
	if (only_tgid || !unfiltered || (split && use_phases))
		pid_tgid = bpf_get_current_pid_tgid();
	if (only_tgid && (__u32)(pid_tgid >> 32) != only_tgid)
		return 0;
	skip = bench_skip;
	if (!unfiltered && !(skip & SKIP_ROLE)) {
		role = kp_recorded_role(pid_tgid); /* tracked, and --tid/--comm/-c */
		if (!role)
			return 0;
	}
	if (split)
		slot = (role - 1) * KP_SLOTS + (use_phases ? kp_phase((__u32)pid_tgid) : KP_NONE) * 2 +
		       (skip & SKIP_IRQ ? 0 : kp_in_irq());
	if (by != BY_COOKIE) {
		if (skip & SKIP_WHICH)
			ip = 0;
		else
			ip = by == BY_KPROBE_IP ? kp_kprobe_ip(ctx) : bpf_get_func_ip(ctx);
		if (skip & SKIP_COUNT)
			return ip == ~0ULL - slot; /* keeps the key computed, nothing stored */
		count_address(ip ^ ((__u64)slot << 32));
		return 0;
	}
	key = (skip & SKIP_WHICH ? 0 : bpf_get_attach_cookie(ctx)) * KP_NROLES * KP_SLOTS + slot;
	if (skip & SKIP_COUNT)
		return key == ~0U;
	v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		*v += 1;
	return 0;
}

SEC("kprobe")
int count_kprobe(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_COOKIE);
}

/* Before 5.15 (no attach cookies, no bpf_get_func_ip in kprobes): the probed
 * address says which function fired. */
SEC("kprobe")
int count_kprobe_ip(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_KPROBE_IP);
}

/* funccount -p PID on per-function kprobes (6.1 by cookie, 5.10 by probed
 * address): the same entry as pid_kprobe_multi_ip below, so a task that -p
 * turns away costs the pid read and one compare, nothing of count_hit's frame
 * (6.1, bench-vs: 252 ns a turned-away hit in count_kprobe against
 * bpftrace's 155). */
static __noinline int count_kprobe_call(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_COOKIE);
}

SEC("kprobe")
int pid_kprobe(struct pt_regs *ctx)
{
	__u32 key;
	__u64 *v;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != only_tgid)
		return 0;
	if (!pid_only || split)
		return count_kprobe_call(ctx);
	key = bpf_get_attach_cookie(ctx) * KP_NROLES * KP_SLOTS; /* the client's slot 0 */
	v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		*v += 1;
	return 0;
}

static __noinline int count_kprobe_ip_call(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_KPROBE_IP);
}

SEC("kprobe")
int pid_kprobe_ip(struct pt_regs *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != only_tgid)
		return 0;
	if (!pid_only || split)
		return count_kprobe_ip_call(ctx);
	count_address(kp_kprobe_ip(ctx));
	return 0;
}

SEC("kprobe.multi")
int count_kprobe_multi(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_COOKIE);
}

/* kprobe.multi where user space knows each function's address (the link
 * tells it on 6.9+, available_filter_functions_addrs on 6.5-6.8): the cookie helper searches the link's sorted addresses with a
 * compare callback per step, ~2/3 of a hit's cost on 7.3 (scripts/bench-hit). */
SEC("kprobe.multi")
int count_kprobe_multi_ip(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_FUNC_IP);
}

/* funccount -p PID on kprobe.multi (6.5+): the pid read and one compare, as
 * bpftrace's `/pid == N/`. With -p alone the traced process's hits are then
 * counted inline (the address read and one hash lookup); with --tid/--comm/
 * --cpu too, the general path is a call only the traced process pays for. */
static __noinline int count_multi_ip(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_FUNC_IP);
}

SEC("kprobe.multi")
int pid_kprobe_multi_ip(struct pt_regs *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != only_tgid)
		return 0;
	if (!pid_only)
		return count_multi_ip(ctx);
	count_address(bpf_get_func_ip(ctx));
	return 0;
}

/* Loaded once against one function, then cloned per function by the loader. */
SEC("fentry/tcp_v4_connect")
int count_fentry(void *ctx)
{
	return count_hit(ctx, BY_FUNC_IP);
}

/* funccount with no filter at all (only totals, every task): bpftrace's
 * `@[func] = count()` and nothing more, one per address form. */
SEC("kprobe.multi")
int total_kprobe_multi_ip(struct pt_regs *ctx)
{
	count_address(bpf_get_func_ip(ctx));
	return 0;
}

SEC("fentry/tcp_v4_connect")
int total_fentry(void *ctx)
{
	count_address(bpf_get_func_ip(ctx));
	return 0;
}

SEC("kprobe")
int total_kprobe_ip(struct pt_regs *ctx)
{
	count_address(kp_kprobe_ip(ctx));
	return 0;
}
