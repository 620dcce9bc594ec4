/* SPDX-License-Identifier: MIT */
/* The TLS probes: the same set of __thread variables defined in the test
 * program, in a shared library linked into it (tlsmod.c) and in a module
 * loaded with dlopen after threads have started (tlsdl.c), with accessor
 * functions so the tests check all three the same way. */
#ifndef TST_TLSMOD_H
#define TST_TLSMOD_H

#define TST_TLS_BIG 4096

struct tst_tls_probe {
	const char *name;
	int image_init;			/* initial value of `init' */
	const char *image_str;		/* initial value of `str' */
	int (*get_init)(void);
	void (*set_init)(int);
	long (*get_bss)(void);		/* .tbss: starts at 0 */
	void (*set_bss)(long);
	const char *(*get_str)(void);
	void (*set_str)(const char *);
	int (*big_is_image)(void);	/* a larger initialised block */
	void (*big_scribble)(void);
	void *(*addr)(void);		/* address of `init' in this thread */
};

/* Defines the variables (global, so -fPIC code reaches them through the
 * general-dynamic model) and `const struct tst_tls_probe prefix##_probe'. */
#define TST_TLS_PROBE_DEFINE(prefix, init_value, str_value)		\
	__thread int prefix##_init = init_value;			\
	__thread long prefix##_bss;					\
	__thread char prefix##_str[32] = str_value;			\
	__thread unsigned char prefix##_big[TST_TLS_BIG] = {		\
		[0] = 1, [TST_TLS_BIG / 2] = 0x77, [TST_TLS_BIG - 1] = 0x5a }; \
	static int prefix##_get_init(void) { return prefix##_init; }	\
	static void prefix##_set_init(int v) { prefix##_init = v; }	\
	static long prefix##_get_bss(void) { return prefix##_bss; }	\
	static void prefix##_set_bss(long v) { prefix##_bss = v; }	\
	static const char *prefix##_get_str(void) { return prefix##_str; } \
	static void prefix##_set_str(const char *s)			\
	{								\
		unsigned i = 0;						\
		for (; s[i] && i < sizeof prefix##_str - 1; i++)	\
			prefix##_str[i] = s[i];				\
		prefix##_str[i] = 0;					\
	}								\
	static int prefix##_big_is_image(void)				\
	{								\
		for (unsigned i = 0; i < TST_TLS_BIG; i++) {		\
			unsigned char want = i == 0 ? 1 :		\
				i == TST_TLS_BIG / 2 ? 0x77 :		\
				i == TST_TLS_BIG - 1 ? 0x5a : 0;		\
			if (prefix##_big[i] != want)			\
				return 0;				\
		}							\
		return 1;						\
	}								\
	static void prefix##_big_scribble(void)				\
	{								\
		for (unsigned i = 0; i < TST_TLS_BIG; i++)		\
			prefix##_big[i] = (unsigned char)(i * 7 + 3);	\
	}								\
	static void *prefix##_addr(void) { return &prefix##_init; }	\
	const struct tst_tls_probe prefix##_probe = {			\
		#prefix, init_value, str_value,				\
		prefix##_get_init, prefix##_set_init,			\
		prefix##_get_bss, prefix##_set_bss,			\
		prefix##_get_str, prefix##_set_str,			\
		prefix##_big_is_image, prefix##_big_scribble,		\
		prefix##_addr,						\
	}

/* libtlsmod, linked into the test programs. */
extern const struct tst_tls_probe tlsmod_probe;
/* The dlopen'ed module exports `tlsdl_probe' (look it up with dlsym). */

#endif
