/* SPDX-License-Identifier: MIT */
/* A module the tests dlopen after threads have started: its TLS must be
 * initialised from its image in threads that existed before the dlopen
 * and in threads created after it. */
#include "tlsmod.h"

TST_TLS_PROBE_DEFINE(tlsdl, 4242, "tlsdl image");
