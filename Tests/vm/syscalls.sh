# kpath syscalls: strace-style lines from raw_syscalls tracepoints (issue 5
# part 3), sourced by checks.sh. Same assertions as the host tests.
start_servers 7022 7021
sc_servers=$servers

t_sc_udp_network() {
	# lines go to stderr like strace's, or -o FILE; the client's own output to runs' file
	runs /tmp/sc1.cmd kpath syscalls -o /tmp/sc1.out -e network -- kpath echo client --proto udp --to 127.0.0.1:7021 &&
	cat /tmp/sc1.out &&
	has_all /tmp/sc1.out \
		'^socket\(AF_INET, SOCK_DGRAM\|SOCK_CLOEXEC, IPPROTO_IP\) = [0-9]+$' \
		'^connect\([0-9]+, \{sa_family=AF_INET, sin_port=htons\(7021\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = 0$' \
		'^setsockopt\([0-9]+, SOL_SOCKET, SO_RCVTIMEO, \{tv_sec=5, tv_usec=0\}, 16\) = 0$' &&
	hasnt /tmp/sc1.out '^(read|write|close)\(' &&
	has /tmp/sc1.out '^\+\+\+ exited with 0 \+\+\+$'
}
check "syscalls -e network on a UDP dial: socket SOCK_DGRAM, connect to the port, SO_RCVTIMEO" t_sc_udp_network

t_sc_tcp_socket_io() {
	runs /tmp/sc2.cmd kpath syscalls -o /tmp/sc2.out -- kpath echo client --proto tcp --to 127.0.0.1:7022 --message hello &&
	cat /tmp/sc2.out &&
	has_all /tmp/sc2.out \
		'^socket\(AF_INET, SOCK_STREAM\|SOCK_CLOEXEC, IPPROTO_IP\) = 3$' \
		'^connect\(3, \{sa_family=AF_INET, sin_port=htons\(7022\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = 0$' \
		'^write\(3, "hello", 5\) += 5$' \
		'^read\(3, "hello", [0-9]+\) += 5$' \
		'^close\(3\) += 0$' &&
	hasnt /tmp/sc2.out '^write\(1,'
}
check "syscalls (socket-io) on a TCP dial: SOCK_STREAM, connect, write/read \"hello\", close" t_sc_tcp_socket_io

t_sc_refused() {
	kpath syscalls -e connect -- kpath echo client --proto tcp --to 127.0.0.1:7029 >/tmp/sc3.cmd 2>/tmp/sc3.out && { echo "expected a non-zero exit"; return 1; }
	cat /tmp/sc3.out
	has /tmp/sc3.out '^connect\(3, \{sa_family=AF_INET, sin_port=htons\(7029\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}, 16\) = -1 ECONNREFUSED \(Connection refused\)$'
}
check "syscalls: a refused connect reads = -1 ECONNREFUSED (Connection refused)" t_sc_refused

t_sc_process_signals() {
	# signal_deliver's siginfo, wait4's status copied at exit, and the
	# entry records behind <unfinished ...> (on from the first fork)
	runs /tmp/sc5.cmd kpath syscalls -o /tmp/sc5.out -e all -- sh -c 'trap "true" USR1; kill -USR1 $$; kpath --version >/dev/null; exit 0' &&
	cat /tmp/sc5.out | grep -E 'wait4|SIGUSR1|kill|clone|fork|resumed|unfinished' &&
	has_all /tmp/sc5.out \
		'^(\[pid +[0-9]+\] )?kill\([0-9]+, SIGUSR1\) += 0$' \
		'^(\[pid +[0-9]+\] )?--- SIGUSR1 \{si_signo=SIGUSR1, si_code=SI_USER, si_pid=[0-9]+, si_uid=0\} ---$' \
		'^\[pid +[0-9]+\] wait4\(-1,  <unfinished \.\.\.>$' \
		'^\[pid +[0-9]+\] <\.\.\. wait4 resumed>\[\{WIFEXITED\(s\) && WEXITSTATUS\(s\) == 0\}\], 0, NULL\) = [0-9]+$'
}
check "syscalls: --- SIGUSR1 {si_code=SI_USER...} ---, wait4's status, <unfinished ...>/<... wait4 resumed>" t_sc_process_signals

t_sc_bad_inputs() {
	r=0
	fails_with 1 '^kpath: error: unknown syscall "nosuchcall" in -e; ' kpath syscalls -e connect,nosuchcall -- true || r=1
	fails_with 1 '^kpath: error: give -p PID or -- COMMAND' kpath syscalls -e network || r=1
	return $r
}
check "syscalls bad inputs: one-line errors, exit 1" t_sc_bad_inputs

stop_servers $sc_servers
