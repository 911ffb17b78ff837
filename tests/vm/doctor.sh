# kpath doctor (issue 6), sourced by checks.sh. 6.12: every backend; 6.1: no kprobe.multi.
case "$(uname -r)" in
6.1.*) want_multi=no want_backend=kprobe ;;
*) want_multi=yes want_backend=kprobe-multi ;;
esac

t_doctor_text() {
	kpath doctor >/tmp/dr.out 2>&1
	rc=$?
	cat /tmp/dr.out
	[ $rc = 0 ] || { echo "exit $rc, want 0"; return 1; }
	has /tmp/dr.out '^kprobes \(PMU\): +yes$' &&
	has /tmp/dr.out "^kprobe\\.multi \\(tried\\): +$want_multi" &&
	has /tmp/dr.out '^fentry \(tried\): +yes$' &&
	has /tmp/dr.out '^tracepoint raw_syscalls:sys_enter: +yes$' &&
	has /tmp/dr.out "^backend: +$want_backend \\(" &&
	has /tmp/dr.out '^mode: +full$' &&
	hasnt /tmp/dr.out 'Fatal error|Stack dump'
}
check "doctor: kprobe.multi $want_multi, fentry yes, backend $want_backend, exit 0" t_doctor_text

t_doctor_json() {
	kpath doctor --json >/tmp/dj.out 2>&1 || { cat /tmp/dj.out; return 1; }
	cat /tmp/dj.out
	if [ $want_multi = yes ]; then m=true; else m=false; fi
	has /tmp/dj.out '"mode" : "full"' &&
	has /tmp/dj.out "\"backend\" : \"$want_backend\"" &&
	has /tmp/dj.out "\"kprobe-multi\" : $m" &&
	has /tmp/dj.out '"fentry" : true' &&
	has /tmp/dj.out '"kprobe" : true'
}
check "doctor --json: mode full, backends" t_doctor_json

t_doctor_backends() {
	kpath doctor --backends >/tmp/db.out 2>&1 || { cat /tmp/db.out; return 1; }
	cat /tmp/db.out
	has /tmp/db.out '^kprobe$' &&
	has /tmp/db.out '^fentry$' &&
	[ "$(head -n 1 /tmp/db.out)" = "$want_backend" ]
}
check "doctor --backends lists kprobe, fastest ($want_backend) first" t_doctor_backends
