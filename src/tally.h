/*
 * tally.h - the barometer.tally SQL type: a varlena holding a versioned
 * TallyCore and, for designs with strata or replicates, the design section;
 * and the helpers its glue files share.
 *
 * Stored layout (version 5), 8-byte aligned:
 *   Tally header (length, version, core, design header)
 *   StratumRec[nstrata], SsuRec[nssu]                 (canonical order)
 *   StratSums[nstrata]          (design kind stratified only; npsu = nssu = 0)
 *   double rscales[nrep], dd_t rep_a[nrep], dd_t rep_b[nrep]
 *   double gram[nrep (nrep + 1) / 2]   (replicates whose rank is tracked and
 *                                       below nrep: rep_rank_core.h)
 *   char arena[arena_len]                             (identifier bytes)
 *   the npsu PSU records, variable length, to the end of the value
 *                                                     (tally.c: "PSU records")
 * Version 5 (0.2) added the core's count of TRUE answers (n_true) and
 * the replicate rank (design header, gram); versions 3 and 4 had neither,
 * and tally_upgrade moves them into the version 5 header (the count
 * unknown, the rank not tracked: df R - 1 as before).
 * Since version 4 (0.2) the PSU records of a one-stage design (kind
 * cluster) use the log's codec, where an id that is the successor of the
 * previous record's integer id in the same stratum is not in the arena
 * (design_core.c: PSU_ID_SUCC).  The log of a one-stage accumulation is
 * stored as it is: a PSU with one row, its id one more than the previous
 * PSU's, takes 9 bytes where version 3 took 18.  Readers rebuild those
 * ids: the cursor gives their values (TallyPsuCursor), the whole view
 * appends them to a copy of the arena.  Values that do not come from a log
 * (inputs, merges, unsorted rows) have no such records.  Version 3's
 * one-stage records never set the bit (it meant SSU counts).
 * Version 2 had fixed PsuRec[npsu] (80 bytes each) between the strata and
 * the SSUs; values of version 2 are still read (tally_view).  The versions
 * of the in-memory layout are not those of the text and binary forms
 * (TALLY_FORM_VERSION, tally_io.c), which carry the records field by field
 * and are version 3 (with the count of TRUE answers and the replicate
 * rank; layout 5).
 * Version 1 (the first release of the text and binary forms) had no design
 * header; its forms are still read, as weights-only tallies.  The design
 * kind stratified (tally_stratified) was added in 0.2 without a new
 * version: no earlier reader ever saw that kind.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_TALLY_H
#define BAROMETER_TALLY_H

#include "postgres.h"
#include "fmgr.h"

#include "design_core.h"
#include "policy_core.h"
#include "rep_core.h"
#include "tally_core.h"

#define TALLY_VERSION 5

/* the version the text and binary forms write (they read 1, 2 and 3) */
#define TALLY_FORM_VERSION 3

/* the most replicates a tally holds (its text and binary inputs check it) */
#define TALLY_MAX_REPLICATES 100000

typedef struct TallyDesignHdr
{
	int32		kind;			/* DesignKind */
	int32		lonely;			/* LonelyPolicy */
	int64		n_sample;		/* DESIGN_WEIGHTS_DOMAIN */
	uint32		nstrata;
	uint32		npsu;
	uint32		nssu;
	uint32		arena_len;
	RepSpec		rep;			/* DESIGN_REPLICATE; zero otherwise */
	int32		rep_rank_state; /* RepRankState (NONE or KNOWN), version 5 */
	int32		rep_rank;		/* REP_RANK_KNOWN: the rank */
} TallyDesignHdr;

typedef struct Tally
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;		/* TALLY_VERSION */
	TallyCore	core;
	TallyDesignHdr dh;
	/* variable part follows */
} Tally;

#define DatumGetTally(d)		tally_upgrade((Tally *) PG_DETOAST_DATUM(d))
#define PG_GETARG_TALLY(n)		DatumGetTally(PG_GETARG_DATUM(n))
#define PG_RETURN_TALLY(t)		PG_RETURN_POINTER(t)

/* the aggregate state of every design-aware aggregate and of merge() */
typedef struct TallyAcc
{
	TallyCore	core;
	Design		design;
	RepAcc		rep;
	bool		empty;			/* no row and no tally seen yet */
	MemoryContext cxt;			/* the state's memory context (design may
								 * allocate from an arena in it) */
} TallyAcc;

/*
 * The PSU records of a stored tally, one at a time (any version): a PSU
 * with one row takes 18 bytes in version 3 (9 in version 4 when its id
 * is a successor), where a reader that views the whole design (tally_view)
 * decodes every record.  A record whose id is a successor has the id
 * DESIGN_ID_SUCC and its value in prev_value.
 */
typedef struct TallyPsuCursor
{
	const char *p;				/* versions 3, 4: the next record */
	const char *end;
	const PsuRec *fixed;		/* version 2: the records */
	uint32		next,
				count;
	DesignPsuCodec codec;		/* versions 3, 4 */
	/* version 4: the previous record's integer id (prev_int) */
	const char *arena;
	uint32		arena_len;
	uint32		prev_stratum;
	bool		prev_int;
	uint64		prev_value;		/* and the value of a successor id just read */
} TallyPsuCursor;
/* tally_read.c: report()'s row and what report_detail adds to it */
typedef struct TallyReport
{
	TallySummary summary;
	double		df;				/* the df of the interval */
	double		level;
	const char *policy;
	int32		version;
	PolicyRow	row;
	PubDecision decision;
} TallyReport;
extern void tally_report_values(FunctionCallInfo fcinfo, Datum *values, bool *nulls,
								TallyReport *rep);

/* tally_agg.c */
extern double tally_arg_weight(FunctionCallInfo fcinfo, int argno);
extern double tally_arg_value(FunctionCallInfo fcinfo, int argno);
extern double tally_arg_ratio_x(FunctionCallInfo fcinfo, int argno);

/* tally_design.c */
extern int64 tally_arg_count(FunctionCallInfo fcinfo, int argno, const char *what, bool is64);
extern void tally_same_n_sample(int64 have, int64 n);
extern void tally_check_domain_rows(int64 n_sample, int64 rows);

/* tally.c */
extern Tally *tally_new(TallyKind kind);
extern Tally *tally_copy(const Tally *t);
extern void tally_view(const Tally *t, Design *d, RepAcc *r);
extern void tally_view_lazy(const Tally *t, Design *d, RepAcc *r);
extern void tally_psu_cursor(const Tally *t, TallyPsuCursor *c);
extern bool tally_psu_next(TallyPsuCursor *c, PsuRec *r);
extern Tally *tally_from_acc(TallyAcc *acc);
extern Tally *tally_pack(TallyAcc *acc, bool finish);
extern TallyAcc *tally_acc_new(MemoryContext cxt);
extern TallyAcc *tally_acc_new_agg(MemoryContext aggcontext);
/* the rank df of replicate accumulators (tally, chisq, replicate_degf) */
extern void rep_rank_settle_due(RepAcc *r);
extern double *rep_rank_work(uint32 R);
extern int	rep_rank_now(RepAcc *r);
extern void tally_acc_merge_tally(TallyAcc *acc, const Tally *t);
extern void tally_acc_merge(TallyAcc *a, TallyAcc *b);
extern void tally_validate(const Tally *t, int sqlstate, const char *input);
extern void tally_check_result(const Tally *t, const char *what);
extern bool tally_consistent(const Tally *t);
extern const char *tally_agg_name(FunctionCallInfo fcinfo, const char *dflt);
extern char *tally_id_text(const char *key, uint32 len);
extern void tally_summarize(const Tally *t, TallySummary *s, bool need_variance);
extern void tally_lonely_error(const Design *d, const DesignVariance *dv) pg_attribute_noreturn();
extern Tally *tally_upgrade(Tally *t);
extern void tally_acc_rep_alloc(TallyAcc *acc, uint32 nrep);

#endif							/* BAROMETER_TALLY_H */
