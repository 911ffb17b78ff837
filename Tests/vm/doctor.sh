# kpath doctor (issue 6), sourced by checks.sh. 6.12 and 7.3: every backend;
# 6.1: no kprobe.multi; 5.10: kprobes only, without attach cookies (issue 14).
want_fentry=yes want_cookies=yes
case "$(uname -r)" in
5.10.*) want_multi=no want_backend=kprobe want_fentry=no want_cookies=no ;;
6.1.*) want_multi=no want_backend=kprobe ;;
*) want_multi=yes want_backend=kprobe-multi ;;
esac

t_doctor_text() {
	kpath doctor >/tmp/dr.out 2>&1
	rc=$?
	cat /tmp/dr.out
	[ $rc = 0 ] || { echo "exit $rc, want 0"; return 1; }
	has_all /tmp/dr.out \
		'^kprobes \(PMU\): +yes$' \
		"^kprobe\\.multi \\(tried\\): +$want_multi" \
		"^fentry \\(tried\\): +$want_fentry" \
		"^attach cookies: +$want_cookies" \
		'^tracepoint raw_syscalls:sys_enter: +yes$' \
		"^backend: +$want_backend \\(" \
		'^mode: +full$' &&
	hasnt /tmp/dr.out 'Fatal error|Stack dump'
}
check "doctor: kprobe.multi $want_multi, fentry $want_fentry, cookies $want_cookies, backend $want_backend, exit 0" t_doctor_text

t_doctor_json() {
	kpath doctor --json >/tmp/dj.out 2>&1 || { cat /tmp/dj.out; return 1; }
	cat /tmp/dj.out
	if [ $want_multi = yes ]; then m=true; else m=false; fi
	if [ $want_fentry = yes ]; then fe=true; else fe=false; fi
	if [ $want_cookies = yes ]; then hk=cookie; else hk=address; fi
	has_all /tmp/dj.out \
		'"mode" : "full"' \
		"\"backend\" : \"$want_backend\"" \
		"\"kprobe-multi\" : $m" \
		"\"fentry\" : $fe" \
		"\"hitKey\" : \"$hk\"" \
		'"kprobe" : true'
}
check "doctor --json: mode full, backends" t_doctor_json

t_doctor_backends() {
	kpath doctor --backends >/tmp/db.out 2>&1 || { cat /tmp/db.out; return 1; }
	cat /tmp/db.out
	has /tmp/db.out '^kprobe$' &&
	{ [ $want_fentry = no ] || has /tmp/db.out '^fentry$'; } &&
	[ "$(head -n 1 /tmp/db.out)" = "$want_backend" ]
}
check "doctor --backends lists kprobe, fastest ($want_backend) first" t_doctor_backends

# 5.10's kprobes and its fentry are there, but not the helpers kpath's
# programs call everywhere else: doctor loads them before it says "full".
t_doctor_loads() {
	kpath doctor >/tmp/dl.out 2>&1
	if grep -q '^mode: +full$' /tmp/dl.out; then
		kpath funccount -d 1 tcp_v4_connect >/tmp/dl.fc 2>&1 || { cat /tmp/dl.out /tmp/dl.fc; return 1; }
		kpath stacks -d 1 tcp_v4_connect t:net:net_dev_queue >/tmp/dl.st 2>&1 || { cat /tmp/dl.out /tmp/dl.st; return 1; }
	fi
	return 0
}
check "doctor says full only where funccount and stacks load" t_doctor_loads
