/*
 * guard_core.c - the host's interrupt functions and memory limit, as the
 * core sees them (see guard_core.h).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "guard_core.h"

CoreInterruptFn core_interrupt_fn = NULL;
CorePendingFn core_pending_fn = NULL;
size_t		core_max_bytes = 0;
