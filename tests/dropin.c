/* The drop-in tests: cancellation, signals, set*id on every thread,
 * handles, scheduling and names, start-up from the earliest code, and
 * the opt-in reuse of ended threads. */
#include "dropin.h"

static const struct ct_scenario scenarios[] = {
	{ "cancel-main", ct_cancel_main_scenario },
	{ NULL, NULL }
};

/* Every other pthread function (and set*id call) these tests use. */
static const char *const extra[] = {
	"pthread_cancel", "pthread_setcancelstate", "pthread_setcanceltype",
	"pthread_testcancel", "__pthread_register_cancel",
	"__pthread_unregister_cancel", "__pthread_unwind_next",
	"__pthread_cleanup_routine", "_pthread_cleanup_push",
	"_pthread_cleanup_pop", "__pthread_register_cancel_defer",
	"__pthread_unregister_cancel_restore", "pthread_exit",
	"pthread_kill", "pthread_sigqueue", "pthread_sigmask",
	"pthread_setschedparam", "pthread_getschedparam",
	"pthread_setschedprio", "pthread_setaffinity_np",
	"pthread_getaffinity_np", "pthread_getcpuclockid",
	"pthread_setname_np", "pthread_getname_np", "pthread_getattr_np",
	"pthread_setconcurrency", "pthread_getconcurrency",
	"pthread_cond_timedwait",
	"sem_timedwait", "pthread_once", "pthread_detach",
	"pthread_tryjoin_np", "setuid", "setresuid", "setresgid",
	"setgroups", "setreuid", "setregid", "setgid",
	NULL
};

int main(void)
{
	static Suite *(*const suites[])(void) = {
		cancel_suite, signal_suite, setxid_suite, handle_suite,
		sched_suite, startup_suite, reuse_suite, NULL
	};
	return ct_test_main(suites, extra, scenarios);
}
