#!/bin/sh
# SPDX-License-Identifier: MIT
# Bursts: 1,000 rounds of 500 threads alive at once (tests/stress/burst.c),
# run three times under glibc and three times with the library,
# interleaved; the median run of each is compared, after the last round's
# joins, on what is the same from run to run:
#  - malloc's heap in use (mallinfo2): the library may hold glibc's plus
#    64 kB.  An ended thread's malloc cache left full would count here:
#    it makes the heap twice glibc's.
#  - anonymous resident memory outside malloc's heap (heap, stacks and
#    anonymous mappings from /proc/self/smaps, less mallinfo2's size of
#    the heap): at most 84 kB with glibc, less when a part of an arena is
#    not resident; so the library's smallest run is compared with glibc's
#    largest, and may add 64 kB, and 1 kB per thread of the burst: the
#    pool of pages of its own where it keeps, of each region it unmapped,
#    glibc's per-thread state for the next thread (src/glibc/keep.c:
#    libc's TLS block and the tail of struct pthread, 808 bytes on glibc
#    2.36, five to a page).  Regions or stacks left mapped would count
#    here, in every run: at least 8 kB a thread.
# The heap's own size is shown, not compared: with malloc's 16 arenas it
# depends on where each arena's top ends up cut, which moves with the
# threads' interleaving, and it has spread from 6.2 to 10.9 MB between runs
# of either library on the 2-core machine.  File-backed memory is shown,
# not compared: under LD_PRELOAD it includes the library's own code.
# STRESS_BURST_ROUNDS changes the count of rounds.
. "$srcdir/tests/programs/harness.sh"
THREADS=500
rounds=${STRESS_BURST_ROUNDS:-1000}
for i in 1 2 3; do
	for m in glibc preload; do
		TAG=$i.
		run "$m" "$STRESS/burst_preload" "$rounds" $THREADS
		grep -v '^threads: ' "$W/$i.$m.out" | sed "s/^/  /"
		succeeded "$m"
	done
done
# field MODE WHAT [N]: WHAT (in_use, heap, outside) of the runs of MODE,
# in kB: the Nth smallest, the median by default.
field() {
	for i in 1 2 3; do
		sed -n 's/^after the last round:.* heap_kb=\([0-9]*\) heap_used_kb=\([0-9]*\) .*/\1 \2/p
			s|^smaps heap=\([0-9]*\)kB/[0-9]* stack=\([0-9]*\)kB/[0-9]* anon=\([0-9]*\)kB/.*|\1 \2 \3|p' \
			"$W/$i.$1.out" | tr '\n' ' ' |
		awk -v what="$2" '{
			if (what == "heap") print $1
			else if (what == "in_use") print $2
			else print $3 + $4 + $5 - $1 }'
	done | sort -n | sed -n ${3:-2}p
}
# compare WHAT LABEL ALLOWANCE [N M]: the library's Nth smallest run against
# glibc's Mth plus ALLOWANCE kB; the medians by default.
compare() {
	g=$(field glibc "$1" "${5:-2}") o=$(field preload "$1" "${4:-2}")
	limit=$((${g:-0} + $3))
	echo "$2 after the last round: glibc ${g:-?} kB, clonethreads ${o:-?} kB (at most $limit)"
	[ "${o:-999999}" -le "$limit" ] ||
		fail "$2: the library's is $((${o:-0} - ${g:-0})) kB more than glibc's"
}
compare in_use "malloc heap in use (medians of 3)" 64
compare outside "anonymous resident memory outside the heap (smallest / largest of 3)" \
	$((64 + THREADS)) 1 3
echo "malloc heap after the last round (medians of 3, not compared):" \
	"glibc $(field glibc heap) kB, clonethreads $(field preload heap) kB"
finish
