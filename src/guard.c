/*
 * guard.c - module magic, the extension's settings and the host functions
 * the core calls to stop and to stay within memory (guard_core.h).
 *
 * barometer.max_state_bytes (default 256MB, superuser-set): the largest
 * aggregate state, stored value or working array one call may build.  A
 * stored value cannot pass 1 GB (PostgreSQL's varlena limit), nor can the
 * setting; the default leaves room for a clustered tally of about 3 million
 * PSUs.
 *
 * barometer.huge_page_hint (default on, any user): large states and stored
 * values (4 MB and more) ask the kernel for transparent huge pages
 * (madvise MADV_HUGEPAGE), so that writing them takes one page fault per
 * 2 MB instead of 512.  Where the kernel's THP setting is "never" (or the
 * platform has no MADV_HUGEPAGE) the hint does nothing.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "guard.h"

#include <sys/mman.h>

PG_MODULE_MAGIC;

int			barometer_max_state_bytes = 256 * 1024 * 1024;
bool		barometer_huge_page_hint = true;

void		_PG_init(void);

static void
assign_max_state_bytes(int newval, void *extra)
{
	core_max_bytes = (size_t) newval;
}

static void
host_check_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

bool
guard_cancel_pending(void)
{
	return QueryCancelPending || ProcDiePending;
}

void
guard_raise_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("canceling statement due to user request")));
}

void
_PG_init(void)
{
	DefineCustomIntVariable("barometer.max_state_bytes",
							"Largest aggregate state, stored value or working array of one barometer call.",
							"Larger inputs stop with SQLSTATE 54000 before the memory is allocated.",
							&barometer_max_state_bytes,
							256 * 1024 * 1024,
							64 * 1024, (int) MaxAllocSize,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, assign_max_state_bytes, NULL);
	DefineCustomBoolVariable("barometer.huge_page_hint",
							 "Ask for transparent huge pages for large barometer states and stored values.",
							 "Writes to states of 4 MB and more then fault once per 2 MB; without effect where the kernel's THP setting is never.",
							 &barometer_huge_page_hint,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("barometer");
	core_max_bytes = (size_t) barometer_max_state_bytes;
	core_interrupt_fn = host_check_interrupts;
	core_pending_fn = guard_cancel_pending;
}

void
guard_bytes(size_t bytes, const char *what)
{
	if (bytes > (size_t) barometer_max_state_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s would take more than barometer.max_state_bytes", what),
				 bytes == SIZE_MAX ?
				 errdetail("The size overflows; the limit is %d bytes.", barometer_max_state_bytes) :
				 errdetail("It needs %zu bytes; the limit is %d bytes.", bytes, barometer_max_state_bytes),
				 errhint("Split the work into smaller groups, or ask a superuser to raise barometer.max_state_bytes (up to 1GB for stored values).")));
}

void
guard_array(uint64 count, size_t elem, const char *what)
{
	guard_bytes(core_array_bytes(count, elem), what);
}

void *
guard_realloc(void *ctx, void *ptr, size_t size)
{
	if (size == 0)
	{
		if (ptr)
			pfree(ptr);
		return NULL;
	}
	guard_bytes(size, "a barometer state or working array");
	if (ptr == NULL)
		ptr = MemoryContextAllocHuge((MemoryContext) ctx, size);
	else
		ptr = repalloc_huge(ptr, size);
	guard_hugepage_hint(ptr, size);
	return ptr;
}

/*
 * The 2 MB-aligned part of [ptr, ptr + size) of a state of 4 MB or more:
 * transparent huge pages, if the kernel gives them to madvised memory.  A
 * hint only: an error (EINVAL where THP is off) changes nothing.
 */
void
guard_hugepage_hint(void *ptr, size_t size)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t) 2 * 1024 * 1024;
	uintptr_t	from = ((uintptr_t) ptr + huge - 1) & ~(huge - 1);
	uintptr_t	to = ((uintptr_t) ptr + size) & ~(huge - 1);

	if (barometer_huge_page_hint && ptr != NULL && size >= 2 * huge && to > from)
		(void) madvise((void *) from, to - from, MADV_HUGEPAGE);
#endif
}
