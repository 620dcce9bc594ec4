#!/bin/sh
# Bursts: 1,000 rounds of 500 threads alive at once (tests/stress/burst.c), run
# three times under glibc and three times with the library, interleaved;
# the median run of each is compared, after the last round's joins:
#  - malloc's heap in use (mallinfo2), which does not vary between runs:
#    the library may hold glibc's plus 64 kB and 256 bytes per thread of
#    the burst (the libc TLS block it keeps of each region it unmapped,
#    README "Real programs and stress");
#  - anonymous resident memory (heap, stacks, anonymous mappings, from
#    /proc/self/smaps) and the malloc heap's size: these move by 10-15%
#    between runs of either library with where the 16 malloc arenas end
#    up cut, so the library's must be within 20% of glibc's.  (An ended
#    thread's malloc cache left full makes them twice glibc's.)
# File-backed memory is shown, not compared: under LD_PRELOAD it includes
# the library's own code.  STRESS_BURST_ROUNDS changes the count of rounds.
. "$srcdir/tests/programs/harness.sh"
THREADS=500
rounds=${STRESS_BURST_ROUNDS:-1000}
for i in 1 2 3; do
	for m in glibc preload; do
		TAG=$i.
		run "$m" "$STRESS/burst_glibc" "$rounds" $THREADS
		grep -v '^threads: ' "$W/$i.$m.out" | sed "s/^/  /"
		succeeded "$m"
	done
done
# field MODE WHAT: WHAT (in_use, heap, anon) of each run of MODE, in kB,
# the median last.
field() {
	for i in 1 2 3; do
		case $2 in
		in_use) sed -n 's/^after the last round:.* heap_used_kb=\([0-9]*\) .*/\1/p' ;;
		heap) sed -n 's/^after the last round:.* heap_kb=\([0-9]*\) .*/\1/p' ;;
		anon) sed -n 's|^smaps heap=\([0-9]*\)kB/[0-9]* stack=\([0-9]*\)kB/[0-9]* anon=\([0-9]*\)kB/.*|\1 \2 \3|p' |
			awk '{ print $1 + $2 + $3 }' ;;
		esac <"$W/$i.$1.out"
	done | sort -n | sed -n 2p
}
compare() {
	g=$(field glibc "$1") o=$(field preload "$1")
	echo "$2 after the last round (median of 3): glibc ${g:-?} kB, clonethreads ${o:-?} kB"
	[ "${o:-999999}" -le "$3" ] || fail "$2: the library's is $((o - g)) kB more than glibc's"
}
g=$(field glibc in_use)
compare in_use "malloc heap in use" $((${g:-0} + 64 + THREADS / 4))
g=$(field glibc heap)
compare heap "malloc heap" $((${g:-0} * 6 / 5))
g=$(field glibc anon)
compare anon "anonymous resident memory" $((${g:-0} * 6 / 5))
finish
