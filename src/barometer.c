/*
 * barometer.c - module magic and the small helpers shared by the glue.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "postgres.h"
#include "fmgr.h"

#include "tally.h"

PG_MODULE_MAGIC;

/* a zeroed tally of the given kind in the current memory context */
Tally *
tally_new(TallyKind kind)
{
	Tally	   *t = (Tally *) palloc0(sizeof(Tally));

	SET_VARSIZE(t, sizeof(Tally));
	t->version = TALLY_VERSION;
	tally_core_init(&t->core, kind);
	return t;
}

Tally *
tally_copy(const Tally *t)
{
	Tally	   *r = (Tally *) palloc(sizeof(Tally));

	memcpy(r, t, sizeof(Tally));
	return r;
}
