# kpath compare --peer netns --rtt (issue 16.2), sourced by checks.sh: the
# client and server in namespaces of their own joined by a veth with netem's
# 20 ms round trip; TCP's connect waits one round trip, UDP's does not; and
# after SIGINT, SIGTERM or SIGKILL of kpath no namespace and no veth is left.
# (scripts/test boots the VM with --modules ?veth,?sch_netem.) Few functions:
# the claim is timed from syscall records, and 6.1 attaches kprobes one by one.
t_peer_rtt() {
	kpath compare tcp udp --peer netns --rtt 20ms --count 5 --functions '__sys_connect' --json >/tmp/peer.json 2>/tmp/peer.err ||
		{ cat /tmp/peer.err; return 1; }
	cat /tmp/peer.err
	grep -B1 -A1 '"id" : "tcp-connect-waits-rtt"' /tmp/peer.json
	# kpath prints pretty JSON with sorted keys: "status" follows "id".
	[ "$(grep -A1 '"id" : "tcp-connect-waits-rtt"' /tmp/peer.json | sed -n 's/.*"status" : "\(.*\)".*/\1/p')" = held ] &&
	has_all /tmp/peer.json '"source" : "198.18.0.1:' '"destination" : "198.18.0.2:' 'round trip 20.0 ms: tcp connect'
}
check "compare tcp udp --peer netns --rtt 20ms: TCP connect >= 20 ms, UDP connect < 2 ms" t_peer_rtt

# The network namespaces some process is in (unique inodes), and the processes whose namespace has a kpath veth.
pe_netns() { for f in /proc/[0-9]*/ns/net; do readlink "$f"; done 2>/dev/null | sort -u | wc -l; }
pe_veths() { grep -l 'kpath-' /proc/[0-9]*/net/dev 2>/dev/null; }

# pe_stop SIG: a long compare --peer netns, stopped by SIG once its veth is up; then nothing of it may remain.
pe_stop() {
	before=$(pe_netns)
	kpath compare tcp udp --peer netns --rtt 20ms --count 400 --functions '__sys_connect' >/dev/null 2>/tmp/pe.err &
	p=$!
	i=0
	while [ -z "$(pe_veths)" ]; do
		i=$((i + 1))
		[ $i -gt 1200 ] && { echo "no kpath veth appeared"; cat /tmp/pe.err; kill -KILL $p; wait $p; return 1; }
		kill -0 $p 2>/dev/null || { echo "kpath ended early"; cat /tmp/pe.err; return 1; }
		sleep 0.1
	done
	during=$(pe_netns)
	echo "network namespaces: $before before, $during during (veth in: $(pe_veths | tr '\n' ' '))"
	kill -"$1" $p
	wait $p
	echo "SIG$1: exit $?"
	# The kernel tears a namespace down in a workqueue once its last process is gone: allow it a few seconds.
	i=0
	while [ "$(pe_netns)" != "$before" ] || [ -n "$(pe_veths)" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "left after SIG$1: $(pe_netns) namespaces (was $before); veth in: $(pe_veths)"; ps; return 1; }
		sleep 0.1
	done
	ls /sys/class/net | grep kpath- && { echo "a kpath veth in the VM's own namespace"; return 1; }
	[ "$during" -ge $((before + 2)) ] || { echo "expected two more namespaces while it ran ($before -> $during)"; return 1; }
}
# The stops on 6.12 and 6.1 only (kpath's teardown is the same code everywhere; VM time is dear).
case "$(uname -r)" in
6.12.* | 6.1.*)
	check "compare --peer netns stopped by SIGINT leaves no netns and no veth" pe_stop INT
	check "compare --peer netns stopped by SIGTERM leaves no netns and no veth" pe_stop TERM
	check "compare --peer netns stopped by SIGKILL leaves no netns and no veth" pe_stop KILL
	;;
esac
