#!/bin/sh
# SPDX-License-Identifier: MIT
# Multi-threaded compressors from Debian (xz -T4, zstd -T4, pigz -p4):
# each compresses a generated file and decompresses the result, under
# glibc and with the library preloaded.  The compressed files must be
# byte-identical between the two, and every round trip gives back the
# input.  Who made the threads is read from the clone system calls.
. "$srcdir/tests/programs/harness.sh"
requires strace strace
requires xz-utils xz
requires zstd zstd
requires pigz pigz
# About 24 MB of text with some repetition, the same on every run.
awk 'BEGIN { srand(9); for (i = 0; i < 700000; i++) {
	printf "%d %s %06d %s\n", i, (rand() < 0.5 ? "alpha" : "omega"),
		int(rand() * 1e6), substr("abcdefghijklmnopqrstuvwxyz", 1 + i % 26) } }' \
	>"$W/input"
sum_in=$(sha256sum <"$W/input")
roundtrip() {
	tool=$1 compress=$2 decompress=$3
	for mode in glibc preload; do
		TAG=$tool.
		traced "$mode" sh -c "$compress <'$W/input' >'$W/$tool.$mode.z' &&
			$decompress <'$W/$tool.$mode.z' | sha256sum"
		[ "$(head -1 "$W/$tool.$mode.out")" = "$sum_in" ] ||
			fail "$tool $mode: the round trip changed the data"
		sha256sum <"$W/$tool.$mode.z" >>"$W/$tool.$mode.out"
	done
	agree glibc preload
	echo "  $tool: $(wc -c <"$W/input") -> $(wc -c <"$W/$tool.glibc.z") bytes"
}
roundtrip xz "xz -T4 --block-size=4MiB -6" "xz -d -T4"
roundtrip zstd "zstd -q -T4 -9" "zstd -q -d"
roundtrip pigz "pigz -p4 -6" "pigz -d -p4"
finish
