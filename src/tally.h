/*
 * tally.h - the barometer.tally SQL type: a varlena holding a versioned
 * TallyCore, and the helpers its glue files share.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_TALLY_H
#define BAROMETER_TALLY_H

#include "postgres.h"
#include "fmgr.h"

#include "tally_core.h"

/* version of the in-memory, text and binary forms written by this build */
#define TALLY_VERSION 1

typedef struct Tally
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;		/* TALLY_VERSION */
	TallyCore	core;
} Tally;

#define DatumGetTally(d)		((Tally *) PG_DETOAST_DATUM(d))
#define PG_GETARG_TALLY(n)		DatumGetTally(PG_GETARG_DATUM(n))
#define PG_RETURN_TALLY(t)		PG_RETURN_POINTER(t)

extern Tally *tally_new(TallyKind kind);
extern Tally *tally_copy(const Tally *t);

#endif							/* BAROMETER_TALLY_H */
