# Helpers for the checks that run inside a VM kernel (scripts/vmtest).
# busybox sh: keep to POSIX sh.
pass=0
fail=0
failed_names=""

# check NAME COMMAND...: runs COMMAND, counts it.
check() {
	name=$1
	shift
	t0=$(date +%s)
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok   $name ($(($(date +%s) - t0)) s)"
		pass=$((pass + 1))
	else
		echo "FAIL $name ($(($(date +%s) - t0)) s)"
		sed 's/^/     | /' /tmp/check.out | tail -n 40
		fail=$((fail + 1))
		failed_names="$failed_names $name"
	fi
}

# has FILE REGEX: grep -E with the file shown on failure.
has() {
	if grep -Eq -- "$2" "$1"; then return 0; fi
	echo "expected /$2/ in $1:"
	head -n 60 "$1"
	return 1
}

# has_all FILE REGEX...: every REGEX is in FILE (the first missing one is shown).
has_all() {
	_f=$1; shift
	for _r in "$@"; do has "$_f" "$_r" || return 1; done
}

hasnt() {
	if grep -Eq -- "$2" "$1"; then
		echo "did not expect /$2/ in $1:"
		grep -E -- "$2" "$1" | head
		return 1
	fi
	return 0
}

# count_of FILE FUNC: the COUNT column of FUNC in a funccount table.
count_of() {
	awk -v f="$2" '$1 == f { print $2 }' "$1"
}

# start_server PROTO PORT: an echo server in the background; its pid in $server_pid.
start_server() {
	kpath echo server --proto "$1" --listen "127.0.0.1:$2" >/tmp/server-$1-$2.log 2>&1 &
	server_pid=$!
	i=0
	while ! grep -q listening /tmp/server-$1-$2.log 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "server did not start"; cat /tmp/server-$1-$2.log; return 1; }
		sleep 0.1
	done
}

stop_server() {
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
}

# start_servers TCP_PORT UDP_PORT: a TCP and a UDP echo server; $servers
# holds both pids, for stop_servers.
start_servers() {
	start_server tcp "$1" || return 1
	servers=$server_pid
	start_server udp "$2" || return 1
	servers="$servers $server_pid"
}

# stop_servers PID...: kills and reaps echo servers.
stop_servers() {
	kill "$@" 2>/dev/null
	wait "$@" 2>/dev/null
}

# udp_connect_function: where a UDP connect records its peer on this kernel:
# ip4_datagram_connect up to 6.12, udp_connect on 7.x (Sources/Sessions/KernelNames.swift).
udp_connect_function() {
	case "$(uname -r)" in 7.*) echo udp_connect ;; *) echo ip4_datagram_connect ;; esac
}

# runs FILE COMMAND...: COMMAND's stdout into FILE and shown, its stderr
# into FILE.err, shown when COMMAND fails.
runs() {
	f=$1
	shift
	"$@" >"$f" 2>"$f.err" || { cat "$f.err"; return 1; }
	cat "$f"
}

# fails_with MAX_LINES REGEX COMMAND...: COMMAND exits non-zero and prints at
# most MAX_LINES lines, one matching REGEX, and no crash report.
fails_with() {
	max=$1
	re=$2
	shift 2
	if "$@" >/tmp/fails.out 2>&1; then echo "exit 0: $*"; return 1; fi
	has /tmp/fails.out "$re" && hasnt /tmp/fails.out 'Fatal error|Stack dump|Backtrace' || return 1
	[ "$(grep -c . /tmp/fails.out)" -le "$max" ] || { echo "more than $max line(s) from: $*"; cat /tmp/fails.out; return 1; }
}

# sigint_leaves_nothing SECONDS COMMAND...: runs COMMAND, sends it SIGINT after
# SECONDS, then expects no function probe left behind in tracefs.
sigint_leaves_nothing() {
	secs=$1
	shift
	"$@" >/dev/null 2>&1 &
	p=$!
	sleep "$secs"
	kill -INT $p
	wait $p
	n=$(grep -c . /sys/kernel/tracing/enabled_functions 2>/dev/null)
	k=$(grep -c . /sys/kernel/tracing/kprobe_events 2>/dev/null)
	n=${n:-0}
	k=${k:-0}
	echo "enabled_functions=$n kprobe_events=$k"
	[ "$n" = 0 ] && [ "$k" = 0 ]
}

summary() {
	echo "vm $(uname -r): $pass passed, $fail failed"
	[ -n "$failed_names" ] && echo "failed:$failed_names"
	[ "$fail" -eq 0 ]
}
