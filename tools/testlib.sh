# SPDX-License-Identifier: MIT
# Shell tests in Check's manner, sourced by tools/*.sh.  `check NAME
# COMMAND...' counts one check and shows a failing one's output; `finish'
# prints Check's summary line, "N%: Checks: C, Failures: F, Errors: E",
# which the CI script counts, and gives the test's exit status.
checks=0 failures=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/clonethreads-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

check() {
	name=$1
	shift
	checks=$((checks + 1))
	if "$@" >"$tmp/check.out" 2>&1; then
		echo "PASS: $name"
	else
		failures=$((failures + 1))
		echo "FAIL: $name"
		sed 's/^/    /' "$tmp/check.out"
	fi
}

# expect STATUS COMMAND...: COMMAND's stdout and stderr go to $tmp/out
# and $tmp/err; true when it exits with STATUS.
expect() {
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] && return 0
	echo "exit status $got, not $want: $*"
	sed 's/^/    stdout: /' "$tmp/out"
	sed 's/^/    stderr: /' "$tmp/err"
	return 1
}

# has FILE PATTERN: FILE has a line matching the extended regex.
has() {
	grep -Eq -- "$2" "$1" && return 0
	echo "no line matching '$2' in $1:"
	sed 's/^/    /' "$1"
	return 1
}

finish() {
	echo "$(( (checks - failures) * 100 / (checks ? checks : 1) ))%:" \
		"Checks: $checks, Failures: $failures, Errors: 0"
	[ "$failures" -eq 0 ]
}
