/*
 * repgen_core.h - replicate weights made from a stratified clustered
 * design: JK1, JKn, BRR, Fay, bootstrap and Rao-Wu (sub)bootstrap, as
 * R survey 4.1.1's as.svrepdesign() makes them.  Plain C, no PostgreSQL
 * headers.
 *
 * The design is a list of strata, each a list of PSUs, in "plan order"
 * (the caller sorts both; R's order of first appearance is this order when
 * the data are sorted the same way).  A PSU is numbered globally: stratum 0's
 * PSUs first, then stratum 1's, and so on.  The replicate factor of PSU i in
 * replicate r is a_ir; a row's replicate (analysis) weight is w * a_ir.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_REPGEN_CORE_H
#define BAROMETER_REPGEN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum RepgenMethod
{
	REPGEN_JK1 = 1,				/* delete-one jackknife, one stratum */
	REPGEN_JKN = 2,				/* stratified delete-one jackknife */
	REPGEN_BRR = 3,				/* balanced repeated replication */
	REPGEN_FAY = 4,				/* BRR with Fay's factor rho */
	REPGEN_BOOTSTRAP = 5,		/* R's "bootstrap": n_h draws, a = count */
	REPGEN_SUBBOOTSTRAP = 6		/* Rao-Wu: n_h - 1 draws, a = count n_h/(n_h-1) */
} RepgenMethod;

/* JKn: a stratum with one PSU (R's option survey.lonely.psu) */
typedef enum RepgenLonely
{
	REPGEN_LONELY_FAIL = 0,
	REPGEN_LONELY_REMOVE = 1,
	REPGEN_LONELY_CERTAINTY = 2,
	REPGEN_LONELY_AVERAGE = 3,
	REPGEN_LONELY_ADJUST = 4
} RepgenLonely;

/* BRR and Fay: a stratum with one PSU (R's brrweights(small = )) */
typedef enum RepgenSmall
{
	REPGEN_SMALL_FAIL = 0,
	REPGEN_SMALL_SPLIT = 1
} RepgenSmall;

/* BRR and Fay: a stratum with more than two PSUs (brrweights(large = )) */
typedef enum RepgenLarge
{
	REPGEN_LARGE_SPLIT = 0,
	REPGEN_LARGE_MERGE = 1,
	REPGEN_LARGE_FAIL = 2
} RepgenLarge;

#define REPGEN_DEFAULT_REPLICATES 50
#define REPGEN_MAX_REPLICATES 10000
/* BRR and Fay: at most this many half-sample pseudo-strata */
#define REPGEN_MAX_PSEUDO_STRATA 4096

/* the method and its options (fields that do not apply are zero) */
typedef struct RepgenSpec
{
	int32_t		method;			/* RepgenMethod */
	int32_t		lonely;			/* RepgenLonely (jkn) */
	int32_t		small;			/* RepgenSmall (brr, fay) */
	int32_t		large;			/* RepgenLarge (brr, fay) */
	int32_t		replicates;		/* bootstraps: number of replicates */
	double		rho;			/* fay: 0 <= rho < 1 */
	int64_t		seed;			/* bootstraps */
} RepgenSpec;

/* the design: strata in plan order and their PSU counts */
typedef struct RepgenDesign
{
	int32_t		nstrata;
	const int32_t *npsu;		/* PSUs of each stratum (>= 1) */
	const char *const *stratum_id;	/* text form of each stratum id */
} RepgenDesign;

/* problems a design can have for a method (repgen_check) */
typedef enum RepgenProblem
{
	REPGEN_OK = 0,
	REPGEN_P_EMPTY,				/* no stratum */
	REPGEN_P_STRATIFIED,		/* jk1 with more than one stratum */
	REPGEN_P_ONE_PSU,			/* jk1 with a single PSU */
	REPGEN_P_LONELY,			/* a stratum with one PSU the method cannot use */
	REPGEN_P_LARGE,				/* brr/fay large=fail and a stratum > 2 PSUs */
	REPGEN_P_ODD,				/* brr/fay large=split and an odd stratum > 2 */
	REPGEN_P_ALL_LONELY,		/* jkn (but adjust), bootstrap: every stratum has one PSU */
	REPGEN_P_TOO_MANY			/* brr/fay: too many pseudo-strata */
} RepgenProblem;

/* allocator of zeroed memory that never returns NULL (palloc0 in the glue) */
typedef void *(*RepgenAlloc) (void *ctx, size_t size);

/*
 * Everything that gives the replicate factors, made by repgen_new from a
 * checked design.  The Hadamard rows (BRR, Fay) and the bootstrap counts are
 * made by repgen_prepare, which the readers of the summary do not need.
 */
typedef struct Repgen
{
	RepgenSpec	spec;
	int32_t		nstrata;
	int32_t		npsus;
	int32_t		nreps;
	const int32_t *npsu;		/* borrowed from the design */
	int32_t    *first;			/* first global PSU of each stratum, [nstrata+1] */
	int32_t    *stratum_of;		/* stratum of each global PSU */
	double		scale;
	double	   *rscales;		/* [nreps] */
	/* jkn */
	int32_t    *block;			/* first replicate of a stratum's block, or -1 */
	int32_t    *adjust;			/* lonely=adjust: the stratum's replicate, or -1 */
	double		adjust_factor;	/* H/(H-1) */
	/* brr, fay: per global PSU */
	int32_t    *pseudo;			/* pseudo-stratum (1-based row of the Hadamard matrix) */
	uint8_t    *half;			/* 0: weights (0,1), 1: (1,0), 2: (0.5,0.5) */
	int32_t		upto;			/* pseudo-strata */
	int32_t		nsplit_small;	/* pseudo-strata of lonely PSUs (small=split) */
	int32_t		hadamard_size;
	/* made by repgen_prepare */
	bool		prepared;
	uint8_t    *hadamard;		/* rows 0..upto of the matrix, [(upto+1) x nreps] */
	int32_t    *counts;			/* bootstraps: draws of each PSU, [npsus x nreps] */
} Repgen;

/* method names: jk1 jkn brr fay bootstrap subbootstrap */
extern int	repgen_method_parse(const char *name);
extern const char *repgen_method_name(int method);
extern const char *repgen_lonely_name(int lonely);
extern const char *repgen_small_name(int small);
extern const char *repgen_large_name(int large);

/*
 * Parse the method and its options "key=value[, key=value ...]" (NULL or ""
 * for the defaults) into *spec.  Returns true, or false with a sentence in
 * err.  *unknown_method is set when the method itself is unknown.
 */
extern bool repgen_spec_parse(RepgenSpec *spec, const char *method, const char *options,
							  bool *unknown_method, char *err, size_t errlen);
/* a stored spec is one repgen_spec_parse can make: NULL or a sentence */
extern const char *repgen_spec_check(const RepgenSpec *spec);

/* can the method make replicates from the design?  detail names the strata */
extern RepgenProblem repgen_check(const RepgenSpec *spec, const RepgenDesign *d,
								  char *detail, size_t detaillen);
extern const char *repgen_problem_message(RepgenProblem p);
extern const char *repgen_problem_hint(RepgenProblem p, const RepgenSpec *spec);

extern Repgen *repgen_new(const RepgenSpec *spec, const RepgenDesign *d,
						  RepgenAlloc alloc, void *ctx);
extern void repgen_prepare(Repgen *g, RepgenAlloc alloc, void *ctx);
/* factors of global PSU i in every replicate: out[nreps] (needs prepare) */
extern void repgen_factors(const Repgen *g, int32_t psu, double *out);
/* R's degf: rank of the replicate factor matrix - 1 (bootstraps: prepare) */
extern double repgen_df(const Repgen *g, RepgenAlloc alloc, void *ctx);

/* R's survey:::hadamard(n): its size, and the matrix (0/1, row-major) */
extern int32_t repgen_hadamard_size(int32_t n);
extern void repgen_hadamard_build(int32_t n, uint8_t *out, RepgenAlloc alloc, void *ctx);

/* the generator of the bootstraps (exposed for the tests) */
extern uint64_t repgen_mix64(uint64_t z);
extern uint64_t repgen_stream_key(int64_t seed, int32_t stratum, int32_t replicate);
extern uint32_t repgen_uniform_below(uint64_t key, uint64_t *counter, uint32_t n);

/* rank of an integer matrix (rows x cols, row-major) over GF(2^31 - 1) */
extern int32_t repgen_rank_mod_p(const int32_t *m, int32_t rows, int32_t cols,
								 RepgenAlloc alloc, void *ctx);

#endif							/* BAROMETER_REPGEN_CORE_H */
