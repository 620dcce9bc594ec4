/* A stand-in for the library on a glibc it does not support: its start-up
 * check, a constructor, ends the process with one message before main. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void refuse(void)
{
	fputs("clonethreads: this glibc is not supported: (a stand-in "
	      "for the test of clonethreads-run --check)\n", stderr);
	abort();
}
