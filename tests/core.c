/* The foundation's tests: creation, exit, join, TLS, keys, attributes,
 * glibc coexistence, fork, and the statistics report. */
#include "core.h"

/* Scenarios: cases that must run in a process of their own (ct_rerun). */
static int malloc_scenario(void)
{
	return ct_malloc_stress(8, 30000);
}

static const struct ct_scenario scenarios[] = {
	{ "malloc", malloc_scenario },
	{ "exit-main", ct_exit_main_scenario },
	{ "stats-known", ct_stats_known_scenario },
	{ "stats-fork", ct_stats_fork_scenario },
	{ "main-stack-split", ct_main_stack_split_scenario },
	{ NULL, NULL }
};

/* Every other pthread function the core tests call. */
static const char *const extra[] = {
	"pthread_detach", "pthread_exit", "pthread_equal", "pthread_once",
	"pthread_tryjoin_np", "pthread_timedjoin_np", "pthread_clockjoin_np",
	"pthread_key_create", "pthread_key_delete",
	"pthread_getspecific", "pthread_setspecific",
	"pthread_attr_init", "pthread_attr_destroy",
	"pthread_attr_setdetachstate", "pthread_attr_getdetachstate",
	"pthread_attr_setstacksize", "pthread_attr_getstacksize",
	"pthread_attr_setguardsize", "pthread_attr_getguardsize",
	"pthread_attr_setstack", "pthread_attr_getstack",
	"pthread_attr_setschedpolicy", "pthread_attr_getschedpolicy",
	"pthread_attr_setschedparam", "pthread_attr_getschedparam",
	"pthread_attr_setinheritsched", "pthread_attr_getinheritsched",
	"pthread_attr_setscope", "pthread_attr_getscope",
	"pthread_attr_setaffinity_np", "pthread_attr_getaffinity_np",
	"pthread_getattr_np", "pthread_getattr_default_np",
	"pthread_setattr_default_np", "clonethreads_is_own_thread",
	NULL
};

int main(void)
{
	static Suite *(*const suites[])(void) = {
		create_suite, tls_suite, keys_suite, attr_suite,
		glibc_suite, fork_suite, unwind_suite, stats_suite, NULL
	};
	return ct_test_main(suites, extra, scenarios);
}
