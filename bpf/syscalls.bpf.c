/* syscalls: strace-style records from the raw_syscalls tracepoints. Arguments
 * are saved at entry; at exit one record carries them, the return value, and
 * bounded copies of the socket address and data buffer the call named. */
#include "common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* syscall number -> 1 when traced (-e); all traced when trace_all is set */
const volatile __u32 trace_all = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u8);
} traced_syscalls SEC(".maps");

struct pending {
	__u64 enter_ns;
	__s64 nr;
	__u64 args[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending);
} pending_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 23);
} syscall_events SEC(".maps");

/* x86_64 numbers of the calls whose memory arguments we copy */
#define NR_read 0
#define NR_write 1
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_bind 49
#define NR_getsockname 51
#define NR_getpeername 52
#define NR_setsockopt 54
#define NR_getsockopt 55
#define NR_accept4 288

SEC("tracepoint/raw_syscalls/sys_enter")
int syscall_enter(struct tp_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, nr = ctx->id;
	struct pending p = {};

	if (!kp_is_tracked(pid_tgid))
		return 0;
	if (!trace_all) {
		__u8 *want = bpf_map_lookup_elem(&traced_syscalls, &nr);
		if (!want || !*want)
			return 0;
	}
	p.enter_ns = bpf_ktime_get_ns();
	p.nr = ctx->id;
	for (int i = 0; i < 6; i++)
		p.args[i] = ctx->args[i];
	bpf_map_update_elem(&pending_calls, &tid, &p, BPF_ANY);
	return 0;
}

static __always_inline void copy_addr(struct kp_syscall_event *e, __u64 uaddr, __u64 len)
{
	if (!uaddr || len == 0)
		return;
	if (len > KP_ADDR_MAX)
		len = KP_ADDR_MAX;
	if (bpf_probe_read_user(e->addr, len & 0xff, (void *)uaddr) == 0)
		e->addr_len = len;
}

static __always_inline void copy_addr_lenptr(struct kp_syscall_event *e, __u64 uaddr, __u64 ulenp)
{
	__u32 len = 0;

	if (!ulenp || bpf_probe_read_user(&len, sizeof(len), (void *)ulenp))
		return;
	copy_addr(e, uaddr, len);
}

static __always_inline void copy_data(struct kp_syscall_event *e, __u64 ubuf, __s64 len)
{
	if (!ubuf || len <= 0)
		return;
	if (len > KP_DATA_MAX)
		len = KP_DATA_MAX;
	if (bpf_probe_read_user(e->data, len & 0x7f, (void *)ubuf) == 0)
		e->data_len = len;
}

static __always_inline void copy_msg_name(struct kp_syscall_event *e, __u64 umsg)
{
	struct user_msghdr_min m = {};

	if (!umsg || bpf_probe_read_user(&m, sizeof(m), (void *)umsg))
		return;
	copy_addr(e, (__u64)m.msg_name, m.msg_namelen);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscall_exit(struct tp_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct pending *p = bpf_map_lookup_elem(&pending_calls, &tid);
	struct kp_syscall_event *e;
	__s64 ret = ctx->ret;

	if (!p)
		return 0;
	e = bpf_ringbuf_reserve(&syscall_events, sizeof(*e), 0);
	if (!e) {
		kp_count_lost(KP_LOST_EVENTS);
		bpf_map_delete_elem(&pending_calls, &tid);
		return 0;
	}
	e->enter_ns = p->enter_ns;
	e->exit_ns = bpf_ktime_get_ns();
	e->tgid = pid_tgid >> 32;
	e->tid = tid;
	e->nr = p->nr;
	e->ret = ret;
	for (int i = 0; i < 6; i++)
		e->args[i] = p->args[i];
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	e->addr_len = 0;
	e->data_len = 0;

	switch (p->nr) {
	case NR_connect:
	case NR_bind:
		copy_addr(e, p->args[1], p->args[2]);
		break;
	case NR_sendto:
		copy_addr(e, p->args[4], p->args[5]);
		copy_data(e, p->args[1], p->args[2]);
		break;
	case NR_recvfrom:
		copy_addr_lenptr(e, p->args[4], p->args[5]);
		copy_data(e, p->args[1], ret);
		break;
	case NR_accept:
	case NR_accept4:
	case NR_getsockname:
	case NR_getpeername:
		if (ret >= 0)
			copy_addr_lenptr(e, p->args[1], p->args[2]);
		break;
	case NR_sendmsg:
	case NR_recvmsg:
		copy_msg_name(e, p->args[1]);
		break;
	case NR_write:
		copy_data(e, p->args[1], p->args[2]);
		break;
	case NR_read:
		copy_data(e, p->args[1], ret);
		break;
	case NR_setsockopt:
		copy_data(e, p->args[3], p->args[4]);
		break;
	case NR_getsockopt:
		if (ret == 0) {
			__u32 len = 0;
			if (p->args[4] && !bpf_probe_read_user(&len, sizeof(len), (void *)p->args[4]))
				copy_data(e, p->args[3], len);
		}
		break;
	}
	bpf_ringbuf_submit(e, 0);
	bpf_map_delete_elem(&pending_calls, &tid);
	return 0;
}
