/* SPDX-License-Identifier: MIT */
/* A module with initial-exec TLS, which the tests dlopen while threads
 * run: ld.so places its block in the static TLS every thread already
 * has, and must initialise it there in every thread (tests/t_tls.c). */
__thread int tlsie_value __attribute__((tls_model("initial-exec"))) = 42;

int tlsie_get(void)
{
	return tlsie_value;
}

void tlsie_set(int v)
{
	tlsie_value = v;
}
