/*
 * tap.h - the Test Anything Protocol for the C unit tests of the core: one
 * test program per core file (test/unit/NAME_test.c), each one translation
 * unit that includes this header once.  ok() prints a test line; a program
 * ends with printf("1..%d\n", test_no) and returns failures > 0.
 * tap_realloc is the plain-malloc allocator the core's realloc-style
 * interfaces (Design, RepAcc, ...) get in the tests.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_TAP_H
#define BAROMETER_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int	test_no = 0;
static int	failures = 0;

static void
ok(int cond, const char *what)
{
	test_no++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", test_no, what);
}

static inline void *
tap_realloc(void *ctx, void *ptr, size_t size)
{
	(void) ctx;
	if (size == 0)
	{
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

#endif							/* BAROMETER_TAP_H */
