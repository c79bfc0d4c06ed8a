/*
 * guard.h - what every glue file uses to stay safe in a shared server: the
 * barometer.max_state_bytes limit (SQLSTATE 54000 before an allocation that
 * would pass it), the one allocator the core's realloc-style interfaces get,
 * and interrupts for code that cannot be left by longjmp (a solver).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_GUARD_H
#define BAROMETER_GUARD_H

#include "postgres.h"

#include "guard_core.h"

/* the GUC barometer.max_state_bytes, in bytes */
extern int	barometer_max_state_bytes;

/*
 * Raise 54000 unless count elements of elem bytes fit in the limit; what
 * names the thing ("the PSUs of a tally", "the replicate weights").
 */
extern void guard_array(uint64 count, size_t elem, const char *what);
extern void guard_bytes(size_t bytes, const char *what);

/*
 * realloc-like allocator in the memory context ctx, checked against the
 * limit: (ctx, NULL, n) allocates, (ctx, p, 0) frees and returns NULL.
 * The Design, RepAcc and suppression interfaces of the core take it.
 */
extern void *guard_realloc(void *ctx, void *ptr, size_t size);

/* the GUC barometer.huge_page_hint, and the hint for a large allocation */
extern bool barometer_huge_page_hint;
extern void guard_hugepage_hint(void *ptr, size_t size);

/* a cancel or termination is pending (never the other interrupt reasons) */
extern bool guard_cancel_pending(void);

/*
 * After code stopped on guard_cancel_pending() and freed what it held:
 * process the interrupt (raises its error); if PostgreSQL holds it off,
 * raise 57014 ourselves, so a stopped computation never returns a result.
 */
extern void guard_raise_cancel(void) pg_attribute_noreturn();

#endif							/* BAROMETER_GUARD_H */
