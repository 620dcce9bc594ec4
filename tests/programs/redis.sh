#!/bin/sh
# SPDX-License-Identifier: MIT
# redis-server (Debian's, whose malloc is jemalloc) with the library
# preloaded: it starts, answers redis-benchmark's sets, gets and list
# operations from 8 clients, and shuts down.  Its own threads (the three
# background I/O threads) are the library's, read from its clone system
# calls.  jemalloc's background threads are not: jemalloc finds
# pthread_create with dlsym(RTLD_NEXT) from itself, which skips a library
# preloaded before it and reaches glibc's; with them turned off
# (jemalloc-bg-thread no) every thread is the library's.
. "$srcdir/tests/programs/harness.sh"
requires strace strace
requires redis-server redis-server
requires redis-tools redis-benchmark
requires redis-tools redis-cli
port=$((20000 + $$ % 20000))

# start TAG ARGS...: redis-server on $port, traced; waits for its PONG.
start() {
	_tag=$1
	shift
	strace -f -qq --seccomp-bpf -e trace=clone,clone3 -o "$W/$_tag.strace" \
		env LD_PRELOAD="$CT_LIB" redis-server --port "$port" \
		--bind 127.0.0.1 --save '' --appendonly no --dir "$W" "$@" \
		>"$W/$_tag.out" 2>&1 &
	server=$!
	for _i in $(seq 100); do
		[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	fail "$_tag: redis-server did not answer"
	tail "$W/$_tag.out"
}
stop() {
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
	wait "$server"
	echo "$1: redis-server exit status $?"
	echo "$1: $(grep -c "clone(.*flags=$CT_FLAGS," "$W/$1.strace") threads" \
		"of the library's, $(grep -c 'clone3(.*CLONE_THREAD' "$W/$1.strace") of glibc's"
}

start default
timeout 300 redis-benchmark -p "$port" -q -n 20000 -c 8 \
	-t set,get,lpush,lpop >"$W/bench.out" 2>&1 || fail "redis-benchmark failed"
tr '\r' '\n' <"$W/bench.out" | grep -a 'requests per second' | sed 's/^/  /'
stop default
for op in SET GET LPUSH LPOP; do
	tr '\r' '\n' <"$W/bench.out" | grep -aq "^$op: .* requests per second" ||
		fail "redis-benchmark: no $op result"
done
[ "$(grep -c "clone(.*flags=$CT_FLAGS," "$W/default.strace")" -ge 3 ] ||
	fail "redis-server's own threads are not the library's"

start nobg --jemalloc-bg-thread no
redis-cli -p "$port" set key value >/dev/null &&
[ "$(redis-cli -p "$port" get key)" = value ] || fail "nobg: get after set"
stop nobg
[ "$(threads_from_strace "$W/nobg.strace")" = clonethreads ] ||
	fail "without jemalloc's background threads, not every thread is the library's"
finish
