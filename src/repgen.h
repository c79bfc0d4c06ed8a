/*
 * repgen.h - the barometer.replicate_plan type, shared by repgen.c (the
 * aggregate that builds a plan, the per-row replicate weights and the
 * readers) and repgen_io.c (its text and binary forms, and the check both
 * inputs run).
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_REPGEN_H
#define BAROMETER_REPGEN_H

#include "postgres.h"
#include "fmgr.h"

#include "lib/stringinfo.h"

#include "repgen_core.h"

#define REPPLAN_VERSION 1

/*
 * The stored plan.  After the header: int32 first[nstrata + 1] (the first
 * PSU of each stratum, first[nstrata] = npsus), int32 off[nstrata + npsus
 * + 1] (offsets of the ids, strata then PSUs), then the ids, each ending in
 * a NUL byte.
 */
typedef struct RepPlan
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;		/* REPPLAN_VERSION */
	int32		method;
	int32		lonely;
	int32		small;
	int32		large;
	int32		replicates;
	int32		nstrata;
	int32		npsus;
	int32		reserved;		/* zero */
	double		rho;
	int64		seed;
} RepPlan;

#define DatumGetRepPlan(d)		((RepPlan *) PG_DETOAST_DATUM(d))
#define PG_GETARG_REPPLAN(n)	DatumGetRepPlan(PG_GETARG_DATUM(n))

static inline int32 *
plan_first(RepPlan *p)
{
	return (int32 *) ((char *) p + sizeof(RepPlan));
}

static inline int32 *
plan_off(RepPlan *p)
{
	return plan_first(p) + p->nstrata + 1;
}

static inline char *
plan_ids(RepPlan *p)
{
	return (char *) (plan_off(p) + p->nstrata + p->npsus + 1);
}

static inline const char *
plan_stratum_id(RepPlan *p, int32 h)
{
	return plan_ids(p) + plan_off(p)[h];
}

static inline const char *
plan_psu_id(RepPlan *p, int32 i)
{
	return plan_ids(p) + plan_off(p)[p->nstrata + i];
}

/* a plan being built: strata in order, each followed by its PSUs */
typedef struct PlanBuilder
{
	RepgenSpec	spec;
	int32		nstrata;
	int32		npsus;
	int32		cap_strata;
	int32		cap_psus;
	int32	   *first;			/* [cap_strata + 1] */
	int32	   *stratum_off;	/* into ids */
	int32	   *psu_off;
	StringInfoData sids;		/* stratum ids, NUL-separated */
	StringInfoData pids;		/* PSU ids, NUL-separated */
} PlanBuilder;

/* repgen_io.c */
extern void repplan_builder_init(PlanBuilder *b, const RepgenSpec *spec);
extern void repplan_builder_stratum(PlanBuilder *b, const char *id, int len);
extern void repplan_builder_psu(PlanBuilder *b, const char *id, int len);
extern RepPlan *repplan_builder_finish(PlanBuilder *b);
extern void repplan_get_spec(RepPlan *p, RepgenSpec *s);
extern void repplan_design(RepPlan *p, RepgenDesign *d);
extern void repplan_append_options(StringInfo out, const RepgenSpec *s);

#endif							/* BAROMETER_REPGEN_H */
