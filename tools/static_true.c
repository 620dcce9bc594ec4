/* SPDX-License-Identifier: MIT */
/* A statically linked program, which clonethreads-run must refuse: there
 * is no dynamic loader in it to read LD_PRELOAD. */
int main(void)
{
	return 0;
}
