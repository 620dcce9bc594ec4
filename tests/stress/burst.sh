#!/bin/sh
# Bursts: 1,000 rounds of 500 threads alive at once (tests/stress/burst.c).
# After the joins, the library's process may hold no more anonymous memory
# (heap, stacks, anonymous mappings, from /proc/self/smaps) and no larger
# malloc heap than glibc's, give or take BURST_SLACK_KB.  File-backed
# memory is shown, not compared: under LD_PRELOAD it includes the
# library's own code.  STRESS_BURST_ROUNDS changes the count of rounds.
. "$srcdir/tests/programs/harness.sh"
BURST_SLACK_KB=64
rounds=${STRESS_BURST_ROUNDS:-1000}
for m in glibc preload; do
	run "$m" "$STRESS/burst_glibc" "$rounds" 500
	grep -v '^threads: ' "$W/$m.out" | sed "s/^/  /"
	succeeded "$m"
done
anon_kb() {
	sed -n 's|^smaps heap=\([0-9]*\)kB/[0-9]* stack=\([0-9]*\)kB/[0-9]* anon=\([0-9]*\)kB/.*|\1 \2 \3|p' \
		"$W/$1.out" | awk '{ print $1 + $2 + $3 }'
}
heap_kb() {
	sed -n 's/^after the last round:.* heap_kb=\([0-9]*\) .*/\1/p' "$W/$1.out"
}
g=$(anon_kb glibc) o=$(anon_kb preload)
echo "anonymous resident memory after the last round: glibc $g kB, clonethreads $o kB"
[ "${o:-999999}" -le $((${g:-0} + BURST_SLACK_KB)) ] ||
	fail "the library holds $((o - g)) kB more anonymous memory than glibc"
g=$(heap_kb glibc) o=$(heap_kb preload)
echo "malloc heap after the last round: glibc $g kB, clonethreads $o kB"
[ "${o:-999999}" -le $((${g:-0} + BURST_SLACK_KB)) ] ||
	fail "the library's malloc heap is $((o - g)) kB larger than glibc's"
finish
