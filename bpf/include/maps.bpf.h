/* Map shapes several objects declare: each object still owns its maps (its
 * names, its sizes); these only spell the definition once. */
#ifndef KPATH_MAPS_BPF_H
#define KPATH_MAPS_BPF_H

/* Kernel stacks by id (bpf_get_stackid), 127 frames: PERF_MAX_STACK_DEPTH. */
#define KP_STACK_MAP(name, entries)                          \
	struct {                                             \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);      \
		__uint(max_entries, entries);                \
		__uint(key_size, sizeof(__u32));             \
		__uint(value_size, 127 * sizeof(__u64));     \
	} name SEC(".maps")

/* Records to user space; `bytes` a power of two (RingBufferSize may grow it). */
#define KP_RING_BUFFER(name, bytes)                          \
	struct {                                             \
		__uint(type, BPF_MAP_TYPE_RINGBUF);          \
		__uint(max_entries, bytes);                  \
	} name SEC(".maps")

/* Syscall number -> 1 when traced (--syscall, -e); 512 covers x86_64's table. */
#define KP_SYSCALL_SET(name)                                 \
	struct {                                             \
		__uint(type, BPF_MAP_TYPE_ARRAY);            \
		__uint(max_entries, 512);                    \
		__type(key, __u32);                          \
		__type(value, __u8);                         \
	} name SEC(".maps")

#endif
