/* SPDX-License-Identifier: MIT */
/* One deliberate data race among correctly synchronized accesses, for the
 * race checkers (tests/valgrind.c).  A detached thread increments `racy'
 * and ends; the main thread increments it later with nothing ordering the
 * two: only the time that passes between them (and the detached thread's
 * stack, handed to the next thread main creates, which is the library's
 * business, not the program's).  Everything else is ordered by creation,
 * a mutex or join, so a checker that understands those reports `racy'
 * and nothing else. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static int racy;
static int given, guarded, returned;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	int mine = given;	/* written before the thread was created */
	pthread_mutex_lock(&lock);
	guarded += mine;
	pthread_mutex_unlock(&lock);
	if (arg)
		racy++;		/* the race */
	else
		returned = mine;	/* read after join only */
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
	printf("racy at %p\n", (void *)&racy);	/* tests/valgrind.c reads it */
	given = 1;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	returned = 0;
	pthread_create(&t, &detached, worker, &racy);
	nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	racy++;
	pthread_mutex_lock(&lock);
	printf("racy %d, guarded %d, returned %d\n", racy, guarded, returned);
	pthread_mutex_unlock(&lock);
	return 0;
}
