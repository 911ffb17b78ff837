# kpath graph: call trees of each syscall (issue 15), sourced by checks.sh.
# The text output is made to be checked with grep and sed: a call with
# children opens with `fn() {` and closes with `} /* fn */`; the summary line
# on stderr counts what could not be placed (orphans, out-of-order times).
start_servers 7041 7042
gr_servers=$servers

# inside FILE FUNC: the lines between `FUNC() {` and `} /* FUNC ... */`
inside() {
	sed -n "/ $2() {\$/,/} \/\* $2[ *]/p" "$1"
}

# graph_to N ARGS...: kpath graph ARGS into /tmp/grN.out and /tmp/grN.err,
# both shown; the summary on stderr must say every call was placed.
graph_to() {
	n=$1
	shift
	kpath graph "$@" >/tmp/gr$n.out 2>/tmp/gr$n.err || { cat /tmp/gr$n.err; return 1; }
	cat /tmp/gr$n.out /tmp/gr$n.err
	has /tmp/gr$n.err 'graph: [0-9]+ calls in [0-9]+ syscalls .* 0 entries without return, 0 returns without entry, 0 outside syscalls, 0 unfinished syscalls, 0 calls shorter than their children, 0 records lost$'
}

t_graph_tcp_connect() {
	graph_to 1 --syscall connect -- kpath echo client --proto tcp --to 127.0.0.1:7041 &&
	has /tmp/gr1.out '^connect\(\) = 0 <' &&
	inside /tmp/gr1.out tcp_v4_connect >/tmp/gr1.v4 && has /tmp/gr1.v4 ' tcp_connect\(\)' &&
	inside /tmp/gr1.out tcp_connect >/tmp/gr1.tc && has /tmp/gr1.tc ' __tcp_transmit_skb\(\)' &&
	inside /tmp/gr1.out __sys_connect >/tmp/gr1.sc && has /tmp/gr1.sc ' tcp_v4_connect\(\) \{'
}
check "graph TCP connect: __sys_connect > tcp_v4_connect > tcp_connect > __tcp_transmit_skb, every entry returned, parents >= children" t_graph_tcp_connect

t_graph_udp_connect() {
	graph_to 2 --syscall connect '__sys_connect*,inet_dgram_connect,*ip4_datagram_connect,udp_*connect,udp_lib_get_port,ip_route_output_flow,__tcp_transmit_skb,ip_output,ip_send_skb,__dev_queue_xmit' -- kpath echo client --proto udp --to 127.0.0.1:7042 &&
	has_all /tmp/gr2.out \
		'^connect\(\) = 0 <' \
		' (ip4_datagram_connect|udp_connect)\(\)' &&
	hasnt /tmp/gr2.out '__tcp_transmit_skb|ip_output'
}
check "graph UDP connect: ip4_datagram_connect (udp_connect on 7.x), no __tcp_transmit_skb, no ip_output" t_graph_udp_connect

t_graph_merged() {
	graph_to 3 --syscall connect 'tcp_v4_connect,tcp_connect' -- kpath echo client --proto tcp --to 127.0.0.1:7041 --count 100 &&
	has_all /tmp/gr3.out \
		'^connect\(\): 100 calls, median ' \
		'^ +1\.00 .*\|  \} /\* tcp_v4_connect \*/$' \
		'^ +1\.00 .*\|    tcp_connect\(\);$'
}
check "graph merges 100 dials: tcp_v4_connect 1.00 per connect, tcp_connect 1.00 below it" t_graph_merged

# --json (issue 17): one document with schema_version; one dial.
t_graph_json() {
	kpath graph --json --syscall connect 'tcp_v4_connect,tcp_connect' -- kpath echo client --proto tcp --to 127.0.0.1:7041 >/tmp/gr7.out 2>/tmp/gr7.err || { cat /tmp/gr7.err; return 1; }
	has /tmp/gr7.out '"schema_version" : 1' && has /tmp/gr7.out '"tcp_v4_connect"'
}
check "graph --json: one document with schema_version" t_graph_json

t_graph_refused() {
	graph_to 4 --syscall connect '__sys_connect*,*inet_stream_connect,tcp_v4_connect,tcp_connect,tcp_v4_do_rcv,tcp_reset,tcp_done' -- kpath echo client --proto tcp --to 127.0.0.1:7049 &&
	has_all /tmp/gr4.out \
		'^connect\(\) = -111 ECONNREFUSED <' \
		'^error from: __sys_connect → .* → -111 ECONNREFUSED$' \
		'^  [a-z_]+ returned it and no traced call below it did'
}
check "graph of a refused connect names the function the -ECONNREFUSED came from" t_graph_refused

t_graph_address_keys() {
	# kernels without attach cookies (5.10-5.14): entries keyed by probed
	# address, returns (the kretprobe trampoline) matched to the innermost call
	KPATH_HIT_KEY=address graph_to 5 --backend kprobe --syscall connect 'tcp_v4_connect,tcp_connect,__tcp_transmit_skb' -- kpath echo client --proto tcp --to 127.0.0.1:7041 --count 2 &&
	has_all /tmp/gr5.out \
		'^connect\(\): 2 calls' \
		'^ +1\.00 .*\|      __tcp_transmit_skb\(\);$' \
		'^ +1\.00 .*\|  \} /\* tcp_v4_connect \*/$'
}
check "graph with per-function kprobes keyed by address (no cookies): the same nesting" t_graph_address_keys

t_graph_compare() {
	# compare's own counting kept small (one function): the graph part is checked
	kpath compare tcp udp --count 3 --functions tcp_v4_connect --graph >/tmp/gr6.out 2>/tmp/gr6.err || { cat /tmp/gr6.err; return 1; }
	sed -n '/^== TCP: call trees/,$p' /tmp/gr6.out
	has_all /tmp/gr6.out \
		'^== TCP: call trees of connect, write, read, close' \
		'^== UDP: call trees of connect, write, read, close' \
		'^claim tcp-connect-tree: held: ' &&
	has /tmp/gr6.out '^  TCP connect: tcp_v4_connect > tcp_connect > __tcp_transmit_skb nested; UDP connect: .*(ip4_datagram_connect|udp_connect).*, nothing transmitted$'
}
check "compare tcp udp --graph: both trees, claim tcp-connect-tree held" t_graph_compare

t_graph_bad_inputs() {
	fails_with 1 '^kpath: error: kpath graph records returns through kprobes' kpath graph --backend fentry -- true &&
		fails_with 1 '^kpath: error: --depth must be a positive number' kpath graph --depth 0 -- true &&
		fails_with 1 '^kpath: error: unknown syscall "nosuchcall" in --syscall' kpath graph --syscall nosuchcall -- true
}
check "graph bad inputs: one-line errors" t_graph_bad_inputs

stop_servers $gr_servers
