/* SPDX-License-Identifier: MIT */
// C++20 threads as an ordinary program uses them: std::thread, std::async,
// std::jthread with stop_token, condition_variable(_any), shared_mutex,
// thread_local destructors, exceptions thrown inside threads, a thread
// cancelled in a cancellation point and one leaving by pthread_exit from
// deep inside (both unwind: destructors run).  Every line
// it prints is deterministic, so the glibc run and the library run must
// print the same text; each part also checks its own invariant and the
// exit status says whether all held.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <numeric>
#include <pthread.h>
#include <queue>
#include <shared_mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>
#include "which.h"

static int failures;
// --small divides the iteration counts (for runs under valgrind).
static int scale = 1;

static void check(bool ok, const char *what)
{
	std::printf("%s: %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		failures++;
}

// Every thread of the program reports which library made it; all agree.
static std::atomic<int> mixed_threads;
static void note_library()
{
	static const std::string first = which_threads();
	if (first != which_threads())
		mixed_threads++;
}

// A wake-up is tested with the waiter already asleep: `tid' (published by
// the thread itself) is seen sleeping ('S' in /proc) twice, 1 ms apart.
// Rounds of each wake-up test.
static constexpr int rounds = 8;
static void wait_asleep(const std::atomic<pid_t> &tid)
{
	while (!tid)
		std::this_thread::yield();
	for (int asleep = 0; asleep < 2;) {
		std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
		std::string line;
		std::getline(stat, line);
		// The state follows the command name, which ends with ") ".
		auto end = line.rfind(") ");
		bool s = end != std::string::npos && line.size() > end + 2 &&
			 line[end + 2] == 'S';
		asleep = s ? asleep + 1 : 0;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
}

static void plain_threads()
{
	constexpr int n = 8;
	const long per = 100000 / scale;
	std::vector<long> part(n);
	std::vector<std::thread> ts;
	for (int i = 0; i < n; i++)
		ts.emplace_back([&part, i, per] {
			note_library();
			long s = 0;
			for (long k = i * per; k < (i + 1) * per; k++)
				s += k;
			part[i] = s;
		});
	for (auto &t : ts)
		t.join();
	long total = std::accumulate(part.begin(), part.end(), 0L);
	long m = n * per;
	check(total == m * (m - 1) / 2, "std::thread partial sums");
}

static void async_and_exceptions()
{
	std::vector<std::future<int>> fs;
	for (int i = 0; i < 16; i++)
		fs.push_back(std::async(std::launch::async, [i] {
			note_library();
			if (i % 4 == 3)
				throw std::runtime_error("thrown in thread " +
							 std::to_string(i));
			return i * i;
		}));
	int sum = 0, caught = 0;
	for (auto &f : fs) {
		try {
			sum += f.get();
		} catch (const std::runtime_error &e) {
			caught++;
		}
	}
	// 0..15 squared minus the four that threw (3, 7, 11, 15).
	check(sum == 1240 - (9 + 49 + 121 + 225) && caught == 4,
	      "std::async results and rethrown exceptions");

	// Thrown and caught entirely inside the thread, many frames deep.
	std::atomic<int> inner{0};
	std::thread t([&] {
		note_library();
		for (int i = 0; i < 1000; i++) {
			try {
				std::vector<int> v;
				(void)v.at(i + 1);
			} catch (const std::out_of_range &) {
				inner++;
			}
		}
	});
	t.join();
	check(inner == 1000, "exceptions caught inside a thread");
}

// Each round: a spinner that only a stop request ends, and a waiter
// asleep in condition_variable_any::wait(lock, stop_token, pred) when the
// jthreads' destructors request the stop.
static void jthread_stop()
{
	int ok = 0;
	for (int round = 0; round < rounds; round++) {
		std::atomic<long> spins{0};
		std::atomic<bool> callback_ran{false};
		std::atomic<pid_t> sleeper_tid{0};
		std::mutex m;
		std::condition_variable_any cv;
		bool woken_by_stop = false;
		{
			std::jthread spinner([&](std::stop_token st) {
				note_library();
				std::stop_callback cb(st, [&] { callback_ran = true; });
				// Yields: under valgrind, which runs one thread at
				// a time, a spinner that never yields starves main.
				while (!st.stop_requested()) {
					spins++;
					std::this_thread::yield();
				}
			});
			std::jthread sleeper([&](std::stop_token st) {
				note_library();
				std::unique_lock lk(m);
				sleeper_tid = gettid();
				// Until a stop request: the predicate never holds.
				woken_by_stop = !cv.wait(lk, st, [] { return false; });
			});
			while (spins < 1000)
				std::this_thread::yield();
			wait_asleep(sleeper_tid);
		}	// both destructors request stop and join
		ok += callback_ran && woken_by_stop;
	}
	check(ok == rounds,
	      "jthread stop_token, stop_callback, condition_variable_any");
}

static void producer_consumer()
{
	std::mutex m;
	std::condition_variable not_empty, not_full;
	std::queue<int> q;
	const int items = 20000 / scale;
	constexpr int producers = 3, consumers = 3;
	long consumed = 0;
	int done = 0;
	std::vector<std::thread> ts;
	for (int p = 0; p < producers; p++)
		ts.emplace_back([&, p] {
			note_library();
			for (int i = 1; i <= items; i++) {
				std::unique_lock lk(m);
				not_full.wait(lk, [&] { return q.size() < 64; });
				q.push(i + p * items);
				not_empty.notify_one();
			}
		});
	for (int c = 0; c < consumers; c++)
		ts.emplace_back([&] {
			note_library();
			for (;;) {
				std::unique_lock lk(m);
				not_empty.wait(lk, [&] {
					return !q.empty() || done == producers;
				});
				if (q.empty())
					return;
				consumed += q.front();
				q.pop();
				not_full.notify_one();
			}
		});
	for (int p = 0; p < producers; p++)
		ts[p].join();
	{
		std::lock_guard lk(m);
		done = producers;
	}
	not_empty.notify_all();
	for (int c = 0; c < consumers; c++)
		ts[producers + c].join();
	long n = (long)items * producers;
	check(consumed == n * (n + 1) / 2,
	      "condition_variable producer/consumer");
}

static void shared_mutex_invariant()
{
	std::shared_mutex sm;
	long a = 0, b = 0;	// writers keep a + b == 0
	std::atomic<int> broken{0};
	std::vector<std::thread> ts;
	for (int w = 0; w < 2; w++)
		ts.emplace_back([&] {
			note_library();
			for (int i = 0; i < 20000 / scale; i++) {
				std::unique_lock lk(sm);
				a++;
				b--;
			}
		});
	for (int r = 0; r < 4; r++)
		ts.emplace_back([&] {
			note_library();
			for (int i = 0; i < 20000 / scale; i++) {
				std::shared_lock lk(sm);
				if (a + b != 0)
					broken++;
			}
		});
	for (auto &t : ts)
		t.join();
	check(broken == 0 && a == 2 * (20000 / scale), "shared_mutex readers see no torn update");
}

static std::atomic<int> tls_destroyed;
struct Tracked {
	int touched = 0;
	~Tracked() { if (touched) tls_destroyed++; }
};
static thread_local Tracked tracked;

static void thread_local_destructors()
{
	constexpr int n = 32;
	for (int round = 0; round < 4; round++) {
		std::vector<std::thread> ts;
		for (int i = 0; i < n; i++)
			ts.emplace_back([] { note_library(); tracked.touched = 1; });
		for (auto &t : ts)
			t.join();
	}
	check(tls_destroyed == 4 * n, "thread_local destructors ran at thread exit");
}

static std::atomic<int> unwound, rethrown;
struct Unwinds {
	~Unwinds() { unwound++; }
};

static std::atomic<pid_t> parked_tid;
static void *cancel_me(void *)
{
	note_library();
	Unwinds outer;
	try {
		Unwinds inner;
		parked_tid = gettid();
		for (;;)
			pause();	// a cancellation point
	} catch (...) {
		// Cancellation unwinds as a foreign exception: it may be
		// caught, but must be rethrown.
		rethrown++;
		throw;
	}
	return nullptr;
}

// Every path ends in pthread_exit, which gcc reads as endless recursion.
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static void exit_from(int depth)
{
	Unwinds here;
	if (depth == 0)
		pthread_exit((void *)42);
	exit_from(depth - 1);
}

static void *exits_deep(void *)
{
	note_library();
	exit_from(5);
	return nullptr;
}

// Each round cancels a thread asleep in pause().
static void cancel_and_exit()
{
	pthread_t t;
	void *res;
	int ok = 0;
	for (int round = 0; round < rounds; round++) {
		unwound = rethrown = 0;
		parked_tid = 0;
		pthread_create(&t, nullptr, cancel_me, nullptr);
		wait_asleep(parked_tid);
		pthread_cancel(t);
		pthread_join(t, &res);
		ok += res == PTHREAD_CANCELED && unwound == 2 && rethrown == 1;
	}
	check(ok == rounds,
	      "pthread_cancel unwinds a C++ thread (destructors, catch-rethrow)");
	unwound = 0;
	pthread_create(&t, nullptr, exits_deep, nullptr);
	pthread_join(t, &res);
	check(res == (void *)42 && unwound == 6,
	      "pthread_exit from six frames down runs their destructors");
}

int main(int argc, char **argv)
{
	if (argc > 1 && std::string(argv[1]) == "--small")
		scale = 20;
	which_print();
	plain_threads();
	async_and_exceptions();
	jthread_stop();
	producer_consumer();
	shared_mutex_invariant();
	thread_local_destructors();
	cancel_and_exit();
	check(mixed_threads == 0, "every thread made by the same library");
	return failures ? 1 : 0;
}
