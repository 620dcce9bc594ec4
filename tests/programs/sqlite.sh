#!/bin/sh
# SPDX-License-Identifier: MIT
# sqlite from several threads, WAL, a connection each and one shared.
. "$srcdir/tests/programs/harness.sh"
built sqlite libsqlite3 libsqlite3-dev
own_program sqlite "$W/test.db"
finish
