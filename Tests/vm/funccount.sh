# funccount on kprobes (issue 2), sourced by checks.sh.
start_servers 7001 7002
fc_servers=$servers

t_tcp_connect_exact() {
	kpath funccount tcp_v4_connect -- kpath echo client --proto tcp --to 127.0.0.1:7001 --count 50 >/tmp/fc1.out 2>/tmp/fc1.err || { cat /tmp/fc1.err; return 1; }
	cat /tmp/fc1.out /tmp/fc1.err
	has /tmp/fc1.err '^Tracing 1 functions for "tcp_v4_connect"\.\.\. Hit Ctrl-C to end\.$' &&
	has /tmp/fc1.out '^FUNC {32} {4}COUNT$' &&
	[ "$(count_of /tmp/fc1.out tcp_v4_connect)" = 50 ]
}
check "funccount tcp_v4_connect = 50 for 50 TCP dials" t_tcp_connect_exact

t_udp_family() {
	kpath funccount 'udp_*' -- kpath echo client --proto udp --to 127.0.0.1:7002 --count 50 >/tmp/fc2.out 2>/tmp/fc2.err || { cat /tmp/fc2.err; return 1; }
	cat /tmp/fc2.out
	[ "$(count_of /tmp/fc2.out udp_sendmsg)" = 50 ] &&
	[ "$(count_of /tmp/fc2.out udp_lib_get_port)" = 50 ] &&
	[ "$(count_of /tmp/fc2.out udp_v4_get_port)" = 50 ]
}
check "funccount udp_* on 50 UDP dials: udp_v4_get_port/udp_lib_get_port/udp_sendmsg 50 each" t_udp_family

t_no_trampoline() {
	# The held command is kpath's trampoline until its execve: its go-ahead read
	# on a Unix socket must not be counted (issue 13).
	kpath funccount 'unix_*,tcp_v4_connect' -- kpath echo client --proto tcp --to 127.0.0.1:7001 --count 3 >/tmp/fcu.out 2>/tmp/fcu.err || { cat /tmp/fcu.err; return 1; }
	cat /tmp/fcu.out
	[ "$(count_of /tmp/fcu.out tcp_v4_connect)" = 3 ] && hasnt /tmp/fcu.out '^unix_'
}
check "funccount of a held command counts from its execve: no unix_* of the go-ahead" t_no_trampoline

t_tcp_all() {
	kpath funccount -d 20 'tcp_*' -- kpath echo client --proto tcp --to 127.0.0.1:7001 --count 5 >/tmp/fc3.out 2>/tmp/fc3.err || { cat /tmp/fc3.err; return 1; }
	head -3 /tmp/fc3.err
	n=$(sed -n 's/^Tracing \([0-9]*\) functions.*/\1/p' /tmp/fc3.err)
	echo "attached $n"
	[ "$n" -gt 100 ] && [ "$(count_of /tmp/fc3.out tcp_connect)" = 5 ]
}
check "funccount 'tcp_*' attaches >100 functions" t_tcp_all

t_each_backend_same_counts() {
	tried=0
	for b in kprobe-multi kprobe fentry; do
		if ! kpath funccount --backend "$b" 'tcp_v4_connect,tcp_connect,tcp_close' -- kpath echo client --proto tcp --to 127.0.0.1:7001 --count 7 >/tmp/fcb.out 2>/tmp/fcb.err; then
			cat /tmp/fcb.err
			# only a backend this kernel lacks may be passed over
			grep -q "is not available here" /tmp/fcb.err && continue
			return 1
		fi
		tried=$((tried + 1))
		for f in tcp_v4_connect tcp_connect tcp_close; do
			c=$(count_of /tmp/fcb.out $f)
			echo "$b $f $c"
			[ "$c" = 7 ] || return 1
		done
	done
	# every backend doctor offers was tried (5.10 offers kprobe alone)
	want=$(kpath doctor --backends | grep -c .)
	echo "tried $tried of $want"
	[ $tried -ge 1 ] && [ $tried -eq "$want" ]
}
check "funccount gives the same per-dial counts on every backend" t_each_backend_same_counts

t_address_keys() {
	# the cookie-less path of 5.10-5.14, forced where cookies exist too
	KPATH_HIT_KEY=address kpath funccount --backend kprobe 'tcp_v4_connect,tcp_connect,tcp_close' -- kpath echo client --proto tcp --to 127.0.0.1:7001 --count 7 >/tmp/fca.out 2>/tmp/fca.err || { cat /tmp/fca.err; return 1; }
	cat /tmp/fca.out
	for f in tcp_v4_connect tcp_connect tcp_close; do
		[ "$(count_of /tmp/fca.out $f)" = 7 ] || return 1
	done
}
check "funccount keyed by probed address (no cookies): exact per-dial counts" t_address_keys

# Counting everyone and counting -p (issue 18's hot paths: the total-only
# address program, and only_tgid): exact counts of a known number of dials.
fc_until_tracing() {
	n=0
	until grep -q '^Tracing' "$1" 2>/dev/null; do sleep 0.2; n=$((n + 1)); [ $n -lt 600 ] || return 1; done
}
t_unfiltered_and_pid_exact() {
	fns='tcp_v4_connect,tcp_connect'
	# kprobe-multi twice on 6.9+: addresses from the link, then (KPATH_FILTER_ADDRS=1)
	# from available_filter_functions_addrs, the 6.5-6.8 path.
	backends=$(kpath doctor --backends | awk '{ print $1 }')
	case "$backends" in *kprobe-multi*) [ -e /sys/kernel/tracing/available_filter_functions_addrs ] && backends="$backends kprobe-multi+addrs" ;; esac
	for b in $backends; do
		echo "backend $b"
		addrs=0; [ "$b" = kprobe-multi+addrs ] && { addrs=1; b=kprobe-multi; }
		rm -f /tmp/fcn.out  # the wait below must not read the last run's "Tracing"
		KPATH_FILTER_ADDRS=$addrs kpath funccount --backend "$b" "$fns" >/tmp/fcn.out 2>&1 &
		fc=$!
		fc_until_tracing /tmp/fcn.out || { cat /tmp/fcn.out; kill -INT $fc; return 1; }
		kpath echo client --proto tcp --to 127.0.0.1:7001 --count 7 >/dev/null
		kill -INT $fc; wait $fc
		for f in tcp_v4_connect tcp_connect; do
			c=$(count_of /tmp/fcn.out $f); echo "$b (filter addrs $addrs), every process: $f $c"
			[ "$c" = 7 ] || { cat /tmp/fcn.out; return 1; }
		done
		hasnt /tmp/fcn.out 'could not name' || return 1
	done
	# -p: the process sleeps until funccount traces, then execs the client (same PID).
	# -p alone counts inline after the pid compare; with --comm too, through the general path.
	for extra in "" "--comm kpath"; do
		sh -c 'until [ -e /tmp/fcn.go ]; do sleep 0.1; done; exec kpath echo client --proto tcp --to 127.0.0.1:7001 --count 5 >/dev/null' &
		dialer=$!
		rm -f /tmp/fcn.out
		# shellcheck disable=SC2086 # $extra: no option or one option and its value
		kpath funccount -p $dialer $extra "$fns" >/tmp/fcn.out 2>&1 &
		fc=$!
		fc_until_tracing /tmp/fcn.out || { cat /tmp/fcn.out; kill $dialer; return 1; }
		kpath echo client --proto tcp --to 127.0.0.1:7001 --count 3 >/dev/null   # another process: not counted
		touch /tmp/fcn.go; wait $dialer; rm -f /tmp/fcn.go
		kill -INT $fc; wait $fc
		for f in tcp_v4_connect tcp_connect; do
			c=$(count_of /tmp/fcn.out $f); echo "-p $extra: $f $c"
			[ "$c" = 5 ] || { cat /tmp/fcn.out; return 1; }
		done
	done
}
check "funccount with no filter, with -p and with -p --comm: exactly 7, 5 and 5 tcp_v4_connect/tcp_connect for 7, 5 and 5 dials" t_unfiltered_and_pid_exact

t_json() {
	kpath funccount --json tcp_v4_connect -- kpath echo client --proto tcp --to 127.0.0.1:7001 --count 3 >/tmp/fcj.out 2>/dev/null &&
	has /tmp/fcj.out '"function" : "tcp_v4_connect"' && has /tmp/fcj.out '"count" : 3' && has /tmp/fcj.out '"schema_version" : 1'
}
check "funccount --json" t_json

t_pid_filter() {
	kpath echo client --proto tcp --to 127.0.0.1:7001 --count 1 >/dev/null
	sleep 30 &
	idle=$!
	kpath funccount -d 2 -p $idle tcp_v4_connect >/tmp/fcp.out 2>&1 &
	fc=$!
	sleep 1
	kpath echo client --proto tcp --to 127.0.0.1:7001 --count 5 >/dev/null
	wait $fc
	kill $idle
	cat /tmp/fcp.out
	hasnt /tmp/fcp.out '^tcp_v4_connect'
}
check "funccount -p PID counts only that process" t_pid_filter

t_bad_inputs() {
	r=0
	fails_with 2 '^kpath: error: no traceable kernel function matches "nosuchfunc_\*"' kpath funccount 'nosuchfunc_*' || r=1
	fails_with 2 'bad regular expression' kpath funccount -r 'tcp_((' || r=1
	fails_with 2 'no process with PID 999999' kpath funccount -p 999999 tcp_v4_connect || r=1
	fails_with 2 'duration' kpath funccount -d -1 tcp_v4_connect || r=1
	fails_with 2 'command not found: no-such-command-kpath' kpath funccount tcp_v4_connect -- no-such-command-kpath || r=1
	return $r
}
check "funccount bad inputs: one-line errors, non-zero exit" t_bad_inputs

t_backend_unavailable() {
	# A backend this kernel lacks (kprobe-multi on Debian's 6.1) is one line, exit 1, no output.
	r=0
	lacking=""
	for b in kprobe-multi kprobe fentry; do
		kpath funccount --backend "$b" -d 1 tcp_v4_connect >/tmp/fbu.out 2>/tmp/fbu.err
		rc=$?
		if grep -q "is not available here" /tmp/fbu.err; then
			lacking="$lacking $b"
			cat /tmp/fbu.err
			[ $rc = 1 ] || { echo "$b: exit $rc"; r=1; }
			[ "$(grep -c . /tmp/fbu.err)" = 1 ] || { echo "$b: more than one line"; r=1; }
			has /tmp/fbu.err "^kpath: error: backend $b is not available here: .+; omit --backend" || r=1
			if [ -s /tmp/fbu.out ]; then echo "$b: stdout not empty"; r=1; fi
		elif [ $rc != 0 ]; then
			cat /tmp/fbu.err
			r=1
		fi
	done
	echo "backends this kernel lacks:${lacking:- none}"
	return $r
}
check "funccount --backend B where B is unavailable: one line, exit 1" t_backend_unavailable

t_letters() {
	# bcc's letters (issue 17): tracepoints counted (one object instance per
	# tracepoint before 5.15: no cookies), --comm filtering function hits in the kernel
	dial="kpath echo client --proto tcp --to 127.0.0.1:7001 --count 3"
	runs /tmp/fcl.out kpath funccount 't:sock:inet_sock_set_state,t:syscalls:sys_enter_connect' -- $dial || return 1
	[ "$(count_of /tmp/fcl.out syscalls:sys_enter_connect)" = 3 ] &&
	[ "$(count_of /tmp/fcl.out sock:inet_sock_set_state)" -ge 6 ] || return 1
	runs /tmp/fcl2.out kpath funccount --comm kpath tcp_v4_connect -- $dial || return 1
	[ "$(count_of /tmp/fcl2.out tcp_v4_connect)" = 3 ] || return 1
	runs /tmp/fcl3.out kpath funccount --comm nosuch tcp_v4_connect -- $dial || return 1
	hasnt /tmp/fcl3.out '^tcp_v4_connect'
}
check "funccount t:sock:*,t:syscalls:sys_enter_connect counts; --comm filters tcp_v4_connect in the kernel" t_letters

check "funccount leaves no probe attached after SIGINT" sigint_leaves_nothing 3 kpath funccount 'tcp_*'

stop_servers $fc_servers
