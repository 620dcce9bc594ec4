/* SPDX-License-Identifier: MIT */
/* A shared library with thread-local data of its own, linked into the
 * test programs: an initialised variable, one in .tbss, a string and a
 * larger block, reached through the general-dynamic model. */
#include "tlsmod.h"

TST_TLS_PROBE_DEFINE(tlsmod, 42, "tlsmod image");
