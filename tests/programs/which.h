/* SPDX-License-Identifier: MIT */
/* Which library made the calling program's threads.  The real programs
 * print its answer, so a preload that silently did not take effect, or a
 * link that fell back to glibc, cannot pass for a result. */
#ifndef TST_PROGRAMS_WHICH_H
#define TST_PROGRAMS_WHICH_H

#ifdef __cplusplus
extern "C" {
#endif

/* Called from inside a thread the program created: "clonethreads" if
 * libclonethreads made it, "glibc" if the library is absent and
 * pthread_create is libc's, anything else is a mixture. */
const char *which_threads(void);

/* Print "threads: <which_threads()>" from a thread of its own. */
void which_print(void);

#ifdef __cplusplus
}
#endif
#endif
