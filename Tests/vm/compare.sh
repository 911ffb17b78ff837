# kpath compare on a real kernel (issue 4), sourced by checks.sh.
# One run gives both forms (--save writes the --json document): compare is the
# slowest thing on kernels without kprobe.multi, where ~950 kprobes attach one by one.
t_compare_json() {
	kpath compare tcp udp --count 20 --save /tmp/cmp.json >/tmp/cmp.txt 2>/tmp/cmp.err || { cat /tmp/cmp.err; return 1; }
	cat /tmp/cmp.err
	has /tmp/cmp.err '^kpath: wrote /tmp/cmp.json$' &&
	has /tmp/cmp.json '"mode" : "functions"' && has /tmp/cmp.json '"schema_version" : 1'
}
check "compare tcp udp --count 20 --save FILE runs in function mode" t_compare_json

# jq-free JSON checks: kpath prints pretty JSON with sorted keys, one field a line.
t_claims_held() {
	n=$(grep -c '"status" : "held"' /tmp/cmp.json)
	echo "held: $n"
	grep -B2 -A3 -E '"status" : "(not-held|unknown)"' /tmp/cmp.json
	[ "$n" -eq 11 ]
}
check "compare: all 11 claims held" t_claims_held

t_tcp_v4_connect_per_dial() {
	# the connect phase of the TCP run: tcp_v4_connect 1.00 per dial (20 calls)
	grep -A1 '"calls" : 20,' /tmp/cmp.json | grep -q '"function" : "tcp_v4_connect"' &&
	cat /tmp/cmp.txt &&
	has /tmp/cmp.txt '^tcp_v4_connect +tcp +connect +1\.00 ' &&
	has /tmp/cmp.txt '^(ip4_datagram_connect|udp_connect) +udp +connect +1\.00 '
}
check "compare: tcp_v4_connect 1.00 per dial in TCP's connect" t_tcp_v4_connect_per_dial

t_text_sections() {
	has /tmp/cmp.txt '== TCP client: tcp_\* calls' && has /tmp/cmp.txt '== UDP client: udp_\* calls' &&
	has /tmp/cmp.txt 'ip4_datagram_connect|udp_connect' && has /tmp/cmp.txt 'SYN,ACK' && has /tmp/cmp.txt '11 of 11 claims held'
}
check "compare: text report has the funccount tables, packets and claims" t_text_sections

# Which functions the run above attached: where each is a kprobe of its own
# (no kprobe.multi: 5.10, 6.1) only those seen in compare's dials, said in the
# header and the JSON; elsewhere all of them.
t_function_set() {
	if kpath doctor --backends 2>/dev/null | grep -qx kprobe-multi; then
		has /tmp/cmp.json '"kind" : "all"' && hasnt /tmp/cmp.txt 'per-function kprobes here'
	else
		grep -A2 'per-function kprobes here' /tmp/cmp.txt
		has /tmp/cmp.json '"kind" : "seen-in-dials"' &&
		has /tmp/cmp.txt '^per-function kprobes here: [0-9]+ of [0-9]+ functions attached' &&
		has /tmp/cmp.err '^kpath: attaching [0-9]+ of [0-9]+ functions with kprobe, one kprobe each'
	fi
}
check "compare: per-function kprobes attach the functions seen in dials, and say so" t_function_set

t_compare_bad() {
	r=0
	kpath compare tcp sctp >/tmp/ce1 2>&1 && r=1
	has /tmp/ce1 'unknown protocol "sctp"' || r=1
	kpath compare tcp udp --count 0 >/tmp/ce2 2>&1 && r=1
	has /tmp/ce2 'count must be a positive' || r=1
	kpath compare tcp udp --functions 'nosuchfn_*' >/tmp/ce3 2>&1 && r=1
	has /tmp/ce3 'no traceable kernel function matches "nosuchfn_\*"' || r=1
	return $r
}
check "compare: bad input gives one-line errors" t_compare_bad

# Claims judged by role (issue 14): the UDP connect claim names the function
# this kernel records the peer in, the TCP one the transmit it found.
t_claims_name_functions() {
	case "$(uname -r)" in 7.*) want='udp_connect \(the article.s ip4_datagram_connect\) ran 1\.00 per dial' ;;
	*) want='ip4_datagram_connect ran 1\.00 per dial' ;; esac
	has /tmp/cmp.json "$want" &&
	has /tmp/cmp.json 'found __tcp_transmit_skb \(the article.s tcp_transmit_skb\), tcp_connect, tcp_v4_connect'
}
check "compare: claims say which function they found on this kernel" t_claims_name_functions

# The claims as this kernel judged them (for docs/kernels.md), even when passing.
sed -n '/^== The article.s claims/,$p' /tmp/cmp.txt | sed 's/^/     /'
