# Exact under load (issue 7.3), sourced by checks.sh: 10,000 traced TCP dials
# count tcp_v4_connect exactly 10,000 times, 10,000 UDP round trips (one dial
# each) count ip4_datagram_connect (udp_connect on 7.x) exactly 10,000 times,
# and nothing is reported lost. LOAD_COUNT overrides the number (e.g. for a quick try).
n=${LOAD_COUNT:-10000}
ld_udp_fn=$(udp_connect_function)
start_servers 7201 7202
ld_servers=$servers

# ld_exact PROTO PORT FUNC: funccount FUNC around N dials of PROTO.
ld_exact() {
	t0=$(date +%s)
	kpath funccount "$3" -- kpath echo client --proto "$1" --to "127.0.0.1:$2" --count $n \
		>/tmp/ld.out 2>/tmp/ld.err || { cat /tmp/ld.err; return 1; }
	t1=$(date +%s)
	c=$(count_of /tmp/ld.out "$3")
	echo "$1: $n dials in $((t1 - t0)) s: $3=$c" | tee /tmp/ld.summary
	grep -v '^packet-' /tmp/ld.out
	# the client printed one round trip per dial (its stdout is funccount's)
	r=$(grep -c '^packet-received' /tmp/ld.out)
	echo "round trips: $r"
	hasnt /tmp/ld.err 'lost|not traced' && [ "$r" = $n ] && [ "$c" = $n ]
}
check "load: $n TCP dials: tcp_v4_connect counted exactly $n" ld_exact tcp 7201 tcp_v4_connect
sed 's/^/     /' /tmp/ld.summary
check "load: $n UDP round trips: $ld_udp_fn counted exactly $n" ld_exact udp 7202 $ld_udp_fn
sed 's/^/     /' /tmp/ld.summary

stop_servers $ld_servers
