# kpath tour on a real kernel (issue 8), sourced by checks.sh. The whole tour
# on kernels with kprobe.multi (6.12, 7.3); elsewhere (5.10, 6.1: one kprobe
# per function, minutes under emulation) the steps that probe functions only.
if [ -d /sys/kernel/btf ] && kpath doctor --json 2>/dev/null | grep -q '"backend" : "kprobe-multi"'; then
	tour_args=""
	tour_steps="1 2 3 4 5 6"
else
	tour_args="--only writing,client-read,server-read --count 1"
	tour_steps="3 4 5"
fi

t_tour_runs() {
	NO_COLOR=1 kpath tour $tour_args >/tmp/tour.txt 2>/tmp/tour.err || { cat /tmp/tour.err; return 1; }
	wc -l /tmp/tour.txt
	hasnt /tmp/tour.txt 'tracepoint mode' && hasnt /tmp/tour.txt 'Not on this kernel'
}
check "tour $tour_args runs in function mode" t_tour_runs

# section N's text: from its "== N/6" title to the next "=="
section() {
	awk -v n="== $1/6 " 'index($0, n) == 1 { on = 1; print; next } /^== / { on = 0 } on' /tmp/tour.txt >/tmp/tour-$1.txt
}

t_tour_sections() {
	r=0
	for n in $tour_steps; do
		section $n
		has /tmp/tour-$n.txt '^  \$ sudo kpath ' || r=1
		has /tmp/tour-$n.txt '^  \[held    \] ' || r=1
		hasnt /tmp/tour-$n.txt 'NOT HELD|\[unknown' || r=1
	done
	awk 'length($0) > 80 { print "wider than 80: " $0; bad = 1 } END { exit bad }' /tmp/tour.txt || r=1
	return $r
}
check "tour: every section shows its command and a held claim, in 80 columns" t_tour_sections

t_tour_evidence() {
	r=0
	for n in $tour_steps; do section $n; done
	case " $tour_steps " in *" 1 "*)
		has /tmp/tour-1.txt 'openat\(AT_FDCWD, "/etc/hosts"|without a syscall' || r=1
		has /tmp/tour-2.txt '^    tcp_v4_connect +1$' || r=1
		has /tmp/tour-2.txt '^    tcp_connect +1$' || r=1
		has /tmp/tour-2.txt '^    udp_v4_get_port +1$' || r=1
		has /tmp/tour-2.txt 'packets of dial 1: client SYN, server SYN,ACK, client ACK' || r=1
		has /tmp/tour-2.txt 'UDP connect\(2\).*' || r=1
		# the call trees of one TCP and one UDP connect (kpath graph)
		has /tmp/tour-2.txt '^ +\$ sudo kpath graph --syscall connect --depth 7 ' || r=1
		has /tmp/tour-2.txt 'tcp_v4_connect\(\) \{' || r=1
		has /tmp/tour-2.txt '(ip4_datagram_connect|udp_connect)\(\)' || r=1
		# the excerpts are printed by each command's renderer, from typed results:
		# funccount's header and totals for tcp_* and udp_*, graph's tree heads
		has /tmp/tour-2.txt '^    FUNC +COUNT$' || r=1
		[ "$(grep -cE '^    \([0-9]+ functions, [0-9]+ calls in all\)$' /tmp/tour-2.txt)" = 2 ] || { echo "expected 2 funccount totals"; r=1; }
		[ "$(grep -cE '^    connect\(\) = 0 <[0-9.]+>  tid [0-9]+$' /tmp/tour-2.txt)" = 2 ] || { echo "expected 2 connect trees"; r=1; }
		has /tmp/tour-6.txt 'recvfrom\(3, "hello"' || r=1
		has /tmp/tour-6.txt 'accept4\(' || r=1
		has /tmp/tour.txt '^13 of 13 claims held|^12 of 12 claims held' || r=1
	esac
	# trace -K: the header and the hit line (PID TID COMM FUNC) as the command prints them
	for n in 3 4 5; do
		has /tmp/tour-$n.txt '^  \$ sudo kpath trace -K ' || r=1
		has /tmp/tour-$n.txt '^    PID +TID +COMM +FUNC$' || r=1
		has /tmp/tour-$n.txt '^    [0-9]+ +[0-9]+ +kpath[^ ]* +[a-z_][a-z0-9_.]*$' || r=1
	done
	has /tmp/tour-3.txt '^ +ip_send_skb\+0x' || r=1
	has /tmp/tour-3.txt '^ +udp_sendmsg\+0x' || r=1
	has /tmp/tour-4.txt '^ +__skb_recv_udp\+0x' || r=1
	has /tmp/tour-4.txt 'i/o timeout' || r=1
	has /tmp/tour-5.txt '__sys_recvfrom\+0x' || r=1
	return $r
}
check "tour: live evidence (funccount rows, stacks, packets, syscalls)" t_tour_evidence
