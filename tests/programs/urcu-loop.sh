#!/bin/sh
# RCU readers registered in threads created and ended in a loop, every
# liburcu flavour: urcu_loop.c.
. "$srcdir/tests/programs/harness.sh"
own_program urcu_loop
finish
