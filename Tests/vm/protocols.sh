# kpath compare beyond tcp/udp (issue 16), sourced by checks.sh. One run of
# two protocols (few dials) serves both claims: a Unix stream connect sends no
# packet and runs no tcp_*; tcp6's connect reaches tcp_v6_connect and tcp_connect.

# compares FILE ARGS...: `kpath compare ARGS`, its stdout into FILE, its
# stderr (the progress, or what went wrong) shown.
compares() {
	_out=$1
	shift
	kpath compare "$@" >"$_out" 2>"$_out.err" || { cat "$_out.err"; return 1; }
	cat "$_out.err"
}

# claim_held ID REGEX...: the claim ID (shown) is held in /tmp/proto.json and
# every REGEX is in it. kpath prints pretty JSON with sorted keys: a claim's
# "status" follows its "id".
claim_held() {
	grep -A3 "\"id\" : \"$1\"" /tmp/proto.json
	[ "$(grep -A1 "\"id\" : \"$1\"" /tmp/proto.json | sed -n 's/.*"status" : "\(.*\)".*/\1/p')" = held ] || return 1
	shift
	has_all /tmp/proto.json "$@"
}

t_protocols_json() {
	# Few functions (tcp_*, not the default ~1500 with ip6_*/unix_*): 6.1 attaches kprobes one by one.
	compares /tmp/proto.json tcp6 unix --count 3 --functions 'tcp_*,unix_stream_*,__sys_connect' --json &&
	has_all /tmp/proto.json '"mode" : "functions"' '"proto" : "tcp6"' '"proto" : "unix"'
}
check "compare tcp6 unix --count 3 --json runs in function mode" t_protocols_json
check "compare: a unix stream connect sends no packet and runs no tcp_* function" claim_held unix-connect-no-packet \
	'0 packets at net:net_dev_queue .* during 3 connect\(2\) calls' '"function" : "unix_stream_connect"'
check "compare: tcp6 connect reaches tcp_v6_connect and tcp_connect" claim_held tcp6-connect-path \
	'in connect\(2\): tcp_v6_connect 1\.00/dial, tcp_connect 1\.00/dial; tcp_v4_connect not called'

# The pair claims (judged only when both protocols run): udp beside udp6 and
# unixgram. One run; only the functions the claims read, for 6.1's per-function kprobes.
t_pairs_json() {
	compares /tmp/proto.json udp udp6 unixgram --count 2 \
		--functions 'udp*,ip_*,ip4_datagram_connect,__ip4_datagram_connect,ip6_datagram_connect,__ip6_datagram_connect,ip6_dst_lookup_flow,ip6_route_output_flags,unix_dgram_*,skb_queue_tail,sock_def_readable' --json &&
	has_all /tmp/proto.json '"mode" : "functions"' '"proto" : "udp6"' '"proto" : "unixgram"'
}
check "compare udp udp6 unixgram --count 2 --json runs in function mode" t_pairs_json
check "compare: udp6 connect goes through ip6_datagram_connect and the IPv6 route lookup, no packet" claim_held udp6-connect-no-transmit \
	'packets during connect\(2\): UDP 0, UDP6 0; .*ip6_dst_lookup_flow'
check "compare: a unixgram send queues onto the peer with no ip_*/udp_* function and no packet" claim_held unixgram-send-to-peer \
	"UNIXGRAM's write: unix_dgram_sendmsg 1\.00/dial.*0 ip_\*/udp_\* functions"

# compare --run: two commands, held, counted per syscall with function probes.
# busybox's cat copies with sendfile(2) (no vfs_*), its ls writes the listing:
# vfs_write and ksys_write only in ls's write(2), once per run.
t_run_commands() {
	compares /tmp/run.txt --run cat='cat /proc/version' --run ls='ls /' --count 2 --functions 'vfs_*,ksys_*' || return 1
	sed -n '/Per syscall/,/Syscalls per run/p;/write(2): functions/,/both/p' /tmp/run.txt
	has_all /tmp/run.txt '^backend kprobe' '2 runs each' 'SYSCALL +cat funcs +calls/run +ls funcs +calls/run' \
		'only ls \(2\) +ksys_write 1\.00, vfs_write 1\.00' 'only cat \([0-9]+\) +.*sendfile'
}
check "compare --run cat=... --run ls=... reaches function counts" t_run_commands
