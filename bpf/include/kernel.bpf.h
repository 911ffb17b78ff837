/* The few kernel types kpath reads, declared for CO-RE: libbpf relocates each
 * field access against the running kernel's BTF, so no vmlinux.h is needed. */
#ifndef KPATH_KERNEL_BPF_H
#define KPATH_KERNEL_BPF_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

struct pt_regs;

struct sk_buff {
	unsigned char *head;
	__u16 network_header;
	__u16 transport_header;
	unsigned int len;
	__be16 protocol;
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct net_device {
	char name[16];
} __attribute__((preserve_access_index));

struct user_msghdr_min {
	void *msg_name;
	int msg_namelen;
};

/* Tracepoint contexts: these layouts are part of the tracepoint ABI (format files). */
struct tp_sys_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct tp_sys_exit {
	__u64 common;
	long id;
	long ret;
};

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct tp_net_dev_template {
	__u64 common;
	void *skbaddr;
	unsigned int len;
};

#endif
