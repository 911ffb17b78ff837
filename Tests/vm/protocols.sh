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
