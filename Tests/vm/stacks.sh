# kpath stacks and kpath trace -K on kprobes (issue 5), sourced by checks.sh.
# The article's paths, with this kernel's names: tcp_transmit_skb is inlined
# from 5.10 on, so the traceable function is __tcp_transmit_skb; a UDP connect
# records its peer where udp_connect_function says.
udp_connect_fn=$(udp_connect_function)
start_servers 7011 7012
st_servers=$servers

# stack_has FILE NAME...: some stack of a multi-line `kpath stacks` output
# (blocks separated by blank lines, frames indented by two spaces) holds
# every NAME as a frame (offsets and modules ignored). NAME may be A|B.
stack_has() {
	f=$1
	shift
	awk -v want="$*" '
	function check(   n, i, w, alts, m, j, hit, ok) {
		if (!blk) return
		n = split(want, w, " ")
		ok = 1
		for (i = 1; i <= n; i++) {
			m = split(w[i], alts, "|")
			hit = 0
			for (j = 1; j <= m; j++) if (alts[j] in seen) hit = 1
			if (!hit) ok = 0
		}
		if (ok) found = 1
		for (k in seen) delete seen[k]
		blk = 0
	}
	/^$/ { check(); next }
	/^  [^ ]/ { name = substr($0, 3); sub(/\+0x.*/, "", name); sub(/ .*/, "", name); seen[name] = 1; blk = 1 }
	END { check(); exit !found }' "$f" && return 0
	echo "no stack in $f with all of: $*"
	cat "$f"
	return 1
}

t_st_tcp_transmit() {
	kpath stacks __tcp_transmit_skb -- kpath echo client --proto tcp --to 127.0.0.1:7011 --count 1 >/tmp/st1.out 2>/tmp/st1.err || { cat /tmp/st1.err; return 1; }
	cat /tmp/st1.err /tmp/st1.out
	has /tmp/st1.err '^Tracing 1 function for "__tcp_transmit_skb"\.\.\. Hit Ctrl-C to end\.$' &&
	stack_has /tmp/st1.out __tcp_transmit_skb tcp_connect tcp_v4_connect
}
check "stacks __tcp_transmit_skb during a TCP dial: SYN from tcp_connect <- tcp_v4_connect" t_st_tcp_transmit

t_st_udp_connect() {
	kpath stacks $udp_connect_fn -- kpath echo client --proto udp --to 127.0.0.1:7012 --count 1 >/tmp/st2.out 2>/tmp/st2.err || { cat /tmp/st2.err; return 1; }
	cat /tmp/st2.out
	stack_has /tmp/st2.out $udp_connect_fn '__sys_connect|__x64_sys_connect|__do_sys_connect|__se_sys_connect'
}
check "stacks $udp_connect_fn during a UDP dial: from the connect syscall" t_st_udp_connect

t_st_udp_write() {
	kpath stacks ip_send_skb -- kpath echo client --proto udp --to 127.0.0.1:7012 --count 1 >/tmp/st3.out 2>/tmp/st3.err || { cat /tmp/st3.err; return 1; }
	cat /tmp/st3.out
	stack_has /tmp/st3.out ip_send_skb udp_sendmsg
}
check "stacks ip_send_skb during a UDP write: from udp_sendmsg" t_st_udp_write

t_st_udp_read() {
	kpath stacks __skb_recv_udp -- kpath echo client --proto udp --to 127.0.0.1:7012 --count 1 >/tmp/st4.out 2>/tmp/st4.err || { cat /tmp/st4.err; return 1; }
	cat /tmp/st4.out
	stack_has /tmp/st4.out __skb_recv_udp udp_recvmsg
}
check "stacks __skb_recv_udp during a UDP read: from udp_recvmsg" t_st_udp_read

t_st_trace_k() {
	kpath trace -K tcp_v4_connect -- kpath echo client --proto tcp --to 127.0.0.1:7011 --count 1 >/tmp/st5.out 2>/tmp/st5.err || { cat /tmp/st5.err; return 1; }
	cat /tmp/st5.out
	has /tmp/st5.out '^PID     TID     COMM            FUNC$' &&
	[ "$(grep -c '^[0-9]' /tmp/st5.out)" = 1 ] &&
	has /tmp/st5.out '^[0-9]+ +[0-9]+ +kpath +tcp_v4_connect$' &&
	has /tmp/st5.out '^        tcp_v4_connect\+0x' &&
	has /tmp/st5.out '^        (__sys_connect|__x64_sys_connect|__do_sys_connect)\+0x'
}
check "trace -K tcp_v4_connect on one TCP dial: one block with the stack" t_st_trace_k

t_st_backends_count() {
	for b in kprobe-multi kprobe; do
		kpath stacks --backend "$b" --folded tcp_v4_connect tcp_connect -- kpath echo client --proto tcp --to 127.0.0.1:7011 --count 3 >/tmp/st6.out 2>/tmp/st6.err || {
			if grep -q "backend kprobe-multi is not available" /tmp/st6.err; then echo "$b: not here"; continue; fi
			cat /tmp/st6.err; return 1; }
		cat /tmp/st6.out
		v4=$(awk '$0 ~ /;tcp_v4_connect [0-9]+$/ { s += $NF } END { print s + 0 }' /tmp/st6.out)
		tc=$(awk '$0 ~ /;tcp_connect [0-9]+$/ { s += $NF } END { print s + 0 }' /tmp/st6.out)
		echo "$b: tcp_v4_connect=$v4 tcp_connect=$tc"
		[ "$v4" = 3 ] && [ "$tc" = 3 ] || return 1
		hasnt /tmp/st6.out '\+0x' || return 1
	done
}
check "stacks --folded on two functions: each hit under its own function (cookie or address), on every backend" t_st_backends_count

t_st_svg() {
	kpath stacks --svg /tmp/st7.svg 'tcp_v4_conn*' -- kpath echo client --proto tcp --to 127.0.0.1:7011 --count 2 >/tmp/st7.out 2>/tmp/st7.err || { cat /tmp/st7.err; return 1; }
	tail -n 3 /tmp/st7.err
	# The glob also matches tcp_v4_conn_request: the server's half of the
	# handshake runs in softirq on the client's stack (loopback), so each dial
	# counts once at tcp_v4_connect and once at tcp_v4_conn_request.
	has /tmp/st7.svg '^<svg ' && has /tmp/st7.svg '</svg>' &&
	has /tmp/st7.svg '<title>all \(4 samples, 100\.00%\)</title>' &&
	has /tmp/st7.svg '<title>tcp_v4_conn_request \(2 samples, 50\.00%\)</title>' &&
	has /tmp/st7.svg '<title>tcp_v4_connect \(4 samples, 100\.00%\)</title>'
}
check "stacks --svg with a glob writes a flame graph" t_st_svg

t_st_bad() {
	r=0
	fails_with 1 '^kpath: error: no traceable kernel function matches "nosuchfunc_\*"' kpath stacks 'nosuchfunc_*' || r=1
	fails_with 1 '^kpath: error: bad target "t:net"' kpath stacks t:net || r=1
	fails_with 1 '^kpath: error: no tracepoint net:nosuch' kpath trace -K t:net:nosuch || r=1
	return $r
}
check "stacks/trace bad targets: one-line errors" t_st_bad

check "stacks leaves no probe attached after SIGINT" sigint_leaves_nothing 4 kpath stacks 'tcp_*'

stop_servers $st_servers
