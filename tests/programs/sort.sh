#!/bin/sh
# SPDX-License-Identifier: MIT
# GNU sort --parallel=4 (coreutils) on 24 MB of generated lines, numeric
# and plain keys: the outputs are identical under glibc and the library.
# Who made the threads is read from the clone system calls.
. "$srcdir/tests/programs/harness.sh"
requires strace strace
awk 'BEGIN { srand(5); for (i = 0; i < 800000; i++)
	printf "%d %s %.6f\n", int(rand() * 1e9), (rand() < 0.5 ? "left" : "right"), rand() }' \
	>"$W/input"
for m in glibc preload; do
	traced "$m" sh -c "sort --parallel=4 -S 64M -k1,1n '$W/input' | sha256sum &&
		sort --parallel=4 -S 64M -k3,3 -k2,2r '$W/input' | sha256sum"
done
agree glibc preload
finish
