#!/bin/sh
# SPDX-License-Identifier: MIT
# RCU readers registered in threads created and ended in a loop, every
# liburcu flavour: urcu_loop.c.
. "$srcdir/tests/programs/harness.sh"
built urcu_loop liburcu liburcu-dev
own_program urcu_loop
finish
