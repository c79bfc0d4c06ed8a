/*
 * replicates.h - the barometer.replicates SQL type.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_REPLICATES_H
#define BAROMETER_REPLICATES_H

#include "postgres.h"

#include "rep_core.h"

typedef struct Replicates
{
	int32		vl_len_;
	int32		pad;
	RepSpec		spec;			/* nrep = number of rscales (0 = none) */
	double		rscales[FLEXIBLE_ARRAY_MEMBER];
} Replicates;

#endif							/* BAROMETER_REPLICATES_H */
