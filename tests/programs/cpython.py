# SPDX-License-Identifier: MIT
"""Run CPython's own threading tests in this process, after showing which
library makes this interpreter's threads.

The first line of output names it: "threads: clonethreads" when the thread
started here was created by libclonethreads (asked through its own
clonethreads_is_own_thread), "threads: glibc" when the library is not in
the process at all.  Then test.libregrtest runs the named tests in-process
(no worker processes), so the tests' threads are made by the same library.
A test method that fails is run once more, alone and verbose (regrtest's
--verbose2, as CPython's own CI runs its suite); the run fails if it fails
again, and its output names it either way (cpython.sh reports it).
"""
import ctypes
import sys
import threading

from test.libregrtest import main as regrtest_main


def which_library():
    with open("/proc/self/maps") as maps:
        mapped = "libclonethreads" in maps.read()
    libc = ctypes.CDLL(None)
    libc.pthread_self.restype = ctypes.c_ulong
    answer = {}

    def probe():
        own = getattr(libc, "clonethreads_is_own_thread", None) if mapped else None
        if own is None:
            answer["who"] = "glibc"
        else:
            own.argtypes = [ctypes.c_ulong]
            answer["who"] = "clonethreads" if own(libc.pthread_self()) == 1 else "mixed"

    t = threading.Thread(target=probe)
    t.start()
    t.join()
    return answer["who"]


# multiprocessing's spawn and forkserver children import this file again
# as their __main__: only the parent runs the tests.
if __name__ == "__main__":
    print("threads:", which_library(), flush=True)
    regrtest_main(tests=sys.argv[1:], verbose=False, verbose2=True)
