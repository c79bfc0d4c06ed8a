/*
 * guard_core.h - what the statistical core asks of its host while it works:
 * to stop when the user cancels or a timeout fires, and how much memory one
 * state or working array may take.  Plain C, no PostgreSQL headers; the
 * glue (src/guard.c) installs the host's functions when the library loads,
 * the C unit tests leave them unset.
 *
 * Two ways to stop, by what the code holds when it is asked to:
 *   core_check_interrupts()  may not return (the host raises its error and
 *       frees what the host's allocator gave out).  Call it only where
 *       everything live was allocated through the host's allocator (the
 *       Design and RepAcc realloc functions, CoreAlloc).
 *   core_cancel_pending()    only tells.  Code that holds resources the
 *       host cannot free (a GLPK problem, malloc'ed arrays) polls it, frees
 *       them and returns a "cancelled" status; the glue then calls the host's
 *       interrupt check.
 * Loops whose length a user controls call one of them every
 * CORE_POLL_EVERY iterations at most (the call is cheap, but not free in an
 * inner loop).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_GUARD_CORE_H
#define BAROMETER_GUARD_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORE_POLL_EVERY 4096

typedef void (*CoreInterruptFn) (void);
typedef bool (*CorePendingFn) (void);

/* set by the host; NULL: never interrupted */
extern CoreInterruptFn core_interrupt_fn;
extern CorePendingFn core_pending_fn;

/* the largest state or working array, in bytes; 0: no limit (unit tests) */
extern size_t core_max_bytes;

static inline void
core_check_interrupts(void)
{
	if (core_interrupt_fn)
		core_interrupt_fn();
}

static inline bool
core_cancel_pending(void)
{
	return core_pending_fn != NULL && core_pending_fn();
}

/* every CORE_POLL_EVERY calls: *tick counts down */
static inline void
core_poll(uint32_t *tick)
{
	if (++*tick >= CORE_POLL_EVERY)
	{
		*tick = 0;
		core_check_interrupts();
	}
}

/*
 * count * elem bytes, or SIZE_MAX when that overflows: the size to check
 * against core_max_bytes before allocating.
 */
static inline size_t
core_array_bytes(uint64_t count, size_t elem)
{
	if (elem != 0 && count > SIZE_MAX / elem)
		return SIZE_MAX;
	return (size_t) count * elem;
}

static inline bool
core_within_limit(size_t bytes)
{
	return core_max_bytes == 0 || bytes <= core_max_bytes;
}

#endif							/* BAROMETER_GUARD_CORE_H */
