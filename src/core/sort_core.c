/*
 * sort_core.c - bottom-up stable merge sort of indexes with interrupt polls
 * (see sort_core.h).  Runs of 16 are sorted by insertion first.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <string.h>

#include "guard_core.h"
#include "sort_core.h"

#define RUN 16

void
core_sort_index(uint32_t *idx, size_t n, CoreIndexCmp cmp, const void *arg, uint32_t *work)
{
	uint32_t   *src = idx,
			   *dst = work;
	uint32_t	tick = 0;
	size_t		i,
				width;

	/* insertion sort of runs of RUN */
	for (i = 0; i < n; i += RUN)
	{
		size_t		end = i + RUN < n ? i + RUN : n,
					j;

		for (j = i + 1; j < end; j++)
		{
			uint32_t	x = idx[j];
			size_t		k = j;

			while (k > i && cmp(idx[k - 1], x, arg) > 0)
			{
				idx[k] = idx[k - 1];
				k--;
			}
			idx[k] = x;
		}
		core_poll(&tick);
	}
	/* merge passes, alternating between idx and work */
	for (width = RUN; width < n; width *= 2)
	{
		for (i = 0; i < n; i += 2 * width)
		{
			size_t		mid = i + width < n ? i + width : n,
						end = i + 2 * width < n ? i + 2 * width : n,
						a = i,
						b = mid,
						k = i;

			/* runs already in order (presorted input): copy */
			if (b < end && cmp(src[mid - 1], src[mid], arg) <= 0)
			{
				memcpy(dst + i, src + i, (end - i) * sizeof(uint32_t));
				core_poll(&tick);
				continue;
			}
			while (a < mid && b < end)
			{
				/* stable: on a tie the left run goes first */
				if (cmp(src[b], src[a], arg) < 0)
					dst[k++] = src[b++];
				else
					dst[k++] = src[a++];
				core_poll(&tick);
			}
			while (a < mid)
				dst[k++] = src[a++];
			while (b < end)
				dst[k++] = src[b++];
		}
		{
			uint32_t   *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != idx)
		memcpy(idx, src, n * sizeof(uint32_t));
}

/* digit d (0..5, 16 bits each; 0-3 from lo, 4-5 from hi) of a key */
static inline uint32_t
digit(const CoreSortKey *k, int d)
{
	return d < 4 ? (uint32_t) (k->lo >> (16 * d)) & 0xFFFFu : (k->hi >> (16 * (d - 4))) & 0xFFFFu;
}

void
core_radix_sort(CoreSortKey *keys, size_t n, CoreSortKey *work, size_t *counts)
{
	CoreSortKey *src = keys,
			   *dst = work;
	uint32_t	tick = 0;
	int			d;

	for (d = 0; d < 6; d++)
	{
		size_t		i,
					sum = 0;

		memset(counts, 0, 65536 * sizeof(size_t));
		for (i = 0; i < n; i++)
		{
			counts[digit(&src[i], d)]++;
			core_poll(&tick);
		}
		if (n == 0 || counts[digit(&src[0], d)] == n)
			continue;			/* one digit value: the pass changes nothing */
		for (i = 0; i < 65536; i++)
		{
			size_t		c = counts[i];

			counts[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
		{
			dst[counts[digit(&src[i], d)]++] = src[i];
			core_poll(&tick);
		}
		{
			CoreSortKey *t = src;

			src = dst;
			dst = t;
		}
	}
	if (src != keys)
		memcpy(keys, src, n * sizeof(CoreSortKey));
}
