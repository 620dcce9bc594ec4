#!/bin/sh
# SPDX-License-Identifier: MIT
# Usable stack: a thread created with stack size S can use at least as
# many bytes of it under the library as under glibc (tests/stress/stack.c).
. "$srcdir/tests/programs/harness.sh"
for m in glibc preload; do
	run "$m" "$STRESS/stack_preload"
	succeeded "$m"
done
grep '^stack' "$W/glibc.out" | while read -r _ size _ g; do
	o=$(sed -n "s/^stack $size usable \([0-9]*\)/\1/p" "$W/preload.out")
	echo "stack size ${size%:}: usable under glibc $g bytes, under clonethreads ${o:-?}"
	[ "${o:-0}" -ge "$g" ] || echo "FAIL: $((g - ${o:-0})) bytes less than glibc for ${size%:}"
done >"$W/compare"
# Every size measured (stack.c tries five), or nothing was compared.
n=$(grep -c '^stack [0-9]*: usable' "$W/glibc.out")
[ "$n" -eq 5 ] || echo "FAIL: $n of 5 sizes measured under glibc" >>"$W/compare"
cat "$W/compare"
grep -q '^FAIL' "$W/compare" && failed=1
finish
