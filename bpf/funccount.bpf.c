/* funccount: one program attached to every matched function. The attach
 * cookie (kprobe, kprobe.multi) or the function address (fentry, and kprobes
 * on kernels without cookies, through ip_to_index) says which function fired; counts live in a per-CPU array at
 * index ((function * KP_NROLES) + role - 1) * KP_SLOTS + phase * 2 + in_irq. */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set when the phases object follows syscalls (compare). funccount alone has
 * no phases: skipping the per-hit thread lookup keeps the hot path short. */
const volatile __u8 use_phases = 0;
/* funccount -p PID (children not followed): one compare turns every other
 * task away before any map lookup, as bpftrace's `pid == N` does. */
const volatile __u32 only_tgid = 0;
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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* resized: one entry per fentry function */
	__type(key, __u64);     /* function address (fentry), address + 1 (kprobe) */
	__type(value, __u32);   /* function index */
} ip_to_index SEC(".maps");

/* How a program learns which function fired (constant per program, so each
 * keeps only its own branch). Asked only once the task is one to count: the
 * cookie of a kprobe.multi link is a binary search of its addresses, and the
 * address-keyed forms look the address up in a hash; a task that -p or the
 * tracked set turns away pays neither. */
enum { BY_COOKIE, BY_KPROBE_IP, BY_FUNC_IP, BY_MULTI_IP };

static __always_inline int count_hit(void *ctx, int by)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), index, ip, *v;
	__u32 key, *found;
	__u8 role;

	if (only_tgid && (__u32)(pid_tgid >> 32) != only_tgid)
		return 0;
	role = bench_skip & SKIP_ROLE ? KP_ROLE_CLIENT : kp_recorded_role(pid_tgid); /* tracked, and --tid/--comm/-c */
	if (!role)
		return 0;
	if (bench_skip & SKIP_WHICH) {
		index = 0;
	} else if (by == BY_COOKIE) {
		index = bpf_get_attach_cookie(ctx);
	} else if (by == BY_MULTI_IP) {
		/* kprobe.multi: the entry address through the hash user space
		 * filled from the link's own address/cookie pairs; the cookie (a
		 * binary search) only until then or if that failed. */
		ip = bpf_get_func_ip(ctx);
		found = bpf_map_lookup_elem(&ip_to_index, &ip);
		index = found ? *found : bpf_get_attach_cookie(ctx);
	} else {
		ip = by == BY_KPROBE_IP ? kp_kprobe_ip(ctx) : bpf_get_func_ip(ctx);
		found = bpf_map_lookup_elem(&ip_to_index, &ip);
		if (!found)
			return 0;
		index = *found;
	}
	key = (index * KP_NROLES + role - 1) * KP_SLOTS + (use_phases ? kp_phase((__u32)pid_tgid) : KP_NONE) * 2 +
	      (bench_skip & SKIP_IRQ ? 0 : kp_in_irq());
	if (bench_skip & SKIP_COUNT)
		return key == ~0U; /* keeps key computed, nothing stored */
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

SEC("kprobe.multi")
int count_kprobe_multi(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_COOKIE);
}

/* kprobe.multi on 6.9+, where the link tells each address's cookie: the
 * cookie helper searches the link's sorted addresses with a compare callback
 * per step, ~2/3 of a hit's cost on 7.3 (scripts/bench-hit); a hash lookup
 * by address costs a third of that. */
SEC("kprobe.multi")
int count_kprobe_multi_ip(struct pt_regs *ctx)
{
	return count_hit(ctx, BY_MULTI_IP);
}

/* Loaded once against one function, then cloned per function by the loader. */
SEC("fentry/tcp_v4_connect")
int count_fentry(void *ctx)
{
	return count_hit(ctx, BY_FUNC_IP);
}
