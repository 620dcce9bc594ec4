/* SPDX-License-Identifier: MIT */
/* What the earliest code of a process saw of the thread library: a
 * -z initfirst library's constructor (initfirst.c) and the program's
 * .preinit_array (t_startup.c). */
#ifndef TST_INITFIRST_H
#define TST_INITFIRST_H
#include <pthread.h>

struct tst_early {
	/* Before any other thread call: a mutex, pthread_once (which pushes
	 * a cleanup buffer, in glibc's struct pthread), a cancel state. */
	int locked, onced, stated;
	pthread_t self;
	int created;	/* pthread_create and join worked, with the value */
	int ran;
};

static int tst_early_once_ran;
static inline void tst_early_once(void)
{
	tst_early_once_ran++;
}

static inline void tst_early_run(struct tst_early *e, void *(*fn)(void *))
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_t th;
	void *ret = NULL;
	int state;
	e->locked = pthread_mutex_lock(&m) == 0 && pthread_mutex_unlock(&m) == 0;
	e->onced = pthread_once(&once, tst_early_once) == 0 && tst_early_once_ran == 1;
	e->stated = pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &state) == 0 &&
		    state == PTHREAD_CANCEL_ENABLE;
	e->self = pthread_self();
	e->created = pthread_create(&th, NULL, fn, e) == 0 &&
		     pthread_join(th, &ret) == 0 && ret == e;
	e->ran = 1;
}

extern struct tst_early tst_initfirst;

#endif
