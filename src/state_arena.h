/*
 * state_arena.h - one allocator for the many small states of a grouped
 * aggregate (a clustered tally per cell: its PSU records, their index and
 * keys), shared by every state of one aggregate memory context.
 *
 * Why: a hash aggregate of 1,800 clustered tallies writes about 16 MB of
 * fresh memory in every query; in small chunks of an AllocSet (rounded to
 * powers of two) that is some 5,000 page faults, and a page fault costs
 * 10-13 microseconds on the virtual machines barometer is developed and
 * benchmarked on: a quarter of the query.  The arena carves the states out
 * of chunks that grow to 8 MB; chunks of 4 MB and more are 2 MB-aligned and
 * marked for transparent huge pages (barometer.huge_page_hint), so they
 * fault once per 2 MB.
 *
 * The arena lives in the aggregate's memory context and dies with it (a
 * reset callback forgets it), so the states keep exactly the lifetime
 * they had.  Freed and outgrown blocks are not reused except the last one
 * (the arrays grow geometrically: the waste is at most what is live).
 * Every request passes guard_bytes (barometer.max_state_bytes); requests
 * over 1 MB get a chunk of their own, freed and grown by the memory
 * context.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_STATE_ARENA_H
#define BAROMETER_STATE_ARENA_H

#include "postgres.h"

typedef struct StateArena StateArena;

/*
 * The arena of memory context cxt (made on first use), or NULL when the
 * backend already tracks its maximum of arenas (the caller then allocates
 * in cxt as before).
 */
extern StateArena *state_arena_of(MemoryContext cxt);

/* guard_realloc's contract, in an arena: (a, NULL, n), (a, p, n), (a, p, 0) */
extern void *state_arena_realloc(void *arena, void *ptr, size_t size);

#endif							/* BAROMETER_STATE_ARENA_H */
