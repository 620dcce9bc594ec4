#!/bin/sh
# sqlite from several threads, WAL, a connection each and one shared.
. "$srcdir/tests/programs/harness.sh"
own_program sqlite "$W/test.db"
finish
