/*
 * rank_core.h - the rank of a replicate-weight matrix as R's
 * degf.svyrep.design computes it (qr(weights, tol = 1e-5)$rank), from the
 * Gram matrix of its columns.  Plain C, no PostgreSQL headers.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#ifndef BAROMETER_RANK_CORE_H
#define BAROMETER_RANK_CORE_H

#define REP_RANK_TOL 1e-5

/*
 * G: the R x R Gram matrix W'W of the N x R analysis weights (row-major,
 * upper triangle read).  Returns R's qr rank at tolerance tol.  work: R * R
 * doubles.
 */
extern int	rep_rank_gram(const double *G, int R, double tol, double *work);

#endif							/* BAROMETER_RANK_CORE_H */
