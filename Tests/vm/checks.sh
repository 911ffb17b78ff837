#!/bin/sh
# kpath's checks on a real kernel, run inside a VM by scripts/test:
#   scripts/vmtest --kernel 6.12 --add Tests/vm:/tests -- sh /tests/checks.sh
# Each section can be run alone: sh /tests/checks.sh funccount
. /tests/lib.sh
sections=${*:-"doctor funccount syscalls stacks graph compare protocols peer tour cleanup load"}
for s in $sections; do
	t_section=$(date +%s)
	. "/tests/$s.sh"
	# a section's own time, checks and the work between them (kernels differ by minutes)
	echo "     section $s: $(($(date +%s) - t_section)) s"
done
summary
