#!/bin/sh
# SPDX-License-Identifier: MIT
# set*id from main reaches every thread (setid.c).
. "$srcdir/tests/programs/harness.sh"
own_program setid
finish
