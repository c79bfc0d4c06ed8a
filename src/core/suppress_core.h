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
 * The attacker (doc/protection.md states the model in full).  An intruder
 * knows every published cell of every linked table, the equations, that
 * cells are >= 0 and, when every value is a whole number, that they are
 * integers; the rules of the method, which never hide a zero (but for the
 * disclosive zeros of group disclosure), so every hidden non-zero count is
 * >= 1; what the threshold rule's complement test reveals about a
 * published cell's complement (0 or at least the threshold); and the
 * a-priori bounds the caller declares per cell.  Each hidden cell's
 * feasibility interval is the minimum and maximum over every INTEGER table
 * consistent with all that (integer programming; the LP relaxation when the
 * values are not whole numbers).  A primary p is protected when its
 * interval reaches its protection levels (tau-Argus style, Fischetti and
 * Salazar 2001): max >= x_p + upl_p, min <= x_p - lpl_p and max - min >=
 * spl_p (sliding), and is never a single point (PS1); singleton intruders
 * (the sole contributor of a hidden cell knows its value) and, on request,
 * the coalition of all singleton contributors must not get below the levels
 * either (PS2 and its multi-cell form).
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
	/* optional per row (NULL: none; NaN entries: none) */
	const double *known_lo;		/* a-priori bounds the intruder knows */
	const double *known_hi;
	const double *upl;			/* protection levels of a primary */
	const double *lpl;
	const double *spl;
} SupInput;

typedef enum SupMethod
{
	SUP_HEURISTIC = 0,
	SUP_OPTIMAL,
	SUP_AUDIT					/* audit the given pattern only */
} SupMethod;

/* intruders besides the external one */
enum
{
	SUP_INTRUDER_NONE = 0,
	SUP_INTRUDER_SINGLETON,		/* each singleton contributor alone (PS2) */
	SUP_INTRUDER_COALITION		/* all singleton contributors together */
};

/* cost of suppressing a cell */
enum
{
	SUP_COST_VALUE = 0,			/* its value (or the cell's cost, if given) */
	SUP_COST_CELLS,				/* 1 per cell */
	SUP_COST_LOG,				/* log(1 + value) */
	SUP_COST_WEIGHT				/* the cell's cost field (NULL: its value) */
};

typedef struct SupOptions
{
	int			method;			/* SupMethod */
	/* protection levels of primaries the caller marks (absolute, and
	 * relative to the value: the larger applies) */
	double		protection;		/* sliding (interval width), 0.1 API */
	double		protection_rel;
	double		upper;			/* upper protection level */
	double		upper_rel;
	double		lower;			/* lower protection level */
	double		lower_rel;
	bool		singleton;		/* singleton intruders (PS2) */
	int			intruder;		/* SUP_INTRUDER_*; singleton true and
								 * intruder NONE mean SINGLETON */
	double		threshold;		/* > 0: counts 1 .. ceil(threshold) - 1 are
								 * primary (and complements, below) */
	bool		complement;		/* threshold rule for complements too */
	bool		group_disclosure;	/* a total in one part is protected */
	bool		threshold_levels;	/* threshold primaries get the
									 * threshold rule's levels (else the
									 * options' levels) */
	int			cost;			/* SUP_COST_* */
	bool		cleanup;		/* drop secondaries no longer needed */
	double		time_limit;		/* optimal mode, seconds */
	int			max_optimal;	/* optimal mode: limit on cells */
	bool		fallback;		/* optimal mode: the heuristic when the
								 * time limit is hit (else an error) */
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
	SUP_P_LINKED,				/* protected in its own table, not when the
								 * linked tables are combined */
	SUP_P_GROUP,				/* group disclosure: the whole total is
								 * recomputable to sit in this cell */
	SUP_P_COALITION				/* narrow for the singletons' coalition */
};

/* why a cell is hidden (stable codes, see sup_reason_code) */
enum
{
	SUP_R_NONE = 0,
	SUP_R_GIVEN,				/* primary as given by the caller */
	SUP_R_SMALL,				/* threshold rule: a small count */
	SUP_R_COMPLEMENT,			/* threshold rule: small complement */
	SUP_R_GROUP,				/* group disclosure: the whole total */
	SUP_R_KEPT,					/* suppressed as given */
	SUP_R_SECONDARY,			/* protects another cell */
	SUP_R_ZERO					/* a disclosive zero (group disclosure) */
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
	int			reason;			/* SUP_R_* */
	double		upl;			/* primaries: the levels applied, else NaN */
	double		lpl;
	double		spl;
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
	long		mips;			/* integer programs solved */
	double		cost;			/* total cost of the secondaries */
	int			removed;		/* secondaries the cleanup dropped */
	bool		fell_back;		/* optimal mode hit its limit: heuristic */
	bool		optimal;		/* optimal mode proved its optimum */
	int			cuts;			/* optimal mode: cuts added */
} SupStats;

enum
{
	SUP_E_NONE = 0,
	SUP_E_INPUT,				/* bad input: 22023 */
	SUP_E_TOO_LARGE,			/* optimal mode on a large table: 22023 */
	SUP_E_SOLVER,				/* GLPK failed or hit the time limit */
	SUP_E_CANCEL,				/* cancel() returned true */
	SUP_E_MEMORY,				/* a model over barometer.max_state_bytes:
								 * 54000 */
	SUP_E_TIMEOUT				/* optimal mode: time limit, no fallback */
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
extern const char *sup_reason_code(int reason);
extern const char *sup_reason_en(int reason);
extern const char *sup_reason_nl(int reason);

#endif							/* BAROMETER_SUPPRESS_CORE_H */
