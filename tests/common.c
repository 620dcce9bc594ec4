#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

void ct_test_assert_ours(const char *const *names)
{
	for (; names && *names; names++) {
		void *f = dlsym(RTLD_DEFAULT, *names);
		Dl_info info;
		if (!f || !dladdr(f, &info) || !info.dli_fname ||
		    !strstr(info.dli_fname, "libclonethreads")) {
			fprintf(stderr, "%s resolves to %s, not libclonethreads\n",
				*names, f && info.dli_fname ? info.dli_fname : "nothing");
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

const char *ct_test_module(const char *file)
{
	static char path[4096];
	const char *dir = getenv("CT_TEST_MODULE_DIR");
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/.libs", file);
	return path;
}
