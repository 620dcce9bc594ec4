#!/bin/sh
# SPDX-License-Identifier: MIT
# C++20 threads (std::thread, async, jthread, condition variables,
# shared_mutex, thread_local destructors, exceptions): cxx20.cc.
. "$srcdir/tests/programs/harness.sh"
own_program cxx20
finish
