#!/bin/sh
# SPDX-License-Identifier: MIT
# Generate ./configure.  On a fresh Debian machine, installs the build
# dependencies first when run as root; otherwise says what to install.
set -e
cd "$(dirname "$0")"
pkgs="build-essential autoconf automake libtool pkg-config check liburcu-dev musl-tools gnuplot-nox strace python3 valgrind"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends $missing
	else
		echo "autogen.sh: missing packages; run as root:" >&2
		echo "  apt-get install$missing" >&2
		exit 1
	fi
fi
mkdir -p m4
# The test programs' rules, which automake reads (tests/programs.list).
sh tests/gen-programs tests/programs.list > tests/programs.inc
autoreconf -fi
