# Nothing left behind (issue 7.1), sourced by checks.sh: funccount and compare
# stopped by SIGINT, SIGTERM and SIGKILL during start-up, attach, tracing and
# printing (to a reader that stopped reading). After each stop: no kprobe
# (debugfs kprobes/list, tracefs kprobe_events, enabled_functions), no BPF
# program or link the kernel did not have before (kpath __bpf-ids), no bpf fd
# in any process, nothing pinned, no held child, and compare's ports free.
start_server tcp 7101
cl_server=$server_pid
cl_base=/tmp/cl-bpf.base
# (a first line, so that the pattern file is never empty: busybox grep -f
# with no patterns matches nothing, even with -v)
{ echo "baseline"; kpath __bpf-ids; } >$cl_base
mkfifo /tmp/cl-fifo 2>/dev/null || mknod /tmp/cl-fifo p

# lines LINES FILE: 0 when FILE is missing
cl_lines() { if [ -r "$1" ]; then grep -c . "$1"; else echo 0; fi; }

# cl_kpath_pids: kpath processes other than the test's own echo server
cl_kpath_pids() {
	for d in /proc/[0-9]*; do
		p=${d#/proc/}
		[ "$p" = "$cl_server" ] && continue
		c=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)
		case "$c" in *kpath*|*__held*) echo "$p $c" ;; esac
	done
}

# cl_leftovers: prints what is left; true when nothing is. Freeing a program
# is deferred (RCU), so it polls for a few seconds before judging.
cl_leftovers() {
	i=0
	while :; do
		kp=$(cl_lines /sys/kernel/debug/kprobes/list)
		ke=$(cl_lines /sys/kernel/tracing/kprobe_events)
		ef=$(cl_lines /sys/kernel/tracing/enabled_functions)
		kpath __bpf-ids >/tmp/cl-bpf.now
		ids=$(grep -vxF -f $cl_base /tmp/cl-bpf.now | grep -c .)
		fds=$(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c 'anon_inode:bpf')
		pins=$(find /sys/fs/bpf -mindepth 1 2>/dev/null | grep -c .)
		procs=$(cl_kpath_pids | grep -c .)
		if [ $((kp + ke + ef + ids + fds + pins + procs)) = 0 ] || [ $i -ge 50 ]; then break; fi
		i=$((i + 1))
		sleep 0.2
	done
	echo "left: kprobes/list=$kp kprobe_events=$ke enabled_functions=$ef new-bpf-ids=$ids bpf-fds=$fds pinned=$pins kpath-processes=$procs"
	[ "$ids" = 0 ] || grep -vxF -f $cl_base /tmp/cl-bpf.now | head
	[ "$procs" = 0 ] || cl_kpath_pids
	[ $((kp + ke + ef + ids + fds + pins + procs)) = 0 ]
}

# cl_ports_free ERRFILE: every port compare named ("dials to 127.0.0.1:P")
# can be listened on again.
cl_ports_free() {
	for pp in $(sed -n 's/^kpath: \([a-z]*\): [0-9]* dials to 127\.0\.0\.1:\([0-9]*\).*/\1:\2/p' "$1"); do
		start_server "${pp%%:*}" "${pp#*:}" || return 1
		stop_server
		echo "port ${pp#*:}/${pp%%:*} free"
	done
}

# cl_wait_for FILE REGEX SECS: waits until FILE has a line matching REGEX.
cl_wait_for() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && { echo "no /$2/ in $1 after $3 s"; cat "$1"; return 1; }
		sleep 0.1
	done
}

# cl_reader: a reader of the fifo that never reads, and a pipe already full
# (64 KiB written by another writer), so kpath's next write to stdout blocks.
cl_reader() {
	sleep 600 </tmp/cl-fifo &
	reader=$!
	head -c 65536 /dev/zero >/tmp/cl-fifo
	sleep 0.1
}

# cl_catches PID SIG: PID has a handler for SIG (INT or TERM). A shell's
# background job starts with SIGINT ignored, so a SIGINT sent before kpath
# installs its handler is lost by design: the checks wait for the handler.
cl_catches() {
	# (before exec, $! is still the shell's child, whose handlers are not kpath's)
	case "$(cat /proc/$1/comm 2>/dev/null)" in *kpath*) ;; *) return 1 ;; esac
	m=$(sed -n 's/^SigCgt:[[:space:]]*//p' /proc/$1/status 2>/dev/null)
	[ -n "$m" ] || return 1
	low=$((0x${m#????????????}))
	case $2 in INT) bit=2 ;; TERM) bit=16384 ;; *) return 0 ;; esac
	[ $((low & bit)) != 0 ]
}

cl_wait_catches() {
	i=0
	while ! cl_catches "$1" "$2"; do
		i=$((i + 1))
		[ $i -gt 300 ] && { echo "pid $1 never caught SIG$2"; return 1; }
		sleep 0.01
	done
}

# cl_diag PID: where a process that did not stop is.
cl_diag() {
	grep -E '^(Name|State|SigCgt|SigIgn|SigBlk)' /proc/$1/status
	for t in /proc/$1/task/*; do
		echo "task ${t##*/}: $(cat $t/comm) wchan=$(cat $t/wchan 2>/dev/null)"
		head -8 $t/stack 2>/dev/null
	done
}

# cl_wait_blocked PID SECS: waits until PID sleeps in a pipe write. By the
# tasks' kernel stacks: /proc/PID/wchan reads 0 on 5.10 (x86 with the ORC
# unwinder), where waiting on it alone polled out its whole time (~300 s per
# check under emulation) and went on unblocked.
cl_blocked() {
	grep -q pipe_w /proc/$1/task/*/wchan 2>/dev/null || grep -q pipe_w /proc/$1/task/*/stack 2>/dev/null
}
cl_wait_blocked() {
	i=0
	while ! cl_blocked "$1"; do
		if ! [ -r /proc/$1/status ] || grep -q '^State:.*Z' /proc/$1/status; then
			echo "pid $1 exited before its output filled the pipe"
			return 1
		fi
		i=$((i + 1))
		[ $i -gt $(($2 * 10)) ] && { echo "pid $1 never blocked writing to the pipe"; return 1; }
		sleep 0.1
	done
}

# cl_stop PID SIG: sends SIG, waits for PID to go; its status in $cl_rc
# (its clock is cl_t0: t0 is check's, lib.sh).
# SIGINT/SIGTERM get 60 s. SIGKILL gets 600 s: on 6.1 the kernel releases
# compare's ~930 perf-event kprobes one by one in the exit path, each with a
# synchronize_rcu (slow under emulation; kpath's own teardown detaches in
# parallel).
cl_stop() {
	limit=600
	[ "$2" = KILL ] && limit=6000
	cl_t0=$(date +%s)
	kill -"$2" "$1"
	i=0
	while kill -0 "$1" 2>/dev/null && [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $limit ] && { echo "pid $1 still running $((limit / 10)) s after SIG$2"; cl_diag "$1"; kill -KILL "$1"; wait "$1"; cl_rc=hung; return 1; }
		sleep 0.1
	done
	wait "$1"
	cl_rc=$?
	echo "SIG$2: exit $cl_rc after $(($(date +%s) - cl_t0)) s"
}

# cl_funccount SIG WHEN: WHEN is "start" (0.05 s), "attach" (0.6 s), "tracing"
# (1 s after "Tracing ...") or "printing" (-i 0.2 into a full pipe nobody
# reads). SIGINT and SIGTERM are sent once kpath has its handler.
cl_funccount() {
	sig=$1 when=$2
	out=/tmp/cl-fc.out err=/tmp/cl-fc.err
	rm -f $out $err
	set -- funccount "$cl_fc_pattern" -- kpath echo client --proto tcp --to 127.0.0.1:7101 --count 1000000
	if [ "$when" = printing ]; then
		cl_reader
		kpath funccount -i 0.2 "$cl_fc_pattern" -- kpath echo client --proto tcp --to 127.0.0.1:7101 --count 1000000 >/tmp/cl-fifo 2>$err &
	else
		kpath "$@" >$out 2>$err &
	fi
	p=$!
	[ "$sig" = KILL ] || cl_wait_catches $p "$sig" || { cat $err; kill -KILL $p; wait $p; return 1; }
	# (a wait that runs out fails the check: the stop would be at another moment)
	case $when in
	start) [ "$sig" != KILL ] || sleep 0.05 ;;
	attach) sleep 0.6 ;;
	tracing) cl_wait_for $err '^Tracing' 120 && sleep 1 ;;
	printing) cl_wait_for $err '^Tracing' 120 && cl_wait_blocked $p 120 ;;
	esac || { kill -KILL $p; wait $p; [ "$when" = printing ] && { kill $reader; wait $reader; } 2>/dev/null; return 1; }
	cl_stop $p "$sig" || { cat $err; return 1; }
	[ "$when" = printing ] && { kill $reader; wait $reader; } 2>/dev/null
	head -5 $err
	r=0
	case $sig:$when in
	INT:tracing|TERM:tracing)
		# like bcc: the counts so far, then a clean exit
		[ "$cl_rc" = 0 ] || r=1
		has $out '^FUNC +COUNT$' || r=1
		c=$(count_of $out tcp_v4_connect)
		echo "tcp_v4_connect=$c"
		[ "${c:-0}" -gt 0 ] || r=1
		has $err '^Detaching\.\.\.$' || r=1 ;;
	INT:printing|TERM:printing) [ "$cl_rc" = 0 ] || r=1 ;;
	INT:*|TERM:*) case $cl_rc in 0|130|143) ;; *) r=1 ;; esac ;;
	KILL:*) [ "$cl_rc" = 137 ] || r=1 ;;
	esac
	cl_leftovers || r=1
	return $r
}

# A smaller compare for the stops after attach: 6.1 attaches the ~930 default
# functions one kprobe at a time (about 30 s under emulation) and its SIGKILL
# teardown releases them one by one (over a minute).
cl_small='tcp_v4_*,tcp_connect,tcp_close,udp_*,ip4_datagram_connect'
# (7.x records a UDP peer in udp_connect, which udp_* covers)
case "$(uname -r)" in 7.*) cl_small='tcp_v4_*,tcp_connect,tcp_close,udp_*' ;; esac

# cl_compare SIG WHEN: WHEN is "attach" (0.2 s after "attaching", compare's
# default function set: on 6.1 and 5.10 those seen in dials), "tcp" (0.5 s into the TCP
# dials), "udp" (0.5 s into the UDP ones) or "printing" (--json into a full
# pipe nobody reads).
cl_compare() {
	sig=$1 when=$2
	err=/tmp/cl-cmp.err
	rm -f $err
	if [ "$when" = printing ]; then
		cl_reader
		kpath compare tcp udp --count 3 --functions "$cl_small" --json >/tmp/cl-fifo 2>$err &
	elif [ "$when" = attach ]; then
		kpath compare tcp udp --count 200 >/dev/null 2>$err &
	else
		kpath compare tcp udp --count 200 --functions "$cl_small" >/dev/null 2>$err &
	fi
	p=$!
	[ "$sig" = KILL ] || cl_wait_catches $p "$sig" || { cat $err; kill -KILL $p; wait $p; return 1; }
	case $when in
	attach) cl_wait_for $err '^kpath: attaching' 300 && sleep 0.2 ;;
	tcp) cl_wait_for $err '^kpath: tcp: ' 300 && sleep 0.5 ;;
	udp) cl_wait_for $err '^kpath: udp: [0-9]+ dials' 300 && sleep 0.5 ;;
	printing) cl_wait_for $err 'read deadline probe' 300 && cl_wait_blocked $p 60 ;;
	esac || { kill -KILL $p; wait $p; [ "$when" = printing ] && { kill $reader; wait $reader; } 2>/dev/null; return 1; }
	cl_stop $p "$sig" || { cat $err; return 1; }
	[ "$when" = printing ] && { kill $reader; wait $reader; } 2>/dev/null
	cat $err
	r=0
	case $sig in
	INT|TERM) case $cl_rc in 130|143) ;; *) r=1 ;; esac
		[ "$when" = attach ] || has $err '^kpath: cancelled$' || r=1 ;;
	KILL) [ "$cl_rc" = 137 ] || r=1 ;;
	esac
	cl_leftovers || r=1
	cl_ports_free $err || r=1
	return $r
}

# cl_check NAME FUNC ARGS...: check, then the figures (exit status and time,
# what was seen while tracing) even when it passed.
cl_check() {
	check "$@"
	grep -E '^(SIG[A-Z]+: exit|while tracing)' /tmp/check.out | sed 's/^/     /'
}

t_cleanup_probes_seen() {
	# The checks are not vacuous: while funccount traces, its probes show.
	kpath funccount 'tcp_*' -- kpath echo client --proto tcp --to 127.0.0.1:7101 --count 1000000 >/dev/null 2>/tmp/cl-seen.err &
	p=$!
	cl_wait_for /tmp/cl-seen.err '^Tracing' 120 || return 1
	kp=$(cl_lines /sys/kernel/debug/kprobes/list)
	ef=$(cl_lines /sys/kernel/tracing/enabled_functions)
	kpath __bpf-ids >/tmp/cl-bpf.now
	ids=$(grep -vxF -f $cl_base /tmp/cl-bpf.now | grep -c .)
	echo "while tracing: kprobes/list=$kp enabled_functions=$ef new-bpf-ids=$ids kprobe_events=$(cl_lines /sys/kernel/tracing/kprobe_events)"
	cl_stop $p KILL
	[ $((kp + ef)) -gt 0 ] && [ "$ids" -gt 0 ] && cl_leftovers
}
cl_check "cleanup: while tracing, kpath's probes and programs are visible (and gone after SIGKILL)" t_cleanup_probes_seen

# Without kprobe.multi (5.10, 6.1) each of tcp_*'s ~350 functions is a kprobe
# of its own, attached and released one by one (minutes under emulation over
# the nine stops): there the stops trace tcp_v4_* (~25); the check above and
# compare's attach stop keep the full lists.
cl_fc_pattern='tcp_*'
kpath doctor --backends 2>/dev/null | grep -qx kprobe-multi || cl_fc_pattern='tcp_v4_*'
for case in INT:start INT:attach INT:tracing INT:printing TERM:attach TERM:tracing TERM:printing KILL:attach KILL:tracing; do
	cl_check "cleanup: funccount '$cl_fc_pattern' SIG${case%%:*} at ${case#*:} leaves nothing" cl_funccount ${case%%:*} ${case#*:}
done
cl_check "cleanup: compare SIGINT during attach leaves nothing" cl_compare INT attach
cl_check "cleanup: compare SIGTERM during the TCP dials leaves nothing, ports free" cl_compare TERM tcp
cl_check "cleanup: compare SIGKILL during the UDP dials leaves nothing, ports free" cl_compare KILL udp
cl_check "cleanup: compare SIGINT while blocked printing exits and leaves nothing" cl_compare INT printing
kill $cl_server 2>/dev/null
wait $cl_server 2>/dev/null
