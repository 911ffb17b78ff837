#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>

// Swift cannot call variadic C functions, so format libbpf's log lines here.
static inline int kpath_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap) {
    return vsnprintf(buf, n, fmt, ap);
}
