/* Records that cross between kpath's BPF programs (the .bpf.c files) and Swift
 * (imported as the BPFRecords module). One header, so the two sides cannot drift. */
#ifndef KPATH_H
#define KPATH_H

#include <linux/types.h>

/* The syscall a thread is inside when a probe fires. User space maps syscall
 * numbers to these (phase_of_syscall map); KP_NONE means "not in a syscall". */
enum kp_phase {
	KP_NONE = 0,
	KP_SOCKET = 1,
	KP_CONNECT = 2,
	KP_SEND = 3,   /* write, send, sendto, sendmsg, sendmmsg */
	KP_RECV = 4,   /* read, recv, recvfrom, recvmsg, recvmmsg */
	KP_CLOSE = 5,
	KP_SERVER = 6, /* bind, listen, accept, accept4 */
	KP_OTHER = 7,
	KP_NPHASES = 8,
};

/* Who a traced process is, the value of kp_tracked: the command or client (1),
 * or the echo server (2). Children inherit their parent's role. */
enum kp_role {
	KP_ROLE_CLIENT = 1,
	KP_ROLE_SERVER = 2,
	KP_NROLES = 2,
};

/* Or'ed into a held process's role until it enters execve: before that it is
 * kpath's trampoline (reading its go-ahead, closing the socket), not the
 * command (Workload/HeldProcess.swift), and nothing of it is recorded. */
#define KP_ROLE_PENDING_EXEC 0x80
/* x86-64 syscall numbers of execve and execveat */
#define KP_NR_EXECVE 59
#define KP_NR_EXECVEAT 322

/* Every counter slot is (phase, context): context 0 = the task itself,
 * 1 = softirq or hardirq running on top of it (e.g. loopback receive). */
#define KP_SLOTS (KP_NPHASES * 2)

/* Filter settings shared by all objects (kp_config map, key 0). */
struct kp_config {
	__u32 filter_tgids; /* 1: only count tgids in kp_tracked (plus their children) */
	__u32 follow_forks; /* 1: children of tracked tasks become tracked */
	/* --tid, --comm, -c: which of the traced tasks' hits are recorded
	 * (kp_task_wanted); tracking and following forks ignore them. */
	__u32 only_tid;     /* 0: every thread */
	__u32 only_cpu;     /* CPU + 1; 0: every CPU */
	char only_comm[16]; /* the task's comm exactly; "": every name */
};

/* lost[] indices: what a full map or buffer cost us. */
enum kp_lost {
	KP_LOST_STACK = 0,   /* bpf_get_stackid failed (map full, collision) */
	KP_LOST_COUNTS = 1,  /* count hash full */
	KP_LOST_EVENTS = 2,  /* ring buffer full */
	KP_LOST_TRACKED = 3, /* kp_tracked full: a child of a traced process is not traced */
	KP_LOST_NKINDS = 4,
};

/* stacks.bpf.c: one unique kernel stack at one target. */
struct kp_stack_key {
	__u32 target;  /* attach cookie: index of the function or tracepoint */
	__s32 kstack;  /* stack map id */
	__u32 tgid;
	__u32 tid;
	__u8 phase;
	__u8 softirq;
	__u8 pad[2];
	char comm[16];
};

struct kp_stack_val {
	__u64 count;
	__u64 first_ns; /* bpf_ktime_get_ns of the first hit: orders "first transmit" */
};

/* stacks.bpf.c in event mode (`kpath trace -K`): one record per hit. */
struct kp_hit_event {
	__u64 ts;
	__u32 tgid;
	__u32 tid;
	__u32 target;
	__s32 kstack;
	__u8 phase;
	__u8 softirq;
	__u8 pad[6];
	char comm[16];
};

/* stacks.bpf.c in event mode at a tracepoint (`kpath trace t:cat:event`):
 * the hit, then the first KP_TP_DATA_MAX bytes of the tracepoint's raw record
 * (common fields, the event's fields, __data_loc strings that fit), copied
 * from its context; user space names the fields from tracefs's format file.
 * The record lives in the per-CPU perf trace buffer (8 KiB), so the copy
 * never reads past it. */
#define KP_TP_DATA_MAX 256
struct kp_tp_hit_event {
	struct kp_hit_event hit;
	__u8 data[KP_TP_DATA_MAX];
};

/* syscalls.bpf.c: one finished syscall. A record in the ring buffer is this
 * struct cut after data_len bytes of data (KP_SYSCALL_HEAD + data_len), so
 * that `-s 4096` costs ring buffer space only for the calls that carry that
 * much; it is built in a per-CPU scratch copy, not on the 512-byte BPF stack. */
#define KP_ADDR_MAX 112
#define KP_DATA_MAX 4096  /* strace -s at most; user space sets how much is copied */
#define KP_PATH_MAX 256   /* a path argument, read at entry */
/* execve: argv strings read at entry (its memory is gone at exit), at most
 * KP_EXEC_ARGS of them and KP_EXEC_BUF bytes; data then holds
 * "path\0arg0\0arg1\0..." and msg[0..2] = strings read, argc, envc. */
#define KP_EXEC_ARGS 32
#define KP_EXEC_BUF 1024
#define KP_EXEC_COUNT_MAX 512 /* argc/envc counted up to this */
struct kp_syscall_event {
	__u64 enter_ns;
	__u64 exit_ns;
	__u32 tgid;
	__u32 tid;
	__s64 nr;
	__s64 ret;
	__u64 args[6];
	char comm[16];
	__u32 addr_len;  /* bytes of sockaddr copied into addr */
	__u32 data_len;  /* bytes of buffer/optval copied into data */
	__s32 len_in;    /* *addrlen, *optlen or msg_namelen at entry; -1: not read */
	__s32 len_out;   /* the same at exit; -1: not read */
	__u32 flags;     /* KP_SYS_RESUMED, KP_SYS_SIGNAL */
	__u32 flags_pad;
	/* sendmsg/recvmsg: msg_iovlen, msg_controllen, msg_flags (at exit),
	 * iov[0].iov_len; readv/writev: iov[0].iov_len in msg[3] */
	__u64 msg[4];
	__u8 addr[KP_ADDR_MAX];
	__u8 data[KP_DATA_MAX];
};
#define KP_SYSCALL_HEAD (sizeof(struct kp_syscall_event) - KP_DATA_MAX)
/* flags: an exit whose entry was not seen (in progress at -p attach):
 * args are unknown, enter_ns is the exit time (strace's `<... NAME resumed>`) */
#define KP_SYS_RESUMED 1
/* a signal delivered (signal:signal_deliver), not a syscall: nr is -1,
 * args = sig, si_errno, si_code, sa_handler, sa_flags; data holds the first
 * KP_SIGINFO_SIZE bytes of the kernel_siginfo (strace's `--- SIGCHLD {...} ---`) */
#define KP_SYS_SIGNAL 2
#define KP_SIGINFO_SIZE 48
/* a call's entry (args only; its exit record follows), sent once a traced
 * process has more than one thread or child (entry_markers): strace's
 * `NAME(... <unfinished ...>` when another thread's line comes in between */
#define KP_SYS_ENTRY 4
/* an entry record is the struct cut before msg (the fields it sets) */
#define KP_SYSCALL_ENTRY_SIZE __builtin_offsetof(struct kp_syscall_event, msg)
/* wait4: data holds the status int (at exit); clone3: struct clone_args
 * (its first KP_CLONE_ARGS_SIZE bytes, read at exit from the parent) */
#define KP_CLONE_ARGS_SIZE 88

/* packets.bpf.c: one packet handed to a device (net:net_dev_queue). */
struct kp_packet_event {
	__u64 ts;
	__u32 tgid;
	__u32 tid;
	__u32 len;
	__s32 kstack;
	__u16 family;   /* AF_INET or AF_INET6 */
	__u16 sport;    /* host order */
	__u16 dport;
	__u8 proto;     /* IPPROTO_TCP, IPPROTO_UDP */
	__u8 tcp_flags;
	__u8 phase;
	__u8 softirq;
	__u8 pad[2];
	__u32 seq;
	__u32 ack_seq;
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	char comm[16];
	char dev[16];
};

/* packets.bpf.c filter (pkt_config, key 0): port 0 = every packet;
 * tracked_only = only packets sent while a tracked task runs (a Unix socket
 * run has no port to filter on, and must not record the whole host's traffic). */
struct kp_packet_config {
	__u16 port;
	__u16 tracked_only;
	__u32 want_stacks;
};

/* graph.bpf.c: one record of a call trace, in one ring buffer (a thread's
 * records stay in order). Functions are recorded only inside a traced syscall
 * of a tracked thread, so every tree has a syscall at its root. */
enum kp_graph_kind {
	KP_GRAPH_SYS_ENTER = 0,
	KP_GRAPH_SYS_EXIT = 1,
	KP_GRAPH_ENTRY = 2,  /* a function was entered */
	KP_GRAPH_RETURN = 3, /* a function returned (ret holds its return value) */
};

/* function of a return record whose function is unknown: kretprobes on
 * kernels without attach cookies fire at the return trampoline */
#define KP_GRAPH_NO_FUNCTION 0xffffffffu

struct kp_graph_event {
	__u64 ts;       /* bpf_ktime_get_ns */
	__s64 ret;      /* RETURN: the function's return value; SYS_EXIT: the syscall's */
	__u32 tgid;
	__u32 tid;
	__u32 function; /* index into the attached function list */
	__s32 nr;       /* the syscall the thread is in */
	__u32 lost;     /* this thread's records lost (ring buffer full) just before this one */
	__u8 kind;      /* enum kp_graph_kind */
	__u8 irq;       /* 1: softirq/hardirq/NMI work on top of the thread, not the thread's own call */
	__u8 pad[2];
};

#endif
