/*
 * suppress_internal.h - the state shared by the parts of secondary
 * suppression: suppress_core.c (the table model, primaries, entry point),
 * suppress_protect.c (the attacker, the heuristic, the cleanup and the
 * audit) and suppress_optimal.c (the optimal model).  Not for other files.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_SUPPRESS_INTERNAL_H
#define BAROMETER_SUPPRESS_INTERNAL_H

#include <stdbool.h>

#include "suppress_core.h"

/* cell flags */
#define CF_PRIMARY	0x01
#define CF_PRESUPP	0x02
#define CF_SINGLE	0x04
#define CF_FIXED	0x08		/* infinite cost: never a secondary */
#define CF_GIVEUP	0x10		/* primary that cannot be protected */
#define CF_GZERO	0x20		/* a zero part of a group-disclosure
								 * equation: may be hidden */

typedef struct Sup
{
	const SupInput *in;
	const SupOptions *opt;
	SupRealloc alloc;
	void	   *actx;
	SupError   *err;
	SupStats   *st;
	void	  **blk;
	int			nblk,
				cblk;

	int			ndim;
	int			ncode[SUP_MAXDIM];
	const char **code[SUP_MAXDIM];	/* sorted, unique */
	int		   *par[SUP_MAXDIM];	/* parent code or -1 */
	int		   *chs[SUP_MAXDIM];	/* children: CSR start per code */
	int		   *chl[SUP_MAXDIM];

	int			ntab;
	const char **tab;
	int		   *rowtab;
	int		   *rowcell;

	int			ncell;
	int		   *coord;			/* ncell * ndim */
	double	   *val;
	double	   *cost;			/* by the cost function */
	unsigned char *cf;
	unsigned char *reason;		/* SUP_R_* of a primary */
	unsigned char *intab;		/* ntab * ncell: 0 absent, 1 published, 2
								 * suppressed in that table */
	bool		integral;
	double		klo_default;	/* unused */
	double	   *klo;			/* a-priori bounds (-Inf/+Inf: none) */
	double	   *khi;
	double	   *upl;			/* protection levels of primaries */
	double	   *lpl;
	double	   *spl;
	int		   *grpeq;			/* primary x of group disclosure: its
								 * equation, else -1 */
	double		top;			/* threshold rule: counts 1 .. top; 0 none */
	bool		rules;			/* the intruder knows the complement rule */
	int			intruder;		/* SUP_INTRUDER_* */
	bool		zeros_ok;		/* construct: zeros as a last resort */
	bool		construct_rules;	/* construct: with the rule rows on any
								 * table (a repair) */
	bool		lp_only;		/* checks against the LP relaxation */
	double		mip_seconds;	/* limit of one integer program */
	int			cur_geq;		/* the group equation being checked */

	int			neq;
	int		   *es;				/* equation e: cells ec[es[e]] (the total)
								 * and ec[es[e]+1 .. es[e+1]-1] (its parts) */
	int		   *ec;
	int		   *cs;				/* cell c: equations cl[cs[c] .. cs[c+1]-1] */
	int		   *cl;

	/* the pattern and the audit */
	unsigned char *supp;
	double	   *lo;
	double	   *hi;
	unsigned char *prob;

	/* witnesses: per primary the cells its certificates move */
	int		  **wit;			/* certificates: cells, -1 between two */
	double	  **wdev;			/* their deviations */
	int		   *nwit;
	/* the cleanup's guide while one primary is checked (check_primary):
	 * the cells of its certificates before a secondary was published */
	const int  *guide_cells;
	int			guide_n;

	/* scratch, ncell each */
	int		   *pos;			/* region index of a cell, or -1 */
	int		   *queue;
	unsigned char *seen;
	unsigned char *eseen;		/* neq */
	int		   *elist;			/* neq */
} Sup;

#define NEW(S, type, n) ((type *) sup_alloc((S), sizeof(type) * (size_t) (n)))

extern void *sup_alloc(Sup *S, size_t n);
extern void sup_release(Sup *S, int mark);
#if defined(__GNUC__)
extern int	sup_fail(Sup *S, int code, const char *msg, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
#else
extern int	sup_fail(Sup *S, int code, const char *msg, const char *fmt,...);
#endif
extern void sup_cell_name(const Sup *S, int c, char *buf, size_t len);
extern int	sup_find_cell(const Sup *S, const int *key);
extern bool sup_cancelled(const Sup *S);

/* suppress_protect.c */
extern bool sup_can_move(const Sup *S, int c);
extern bool sup_same_contributor(const Sup *S, int p, int s);
extern double sup_lower_bound(const Sup *S, int c);
extern int	sup_prepare(Sup *S);
extern int	sup_check_primary(Sup *S, int p, const unsigned char *supp, int *problem,
							  bool keep_witness);
extern int	sup_check_primary_need(Sup *S, int p, const unsigned char *supp,
								   int *problem, int *kind, double *target, int *fix);
extern int	sup_heuristic(Sup *S);
extern int	sup_cleanup(Sup *S);
extern int	sup_intervals(Sup *S, const unsigned char *supp, const unsigned char *eqmask,
						  double *lo, double *hi);
extern int	sup_evaluate(Sup *S, const unsigned char *supp, unsigned char *prob);
extern int	sup_lp_status(Sup *S, int rc, const char *what);

/* suppress_optimal.c */
extern int	sup_optimal(Sup *S);

#endif							/* BAROMETER_SUPPRESS_INTERNAL_H */
