/*
 * magnitude.h - the barometer.magnitude SQL type: the contributors, the
 * total and the largest contributions of a cell of a magnitude table (what
 * the dominance and p% rules need), kept exactly.  Its aggregates, text and
 * binary forms and readers are in magnitude.c; publication.c reads it for
 * publication_status.
 *
 * Stored layout (version 1): the header below, then top[ntop] in
 * descending order, ntop = min(keep, n).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_MAGNITUDE_H
#define BAROMETER_MAGNITUDE_H

#include "postgres.h"
#include "fmgr.h"

#include "dd.h"

#define MAG_VERSION 1
#define MAG_MAX_KEEP 1000

typedef struct Magnitude
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;		/* MAG_VERSION */
	int32		keep;			/* how many of the largest are kept */
	int32		ntop;			/* how many are kept: min(keep, n) */
	int64		n;				/* contributors (non-NULL rows) */
	dd_t		total;			/* sum of the contributions */
	double		top[FLEXIBLE_ARRAY_MEMBER];	/* descending */
} Magnitude;

#define MAG_SIZE(k) (offsetof(Magnitude, top) + sizeof(double) * (k))
#define PG_GETARG_MAGNITUDE(n) ((Magnitude *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

#endif							/* BAROMETER_MAGNITUDE_H */
