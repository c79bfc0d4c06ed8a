/*
 * state_arena.c - the states' arena (state_arena.h).
 *
 * A block is an 8-byte header (its usable size, a multiple of 8, with bit
 * 0 set when the block is a memory-context chunk of its own) and its bytes.
 * Chunks grow 16 KB, 64 KB, 256 KB, 1 MB, 4 MB, then 8 MB; from 4 MB they
 * start on a 2 MB boundary and take the huge-page hint as a whole.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "guard.h"
#include "state_arena.h"

#define ARENA_FIRST_CHUNK ((size_t) 16 * 1024)
#define ARENA_MAX_CHUNK ((size_t) 8 * 1024 * 1024)
#define ARENA_HUGE_CHUNK ((size_t) 4 * 1024 * 1024)
#define ARENA_HUGE_ALIGN ((size_t) 2 * 1024 * 1024)
#define ARENA_OWN_CHUNK ((size_t) 1024 * 1024)	/* larger requests: their own */
#define ARENA_HDR sizeof(size_t)
#define ARENA_MAX_TRACKED 16

struct StateArena
{
	MemoryContext cxt;
	char	   *cur;			/* free space of the current chunk */
	char	   *end;
	char	   *last;			/* the header of the newest block, or NULL */
	size_t		next_chunk;
	MemoryContextCallback cb;
};

/* the live arenas of this backend, one per memory context */
static StateArena *tracked[ARENA_MAX_TRACKED];

static void
arena_forget(void *arg)
{
	int			i;

	for (i = 0; i < ARENA_MAX_TRACKED; i++)
		if (tracked[i] == arg)
			tracked[i] = NULL;
}

StateArena *
state_arena_of(MemoryContext cxt)
{
	StateArena *a;
	int			i,
				free_slot = -1;

	for (i = 0; i < ARENA_MAX_TRACKED; i++)
	{
		if (tracked[i] != NULL && tracked[i]->cxt == cxt)
			return tracked[i];
		if (tracked[i] == NULL && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return NULL;
	a = MemoryContextAllocZero(cxt, sizeof(StateArena));
	a->cxt = cxt;
	a->next_chunk = ARENA_FIRST_CHUNK;
	a->cb.func = arena_forget;
	a->cb.arg = a;
	MemoryContextRegisterResetCallback(cxt, &a->cb);
	tracked[free_slot] = a;
	return a;
}

static inline size_t
hdr_size(const char *hdr)
{
	size_t		s;

	memcpy(&s, hdr, sizeof(s));
	return s;
}

static void
new_chunk(StateArena *a, size_t need)
{
	size_t		size = Max(a->next_chunk, need);
	char	   *chunk;

	if (size >= ARENA_HUGE_CHUNK)
	{
		chunk = MemoryContextAllocHuge(a->cxt, size + ARENA_HUGE_ALIGN);
		chunk = (char *) TYPEALIGN(ARENA_HUGE_ALIGN, chunk);
		guard_hugepage_hint(chunk, size);
	}
	else
		chunk = MemoryContextAlloc(a->cxt, size);
	a->cur = chunk;
	a->end = chunk + size;
	a->last = NULL;
	a->next_chunk = Min(a->next_chunk * 4, ARENA_MAX_CHUNK);
}

static void *
arena_alloc(StateArena *a, size_t size)
{
	size_t		s8;
	char	   *hdr;

	guard_bytes(size, "a barometer state or working array");
	s8 = TYPEALIGN(8, size);
	if (s8 > ARENA_OWN_CHUNK)
	{
		size_t		tagged = s8 | 1;

		hdr = MemoryContextAllocHuge(a->cxt, s8 + ARENA_HDR);
		memcpy(hdr, &tagged, sizeof(tagged));
		guard_hugepage_hint(hdr, s8 + ARENA_HDR);
		return hdr + ARENA_HDR;
	}
	if ((size_t) (a->end - a->cur) < s8 + ARENA_HDR)
		new_chunk(a, s8 + ARENA_HDR);
	hdr = a->cur;
	memcpy(hdr, &s8, sizeof(s8));
	a->cur += s8 + ARENA_HDR;
	a->last = hdr;
	return hdr + ARENA_HDR;
}

void *
state_arena_realloc(void *arena, void *ptr, size_t size)
{
	StateArena *a = (StateArena *) arena;
	char	   *hdr;
	size_t		old;
	void	   *n;

	if (ptr == NULL)
		return size == 0 ? NULL : arena_alloc(a, size);
	hdr = (char *) ptr - ARENA_HDR;
	old = hdr_size(hdr);
	if (old & 1)
	{
		/* a chunk of its own: the memory context frees and grows it */
		size_t		tagged;

		if (size == 0)
		{
			pfree(hdr);
			return NULL;
		}
		guard_bytes(size, "a barometer state or working array");
		tagged = TYPEALIGN(8, size) | 1;
		hdr = repalloc_huge(hdr, TYPEALIGN(8, size) + ARENA_HDR);
		memcpy(hdr, &tagged, sizeof(tagged));
		guard_hugepage_hint(hdr, TYPEALIGN(8, size) + ARENA_HDR);
		return hdr + ARENA_HDR;
	}
	if (size == 0)
	{
		/* the newest block gives its space back; any other stays */
		if (hdr == a->last)
		{
			a->cur = hdr;
			a->last = NULL;
		}
		return NULL;
	}
	if (size <= old)
		return ptr;
	if (hdr == a->last && TYPEALIGN(8, size) <= ARENA_OWN_CHUNK &&
		(size_t) (a->end - (char *) ptr) >= TYPEALIGN(8, size))
	{
		/* the newest block grows in place */
		size_t		s8 = TYPEALIGN(8, size);

		guard_bytes(size, "a barometer state or working array");
		memcpy(hdr, &s8, sizeof(s8));
		a->cur = (char *) ptr + s8;
		return ptr;
	}
	n = arena_alloc(a, size);
	memcpy(n, ptr, old);
	return n;
}
