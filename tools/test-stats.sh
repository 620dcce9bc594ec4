#!/bin/sh
# SPDX-License-Identifier: MIT
# clonethreads-run --stats, from the build tree: the options, and the
# report's counts against an independent count, strace's: every thread a
# program creates is one clone system call (the library's threads are made
# by clone, never clone3), unless reuse is on, when only the creates that
# found no parked thread (the misses) make one.  Real programs: a Python
# ThreadPoolExecutor, xz -T4, sort --parallel=4, and a shell pipeline of
# the two, whose every process writes its own report.
. "$(dirname "$0")/testlib.sh"
RUN() { ./tools/clonethreads-run --library "$CT_LIB" "$@"; }
# The interpreter itself, not a wrapper script that would run (and report
# on) processes of its own.
PY=$("${PYTHON3:?}" -c 'import sys; print(sys.executable)')

# A report's number: json_field FILE threads.created
json_field() {
	"$PY" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2"
}

usage() {
	expect 2 RUN --stats-format=xml --stats true && has "$tmp/err" "text or json" &&
	expect 2 RUN --stats-format=json true && has "$tmp/err" "without --stats" &&
	expect 2 RUN --stats --check && has "$tmp/err" "no --stats"
}
check "bad --stats options: usage and status 2" usage

pool='from concurrent.futures import ThreadPoolExecutor as P
with P(4) as p: print(sum(p.map(abs, range(-500, 500))))'

# Standard error by default, in text; the cycle's cost measured first.
to_stderr() {
	expect 0 RUN --stats "$PY" -c "$pool" && has "$tmp/out" '^250000$' &&
	has "$tmp/err" '^clonethreads statistics: pid [0-9]+, python' &&
	has "$tmp/err" '^threads: +created [1-9]' &&
	has "$tmp/err" '^cycle costs: .*measured by clonethreads-run'
}
check "--stats: a text report on standard error" to_stderr

# FILE.PID, the pid the program had (it is exec'd: the command's own).
to_file() {
	getpid='import os; print(os.getpid())'
	RUN --stats="$tmp/r" --stats-format=json "$PY" -c "$getpid" >"$tmp/pid" &&
	pid=$(cat "$tmp/pid") && [ -s "$tmp/r.$pid" ] &&
	[ "$(json_field "$tmp/r.$pid" pid)" = "$pid" ] &&
	[ "$(json_field "$tmp/r.$pid" reuse_estimate.cycle_source)" = measured ] &&
	RUN --stats="$tmp/p-%p.txt" "$PY" -c "$getpid" >"$tmp/pid" &&
	pid=$(cat "$tmp/pid") && has "$tmp/p-$pid.txt" '^threads: +created 0 '
}
check "--stats=FILE: FILE.PID, or %p replaced; --stats-format=json" to_file

if ! strace -f -c -o "$tmp/probe" true >/dev/null 2>&1; then
	echo "left out: the strace checks (no strace, or it cannot trace here)"
	finish
	exit $?
fi

# strace -f -c's count of clone and clone3 calls in its summary ($1).
clones() {
	awk '$NF == "clone" || $NF == "clone3" { n += $4 } END { print n + 0 }' "$1"
}

# same_as_strace REPORT-STEM PROG ARGS: one process's report, in JSON,
# counts as many threads created (reuse on: misses) as strace saw clones.
# The cycle's cost is given, so that the command makes no clone of its own.
same_as_strace() {
	stem=$1
	shift
	CLONETHREADS_STATS_CYCLE=10,3 strace -f -c -o "$tmp/$stem.strace" \
		-e trace=clone,clone3 ./tools/clonethreads-run --library "$CT_LIB" \
		--stats="$tmp/$stem.%p" --stats-format=json "$@" \
		>"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; return 1; }
	report=$(ls "$tmp/$stem".[0-9]*) && [ "$(echo "$report" | wc -l)" -eq 1 ] ||
		{ echo "reports: $report"; return 1; }
	traced=$(clones "$tmp/$stem.strace")
	if [ -n "$CLONETHREADS_REUSE" ]; then
		made=$(json_field "$report" reuse.misses)
	else
		made=$(json_field "$report" threads.created)
	fi
	echo "$*: $made threads made by the report, $traced clones by strace"
	[ "$traced" -gt 0 ] && [ "$made" -eq "$traced" ] || cat "$report"
	[ "$traced" -gt 0 ] && [ "$made" -eq "$traced" ]
}

check "python3 ThreadPoolExecutor: created = strace's clones" \
	same_as_strace py "$PY" -c "$pool"

# Reuse on: a pool that keeps only 1 parked thread makes some threads anew.
reuse_misses() {
	CLONETHREADS_REUSE=1 && export CLONETHREADS_REUSE &&
	same_as_strace pyreuse "$PY" -c '
import threading
for i in range(50):
    ts = [threading.Thread(target=abs, args=(i,)) for i in range(3)]
    for t in ts: t.start()
    for t in ts: t.join()' &&
	[ "$(json_field "$report" reuse.hits)" -gt 0 ]
	status=$?
	unset CLONETHREADS_REUSE
	return $status
}
check "with reuse on: misses = strace's clones" reuse_misses

# Some 4 MB of text for the compressor and the sort.
"$PY" -c 'import random
r = random.Random(1)
words = ["alpha", "beta", "gamma", "delta", "clone", "thread", "join"]
for i in range(200000):
    print(r.choice(words), r.randrange(10**9), r.choice(words))' >"$tmp/data"

if command -v xz >/dev/null; then
	check "xz -T4: created = strace's clones" \
		same_as_strace xz xz -T4 --block-size=1MiB -c "$tmp/data"
else
	echo "left out: xz (not installed)"
fi
check "sort --parallel=4: created = strace's clones" \
	same_as_strace sort sort --parallel=4 "$tmp/data"

# A pipeline: each process writes its own report, and together they count
# every thread clone (the shell's forks are clones without CLONE_THREAD).
pipeline() {
	CLONETHREADS_STATS_CYCLE=10,3 strace -f -o "$tmp/pipe.strace" \
		-e trace=clone,clone3 ./tools/clonethreads-run --library "$CT_LIB" \
		--stats="$tmp/pipe.%p" --stats-format=json /bin/sh -c \
		"sort --parallel=4 '$tmp/data' | xz -T4 --block-size=1MiB >/dev/null" ||
		return 1
	threads=$(grep -c 'CLONE_THREAD' "$tmp/pipe.strace")
	sum=0 programs=
	for r in "$tmp"/pipe.[0-9]*; do
		sum=$((sum + $(json_field "$r" threads.created)))
		programs="$programs $(json_field "$r" program)"
	done
	echo "reports from:$programs; $sum threads in them, $threads thread clones by strace"
	case "$programs" in *sort*) ;; *) return 1 ;; esac
	case "$programs" in *xz*) ;; *) return 1 ;; esac
	[ "$threads" -gt 0 ] && [ "$sum" -eq "$threads" ]
}
if command -v xz >/dev/null; then
	check "a pipeline: a report per process, their sum = strace's" pipeline
fi

finish
