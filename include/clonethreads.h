/* clonethreads: POSIX threads from the raw clone system call.
 * Include <pthread.h> as usual; this header only adds the extras. */
#ifndef CLONETHREADS_H
#define CLONETHREADS_H

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string, e.g. "0.1.0". */
const char *clonethreads_version(void);

/* 1 if `th' is a thread this library created, 0 for the main thread and
 * threads glibc started itself. */
int clonethreads_is_own_thread(pthread_t th);

#ifdef __cplusplus
}
#endif

#endif
