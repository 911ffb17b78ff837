/* syscalls: strace-style records from the raw_syscalls tracepoints. Arguments
 * are saved at entry; at exit one record carries them, the return value, and
 * bounded copies of the socket address and data buffer the call named. */
#include "common.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* syscall number -> 1 when traced (-e); all traced when trace_all is set */
const volatile __u32 trace_all = 0;
/* Bytes of a data buffer copied (strace -s; at most KP_DATA_MAX). */
const volatile __u32 data_limit = 64;
/* Record signals delivered (strace's --- SIG ---) and exits whose entry was
 * not seen (<... resumed>): kpath syscalls sets these, compare does not. */
const volatile __u32 trace_signals = 0;
const volatile __u32 trace_resumed = 0;

KP_SYSCALL_SET(traced_syscalls);

/* [0] != 0: send an entry record for every traced call (KP_SYS_ENTRY). Set
 * here when a traced process clones, or by user space (-p of a threaded process). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} entry_markers SEC(".maps");

struct pending {
	__u64 enter_ns;
	__s64 nr;
	__u64 args[6];
	__s32 len_in; /* *addrlen / *optlen / msg_namelen before the call */
	__s32 path_len; /* bytes of path read at entry (without the NUL); 0: none */
	/* The path a file call names, read at entry: execve's is gone by exit. */
	char path[KP_PATH_MAX];
};

/* execve's argv, read at entry (buf is twice KP_EXEC_BUF so that a string
 * starting below KP_EXEC_BUF always fits: the verifier's bound) */
struct exec_args {
	__u32 len;     /* bytes used in buf, NULs included */
	__u32 nread;   /* strings read */
	__u32 argc;
	__u32 envc;
	char buf[KP_EXEC_BUF * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct exec_args);
} exec_calls SEC(".maps");

/* Per-CPU scratch: the pending entry, argv and the record are too big for the stack.
 * Sizes into e.data are masked with KP_SIZE_MASK (older verifiers, 5.10, lose
 * an `if` clamp across registers); slack keeps every masked access inside. */
#define KP_SIZE_MASK (KP_DATA_MAX * 2 - 1)
/* Hides a value from the optimizer so that a mask after a clamp is kept. */
#define kp_opaque(v) asm volatile("" : "+r"(v))
struct scratch {
	struct pending p;
	struct exec_args x;
	struct kp_syscall_event e;
	__u8 slack[KP_DATA_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_space SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending);
} pending_calls SEC(".maps");

KP_RING_BUFFER(syscall_events, 1 << 23);

#include "syscall_copy.bpf.h"

/* How many pointers before the NULL of a user array (argv, envp). */
static __always_inline __u32 count_ptrs(__u64 uarr, __u32 from)
{
	__u32 n = from;

	for (int i = 0; i < KP_EXEC_COUNT_MAX; i++) {
		__u64 ptr = 0;
		if (n >= KP_EXEC_COUNT_MAX)
			break;
		if (bpf_probe_read_user(&ptr, sizeof(ptr), (void *)(uarr + n * 8)) || !ptr)
			break;
		n++;
	}
	return n;
}

/* execve's argv strings (NUL-separated) and the argc/envc counts. */
static __always_inline void read_exec_args(struct exec_args *x, __u64 argv, __u64 envp)
{
	x->len = 0;
	x->nread = 0;
	x->argc = 0;
	x->envc = 0;
	if (argv) {
		for (int i = 0; i < KP_EXEC_ARGS; i++) {
			__u64 ptr = 0;
			__u32 off = x->len;
			if (off >= KP_EXEC_BUF)
				break;
			if (bpf_probe_read_user(&ptr, sizeof(ptr), (void *)(argv + i * 8)) || !ptr)
				break;
			long n = bpf_probe_read_user_str(&x->buf[off & (KP_EXEC_BUF - 1)], KP_EXEC_BUF, (void *)ptr);
			if (n <= 0)
				break;
			x->len = off + n;
			x->nread++;
		}
		x->argc = count_ptrs(argv, x->nread);
	}
	if (envp)
		x->envc = count_ptrs(envp, 0);
}

/* A record of `size` bytes reserved in the ring buffer, its first `zeroed`
 * bytes cleared, with who made which call, no lengths read and the task's
 * comm; NULL (a lost event counted) when the buffer is full. */
static __always_inline struct kp_syscall_event *reserve_record(__u32 size, __u32 zeroed, __u64 pid_tgid, __s64 nr, __u32 flags)
{
	struct kp_syscall_event *e = bpf_ringbuf_reserve(&syscall_events, size, 0);

	if (!e) {
		kp_count_lost(KP_LOST_EVENTS);
		return 0;
	}
	__builtin_memset(e, 0, zeroed);
	e->tgid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->nr = nr;
	e->len_in = -1;
	e->len_out = -1;
	e->flags = flags;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	return e;
}

/* The entry record, when markers are on (trace_resumed: kpath syscalls only). */
static __always_inline void send_entry(struct pending *pp, __u64 pid_tgid)
{
	__u32 zero = 0, *on = bpf_map_lookup_elem(&entry_markers, &zero);
	struct kp_syscall_event *e;

	if (!trace_resumed || !on || !*on)
		return;
	e = reserve_record(KP_SYSCALL_ENTRY_SIZE, KP_SYSCALL_ENTRY_SIZE, pid_tgid, pp->nr, KP_SYS_ENTRY);
	if (!e)
		return;
	e->enter_ns = pp->enter_ns;
	for (int i = 0; i < 6; i++)
		e->args[i] = pp->args[i];
	bpf_ringbuf_submit(e, 0);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int syscall_enter(struct tp_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, nr = ctx->id, zero = 0;
	struct scratch *s;
	struct pending *pp;

	if (!kp_is_tracked_syscall(pid_tgid, nr) || !kp_task_wanted(pid_tgid))
		return 0;
	if (trace_resumed && (nr == NR_clone || nr == NR_clone3 || nr == NR_fork || nr == NR_vfork)) {
		/* a second thread or process from now on (traced or not by -e): calls may interleave */
		__u32 one = 1;
		bpf_map_update_elem(&entry_markers, &zero, &one, BPF_ANY);
	}
	if (!trace_all) {
		__u8 *want = bpf_map_lookup_elem(&traced_syscalls, &nr);
		if (!want || !*want)
			return 0;
	}
	if (nr == NR_exit || nr == NR_exit_group) {
		/* never returns: one record now, exit_ns 0 ("= ?") */
		struct kp_syscall_event *e = reserve_record(KP_SYSCALL_HEAD, KP_SYSCALL_HEAD, pid_tgid, nr, 0);
		if (!e)
			return 0;
		e->enter_ns = bpf_ktime_get_ns();
		for (int i = 0; i < 6; i++)
			e->args[i] = ctx->args[i];
		bpf_ringbuf_submit(e, 0);
		return 0;
	}
	s = bpf_map_lookup_elem(&scratch_space, &zero);
	if (!s)
		return 0;
	pp = &s->p;
	pp->enter_ns = bpf_ktime_get_ns();
	pp->nr = ctx->id;
	for (int i = 0; i < 6; i++)
		pp->args[i] = ctx->args[i];
	pp->len_in = -1;
	pp->path_len = 0;
	int pa = path_arg(pp->nr);
	if (pa >= 0 && pa < 6 && pp->args[pa]) {
		long n = bpf_probe_read_user_str(pp->path, sizeof(pp->path), (void *)pp->args[pa]);
		pp->path_len = n > 0 ? n - 1 : 0;
	}
	switch (pp->nr) {
	case NR_accept:
	case NR_accept4:
	case NR_getsockname:
	case NR_getpeername:
		if (pp->args[1])
			pp->len_in = read_len(pp->args[2]);
		break;
	case NR_recvfrom:
		if (pp->args[4])
			pp->len_in = read_len(pp->args[5]);
		break;
	case NR_getsockopt:
		pp->len_in = read_len(pp->args[4]);
		break;
	case NR_recvmsg: {
		struct kp_msghdr m = {};
		if (pp->args[1] && !bpf_probe_read_user(&m, sizeof(m), (void *)pp->args[1]))
			pp->len_in = m.msg_namelen;
		break;
	}
	case NR_execve:
		read_exec_args(&s->x, pp->args[1], pp->args[2]);
		bpf_map_update_elem(&exec_calls, &tid, &s->x, BPF_ANY);
		break;
	}
	bpf_map_update_elem(&pending_calls, &tid, pp, BPF_ANY);
	send_entry(pp, pid_tgid);
	return 0;
}

/* execve: after the path (data_len bytes, then a NUL) the argv strings read at entry. */
static __always_inline void copy_exec_args(struct kp_syscall_event *e, __u32 tid)
{
	struct exec_args *x = bpf_map_lookup_elem(&exec_calls, &tid);
	__u32 off = e->data_len, len;

	if (!x)
		return;
	if (off >= KP_PATH_MAX)
		off = KP_PATH_MAX - 1;
	e->data[off & (KP_PATH_MAX - 1)] = 0;
	off++;
	len = x->len; /* at most 2 * KP_EXEC_BUF - 1 (read_exec_args) */
	kp_opaque(len);
	len &= KP_EXEC_BUF * 2 - 1;
	if (len > 0 && bpf_probe_read_kernel(&e->data[off & (KP_PATH_MAX * 2 - 1)], len, x->buf) == 0)
		e->data_len = off + len;
	e->msg[0] = x->nread;
	e->msg[1] = x->argc;
	e->msg[2] = x->envc;
	bpf_map_delete_elem(&exec_calls, &tid);
}

/* An exit without its entry: a call in progress when tracing began (-p);
 * strace prints `<... NAME resumed>) = RET`. A new child's first return
 * from fork/clone (0) is not one: strace shows no line for it. */
static __always_inline int resumed_exit(struct tp_sys_exit *ctx, __u64 pid_tgid)
{
	__u32 nr = ctx->id;
	__s64 ret = ctx->ret;
	struct kp_syscall_event *e;

	if (!trace_resumed || !kp_is_tracked_syscall(pid_tgid, nr))
		return 0;
	if (!trace_all) {
		__u8 *want = bpf_map_lookup_elem(&traced_syscalls, &nr);
		if (!want || !*want)
			return 0;
	}
	if (ret == 0 && (nr == NR_clone || nr == NR_clone3 || nr == NR_fork || nr == NR_vfork))
		return 0;
	e = reserve_record(KP_SYSCALL_HEAD, KP_SYSCALL_HEAD, pid_tgid, nr, KP_SYS_RESUMED);
	if (!e)
		return 0;
	e->exit_ns = bpf_ktime_get_ns();
	e->enter_ns = e->exit_ns;
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* signal_deliver(int sig, struct kernel_siginfo *info, struct k_sigaction *ka):
 * runs in the thread the signal is delivered to, before its handler. */
SEC("raw_tp/signal_deliver")
int signal_deliver(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct kp_syscall_event *e;
	__u64 act[2] = {};
	__s32 head[3] = {};

	/* SIGKILL here is the group exit a fatal signal started (without ptrace the
	 * kernel kills at send time; info is SEND_SIG_NOINFO): +++ killed by +++ says it */
	if (!trace_signals || ctx->args[0] == 9 || !kp_is_tracked(pid_tgid))
		return 0;
	e = reserve_record(KP_SYSCALL_HEAD + KP_SIGINFO_SIZE, KP_SYSCALL_HEAD, pid_tgid, -1, KP_SYS_SIGNAL);
	if (!e)
		return 0;
	e->enter_ns = bpf_ktime_get_ns();
	e->exit_ns = e->enter_ns;
	e->args[0] = ctx->args[0];
	if (ctx->args[1] && bpf_probe_read_kernel(e->data, KP_SIGINFO_SIZE, (void *)ctx->args[1]) == 0) {
		__builtin_memcpy(head, e->data, sizeof(head));
		e->data_len = KP_SIGINFO_SIZE;
		e->args[1] = head[1];
		e->args[2] = head[2];
	}
	if (ctx->args[2] && bpf_probe_read_kernel(act, sizeof(act), (void *)ctx->args[2]) == 0) {
		e->args[3] = act[0];
		e->args[4] = act[1];
	}
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscall_exit(struct tp_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct pending *p = bpf_map_lookup_elem(&pending_calls, &tid);
	struct kp_syscall_event *e;
	struct scratch *s;
	__s64 ret = ctx->ret;
	__u32 zero = 0, size;

	if (!p)
		return resumed_exit(ctx, pid_tgid);
	s = bpf_map_lookup_elem(&scratch_space, &zero);
	if (!s) {
		bpf_map_delete_elem(&pending_calls, &tid);
		return 0;
	}
	e = &s->e;
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
	e->len_in = p->len_in;
	e->len_out = -1;
	e->flags = 0;
	for (int i = 0; i < 4; i++)
		e->msg[i] = 0;

	/* The path read at entry (set only for calls that name one: path_arg). */
	if (p->path_len > 0 && p->path_len < KP_PATH_MAX) {
		__builtin_memcpy(e->data, p->path, KP_PATH_MAX);
		e->data_len = p->path_len;
	}
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
		if (ret >= 0) {
			if (p->args[4])
				copy_addr_out(e, p->args[4], p->args[5], p->len_in);
			copy_data(e, p->args[1], min_len(ret, p->args[2]));
		}
		break;
	case NR_accept:
	case NR_accept4:
	case NR_getsockname:
	case NR_getpeername:
		if (ret >= 0 && p->args[1])
			copy_addr_out(e, p->args[1], p->args[2], p->len_in);
		break;
	case NR_sendmsg:
		copy_msghdr(e, p->args[1], ret, 0);
		break;
	case NR_recvmsg:
		copy_msghdr(e, p->args[1], ret, 1);
		break;
	case NR_write:
		copy_data(e, p->args[1], p->args[2]);
		break;
	case NR_read:
		if (ret > 0)
			copy_data(e, p->args[1], min_len(ret, p->args[2]));
		break;
	case NR_writev:
		copy_iov0(e, p->args[1], p->args[2], KP_DATA_MAX);
		break;
	case NR_readv:
		if (ret > 0)
			copy_iov0(e, p->args[1], p->args[2], ret);
		break;
	case NR_socketpair:
		if (ret == 0)
			copy_data(e, p->args[3], 8);
		break;
	case NR_setsockopt:
		copy_data(e, p->args[3], p->args[4]);
		break;
	case NR_execve:
		copy_exec_args(e, tid);
		break;
	case NR_wait4:
		if (ret > 0 && p->args[1])
			copy_data(e, p->args[1], 4);
		break;
	case NR_clone3:
		/* the parent's struct is still there at exit; the child (ret 0) shares its copy */
		copy_data(e, p->args[0], min_len(p->args[1], KP_CLONE_ARGS_SIZE));
		break;
	case NR_getsockopt:
		if (ret == 0) {
			__s32 len = read_len(p->args[4]);
			e->len_out = len;
			copy_data(e, p->args[3], p->len_in >= 0 ? min_len(len, p->len_in) : len);
		}
		break;
	}
	size = e->data_len;
	if (size > KP_DATA_MAX)
		size = KP_DATA_MAX;
	kp_opaque(size);
	size &= KP_SIZE_MASK;
	if (bpf_ringbuf_output(&syscall_events, e, KP_SYSCALL_HEAD + size, 0))
		kp_count_lost(KP_LOST_EVENTS);
	bpf_map_delete_elem(&pending_calls, &tid);
	return 0;
}
