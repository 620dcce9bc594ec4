#!/bin/sh
# SPDX-License-Identifier: MIT
# clonethreads-run, from the build tree, preloading the library just built
# (CT_LIB): the program gets the library's threads, its arguments, exit
# status and LD_PRELOAD pass through, and programs preloading cannot reach
# are refused with one line.
. "$(dirname "$0")/testlib.sh"
lib=$(readlink -f "${CT_LIB:?}")
RUN() { ./tools/clonethreads-run --library "$CT_LIB" "$@"; }

preloads() {
	expect 0 RUN /bin/cat /proc/self/maps && has "$tmp/out" "$lib\$"
}
check "the program has the library loaded" preloads

# Python's threads are made by pthread_create: the library's, if it says
# a thread is its own.
python_threads() {
	expect 0 RUN "${PYTHON3:?}" -c '
import ctypes, threading
c = ctypes.CDLL(None)
c.pthread_self.restype = ctypes.c_void_p
c.clonethreads_is_own_thread.argtypes = [ctypes.c_void_p]
own = []
t = threading.Thread(target=lambda: own.append(
    c.clonethreads_is_own_thread(c.pthread_self())))
t.start(); t.join()
print("own" if own == [1] else "not own")' && has "$tmp/out" '^own$'
}
check "python3's threads are the library's" python_threads

arguments() {
	expect 0 RUN /bin/sh -c 'for a; do printf "[%s]" "$a"; done' sh \
		"a b" "" "  c " "" &&
	[ "$(cat "$tmp/out")" = "[a b][][  c ][]" ]
}
check "arguments with spaces and empty ones pass through" arguments

check "the exit status passes through" expect 42 RUN /bin/sh -c 'exit 42'

# The program replaces clonethreads-run: same pid, and a signal that ends
# it is its parent's to see.
same_process() {
	./tools/clonethreads-run --library "$CT_LIB" /bin/sh -c 'echo $$' >"$tmp/pid" &
	pid=$!
	wait $pid
	[ "$(cat "$tmp/pid")" = "$pid" ] || { echo "pid $(cat "$tmp/pid"), not $pid"; return 1; }
	expect 143 RUN /bin/sh -c 'kill -TERM $$'
}
check "exec, not a child: same pid, death by signal seen" same_process

# glibc's libc, by the name programs load it by (in the maps of glibc
# 2.31, libc-2.31.so).
libc=$(ldd /bin/sh | awk '$1 == "libc.so.6" { print $3 }')
keeps_preload() {
	other=$libc
	(LD_PRELOAD=$other && export LD_PRELOAD &&
	 expect 0 RUN /bin/sh -c 'printf "%s\n" "$LD_PRELOAD"') &&
	[ "$(cat "$tmp/out")" = "$lib $other" ]
}
check "an existing LD_PRELOAD is kept, after the library" keeps_preload

# One line on stderr, status 126, nothing run.
refused() {
	expect 126 RUN "$@" &&
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] &&
	has "$tmp/err" "$why"
}
why="refusing ./tools/static_true: it is statically linked"
check "a static program is refused" refused ./tools/static_true

cp /bin/echo "$tmp/setuid" && chmod u+s "$tmp/setuid"
why="it is set-user-ID, and the dynamic loader ignores LD_PRELOAD"
check "a set-user-ID program is refused" refused "$tmp/setuid" ran

cp /bin/echo "$tmp/setgid" && chmod g+xs "$tmp/setgid"
why="it is set-group-ID"
check "a set-group-ID program is refused" refused "$tmp/setgid" ran

printf '#!%s/tools/static_true\n' "$PWD" >"$tmp/script" && chmod +x "$tmp/script"
why="its interpreter $PWD/tools/static_true is statically linked"
check "a script run by a static interpreter is refused" refused "$tmp/script"

# An ELF header of a 32-bit x86 program: class 1, machine 3.
{ printf '\177ELF\001\001\001\0\0\0\0\0\0\0\0\0\002\0\003\0'
  head -c 100 /dev/zero; } >"$tmp/elf32" && chmod +x "$tmp/elf32"
why="it is built for another machine than the library"
check "a program of another machine is refused" refused "$tmp/elf32"

script() {
	printf '#!/bin/sh\ngrep -c libclonethreads /proc/self/maps\nexit 7\n' \
		>"$tmp/sh-script" && chmod +x "$tmp/sh-script" &&
	printf 'grep -c libclonethreads /proc/self/maps\nexit 8\n' \
		>"$tmp/plain-script" && chmod +x "$tmp/plain-script" &&
	expect 7 RUN "$tmp/sh-script" && has "$tmp/out" '^[1-9]' &&
	expect 8 RUN "$tmp/plain-script" && has "$tmp/out" '^[1-9]'
}
check "scripts, with and without #!, run preloaded" script

found_along_path() {
	(PATH=/nonexistent:/bin:/usr/bin && expect 0 RUN sh -c 'exit 0') &&
	expect 127 RUN no-such-program-here && has "$tmp/err" "command not found" &&
	printf 'exit 0\n' >"$tmp/noexec" &&
	expect 126 RUN "$tmp/noexec"
}
check "PROG is looked up along PATH; 127 and 126 as in the shell" found_along_path

check_passes() {
	expect 0 RUN --check && has "$tmp/out" '^start-up check: passed' &&
	has "$tmp/out" "^pthread_create: $lib\$" &&
	has "$tmp/out" '^threads: +4 of 4 started by the library$' &&
	has "$tmp/out" '^ok: '
}
check "--check passes here" check_passes

check_refused_glibc() {
	(CT_STANDIN_REFUSE=1 && export CT_STANDIN_REFUSE &&
	 expect 1 ./tools/clonethreads-run --library tools/.libs/standin.so --check) &&
	has "$tmp/err" '^clonethreads: this glibc is not supported' &&
	has "$tmp/err" "start-up check refused glibc"
}
check "--check reports a start-up check that refuses" check_refused_glibc

# The stand-in says every thread is its own: dladdr says otherwise.  (glibc
# before 2.34 keeps its threads in libpthread.so.0.)
glibc_threads='/.*/(libc\.so\.6|libpthread\.so\.0)'
check_glibc_threads() {
	expect 1 ./tools/clonethreads-run --library tools/.libs/standin.so --check &&
	has "$tmp/out" "^pthread_create: $glibc_threads, not the library\$" &&
	has "$tmp/out" "^threads: +0 of 4 started by the library; others by $glibc_threads\$" &&
	has "$tmp/err" "check failed"
}
check "--check finds threads that are glibc's" check_glibc_threads

check_other_library() {
	expect 1 ./tools/clonethreads-run --library "$libc" --check &&
	has "$tmp/out" "the library was not loaded" && has "$tmp/err" "check failed"
}
check "--check fails with another library" check_other_library

library_unusable() {
	expect 125 ./tools/clonethreads-run --library "$tmp/none.so" true &&
	has "$tmp/err" "none.so: No such file" &&
	mkdir "$tmp/a b" && cp "$lib" "$tmp/a b/" &&
	expect 125 ./tools/clonethreads-run --library "$tmp/a b/${lib##*/}" true &&
	has "$tmp/err" "space or colon"
}
check "a missing library, or one LD_PRELOAD cannot name, stops it" library_unusable

usage() {
	for args in "" "--bogus" "--check extra" "--library" "-x prog"; do
		# shellcheck disable=SC2086
		expect 2 ./tools/clonethreads-run $args && has "$tmp/err" "Try 'clonethreads-run --help'" || return 1
	done
	expect 0 ./tools/clonethreads-run --help && has "$tmp/out" '^usage: clonethreads-run' &&
	expect 0 ./tools/clonethreads-run --version &&
	has "$tmp/out" '^clonethreads-run \(clonethreads\) [0-9]'
}
check "bad options: usage and status 2; --help, --version" usage

finish
