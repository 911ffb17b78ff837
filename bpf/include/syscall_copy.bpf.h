/* syscalls.bpf.c's copies of user memory: the x86_64 numbers of the calls
 * whose memory is read, which argument names a path, and bounded copies of
 * sockaddrs, buffers, iovecs and msghdrs into a kp_syscall_event.
 * Included by syscalls.bpf.c after data_limit, KP_SIZE_MASK and kp_opaque. */
#ifndef KPATH_SYSCALL_COPY_BPF_H
#define KPATH_SYSCALL_COPY_BPF_H

/* struct user_msghdr and struct iovec (x86_64 user ABI) */
struct kp_msghdr {
	__u64 msg_name;
	__s32 msg_namelen;
	__u32 pad;
	__u64 msg_iov;
	__u64 msg_iovlen;
	__u64 msg_control;
	__u64 msg_controllen;
	__u32 msg_flags;
};

struct kp_iovec {
	__u64 iov_base;
	__u64 iov_len;
};

/* x86_64 numbers of the calls whose memory arguments we copy */
#define NR_read 0
#define NR_write 1
#define NR_readv 19
#define NR_writev 20
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_bind 49
#define NR_getsockname 51
#define NR_getpeername 52
#define NR_socketpair 53
#define NR_setsockopt 54
#define NR_getsockopt 55
#define NR_accept4 288
#define NR_exit 60
#define NR_clone 56
#define NR_fork 57
#define NR_vfork 58
#define NR_wait4 61
#define NR_clone3 435
#define NR_exit_group 231
/* calls that name a path (copied at entry) */
#define NR_open 2
#define NR_stat 4
#define NR_lstat 6
#define NR_access 21
#define NR_execve 59
#define NR_readlink 89
#define NR_openat 257
#define NR_newfstatat 262
#define NR_readlinkat 267
#define NR_faccessat 269
#define NR_statx 332
#define NR_faccessat2 439
#define NR_setxattr 188
#define NR_lsetxattr 189
#define NR_getxattr 191
#define NR_lgetxattr 192
#define NR_listxattr 194
#define NR_llistxattr 195
#define NR_removexattr 197
#define NR_lremovexattr 198

/* Which argument holds a path, or -1. */
static __always_inline int path_arg(__s64 nr)
{
	switch (nr) {
	case NR_open:
	case NR_stat:
	case NR_lstat:
	case NR_access:
	case NR_execve:
	case NR_readlink:
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_getxattr:
	case NR_lgetxattr:
	case NR_listxattr:
	case NR_llistxattr:
	case NR_removexattr:
	case NR_lremovexattr:
		return 0;
	case NR_openat:
	case NR_newfstatat:
	case NR_readlinkat:
	case NR_faccessat:
	case NR_statx:
	case NR_faccessat2:
		return 1;
	}
	return -1;
}

static __always_inline __s32 read_len(__u64 ulenp)
{
	__s32 len = -1;

	if (!ulenp || bpf_probe_read_user(&len, sizeof(len), (void *)ulenp))
		return -1;
	return len;
}

static __always_inline void copy_addr(struct kp_syscall_event *e, __u64 uaddr, __s64 len)
{
	if (!uaddr || len <= 0)
		return;
	if (len > KP_ADDR_MAX)
		len = KP_ADDR_MAX;
	if (bpf_probe_read_user(e->addr, len & 0xff, (void *)uaddr) == 0)
		e->addr_len = len;
}

static __always_inline void copy_data(struct kp_syscall_event *e, __u64 ubuf, __s64 len)
{
	__u32 n;

	if (!ubuf || len <= 0)
		return;
	if (len > data_limit)
		len = data_limit;
	n = len;
	if (n > KP_DATA_MAX)
		n = KP_DATA_MAX;
	kp_opaque(n);
	n &= KP_SIZE_MASK;
	if (n == 0)
		return;
	if (bpf_probe_read_user(e->data, n, (void *)ubuf) == 0)
		e->data_len = n;
}

static __always_inline __s64 min_len(__s64 a, __s64 b)
{
	return a < b ? a : b;
}

/* The address a call filled in: *lenp is its length now; at most what fit. */
static __always_inline void copy_addr_out(struct kp_syscall_event *e, __u64 uaddr, __u64 ulenp, __s32 len_in)
{
	__s32 out = read_len(ulenp);

	e->len_out = out;
	if (out < 0)
		return;
	copy_addr(e, uaddr, len_in >= 0 ? min_len(out, len_in) : out);
}

/* The first iovec of an array: its length, and up to `limit` bytes of data. */
static __always_inline void copy_iov0(struct kp_syscall_event *e, __u64 uiov, __u64 count, __s64 limit)
{
	struct kp_iovec v = {};

	if (!uiov || count == 0 || bpf_probe_read_user(&v, sizeof(v), (void *)uiov))
		return;
	e->msg[3] = v.iov_len;
	copy_data(e, v.iov_base, min_len((__s64)v.iov_len, limit));
}

static __always_inline void copy_msghdr(struct kp_syscall_event *e, __u64 umsg, __s64 ret, int received)
{
	struct kp_msghdr m = {};

	if (!umsg || bpf_probe_read_user(&m, sizeof(m), (void *)umsg))
		return;
	e->len_out = m.msg_namelen;
	e->msg[0] = m.msg_iovlen;
	e->msg[1] = m.msg_controllen;
	e->msg[2] = m.msg_flags;
	if (!received || ret >= 0)
		copy_addr(e, m.msg_name, m.msg_namelen);
	if (!received)
		copy_iov0(e, m.msg_iov, m.msg_iovlen, KP_DATA_MAX);
	else if (ret > 0)
		copy_iov0(e, m.msg_iov, m.msg_iovlen, ret);
}

#endif
