/* SPDX-License-Identifier: MIT */
// C++ on our threads: std::thread, thread_local objects with destructors
// (run at thread exit, in that thread, before join returns), exceptions
// thrown and caught on a thread's stack.
#include <cxxabi.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
#include "common.h"

namespace {

std::atomic<int> constructed{0}, destroyed{0}, dtor_in_other_thread{0};
std::atomic<int> detached_destroyed{0};

struct Tracker {
	std::thread::id owner = std::this_thread::get_id();
	std::string text = "tracker";	// heap-free but non-trivial
	std::vector<int> data;
	bool detached = false;
	Tracker() : data(1000, 7) { constructed++; }
	~Tracker()
	{
		if (owner != std::this_thread::get_id())
			dtor_in_other_thread++;
		if (data.size() != 1000 || data[999] != 7)
			dtor_in_other_thread++;
		destroyed++;
		if (detached)
			detached_destroyed++;
	}
	void touch(int v) { data[0] = v; }
};

thread_local Tracker tracker;
thread_local int tl_counter = 100;

void reset_counts()
{
	constructed = destroyed = dtor_in_other_thread = 0;
}

} // namespace

START_TEST(test_thread_local_dtors)
{
	reset_counts();
	const int n = 8;
	std::vector<std::thread> threads;
	for (int i = 0; i < n; i++)
		threads.emplace_back([i] {
			tracker.touch(i);
			tst_check_own(pthread_self(), 1);
		});
	for (auto &t : threads)
		t.join();
	ck_assert_int_eq(constructed.load(), n);
	ck_assert_int_eq(destroyed.load(), n);	// before join returned
	ck_assert_int_eq(dtor_in_other_thread.load(), 0);
}
END_TEST

// A thread that never touches the object neither constructs nor destroys
// it; a thread reusing a finished one's region gets a fresh object.
START_TEST(test_thread_local_untouched_and_reused)
{
	reset_counts();
	std::thread([] {}).join();
	ck_assert_int_eq(constructed.load(), 0);
	ck_assert_int_eq(destroyed.load(), 0);
	for (int round = 0; round < 5; round++) {
		int seen = -1;
		std::thread([&seen, round] {
			seen = tl_counter;
			tl_counter = round;
			tracker.touch(round);
		}).join();
		ck_assert_int_eq(seen, 100);
		ck_assert_int_eq(constructed.load(), round + 1);
		ck_assert_int_eq(destroyed.load(), round + 1);
	}
	ck_assert_int_eq(tl_counter, 100);	// main's own copy
}
END_TEST

// pthread_exit runs them too.
START_TEST(test_thread_local_pthread_exit)
{
	reset_counts();
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, nullptr, [](void *) -> void * {
		tracker.touch(5);
		pthread_exit(nullptr);
	}, nullptr), 0);
	ck_assert_int_eq(pthread_join(th, nullptr), 0);
	ck_assert_int_eq(constructed.load(), 1);
	ck_assert_int_eq(destroyed.load(), 1);
}
END_TEST

START_TEST(test_detached_thread_local)
{
	reset_counts();
	detached_destroyed = 0;
	std::thread([] {
		tracker.detached = true;
		tracker.touch(1);
	}).detach();
	while (detached_destroyed.load() == 0)
		sched_yield();
	ck_assert_int_eq(destroyed.load(), 1);
	ck_assert_int_eq(dtor_in_other_thread.load(), 0);
}
END_TEST

// Unwinding on a thread's stack: thrown and caught there, and carried to
// main as an exception_ptr.
START_TEST(test_exceptions)
{
	int caught = 0;
	std::exception_ptr carried;
	std::thread([&] {
		for (int i = 0; i < 100; i++) {
			try {
				throw std::runtime_error("in thread " + std::to_string(i));
			} catch (const std::runtime_error &e) {
				caught += std::string(e.what()) ==
					  "in thread " + std::to_string(i);
			}
		}
		try {
			throw std::logic_error("carried");
		} catch (...) {
			carried = std::current_exception();
		}
	}).join();
	ck_assert_int_eq(caught, 100);
	ck_assert(carried != nullptr);
	std::string what;
	try {
		std::rethrow_exception(carried);
	} catch (const std::logic_error &e) {
		what = e.what();
	}
	ck_assert_str_eq(what.c_str(), "carried");
}
END_TEST

// An exception thrown by a std::call_once callable (run by pthread_once)
// leaves the flag unused: the next call runs its callable.  Nothing of
// pthread_once's cleanup stays registered behind it: a cancellation of the
// same thread afterwards unwinds it cleanly.
static std::once_flag throwing_once;
static std::atomic<int> once_calls{0};

static void *call_once_then_cancelled(void *)
{
	for (int i = 0; i < 2; i++) {
		try {
			std::call_once(throwing_once, [i] {
				once_calls++;
				if (i == 0)
					throw std::runtime_error("first call");
			});
		} catch (const std::runtime_error &) {
		}
	}
	pthread_cancel(pthread_self());
	pthread_testcancel();
	return nullptr;
}

START_TEST(test_call_once_throws)
{
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, nullptr, call_once_then_cancelled,
					nullptr), 0);
	void *r = nullptr;
	ck_assert_int_eq(pthread_join(th, &r), 0);
	ck_assert_ptr_eq(r, PTHREAD_CANCELED);
	ck_assert_int_eq(once_calls.load(), 2);
}
END_TEST

START_TEST(test_thread_ids)
{
	std::thread::id main_id = std::this_thread::get_id();
	std::thread::id seen[4];
	std::vector<std::thread> threads;
	for (int i = 0; i < 4; i++)
		threads.emplace_back([&seen, i] { seen[i] = std::this_thread::get_id(); });
	for (int i = 0; i < 4; i++) {
		std::thread::id id = threads[i].get_id();
		threads[i].join();
		ck_assert(seen[i] == id);
		ck_assert(seen[i] != main_id);
		for (int k = 0; k < i; k++)
			ck_assert(seen[i] != seen[k]);
	}
}
END_TEST

// Cancellation and pthread_exit unwind the thread's stack: destructors
// run, innermost first, then thread_local destructors.  A catch (...)
// sees the unwinding and must rethrow it.
std::string unwound;

struct Note {
	char c;
	~Note() { unwound += c; }
};

thread_local Note tl_note{'t'};

void *exits_deep(void *arg)
{
	Note a{'a'};
	tl_note.c = 't';
	{
		Note b{'b'};
		try {
			Note c{'c'};
			if (arg)
				pthread_exit(arg);
			for (;;)
				pause();
		} catch (abi::__forced_unwind &) {
			unwound += '!';
			throw;	// rethrown: the unwinding goes on
		}
	}
	return nullptr;
}

START_TEST(test_unwind_destructors)
{
	for (int round = 0; round < 20; round++) {
		unwound.clear();
		pthread_t th;
		void *ret;
		ck_assert_int_eq(pthread_create(&th, nullptr, exits_deep, (void *)5), 0);
		ck_assert_int_eq(pthread_join(th, &ret), 0);
		ck_assert_ptr_eq(ret, (void *)5);
		ck_assert_str_eq(unwound.c_str(), "c!bat");
		unwound.clear();
		ck_assert_int_eq(pthread_create(&th, nullptr, exits_deep, nullptr), 0);
		ck_assert_int_eq(pthread_cancel(th), 0);
		ck_assert_int_eq(pthread_join(th, &ret), 0);
		ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
		ck_assert_str_eq(unwound.c_str(), "c!bat");
	}
}
END_TEST

// glibc's own code (its stdio locks) pushes old-style cleanup buffers;
// unwinding runs each when its frame is left, in order with the
// destructors of the frames around it -- whether the request is acted on
// by the library (the thread is blocked in pause) or by glibc's
// cancellation point itself (the request came before pause).
extern "C" void _pthread_cleanup_push(struct _pthread_cleanup_buffer *,
				      void (*)(void *), void *);
extern "C" void _pthread_cleanup_pop(struct _pthread_cleanup_buffer *, int);

__attribute__((noinline)) void inner_old_style()
{
	struct _pthread_cleanup_buffer b;
	_pthread_cleanup_push(&b, [](void *) { unwound += 'h'; }, nullptr);
	for (;;)
		pause();
	_pthread_cleanup_pop(&b, 0);
}

std::atomic<int> old_style_tid{0};

void *old_style_inside(void *)
{
	old_style_tid = (int)syscall(SYS_gettid);
	Note outer{'o'};
	inner_old_style();
	return nullptr;
}

START_TEST(test_old_style_in_order)
{
	for (int round = 0; round < 20; round++) {
		unwound.clear();
		old_style_tid = 0;
		pthread_t th;
		void *ret;
		ck_assert_int_eq(pthread_create(&th, nullptr, old_style_inside, nullptr), 0);
		if (round % 2) {
			while (!old_style_tid)
				sched_yield();
			ck_assert(tst_wait_blocked(old_style_tid));
		}
		ck_assert_int_eq(pthread_cancel(th), 0);
		ck_assert_int_eq(pthread_join(th, &ret), 0);
		ck_assert_ptr_eq(ret, PTHREAD_CANCELED);
		ck_assert_str_eq(unwound.c_str(), "ho");
	}
}
END_TEST

void *swallows(void *)
{
	try {
		for (;;)
			pause();
	} catch (...) {
	}
	return nullptr;
}

// In a child process: a catch (...) that does not rethrow the unwinding
// aborts the process, with glibc's message.
START_TEST(test_swallowed_unwind_aborts)
{
	int err[2];
	ck_assert_int_eq(pipe(err), 0);
	fflush(nullptr);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(err[1], STDERR_FILENO);
		pthread_t th;
		pthread_create(&th, nullptr, swallows, nullptr);
		pthread_cancel(th);
		pthread_join(th, nullptr);
		_exit(0);
	}
	close(err[1]);
	char buf[256] = "";
	ssize_t n = read(err[0], buf, sizeof buf - 1);
	close(err[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGABRT);
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf, "exception not rethrown"));
}
END_TEST

TST_SUITE(cxx_suite)
{
	Suite *s = suite_create("cxx");
	TCase *tc = tcase_create("cxx");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_thread_local_dtors);
	tcase_add_test(tc, test_thread_local_untouched_and_reused);
	tcase_add_test(tc, test_thread_local_pthread_exit);
	tcase_add_test(tc, test_detached_thread_local);
	tcase_add_test(tc, test_exceptions);
	tcase_add_test(tc, test_thread_ids);
	if (tst_test_glibc_before(2, 34))
		tst_test_left_out("test_call_once_throws", "glibc before 2.34 "
				 "keeps the once control taken when its routine "
				 "throws (GCC PR 66146): the second call waits");
	else
		tcase_add_test(tc, test_call_once_throws);
	tst_tcase_add_signal_return(tc, test_unwind_destructors);
	tst_tcase_add_signal_return(tc, test_old_style_in_order);
	tst_tcase_add_signal_return(tc, test_swallowed_unwind_aborts);
	suite_add_tcase(s, tc);
	return s;
}
