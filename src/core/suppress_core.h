/*
 * suppress_core.h - secondary (complementary) cell suppression of tables
 * with hierarchies, and the attacker's audit by linear programming.
 *
 * The table model.  A table has ndim dimensions (1 to SUP_MAXDIM); a cell
 * has one code per dimension.  A hierarchy edge (dim, child, parent) says
 * that along dimension dim the cell with code parent is the sum of the
 * cells with its children's codes (all other coordinates equal): every
 * parent cell present in the input with at least one child present gives
 * one equation, parent = sum of the children present (a child absent from
 * the input is a known zero).  Codes without a parent are roots; a
 * dimension without edges has no margins.  Several linked tables (built from
 * the same source) are given as rows with a table name: a cell (the same
 * codes) may appear in several tables with the same value; the attacker
 * combines everything published, and an equation belongs to one table when
 * that table holds the parent and every child present in the union.
 *
 * The attacker (ESSnet Handbook on SDC, 4.3): knows the published cells,
 * the equations and that every cell is >= 0, and computes for a suppressed
 * cell the interval [min, max] by two linear programs.  A primary (sensitive)
 * cell is protected when the width max - min is at least
 * max(protection, protection_rel * value) (never 0: no exact
 * recomputation, PS1), and, with singleton protection, no equation holds
 * exactly two suppressed cells of which one is a singleton (a single
 * contributor, who could subtract their own value) and the other primary
 * (PS2).
 *
 * Plain C, no PostgreSQL headers; memory from the caller's allocator.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_SUPPRESS_CORE_H
#define BAROMETER_SUPPRESS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SUP_MAXDIM 8
#define SUP_MAXTABLES 64

/* realloc-like allocator: (ctx, NULL, n) allocates, (ctx, p, 0) frees */
typedef void *(*SupRealloc) (void *ctx, void *ptr, size_t size);

/* per-row input flags */
#define SUPF_PRIMARY		0x01	/* sensitive: must be suppressed and protected */
#define SUPF_SUPPRESSED		0x02	/* suppressed already (audit; or kept) */
#define SUPF_SINGLETON		0x04	/* one contributor */
#define SUPF_SINGLETON_SET	0x08	/* SUPF_SINGLETON given (else value == 1) */

typedef struct SupInput
{
	int			ndim;
	int			nrows;
	const char *const *codes;	/* nrows * ndim, row-major */
	const double *value;
	const double *cost;			/* NaN: the value; +Inf: never a secondary */
	const unsigned char *flags;
	const char *const *table;	/* table of each row; NULL: one table */
	int			nedges;
	const int  *edge_dim;		/* 0-based */
	const char *const *edge_child;
	const char *const *edge_parent;
} SupInput;

typedef enum SupMethod
{
	SUP_HEURISTIC = 0,
	SUP_OPTIMAL,
	SUP_AUDIT					/* audit the given pattern only */
} SupMethod;

typedef struct SupOptions
{
	int			method;			/* SupMethod */
	double		protection;		/* minimum interval width, > 0 */
	double		protection_rel; /* ... or this fraction of the value */
	bool		singleton;		/* singleton protection (PS2) */
	double		threshold;		/* > 0: counts 1 .. ceil(threshold) - 1 are
								 * primary (and complements, below) */
	bool		complement;		/* threshold rule for complements too */
	double		time_limit;		/* optimal mode, seconds */
	int			max_optimal;	/* optimal mode: limit on cells * primaries */
	bool		(*cancel) (void);	/* polled between linear programs */
} SupOptions;

/* status of a cell */
enum
{
	SUP_PUBLISH = 0,
	SUP_PRIMARY,
	SUP_SECONDARY
};

/* problems the audit finds with a primary cell */
enum
{
	SUP_OK = 0,
	SUP_P_EXACT,				/* recomputable exactly */
	SUP_P_NARROW,				/* interval narrower than the protection */
	SUP_P_SINGLETON,			/* PS2: alone in an equation with a singleton */
	SUP_P_LINKED				/* protected in its own table, not when the
								 * linked tables are combined */
};

typedef struct SupRowResult
{
	int			status;			/* SUP_PUBLISH, SUP_PRIMARY, SUP_SECONDARY */
	double		lower;			/* the attacker's interval (+Inf upper:
								 * unbounded); the value when published */
	double		upper;
	double		required;		/* required width (primaries), else NaN */
	int			protect;		/* primaries: 1 protected, 0 not; else -1 */
	int			problem;		/* SUP_OK or SUP_P_* */
} SupRowResult;

typedef struct SupStats
{
	int			cells;			/* distinct cells */
	int			equations;
	int			primaries;
	int			secondaries;
	int			iterations;		/* audit and repair rounds */
	long		lps;			/* linear programs solved */
	int			unprotected;	/* primaries left unprotected */
} SupStats;

enum
{
	SUP_E_NONE = 0,
	SUP_E_INPUT,				/* bad input: 22023 */
	SUP_E_TOO_LARGE,			/* optimal mode on a large table: 22023 */
	SUP_E_SOLVER,				/* GLPK failed or hit the time limit */
	SUP_E_CANCEL				/* cancel() returned true */
};

typedef struct SupError
{
	int			code;
	char		msg[200];
	char		detail[600];
} SupError;

/*
 * Run: validate and model the table, mark primaries (flags and the
 * threshold rule), find secondaries (method heuristic or optimal, or none
 * for SUP_AUDIT) and audit the pattern.  out has one entry per input row.
 * Returns 0, or -1 with err filled in.
 */
extern int	sup_run(const SupInput *in, const SupOptions *opt, SupRealloc alloc,
					void *ctx, SupRowResult *out, SupStats *stats, SupError *err);

extern const char *sup_status_name(int status);
extern const char *sup_problem_name(int problem);

#endif							/* BAROMETER_SUPPRESS_CORE_H */
