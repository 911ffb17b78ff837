#!/bin/sh
# scripts/bench-limit/start-stop.sh — in a guest: start to "Tracing" and Ctrl-C to exit of
# two kpath binaries and the C + libbpf floor, `tcp_*`, ROUNDS times, in one boot.
# Host side (5.10 or 6.1: per-function kprobes):
#   mkdir -p /tmp/det && cp OLD-KPATH /tmp/det/kpath-old && cp NEW-KPATH /tmp/det/kpath-new
#   clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c scripts/bench-limit/kprobe.bpf.c -o /tmp/det/kprobe.bpf.o
#   cc -O2 -static scripts/bench-limit/kprobes.c -o /tmp/det/libbpf-kprobes -lbpf -lelf -lz -lpthread
#   cp scripts/bench-limit/start-stop.sh /tmp/det/run.sh
#   scripts/vmtest --kernel 5.10 --binary NEW-KPATH --add /tmp/det:/det -- sh /det/run.sh
now() { cut -d' ' -f1 /proc/uptime; }
measure() {  # name cmd...
  name=$1; shift
  t0=$(now); "$@" >/tmp/o 2>&1 & p=$!
  while ! grep -q '^Tracing' /tmp/o && kill -0 $p 2>/dev/null; do sleep 0.1; done
  t1=$(now); kill -INT $p; wait $p; t2=$(now)
  echo "$name: $(grep -o 'Tracing [0-9]* functions' /tmp/o) start $(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN{print $t1-$t0}") s, Ctrl-C to exit $(awk "BEGIN{print $t2-$t1}") s"
}
for r in $(seq "${ROUNDS:-2}"); do
  measure "kpath concurrentPerform (m3)" /det/kpath-old funccount 'tcp_*'
  measure "kpath 32 pthreads (m5)" /det/kpath-new funccount 'tcp_*'
  measure "C libbpf 32 threads" /det/libbpf-kprobes /det/kprobe.bpf.o 'tcp_*' 32
done
