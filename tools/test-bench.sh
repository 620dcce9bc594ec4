#!/bin/sh
# SPDX-License-Identifier: MIT
# clonethreads-bench on the workload programs of the build tree, with tiny
# counts: its outputs (table, CSV, JSON, results directory, picture), its
# stderr, and its usage errors.
. "$(dirname "$0")/testlib.sh"
BENCH() { ./tools/clonethreads-bench --libexecdir bench "$@"; }
# A few seconds: one repetition of 20 cycles, small bursts, no strace.
tiny="--quick --reps 1 --cycles 20 --threads 1,10 --sync-iters 200 --no-syscalls"
py() { "${PYTHON3:?}" "$@"; }

# CT_BENCH_IMPLS: what the build made (the floor where it has a port,
# musl when musl-gcc was there).
lists_all() {
	expect 0 BENCH --list && cut -f1 "$tmp/out" | sort >"$tmp/impls" &&
	printf '%s\n' ${CT_BENCH_IMPLS:?} | sort >"$tmp/built" &&
	diff "$tmp/built" "$tmp/impls" && has "$tmp/impls" '^glibc$' &&
	has "$tmp/impls" '^clonethreads$'
}
check "--list: every implementation built, glibc and clonethreads always" lists_all
BENCH --list | cut -f1 >"$tmp/impls"

csv() {
	# shellcheck disable=SC2086
	expect 0 BENCH $tiny --csv "$tmp/b.csv" &&
	[ "$(head -1 "$tmp/b.csv")" = \
	  "impl,workload,stack,threads,median_us,p10_us,p90_us,ratio_to_glibc,ratio_to_floor,ratio_to_floor_rseq" ] &&
	num='[0-9.]+' ratios='[0-9.]+,[0-9.]*,[0-9.]*' &&
	while read -r impl; do
		# The no-spin reuse runs the two cycle workloads only.
		case $impl in
		*-nospin) rows="cycle,64k,1 cycle-busy,default,1" ;;
		*) rows="cycle,default,1 cycle,64k,1 phase_start,default,1
			phase_create,64k,1 phase_join,default,1 burst,default,10
			burst,64k,1 detached,64k,1 detached_many,default,1
			two_creators,default,2" ;;
		esac
		pat=$(printf '%s' "$impl" | sed 's/[+.]/\\&/g')	# floor+rseq
		for row in $rows; do
			has "$tmp/b.csv" "^$pat,$row,$num,$num,$num,$ratios\$" ||
				return 1
		done
	done <"$tmp/impls" &&
	# The busy cycle: the libraries, not the floors.
	has "$tmp/b.csv" "^clonethreads-reuse,cycle-busy,64k,1,$num,$num,$num,$num,," &&
	! grep -q '^floor,cycle-busy,' "$tmp/b.csv" &&
	has "$tmp/b.csv" '^glibc,cycle,default,1,[0-9.]+,[0-9.]+,[0-9.]+,1\.000,' &&
	has "$tmp/b.csv" '^floor\+rseq,cycle,default,1,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,1\.000$' &&
	has "$tmp/b.csv" '^clonethreads,cond_pingpong,default,2,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,,$' &&
	has "$tmp/b.csv" '^glibc,robust_fork,default,1,'
}
check "--quick --csv: the header, rows for every implementation" csv

json() {
	# shellcheck disable=SC2086
	expect 0 BENCH $tiny --workloads cycle --json && py -c '
import json, sys
def strict(name):
    raise ValueError("not JSON: " + name)
r = json.load(open(sys.argv[1]), parse_constant=strict)
impls = open(sys.argv[2]).read().split()
assert [i["name"] for i in r["implementations"]] == impls, r["implementations"]
assert {x["impl"] for x in r["results"]} == set(impls), r["results"]
assert all(r["machine"][k] for k in ("cpu", "cpus", "kernel", "libc")), r["machine"]
cycle = [x for x in r["results"] if x["impl"] == "clonethreads"][0]
assert cycle["median_us"] > 0 and cycle["ratio_to_glibc"] > 0 \
    and cycle["ratio_to_floor"] > 0 and cycle["ratio_to_floor_rseq"] > 0, cycle
' "$tmp/out" "$tmp/impls"
}
check "--json is valid JSON with every implementation" json

table() {
	# shellcheck disable=SC2086
	expect 0 BENCH $tiny --workloads cycle,mutex_uncontended &&
	has "$tmp/out" '^machine: .+, ([0-9]+ cores, )?[0-9]+ CPUs \([0-9]+ usable\), Linux .+, glibc [0-9.]+$' &&
	has "$tmp/out" "^\| workload +\| stack +\| glibc +\| clonethreads .*\| floor +\| floor\+rseq +\|\$" &&
	has "$tmp/out" '^\| create \+ join \(cycle\) +\| default +\| [0-9.]+ x1\.00 x[0-9.]+ x[0-9.]+ +\| [0-9.]+ x[0-9.]+ x[0-9.]+ x[0-9.]+ ' &&
	has "$tmp/out" '^\| mutex lock \+ unlock, one thread +\| default +\| [0-9.]+ns x1\.00 - - +\|' &&
	has "$tmp/out" '^\| workload +\| stack +\| clonethreads-reuse +\| clonethreads-reuse-nospin +\| clonethreads-stats +\|$' &&
	has "$tmp/out" '^\| create \+ join \(cycle\) +\| default +\| x[0-9.]+ clonethreads +\| x[0-9.]+ clonethreads +\| x[0-9.]+ clonethreads +\|$'
}
check "the table: machine, ratios to glibc and to both floors, modes" table

# The reader of the table gone before it is printed: no traceback.
closed_pipe() {
	# shellcheck disable=SC2086
	BENCH $tiny --workloads cycle --quiet 2>"$tmp/err" | true
	[ ! -s "$tmp/err" ] || { cat "$tmp/err"; return 1; }
}
check "a closed stdout ends it quietly" closed_pipe

stderr() {
	# shellcheck disable=SC2086
	expect 0 BENCH $tiny --workloads cycle && has "$tmp/err" '^clonethreads-bench: repetition 1/1' &&
	# shellcheck disable=SC2086
	expect 0 BENCH $tiny --workloads cycle --quiet && [ ! -s "$tmp/err" ]
}
check "a progress line on stderr, nothing with --quiet" stderr

# The files `make bench' writes, and the system call count.
results() {
	expect 0 BENCH --quick --reps 1 --cycles 20 --threads 1,10 \
		--workloads cycle,burst --impls glibc,floor \
		--results "$tmp/r" --name t &&
	has "$tmp/r/t.csv" '^floor,burst,64k,10,' &&
	has "$tmp/r/t-memory.csv" '^impl,stack,threads,rss_kib,maps,rss_kib_per_thread,maps_per_thread$' &&
	has "$tmp/r/t-memory.csv" '^glibc,default,10,' &&
	if command -v strace >/dev/null; then
		has "$tmp/r/t-syscalls.csv" '^floor,clone,1\.00$'
	else
		[ "$(cat "$tmp/r/t-syscalls.csv")" = "impl,syscall,per_cycle" ]
	fi &&
	if command -v gnuplot >/dev/null; then
		has "$tmp/r/t-cycle.svg" '<svg' && has "$tmp/r/t-burst.svg" '<svg'
	else
		[ ! -e "$tmp/r/t-cycle.svg" ]
	fi
}
check "--results: the CSV files, system calls and pictures" results

# Where ptrace is not allowed (some containers) the rest still comes out.
strace_fails() {
	mkdir "$tmp/bin" &&
	printf '#!/bin/sh\necho "ptrace: Operation not permitted" >&2\nexit 1\n' \
		>"$tmp/bin/strace" && chmod +x "$tmp/bin/strace" &&
	(PATH=$tmp/bin:$PATH &&
	 expect 0 BENCH --reps 1 --cycles 20 --workloads cycle --impls glibc) &&
	has "$tmp/err" 'strace failed, no system call table: ptrace: Operation not permitted' &&
	has "$tmp/out" '^\| create \+ join' && ! grep -q 'system calls' "$tmp/out"
}
check "a failing strace leaves out the system call table only" strace_fails

plot() {
	if command -v gnuplot >/dev/null; then
		# shellcheck disable=SC2086
		expect 0 BENCH $tiny --workloads cycle,burst --plot "$tmp/p.svg" &&
		has "$tmp/p.svg" '<svg' && has "$tmp/p.svg" 'burst: create N threads'
	else
		# shellcheck disable=SC2086
		expect 1 BENCH $tiny --plot "$tmp/p.svg" && has "$tmp/err" 'needs gnuplot'
	fi
}
check "--plot FILE.svg draws both pictures (gnuplot) or says it cannot" plot

usage() {
	for args in --bogus "--stacks 1k" "--stacks 9m" "--threads 0" \
		"--threads 1001" "--impls nosuch" "--reps x" "--workloads nosuch" \
		"--csv"; do
		# shellcheck disable=SC2086
		expect 2 BENCH $args && has "$tmp/err" '^usage: clonethreads-bench' ||
			return 1
	done
	expect 0 BENCH --help && has "$tmp/out" '^usage: clonethreads-bench' &&
	expect 0 BENCH --version && has "$tmp/out" '^clonethreads-bench [0-9]'
}
check "bad options: usage and status 2; --help, --version" usage

finish
