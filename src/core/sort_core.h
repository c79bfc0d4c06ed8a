/*
 * sort_core.h - a stable merge sort of uint32 indexes that stops when the
 * host cancels (guard_core.h): the canonical order of a design's PSUs and
 * R's order() for p_adjust run over millions of entries, and qsort cannot
 * be interrupted.  O(n log n) comparisons, n extra indexes of work space.
 * Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_SORT_CORE_H
#define BAROMETER_SORT_CORE_H

#include <stddef.h>
#include <stdint.h>

/* <0, 0, >0 as a sorts before, with or after b */
typedef int (*CoreIndexCmp) (uint32_t a, uint32_t b, const void *arg);

/*
 * Sort idx[0..n-1] stably by cmp; work holds n indexes (the caller's
 * allocator gives it, so core_check_interrupts may leave from here).
 */
extern void core_sort_index(uint32_t *idx, size_t n, CoreIndexCmp cmp, const void *arg,
							uint32_t *work);

#endif							/* BAROMETER_SORT_CORE_H */

/*
 * Keys of up to 96 bits for a least-significant-digit radix sort: (hi, lo)
 * compared as unsigned numbers, hi first; idx is carried along.  Used for
 * the canonical order of integer-identified PSUs, where it replaces
 * O(n log n) comparisons by six O(n) passes.
 */
typedef struct CoreSortKey
{
	uint64_t	lo;
	uint32_t	hi;
	uint32_t	idx;
} CoreSortKey;

/*
 * Sort keys[0..n-1] stably by (hi, lo); work holds n keys; counts holds
 * 65536 size_t.  Passes whose digit is the same for every key are skipped,
 * so sorted or narrow keys cost little.
 */
extern void core_radix_sort(CoreSortKey *keys, size_t n, CoreSortKey *work, size_t *counts);
