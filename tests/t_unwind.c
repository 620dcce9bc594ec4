/* SPDX-License-Identifier: MIT */
/* Unwinding a thread's stack ends cleanly at the thread's first frame:
 * the clone trampoline's child side has CFI that marks the return address
 * undefined, as glibc's clone does.  Without it an unwinder runs into code
 * it knows nothing about (gdb then shows a bogus frame below it). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <unwind.h>
#include <sys/wait.h>
#include "common.h"

/* libgcc's, declared by no installed header. */
struct dwarf_eh_bases {
	void *tbase, *dbase, *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

#define MAX_FRAMES 64

struct frames {
	_Unwind_Reason_Code code;
	int n;
	uintptr_t ip[MAX_FRAMES];
};

static _Unwind_Reason_Code record(struct _Unwind_Context *ctx, void *arg)
{
	struct frames *f = arg;
	if (f->n == MAX_FRAMES)
		return _URC_END_OF_STACK;
	f->ip[f->n++] = _Unwind_GetIP(ctx);
	return _URC_NO_REASON;
}

static void *backtrace_thread(void *arg)
{
	struct frames *f = arg;
	f->code = _Unwind_Backtrace(record, f);
	return NULL;
}

static const char *object_of(uintptr_t ip)
{
	Dl_info info;
	return dladdr((void *)ip, &info) && info.dli_fname ? info.dli_fname : "?";
}

START_TEST(test_unwind_ends_at_thread_start)
{
	struct frames f = { .n = 0 };
	tst_join(tst_start(NULL, backtrace_thread, &f));
	ck_assert_int_eq(f.code, _URC_END_OF_STACK);
	ck_assert_int_ge(f.n, 3);
	/* the first frame is the caller of _Unwind_Backtrace */
	ck_assert_str_eq(object_of(f.ip[0]), object_of((uintptr_t)backtrace_thread));
	/* The unwinder stopped because the outermost frame's CFI says its
	 * return address is undefined: libgcc then reports one last context
	 * with IP 0.  Had it merely found no CFI there, the last context
	 * would be that frame itself. */
	ck_assert_msg(f.ip[f.n - 1] == 0,
		      "the unwinder ran out of CFI at ip %#lx in %s",
		      (unsigned long)f.ip[f.n - 1], object_of(f.ip[f.n - 1]));
	/* and that frame is the thread library's own (where pthread_create
	 * is), not some frame above it; glibc before 2.34 starts its threads
	 * with the clone of libc.so.6, beside its libpthread.so.0 */
	void *create = dlsym(RTLD_DEFAULT, tst_test_glibc_before(2, 34) ?
			     "clone" : "pthread_create");
	ck_assert_ptr_nonnull(create);
	ck_assert_str_eq(object_of(f.ip[f.n - 2]), object_of((uintptr_t)create));
}
END_TEST

/* Whether the frame that called a thread's start routine has unwind
 * information: glibc's own thread start has none on riscv64 (its C code
 * is built without unwind tables there), and a backtrace from a glibc
 * thread stops in it.  Asked in a child process: the thread's stack
 * would stay in glibc's cache for the tests forked from this one. */
static int start_frame_has_cfi(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct frames f = { .n = 0 };
		pthread_t th;
		struct dwarf_eh_bases bases;
		_exit(!pthread_create(&th, NULL, backtrace_thread, &f) &&
		      !pthread_join(th, NULL) && f.n >= 2 &&
		      _Unwind_Find_FDE((void *)(f.ip[1] - 1), &bases));
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

TST_SUITE(unwind_suite)
{
	Suite *s = suite_create("unwind");
	TCase *tc = tcase_create("unwind");
	if (tst_test_glibc() && !start_frame_has_cfi())
		tst_test_left_out("test_unwind_ends_at_thread_start", "glibc's "
				 "thread start has no unwind information here");
	else
		tcase_add_test(tc, test_unwind_ends_at_thread_start);
	suite_add_tcase(s, tc);
	return s;
}
