#!/bin/sh
# SPDX-License-Identifier: MIT
# Other mallocs beside the library: jemalloc, tcmalloc and mimalloc, each
# preloaded with it in either order.  (Their start-up calls pthread_self
# before they can allocate: the library's start-up must not allocate.)
# The suite's own programs (C++20 threads, OpenMP, sqlite) and a Python
# thread pool give what they give under glibc alone.
. "$srcdir/tests/programs/harness.sh"
libdir=$(dirname "$(gcc -print-file-name=libc.so.6)")
requires strace strace
built sqlite libsqlite3 libsqlite3-dev
requires libjemalloc2 jemalloc test -e "$libdir/libjemalloc.so.2"
requires libtcmalloc-minimal4 tcmalloc test -e "$libdir/libtcmalloc_minimal.so.4"
requires libmimalloc2.0 mimalloc test -e "$libdir/libmimalloc.so.2"
POOL='import concurrent.futures as f
with f.ThreadPoolExecutor(8) as pool:
    print(sum(pool.map(lambda n: sum(range(n)), range(3000))))'
for a in jemalloc.so.2 tcmalloc_minimal.so.4 mimalloc.so.2; do
	alloc=$libdir/lib$a
	name=${a%%.*}
	for prog in cxx20 omp sqlite; do
		TAG=$name.$prog.
		for m in glibc first second; do
			case $m in
			glibc) pre= ;;
			first) pre="$CT_LIB $alloc" ;;
			second) pre="$alloc $CT_LIB" ;;
			esac
			rm -f "$W/test.db"*
			run "$m" env ${pre:+LD_PRELOAD="$pre"} "$PROG/${prog}_preload" \
				$( [ "$prog" = sqlite ] && echo "$W/test.db" )
		done
		agree glibc first second
	done
	TAG=$name.python.
	traced glibc /usr/bin/python3 -c "$POOL"
	traced first env LD_PRELOAD="$CT_LIB $alloc" /usr/bin/python3 -c "$POOL"
	traced second env LD_PRELOAD="$alloc $CT_LIB" /usr/bin/python3 -c "$POOL"
	agree glibc first second
done
finish
