#!/bin/sh
# kpath's checks on a real kernel, run inside a VM by scripts/test:
#   scripts/vmtest --kernel 6.12 --add tests/vm:/tests -- sh /tests/checks.sh
# Each section can be run alone: sh /tests/checks.sh funccount
. /tests/lib.sh
sections=${*:-"doctor funccount syscalls stacks graph compare tour cleanup load"}
for s in $sections; do
	. "/tests/$s.sh"
done
summary
