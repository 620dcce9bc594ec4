#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

int ct_test_glibc(void)
{
	static int mode = -1;
	if (mode < 0) {
		const char *impl = getenv("CT_TEST_IMPL");
		mode = impl && !strcmp(impl, "glibc");
	}
	return mode;
}

void ct_test_assert_ours(const char *const *names)
{
	const char *want = ct_test_glibc() ? "/libc.so" : "libclonethreads";
	for (; names && *names; names++) {
		void *f = dlsym(RTLD_DEFAULT, *names);
		Dl_info info;
		if (!f || !dladdr(f, &info) || !info.dli_fname ||
		    !strstr(info.dli_fname, want)) {
			if (ct_test_glibc() && !f && !strncmp(*names, "clonethreads_", 13))
				continue;	/* the library's own extras */
			fprintf(stderr, "%s resolves to %s, not %s\n", *names,
				f && info.dli_fname ? info.dli_fname : "nothing",
				want);
			exit(99);	/* a hard error for the automake driver */
		}
	}
}

int ct_test_run(Suite *(*const *suites)(void), const char *const *extra)
{
	static const char *const base[] = {
		"pthread_create", "pthread_join", "pthread_self", NULL };
	ct_test_assert_ours(base);
	ct_test_assert_ours(extra);
	SRunner *sr = srunner_create(NULL);
	for (; *suites; suites++)
		srunner_add_suite(sr, (*suites)());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void ct_check_own(pthread_t th, int own)
{
	if (ct_test_glibc())
		return;
	int (*is_own)(pthread_t) = (int (*)(pthread_t))
		dlsym(RTLD_DEFAULT, "clonethreads_is_own_thread");
	ck_assert_msg(is_own != NULL, "clonethreads_is_own_thread not found");
	ck_assert_int_eq(is_own(th), own);
}

const char *ct_test_module(const char *file)
{
	static char path[4096];
	const char *dir = getenv("CT_TEST_MODULE_DIR");
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/.libs", file);
	return path;
}
