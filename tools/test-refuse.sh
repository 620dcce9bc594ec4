#!/bin/sh
# SPDX-License-Identifier: MIT
# A glibc whose layout does not check out is refused with one line, never
# run into: here a copy of glibc in which libthread_db's descriptor of
# struct pthread's tid field is off by 8 bytes, loaded instead of the
# real one.  The program then stops before main with one line naming the
# field and exit status 125, preloaded, under clonethreads-run and linked
# with the library; with the real glibc the same program runs.
. "$(dirname "$0")/testlib.sh"

# The object holding the descriptor: libc (glibc 2.34 on) or libpthread.
lib_of() { ldd "$1" | sed -n "s|^.*$2.* => \(/[^ ]*\) .*|\1|p" | head -1; }
prog=./tests/sync_preload	# glibc-linked, threaded
linked=./tests/.libs/sync_direct
libc=$(lib_of $prog 'libc\.so\.6')
libpthread=$(lib_of $prog 'libpthread\.so\.0')
mkdir "$tmp/glibc"
"${PYTHON3:?}" - "$tmp/glibc" "$libc" "$libpthread" <<'PY' || exit 99
import os, struct, subprocess, sys
# Copy each object; in the one that defines the descriptor (exported, or
# in its full symbol table), add 8 to the field's offset, the descriptor's
# third 32-bit word.
out, found = sys.argv[1], False
for lib in [p for p in sys.argv[2:] if p]:
    data = bytearray(open(lib, 'rb').read())
    syms = subprocess.run(['readelf', '-W', '-s', lib], capture_output=True,
                          text=True).stdout.splitlines()
    addr = [int(l.split()[1], 16) for l in syms
            if len(l.split()) >= 8 and
            l.split()[7].split('@')[0] == '_thread_db_pthread_tid']
    loads = [l.split() for l in subprocess.run(['readelf', '-W', '-l', lib],
             capture_output=True, text=True).stdout.splitlines()
             if l.split()[:1] == ['LOAD']]
    for a in addr[:1]:
        for seg in loads:
            off, va, fsz = int(seg[1], 16), int(seg[2], 16), int(seg[4], 16)
            if va <= a < va + fsz:
                at = off + a - va + 8
                field = struct.unpack_from('<I', data, at)[0]
                struct.pack_into('<I', data, at, field + 8)
                found = True
    open(os.path.join(out, os.path.basename(lib)), 'wb').write(data)
sys.exit(0 if found else 1)
PY

refused() {
	[ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	has "$tmp/err" '^clonethreads: cannot run on this glibc \(.*\): struct pthread\.tid not where expected$'
}
quick="CK_RUN_SUITE=barrier_spin"	# when it runs
preloaded() {
	expect 125 env LD_LIBRARY_PATH="$tmp/glibc" LD_PRELOAD="$CT_LIB" \
		$quick $prog && refused
}
check "a preloaded program is refused with one line, status 125" preloaded
under_run() {
	expect 125 env LD_LIBRARY_PATH="$tmp/glibc" $quick \
		./tools/clonethreads-run --library "$CT_LIB" $prog && refused
}
check "clonethreads-run exits 125 with the line" under_run
linked() {
	expect 125 env LD_LIBRARY_PATH="$tmp/glibc:$(dirname "$CT_LIB")" \
		$quick $linked && refused
}
check "a program linked with the library stops with the line" linked
# The same programs run on the real glibc.
real() {
	expect 0 env LD_PRELOAD="$CT_LIB" $quick $prog &&
	expect 0 env LD_LIBRARY_PATH="$(dirname "$CT_LIB")" $quick $linked
}
check "with the real glibc the program runs" real
finish
