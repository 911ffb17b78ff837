# kpath compare beyond tcp/udp (issue 16), sourced by checks.sh. One run of
# two protocols (few dials) serves both claims: a Unix stream connect sends no
# packet and runs no tcp_*; tcp6's connect reaches tcp_v6_connect and tcp_connect.
t_protocols_json() {
	# Few functions (tcp_*, not the default ~1500 with ip6_*/unix_*): 6.1 attaches kprobes one by one.
	kpath compare tcp6 unix --count 3 --functions 'tcp_*,unix_stream_*,__sys_connect' --json >/tmp/proto.json 2>/tmp/proto.err ||
		{ cat /tmp/proto.err; return 1; }
	cat /tmp/proto.err
	has_all /tmp/proto.json '"mode" : "functions"' '"proto" : "tcp6"' '"proto" : "unix"'
}
check "compare tcp6 unix --count 3 --json runs in function mode" t_protocols_json

# kpath prints pretty JSON with sorted keys: a claim's "status" follows its "id".
claim_status() {
	grep -A1 "\"id\" : \"$1\"" /tmp/proto.json | sed -n 's/.*"status" : "\(.*\)".*/\1/p'
}

t_unix_connect_no_packet() {
	grep -A3 '"id" : "unix-connect-no-packet"' /tmp/proto.json
	[ "$(claim_status unix-connect-no-packet)" = held ] &&
	has /tmp/proto.json '0 packets at net:net_dev_queue .* during 3 connect\(2\) calls' &&
	has /tmp/proto.json '"function" : "unix_stream_connect"'
}
check "compare: a unix stream connect sends no packet and runs no tcp_* function" t_unix_connect_no_packet

t_tcp6_connect_path() {
	grep -A3 '"id" : "tcp6-connect-path"' /tmp/proto.json
	[ "$(claim_status tcp6-connect-path)" = held ] &&
	has /tmp/proto.json 'in connect\(2\): tcp_v6_connect 1\.00/dial, tcp_connect 1\.00/dial; tcp_v4_connect not called'
}
check "compare: tcp6 connect reaches tcp_v6_connect and tcp_connect" t_tcp6_connect_path

# The pair claims (judged only when both protocols run): udp beside udp6 and
# unixgram. One run; only the functions the claims read, for 6.1's per-function kprobes.
t_pairs_json() {
	kpath compare udp udp6 unixgram --count 2 \
		--functions 'udp*,ip_*,ip4_datagram_connect,__ip4_datagram_connect,ip6_datagram_connect,__ip6_datagram_connect,ip6_dst_lookup_flow,ip6_route_output_flags,unix_dgram_*,skb_queue_tail,sock_def_readable' \
		--json >/tmp/proto.json 2>/tmp/proto.err || { cat /tmp/proto.err; return 1; }
	has_all /tmp/proto.json '"mode" : "functions"' '"proto" : "udp6"' '"proto" : "unixgram"'
}
check "compare udp udp6 unixgram --count 2 --json runs in function mode" t_pairs_json

t_udp6_connect() {
	grep -A3 '"id" : "udp6-connect-no-transmit"' /tmp/proto.json
	[ "$(claim_status udp6-connect-no-transmit)" = held ] &&
	has /tmp/proto.json 'packets during connect\(2\): UDP 0, UDP6 0; .*ip6_dst_lookup_flow'
}
check "compare: udp6 connect goes through ip6_datagram_connect and the IPv6 route lookup, no packet" t_udp6_connect

t_unixgram_send() {
	grep -A3 '"id" : "unixgram-send-to-peer"' /tmp/proto.json
	[ "$(claim_status unixgram-send-to-peer)" = held ] &&
	has /tmp/proto.json "UNIXGRAM's write: unix_dgram_sendmsg 1\.00/dial.*0 ip_\*/udp_\* functions"
}
check "compare: a unixgram send queues onto the peer with no ip_*/udp_* function and no packet" t_unixgram_send

# compare --run: two commands, held, counted per syscall with function probes.
# busybox's cat copies with sendfile(2) (no vfs_*), its ls writes the listing:
# vfs_write and ksys_write only in ls's write(2), once per run.
t_run_commands() {
	kpath compare --run cat='cat /proc/version' --run ls='ls /' --count 2 --functions 'vfs_*,ksys_*' \
		>/tmp/run.txt 2>/tmp/run.err || { cat /tmp/run.err; return 1; }
	sed -n '/Per syscall/,/Syscalls per run/p;/write(2): functions/,/both/p' /tmp/run.txt
	has_all /tmp/run.txt '^backend kprobe' '2 runs each' 'SYSCALL +cat funcs +calls/run +ls funcs +calls/run' \
		'only ls \(2\) +ksys_write 1\.00, vfs_write 1\.00' 'only cat \([0-9]+\) +.*sendfile'
}
check "compare --run cat=... --run ls=... reaches function counts" t_run_commands
