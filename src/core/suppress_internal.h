/*
 * suppress_internal.h - the state shared by the two halves of secondary
 * suppression: suppress_core.c (table model, heuristic, audit) and
 * suppress_optimal.c (the optimal model).  Not for other files.
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
	double	   *cost;
	unsigned char *cf;
	unsigned char *intab;		/* ntab * ncell: 0 absent, 1 published, 2
								 * suppressed in that table */
	bool		integral;

	int			neq;
	int		   *es;				/* equation e: cells ec[es[e]] (the total)
								 * and ec[es[e]+1 .. es[e+1]-1] (its parts) */
	int		   *ec;
	int		   *cs;				/* cell c: equations cl[cs[c] .. cs[c+1]-1] */
	int		   *cl;

	/* the pattern and the audit */
	unsigned char *supp;
	unsigned char *dirty;
	double	   *lo;
	double	   *hi;
	unsigned char *prob;
	int		   *probeq;
	int		   *comp;			/* component of a suppressed cell (last audit) */
	int		   *compstart;
	int		   *complist;
	int			ncomp;

	/* heuristic */
	int		   *cnt_use;		/* suppressed cells of an equation that can move */
	int		   *cnt_all;		/* suppressed cells of an equation */
	int		   *queue;
	int			qhead,
				qtail;
} Sup;

#define NEW(S, type, n) ((type *) sup_alloc((S), sizeof(type) * (size_t) (n)))

extern void *sup_alloc(Sup *S, size_t n);
#if defined(__GNUC__)
extern int	sup_fail(Sup *S, int code, const char *msg, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
#else
extern int	sup_fail(Sup *S, int code, const char *msg, const char *fmt,...);
#endif
extern double sup_required_width(const Sup *S, int c);
extern bool sup_can_move(const Sup *S, int c);

/* the optimal model (suppress_optimal.c) */
extern int	sup_optimal(Sup *S);

#endif							/* BAROMETER_SUPPRESS_INTERNAL_H */
