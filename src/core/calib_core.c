/*
 * calib_core.c - calibration of design weights (see calib_core.h).
 *
 * Columns.  The model matrix has p columns: the non-reference levels of
 * the margin with the most levels ("block 1", columns 0..n1-1), then the
 * intercept, the non-reference levels of the other margins and the
 * auxiliaries ("block 2", r columns).  A row has one level per margin, so
 * the block-1 part of every crossproduct M' V M is diagonal, and the
 * Newton system is solved through its Schur complement: O(n1 r^2 + r^3)
 * instead of O(p^3).  The reference level of a margin is its first level
 * with sample weight; a level with neither sample weight nor total has no
 * column (R drops it too).  The column space is R's model.matrix(~ m1 +
 * ... + x1 + ...), so the fitted values, g and the residuals are R's (the
 * parametrization only moves rounding).
 *
 * The solve.  R uses MASS::ginv (an SVD pseudo-inverse) for the Newton
 * step and solve() for the linear one-step; for a non-singular system all
 * give the same step.  A zero pivot (a column of the system without
 * weight, for example a level whose rows all sit at a bound) gets a zero
 * step, as the pseudo-inverse gives it.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include "calib_core.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "guard_core.h"
#include "sort_core.h"

/* the model's columns */
typedef struct CalModel
{
	uint32_t	p;				/* columns */
	uint32_t	n1;				/* block 1: the largest margin's columns */
	uint32_t	r;				/* block 2 */
	uint32_t	big;			/* the block-1 margin (K: none) */
	int32_t		icept;			/* the intercept's column, -1 none */
	uint32_t   *off;			/* K + 1: first level of each margin */
	int32_t    *col;			/* every level: its column, -1 none */
	uint32_t	aux0;			/* the first auxiliary's column */
	double	   *pop;			/* p: the totals of the columns */
	/* the normal matrix: diag (n1), B (n1 x r), C (r x r) */
	double	   *diag;
	double	   *B;
	double	   *C;
	double	   *S;				/* r x r: Schur complement / its factor */
	bool	   *drop;			/* r: zero pivots */
	double	   *dinv;			/* n1 */
	double	   *rhs;			/* r */
} CalModel;

typedef struct CalAlloc
{
	DesignRealloc fn;
	void	   *ctx;
} CalAlloc;

static void *
cal_alloc(CalAlloc *a, uint64_t count, size_t elem)
{
	size_t		bytes = core_array_bytes(count, elem);
	void	   *p;

	if (bytes == 0)
		bytes = 8;
	if (bytes > SIZE_MAX / 2)
		return a->fn(a->ctx, NULL, bytes);	/* the host's limit refuses it */
	p = a->fn(a->ctx, NULL, bytes);
	memset(p, 0, bytes);
	return p;
}

const char *
cal_method_name(int method)
{
	switch (method)
	{
		case CAL_LINEAR:
			return "linear";
		case CAL_RAKING:
			return "raking";
		case CAL_LOGIT:
			return "logit";
		case CAL_POSTSTRATIFY:
			return "poststratify";
		case CAL_RAKE:
			return "rake";
	}
	return "?";
}

/* the level index of row i in margin k */
static inline uint32_t
row_level(const CalInput *in, int64_t i, uint32_t k)
{
	return in->lev[(size_t) i * in->K + k];
}

/*
 * Sample totals sum d over every level (stot, margin by margin), with the
 * checks every method shares: a level with a total but no sample weight
 * cannot be met; post-stratification also refuses sample weight in a level
 * whose total is 0 (R: "Strata in sample absent from population"); every
 * margin's totals must sum to the first's (relative 1e-7).
 */
static bool
level_totals(const CalInput *in, const uint32_t *off, double *stot, CalResult *res)
{
	uint32_t	k,
				l;
	int64_t		i;
	uint32_t	tick = 0;
	double		N = 0.0;
	bool		post = in->method == CAL_POSTSTRATIFY || in->method == CAL_RAKE;

	const double *dm = in->d_model ? in->d_model : in->d;

	for (i = 0; i < in->n; i++)
	{
		core_poll(&tick);
		for (k = 0; k < in->K; k++)
			stot[off[k] + row_level(in, i, k)] += dm[i];
	}
	for (k = 0; k < in->K; k++)
	{
		double		S = 0.0;

		for (l = 0; l < in->nlev[k]; l++)
		{
			double		t = in->pop_lev[off[k] + l];

			S += t;
			if (stot[off[k] + l] == 0.0 && t != 0.0)
				res->status = CAL_EMPTY_LEVEL;
			else if (post && t == 0.0 && stot[off[k] + l] != 0.0)
				res->status = CAL_ZERO_LEVEL;
			if (res->status != CAL_OK)
			{
				res->margin = k;
				res->level = l;
				res->total = t;
				res->reached = stot[off[k] + l];
				return false;
			}
		}
		if (k == 0)
			N = S;
		else if (fabs(S - N) > 1e-7 * fmax(fabs(N), 1.0))
		{
			res->status = CAL_INCONSISTENT;
			res->margin = k;
			res->level = 0;
			res->total = S;
			res->reached = N;
			return false;
		}
	}
	return true;
}

/* the columns, their totals and the work space of the solve */
static void
model_build(const CalInput *in, CalModel *m, const uint32_t *off, const double *stot,
			bool with_pop, CalAlloc *a)
{
	uint32_t	k,
				l,
				ncol[64],
			   *nc;
	uint32_t	L = off[in->K];
	uint32_t	c;
	uint32_t	best = 0;

	nc = in->K <= 64 ? ncol : cal_alloc(a, in->K, sizeof(uint32_t));
	m->off = (uint32_t *) off;
	m->col = cal_alloc(a, L + 1, sizeof(int32_t));
	m->big = in->K;
	for (k = 0; k < in->K; k++)
	{
		bool		ref = false;

		nc[k] = 0;
		for (l = 0; l < in->nlev[k]; l++)
		{
			m->col[off[k] + l] = -1;
			if (stot[off[k] + l] == 0.0)
				continue;		/* no weight: no column (total 0, checked) */
			if (!ref)
			{
				ref = true;		/* the reference level */
				continue;
			}
			m->col[off[k] + l] = 0;
			nc[k]++;
		}
		if (nc[k] > best)
		{
			best = nc[k];
			m->big = k;
		}
	}
	m->n1 = m->big < in->K ? nc[m->big] : 0;
	c = 0;
	if (m->big < in->K)
		for (l = 0; l < in->nlev[m->big]; l++)
			if (m->col[off[m->big] + l] == 0)
				m->col[off[m->big] + l] = (int32_t) c++;
	m->icept = in->K > 0 ? (int32_t) c++ : -1;
	for (k = 0; k < in->K; k++)
	{
		if (k == m->big)
			continue;
		for (l = 0; l < in->nlev[k]; l++)
			if (m->col[off[k] + l] == 0)
				m->col[off[k] + l] = (int32_t) c++;
	}
	m->aux0 = c;
	c += in->q;
	m->p = c;
	m->r = m->p - m->n1;
	m->pop = cal_alloc(a, m->p, sizeof(double));
	if (with_pop)
	{
		if (m->icept >= 0)
		{
			double		N = 0.0;

			for (l = 0; l < in->nlev[0]; l++)
				N += in->pop_lev[off[0] + l];
			m->pop[m->icept] = N;
		}
		for (k = 0; k < in->K; k++)
			for (l = 0; l < in->nlev[k]; l++)
				if (m->col[off[k] + l] >= 0)
					m->pop[m->col[off[k] + l]] = in->pop_lev[off[k] + l];
		for (k = 0; k < in->q; k++)
			m->pop[m->aux0 + k] = in->pop_x[k];
	}
	m->diag = cal_alloc(a, m->n1, sizeof(double));
	m->dinv = cal_alloc(a, m->n1, sizeof(double));
	m->B = cal_alloc(a, (uint64_t) m->n1 * m->r, sizeof(double));
	m->C = cal_alloc(a, (uint64_t) m->r * m->r, sizeof(double));
	m->S = cal_alloc(a, (uint64_t) m->r * m->r, sizeof(double));
	m->drop = cal_alloc(a, m->r, sizeof(bool));
	m->rhs = cal_alloc(a, m->r, sizeof(double));
	if (nc != ncol)
		a->fn(a->ctx, nc, 0);
}

/*
 * The row's columns: *c1 its block-1 column (-1 none); cols/vals its
 * block-2 columns (indexes within block 2) and values; returns their count.
 */
static inline uint32_t
row_cols(const CalInput *in, const CalModel *m, int64_t i, int32_t *c1,
		 uint32_t *cols, double *vals)
{
	uint32_t	k,
				nz = 0;

	*c1 = -1;
	if (m->icept >= 0)
	{
		cols[nz] = (uint32_t) m->icept - m->n1;
		vals[nz++] = 1.0;
	}
	for (k = 0; k < in->K; k++)
	{
		int32_t		c = m->col[m->off[k] + row_level(in, i, k)];

		if (c < 0)
			continue;
		if (k == m->big)
			*c1 = c;
		else
		{
			cols[nz] = (uint32_t) c - m->n1;
			vals[nz++] = 1.0;
		}
	}
	for (k = 0; k < in->q; k++)
	{
		cols[nz] = m->aux0 + k - m->n1;
		vals[nz++] = in->x[(size_t) i * in->q + k];
	}
	return nz;
}

/* the normal matrix sum_i v_i m_i m_i' (R: crossprod(mm * v, mm)) */
static void
normal_matrix(const CalInput *in, CalModel *m, const double *v, uint32_t *cols, double *vals)
{
	int64_t		i;
	uint32_t	a,
				b,
				nz,
				r = m->r;
	int32_t		c1;
	uint32_t	tick = 0;

	memset(m->diag, 0, sizeof(double) * m->n1);
	memset(m->B, 0, sizeof(double) * (size_t) m->n1 * r);
	memset(m->C, 0, sizeof(double) * (size_t) r * r);
	for (i = 0; i < in->n; i++)
	{
		double		vi = v[i];

		core_poll(&tick);
		if (vi == 0.0)
			continue;
		nz = row_cols(in, m, i, &c1, cols, vals);
		if (c1 >= 0)
		{
			double	   *Brow = m->B + (size_t) c1 * r;

			m->diag[c1] += vi;
			for (a = 0; a < nz; a++)
				Brow[cols[a]] += vi * vals[a];
		}
		for (a = 0; a < nz; a++)
		{
			double		va = vi * vals[a];
			double	   *Crow = m->C + (size_t) cols[a] * r;

			for (b = 0; b < nz; b++)
				Crow[cols[b]] += va * vals[b];
		}
	}
}

/*
 * Solve (M' V M) x = rhs (p) by the Schur complement of the diagonal block:
 *   S = C - B' diag^-1 B,  S x2 = rhs2 - B' diag^-1 rhs1,
 *   x1 = diag^-1 (rhs1 - B x2).
 * S by Cholesky; a pivot below 256 eps times the largest diagonal element
 * (R's ginv tolerance) gets a zero step, as the pseudo-inverse gives an
 * empty column.  O(n1 r^2 + r^3).
 */
static void
factor_normal(CalModel *m)
{
	uint32_t	n1 = m->n1,
				r = m->r;
	uint32_t	a,
				j,
				k;
	double	   *S = m->S;
	double		maxd = 0.0,
				tol;

	memcpy(S, m->C, sizeof(double) * (size_t) r * r);
	for (a = 0; a < n1; a++)
	{
		const double *Brow = m->B + (size_t) a * r;

		if ((a & 63) == 0)
			core_check_interrupts();
		m->dinv[a] = m->diag[a] > 0.0 ? 1.0 / m->diag[a] : 0.0;
		if (m->dinv[a] == 0.0)
			continue;
		for (j = 0; j < r; j++)
		{
			double		t = Brow[j] * m->dinv[a];

			if (t == 0.0)
				continue;
			for (k = j; k < r; k++)
				S[(size_t) j * r + k] -= t * Brow[k];
		}
	}
	/*
	 * Cholesky S = U'U in the upper triangle, row by row (left-looking):
	 * row j of U is S's row j less sum_{i<j} U[i][j] U[i][j..], divided by
	 * its pivot; the inner loops run along rows, so the work streams
	 * through memory.  O(r^3 / 6) multiply-adds.
	 */
	for (j = 0; j < r; j++)
		maxd = fmax(maxd, S[(size_t) j * r + j]);
	tol = 256.0 * DBL_EPSILON * maxd;
	for (j = 0; j < r; j++)
	{
		double	   *Uj = S + (size_t) j * r;
		double		piv;
		uint32_t	i;

		if ((j & 15) == 0)
			core_check_interrupts();
		for (i = 0; i < j; i++)
		{
			const double *Ui = S + (size_t) i * r;
			double		a = Ui[j];

			if (a == 0.0)
				continue;
			for (k = j; k < r; k++)
				Uj[k] -= a * Ui[k];
		}
		m->drop[j] = !(Uj[j] > tol);
		if (m->drop[j])
		{
			for (k = j; k < r; k++)
				Uj[k] = 0.0;
			continue;
		}
		piv = sqrt(Uj[j]);
		Uj[j] = piv;
		for (k = j + 1; k < r; k++)
			Uj[k] /= piv;
	}
}

/* with factor_normal's factor: x = (M' V M)^-1 rhs, R's ginv for zero pivots */
static void
solve_factored(CalModel *m, const double *rhs, double *x)
{
	uint32_t	n1 = m->n1,
				r = m->r;
	uint32_t	a,
				j,
				k;
	const double *S = m->S;

	for (j = 0; j < r; j++)
		m->rhs[j] = rhs[n1 + j];
	for (a = 0; a < n1; a++)
	{
		const double *Brow = m->B + (size_t) a * r;

		if (m->dinv[a] == 0.0)
			continue;
		for (j = 0; j < r; j++)
		{
			double		t = Brow[j] * m->dinv[a];

			if (t == 0.0)
				continue;
			m->rhs[j] -= t * rhs[a];
		}
	}
	/* U' y = rhs2, then U x2 = y */
	for (j = 0; j < r; j++)
	{
		double		t = m->rhs[j];

		if (m->drop[j])
		{
			m->rhs[j] = 0.0;
			continue;
		}
		for (k = 0; k < j; k++)
			t -= S[(size_t) k * r + j] * m->rhs[k];
		m->rhs[j] = t / S[(size_t) j * r + j];
	}
	for (j = r; j-- > 0;)
	{
		double		t = m->rhs[j];

		if (m->drop[j])
		{
			x[n1 + j] = 0.0;
			continue;
		}
		for (k = j + 1; k < r; k++)
			t -= S[(size_t) j * r + k] * x[n1 + k];
		x[n1 + j] = t / S[(size_t) j * r + j];
	}
	for (a = 0; a < n1; a++)
	{
		const double *Brow = m->B + (size_t) a * r;
		double		t = rhs[a];

		for (j = 0; j < r; j++)
			t -= Brow[j] * x[n1 + j];
		x[a] = m->dinv[a] * t;
	}
}

static void
solve_normal(CalModel *m, const double *rhs, double *x)
{
	factor_normal(m);
	solve_factored(m, rhs, x);
}

/* m_i' eta (R: drop(mm %*% eta)) */
static inline double
row_dot(const CalInput *in, const CalModel *m, int64_t i, const double *eta)
{
	double		s = m->icept >= 0 ? eta[m->icept] : 0.0;
	uint32_t	k;

	for (k = 0; k < in->K; k++)
	{
		int32_t		c = m->col[m->off[k] + row_level(in, i, k)];

		if (c >= 0)
			s += eta[c];
	}
	for (k = 0; k < in->q; k++)
		s += in->x[(size_t) i * in->q + k] * eta[m->aux0 + k];
	return s;
}

/* column sums sum_i v_i m_i (R: colSums(mm * v), long double as R) */
static void
col_sums(const CalInput *in, const CalModel *m, const double *v, long double *acc, double *out)
{
	int64_t		i;
	uint32_t	k,
				c;
	uint32_t	tick = 0;

	for (c = 0; c < m->p; c++)
		acc[c] = 0.0L;
	for (i = 0; i < in->n; i++)
	{
		double		vi = v[i];

		core_poll(&tick);
		if (vi == 0.0)
			continue;
		if (m->icept >= 0)
			acc[m->icept] += vi;
		for (k = 0; k < in->K; k++)
		{
			int32_t		cc = m->col[m->off[k] + row_level(in, i, k)];

			if (cc >= 0)
				acc[cc] += vi;
		}
		for (k = 0; k < in->q; k++)
			acc[m->aux0 + k] += vi * in->x[(size_t) i * in->q + k];
	}
	for (c = 0; c < m->p; c++)
		out[c] = (double) acc[c];
}

/*
 * R's calibration functions (cal.linear, cal.raking, cal.logit): F^-1(u)
 * - 1 and its derivative, bounds L < U on g.  Note R's raking derivative
 * tests u, not exp(u), against the bounds minus 1; it is kept.
 */
static inline double
cal_fm1(int method, double u, double L, double U)
{
	if (method == CAL_LINEAR)
		return fmin(fmax(u + 1.0, L), U) - 1.0;
	if (method == CAL_RAKING)
		return fmin(fmax(exp(u), L), U) - 1.0;
	{
		double		A = (U - L) / ((U - 1.0) * (1.0 - L));
		double		e = exp(A * u);

		return (L * (U - 1.0) + U * (1.0 - L) * e) / (U - 1.0 + (1.0 - L) * e) - 1.0;
	}
}

static inline double
cal_df(int method, double u, double L, double U)
{
	bool		inside = u < U - 1.0 && u > L - 1.0;

	if (method == CAL_LINEAR)
		return inside ? 1.0 : 0.0;
	if (method == CAL_RAKING)
		return inside ? exp(u) : 0.0;
	{
		double		A = (U - L) / ((U - 1.0) * (1.0 - L));
		double		e = exp(A * u);
		double		den = U - 1.0 + (1.0 - L) * e;

		return U * (1.0 - L) * e * A / den -
			((L * (U - 1.0) + U * (1.0 - L) * e) * ((1.0 - L) * e * A)) / (den * den);
	}
}

/* the level worst met by the weights w: the error message's margin */
static void
worst_level(const CalInput *in, const uint32_t *off, const double *w, double *tot,
			CalResult *res)
{
	int64_t		i;
	uint32_t	k,
				l;
	double		worst = -1.0;

	memset(tot, 0, sizeof(double) * off[in->K]);
	for (i = 0; i < in->n; i++)
		for (k = 0; k < in->K; k++)
			tot[off[k] + row_level(in, i, k)] += w[i];
	for (k = 0; k < in->K; k++)
		for (l = 0; l < in->nlev[k]; l++)
		{
			double		t = in->pop_lev[off[k] + l];
			double		e = fabs(t - tot[off[k] + l]) / (1.0 + fabs(t));

			if (!(e <= worst))
			{
				worst = e;
				res->margin = k;
				res->level = l;
				res->total = t;
				res->reached = tot[off[k] + l];
			}
		}
	for (k = 0; k < in->q; k++)
	{
		long double s = 0.0L;
		double		e;

		for (i = 0; i < in->n; i++)
			s += w[i] * in->x[(size_t) i * in->q + k];
		e = fabs(in->pop_x[k] - (double) s) / (1.0 + fabs(in->pop_x[k]));
		if (!(e <= worst))
		{
			worst = e;
			res->margin = in->K + k;
			res->level = 0;
			res->total = in->pop_x[k];
			res->reached = (double) s;
		}
	}
	res->achieved = worst;
}

/*
 * R's regcalibrate (calibrate with calfun = "linear" and no bounds): one
 * step, g = 1 + M (M' D M)^-1 (T - M' d).
 */
static void
solve_linear(const CalInput *in, CalModel *m, CalResult *res, CalAlloc *a,
			 uint32_t *cols, double *vals)
{
	double	   *stot = cal_alloc(a, m->p, sizeof(double));
	double	   *rhs = cal_alloc(a, m->p, sizeof(double));
	double	   *lam = cal_alloc(a, m->p, sizeof(double));
	long double *acc = cal_alloc(a, m->p, sizeof(long double));
	uint32_t	c;
	int64_t		i;

	col_sums(in, m, in->d, acc, stot);
	for (c = 0; c < m->p; c++)
		rhs[c] = m->pop[c] - stot[c];
	if (in->sigma2 != NULL)
	{
		/* R's regcalibrate with lambda: M' D / sigma2 M, g = 1 + m' lam / sigma2 */
		double	   *v = cal_alloc(a, in->n, sizeof(double));

		for (i = 0; i < in->n; i++)
			v[i] = in->d[i] / in->sigma2[i];
		normal_matrix(in, m, v, cols, vals);
	}
	else
		normal_matrix(in, m, in->d, cols, vals);
	solve_normal(m, rhs, lam);
	for (i = 0; i < in->n; i++)
		res->g[i] = 1.0 + row_dot(in, m, i, lam) / (in->sigma2 ? in->sigma2[i] : 1.0);
	res->iterations = 1;
}

/*
 * R's grake: Newton's method on the calibration equations
 *   sum_i d_i F(m_i' eta) m_i = T,
 * starting at eta = 0; when every column's total is more than 20 times its
 * sample total, the weights are first scaled by the mean ratio (R's
 * SOMETHRESHOLD; the bounds then apply to the rescaled g).  A step that
 * makes g or F' non-finite is halved (each halving counts as an
 * iteration).  Converged when every column's |misfit| / (1 + |T|) <
 * epsilon; failed after maxit iterations.
 */
static void
solve_grake(const CalInput *in, CalModel *m, CalResult *res, CalAlloc *a,
			uint32_t *cols, double *vals)
{
	int64_t		n = in->n,
				i;
	uint32_t	p = m->p,
				c;
	double	   *ww = cal_alloc(a, n, sizeof(double));
	double	   *xeta = cal_alloc(a, n, sizeof(double));
	double	   *fm = cal_alloc(a, n, sizeof(double));
	double	   *der = cal_alloc(a, n, sizeof(double));
	double	   *v = cal_alloc(a, n, sizeof(double));
	double	   *stot = cal_alloc(a, p, sizeof(double));
	double	   *tmp = cal_alloc(a, p, sizeof(double));
	double	   *misfit = cal_alloc(a, p, sizeof(double));
	double	   *eta = cal_alloc(a, p, sizeof(double));
	double	   *deta = cal_alloc(a, p, sizeof(double));
	long double *acc = cal_alloc(a, p, sizeof(long double));
	double		L = in->lower,
				U = in->upper;
	int			meth = in->method;
	int			iter = 1;
	double		minscale = INFINITY,
				sumscale = 0.0;
	bool		finite;

	memcpy(ww, in->d, sizeof(double) * n);
	col_sums(in, m, ww, acc, stot);
	for (c = 0; c < p; c++)
	{
		double		s = m->pop[c] / stot[c];

		minscale = fmin(minscale, s);
		sumscale += s;
	}
	res->scale = 1.0;
	if (p > 0 && minscale > 20.0)
	{
		res->scale = sumscale / p;
		for (i = 0; i < n; i++)
			ww[i] *= res->scale;
		for (c = 0; c < p; c++)
			stot[c] *= res->scale;
	}
	for (i = 0; i < n; i++)
	{
		xeta[i] = 0.0;
		fm[i] = cal_fm1(meth, 0.0, L, U);
		der[i] = cal_df(meth, 0.0, L, U);
	}
	for (;;)
	{
		core_check_interrupts();
		for (i = 0; i < n; i++)
			v[i] = in->sigma2 ? ww[i] * der[i] / in->sigma2[i] : ww[i] * der[i];
		normal_matrix(in, m, v, cols, vals);
		if (iter == 1)
		{
			/* later iterations reuse the misfit of the convergence test */
			for (i = 0; i < n; i++)
				v[i] = ww[i] * fm[i];
			col_sums(in, m, v, acc, tmp);
			for (c = 0; c < p; c++)
				misfit[c] = m->pop[c] - stot[c] - tmp[c];
		}
		solve_normal(m, misfit, deta);
		for (c = 0; c < p; c++)
			eta[c] += deta[c];
		for (;;)
		{
			uint32_t	tick = 0;

			finite = true;
			for (i = 0; i < n; i++)
			{
				core_poll(&tick);
				xeta[i] = row_dot(in, m, i, eta);
				if (in->sigma2 != NULL)
					xeta[i] /= in->sigma2[i];
				fm[i] = cal_fm1(meth, xeta[i], L, U);
				der[i] = cal_df(meth, xeta[i], L, U);
				if (!isfinite(fm[i]) || !isfinite(der[i]))
					finite = false;
			}
			if (finite || iter >= in->maxit)
				break;
			iter++;
			for (c = 0; c < p; c++)
			{
				deta[c] /= 2.0;
				eta[c] -= deta[c];
			}
		}
		if (!finite)
		{
			res->status = CAL_NOT_FINITE;
			break;
		}
		for (i = 0; i < n; i++)
			v[i] = ww[i] * fm[i];
		col_sums(in, m, v, acc, tmp);
		res->achieved = 0.0;
		for (c = 0; c < p; c++)
		{
			misfit[c] = m->pop[c] - stot[c] - tmp[c];
			res->achieved = fmax(res->achieved, fabs(misfit[c]) / (1.0 + fabs(m->pop[c])));
		}
		if (res->achieved < in->epsilon)
			break;
		iter++;
		if (iter > in->maxit)
		{
			res->status = CAL_NO_CONVERGENCE;
			break;
		}
	}
	for (i = 0; i < n; i++)
	{
		res->g[i] = 1.0 + fm[i];
		if (res->scale != 1.0)
			res->g[i] *= res->scale;
	}
	res->iterations = iter;
}

/* rake's joint cells: rows ordered by their levels in every margin */
static int
cmp_levels(uint32_t a, uint32_t b, const void *arg)
{
	const CalInput *in = arg;
	uint32_t	k;

	for (k = 0; k < in->K; k++)
	{
		uint32_t	la = row_level(in, a, k),
					lb = row_level(in, b, k);

		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return 0;
}

/*
 * R's postStratify (one margin) and rake (several): the weights are
 * 1/prob; a post-stratification divides prob by T_l / (sum of the
 * weights in l).  rake sweeps over the margins until the joint table of
 * all margins' levels moves by less than epsilon (times the sum of the
 * design weights when epsilon < 1) between sweeps, at most maxit sweeps.
 */
static void
solve_post(const CalInput *in, const uint32_t *off, CalResult *res, CalAlloc *a)
{
	int64_t		n = in->n,
				i;
	uint32_t	k,
				l,
				L = off[in->K];
	double	   *prob = cal_alloc(a, n, sizeof(double));
	double	   *freq = cal_alloc(a, L, sizeof(double));
	double	   *rew = cal_alloc(a, L, sizeof(double));
	uint32_t   *idx = NULL,
			   *cell = NULL;
	double	   *oldt = NULL,
			   *newt = NULL;
	uint32_t	ncell = 0;
	double		eps = in->epsilon;
	int			iter = 0;
	bool		converged = false;
	bool		rake = in->method == CAL_RAKE;
	uint32_t	tick = 0;

	for (i = 0; i < n; i++)
		prob[i] = 1.0 / in->d[i];
	if (rake)
	{
		uint32_t   *work = cal_alloc(a, n, sizeof(uint32_t));
		double		sd = 0.0;

		idx = cal_alloc(a, n, sizeof(uint32_t));
		cell = cal_alloc(a, n, sizeof(uint32_t));
		for (i = 0; i < n; i++)
		{
			idx[i] = (uint32_t) i;
			sd += in->d[i];
		}
		core_sort_index(idx, (size_t) n, cmp_levels, in, work);
		for (i = 0; i < n; i++)
		{
			if (i > 0 && cmp_levels(idx[i - 1], idx[i], in) != 0)
				ncell++;
			cell[idx[i]] = ncell;
		}
		ncell = n > 0 ? ncell + 1 : 0;
		oldt = cal_alloc(a, ncell, sizeof(double));
		newt = cal_alloc(a, ncell, sizeof(double));
		for (i = 0; i < n; i++)
			oldt[cell[i]] += 1.0 / prob[i];
		if (eps < 1.0)
			eps *= sd;
	}
	for (;;)
	{
		core_check_interrupts();
		for (k = 0; k < in->K; k++)
		{
			memset(freq, 0, sizeof(double) * L);
			for (i = 0; i < n; i++)
			{
				core_poll(&tick);
				freq[off[k] + row_level(in, i, k)] += 1.0 / prob[i];
			}
			for (l = 0; l < in->nlev[k]; l++)
			{
				double		t = in->pop_lev[off[k] + l];

				if (freq[off[k] + l] == 0.0 && t != 0.0 && in->d_model == NULL)
				{
					/* a level emptied by an earlier margin */
					res->status = CAL_EMPTY_LEVEL;
					res->margin = k;
					res->level = l;
					res->total = t;
					res->reached = 0.0;
					return;
				}
				rew[off[k] + l] = freq[off[k] + l] == 0.0 ? 1.0 : t / freq[off[k] + l];
			}
			for (i = 0; i < n; i++)
				prob[i] = prob[i] / rew[off[k] + row_level(in, i, k)];
			if (in->post_w != NULL)
				for (i = 0; i < n; i++)
					in->post_w[(size_t) k * n + i] = 1.0 / prob[i];
		}
		if (!rake)
			break;
		if (in->rake_sweeps > 0)
		{
			/* a replicate: the full sample's number of sweeps */
			if (++iter >= in->rake_sweeps)
			{
				converged = true;
				iter--;
				break;
			}
			continue;
		}
		memset(newt, 0, sizeof(double) * ncell);
		for (i = 0; i < n; i++)
			newt[cell[i]] += 1.0 / prob[i];
		{
			double		delta = 0.0;
			uint32_t	c;

			for (c = 0; c < ncell; c++)
				delta = fmax(delta, fabs(oldt[c] - newt[c]));
			res->achieved = delta;
			if (delta < eps)
			{
				converged = true;
				break;
			}
			memcpy(oldt, newt, sizeof(double) * ncell);
		}
		iter++;
		if (iter >= in->maxit)
			break;
	}
	res->iterations = rake ? iter + (converged ? 1 : 0) : 1;
	for (i = 0; i < n; i++)
	{
		res->w[i] = 1.0 / prob[i];
		res->g[i] = in->d[i] > 0.0 ? res->w[i] / in->d[i] : 1.0;
	}
	if (rake && !converged)
	{
		double	   *tot = cal_alloc(a, L, sizeof(double));
		double		delta = res->achieved;

		worst_level(in, off, res->w, tot, res);
		res->achieved = delta;
		res->status = CAL_NO_CONVERGENCE;
	}
}

void
cal_solve(const CalInput *in, CalResult *res, DesignRealloc fn, void *ctx)
{
	CalAlloc	a = {fn, ctx};
	uint32_t   *off;
	double	   *stot;
	uint32_t	k;
	int64_t		i;
	CalModel	m;
	uint32_t   *cols;
	double	   *vals;

	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	res->scale = 1.0;
	res->g = cal_alloc(&a, in->n, sizeof(double));
	res->w = cal_alloc(&a, in->n, sizeof(double));
	off = cal_alloc(&a, in->K + 1, sizeof(uint32_t));
	for (k = 0; k < in->K; k++)
		off[k + 1] = off[k] + in->nlev[k];
	stot = cal_alloc(&a, off[in->K] + 1, sizeof(double));
	if (!level_totals(in, off, stot, res))
		return;
	if (in->method == CAL_POSTSTRATIFY || in->method == CAL_RAKE)
	{
		solve_post(in, off, res, &a);
		return;
	}
	model_build(in, &m, off, stot, true, &a);
	cols = cal_alloc(&a, in->K + in->q + 1, sizeof(uint32_t));
	vals = cal_alloc(&a, in->K + in->q + 1, sizeof(double));
	if (in->method == CAL_LINEAR && isinf(in->lower) && in->lower < 0 &&
		isinf(in->upper) && in->upper > 0)
		solve_linear(in, &m, res, &a, cols, vals);
	else
		solve_grake(in, &m, res, &a, cols, vals);
	/* R: design$prob / g, weights 1 / prob */
	for (i = 0; i < in->n; i++)
		res->w[i] = 1.0 / ((1.0 / in->d[i]) / res->g[i]);
	if (res->status == CAL_NO_CONVERGENCE || res->status == CAL_NOT_FINITE)
	{
		double		ach = res->achieved;

		worst_level(in, off, res->w, stot, res);
		res->achieved = ach;
	}
}

/*
 * The residuals of G columns u (G x n, column after column) on the
 * calibration model with design weights d (see calib_core.h): the normal
 * matrix is formed and factored once, each column costs a solve and a pass
 * over the rows.  The columns are those of cal_solve without totals.
 */
bool
cal_residual(const CalInput *in, uint32_t G, const double *u, double *e, DesignRealloc fn,
			 void *ctx)
{
	CalAlloc	a = {fn, ctx};
	uint32_t   *off;
	double	   *stot;
	uint32_t	k,
				g;
	int64_t		i;
	CalModel	m;
	uint32_t   *cols;
	double	   *vals,
			   *rhs,
			   *b,
			   *v;
	long double *acc;
	uint32_t	tick = 0;

	memset(&m, 0, sizeof(m));
	off = cal_alloc(&a, in->K + 1, sizeof(uint32_t));
	for (k = 0; k < in->K; k++)
		off[k + 1] = off[k] + in->nlev[k];
	stot = cal_alloc(&a, off[in->K] + 1, sizeof(double));
	for (i = 0; i < in->n; i++)
	{
		core_poll(&tick);
		for (k = 0; k < in->K; k++)
			stot[off[k] + row_level(in, i, k)] += in->d[i];
	}
	model_build(in, &m, off, stot, false, &a);
	if (m.p == 0)
		return false;
	cols = cal_alloc(&a, in->K + in->q + 1, sizeof(uint32_t));
	vals = cal_alloc(&a, in->K + in->q + 1, sizeof(double));
	rhs = cal_alloc(&a, m.p, sizeof(double));
	b = cal_alloc(&a, m.p, sizeof(double));
	v = cal_alloc(&a, in->n, sizeof(double));
	acc = cal_alloc(&a, m.p, sizeof(long double));
	if (in->sigma2 != NULL)
	{
		double	   *dv = cal_alloc(&a, in->n, sizeof(double));

		for (i = 0; i < in->n; i++)
			dv[i] = in->d[i] / in->sigma2[i];
		normal_matrix(in, &m, dv, cols, vals);
	}
	else
		normal_matrix(in, &m, in->d, cols, vals);
	factor_normal(&m);
	for (g = 0; g < G; g++)
	{
		const double *ug = u + (size_t) g * in->n;
		double	   *eg = e + (size_t) g * in->n;

		core_check_interrupts();
		for (i = 0; i < in->n; i++)
			v[i] = in->sigma2 ? in->d[i] * ug[i] / in->sigma2[i] : in->d[i] * ug[i];
		col_sums(in, &m, v, acc, rhs);
		solve_factored(&m, rhs, b);
		for (i = 0; i < in->n; i++)
		{
			core_poll(&tick);
			eg[i] = ug[i] - row_dot(in, &m, i, b);
		}
	}
	return true;
}

void
cal_rake_backfit(const CalInput *in, const double *post_w, uint32_t G, double *x,
				 DesignRealloc fn, void *ctx)
{
	CalAlloc	a = {fn, ctx};
	uint32_t	k,
				l,
				g,
				L = 0;
	uint32_t   *off = cal_alloc(&a, in->K + 1, sizeof(uint32_t));
	double	   *cnt;
	long double *mean;
	int64_t		i,
				n = in->n;
	int			it;
	uint32_t	tick = 0;

	for (k = 0; k < in->K; k++)
		off[k + 1] = off[k] + in->nlev[k];
	L = off[in->K];
	cnt = cal_alloc(&a, L, sizeof(double));
	mean = cal_alloc(&a, L, sizeof(long double));
	for (i = 0; i < n; i++)
		for (k = 0; k < in->K; k++)
			cnt[off[k] + row_level(in, i, k)] += 1.0;
	for (g = 0; g < G; g++)
	{
		double	   *xg = x + (size_t) g * n;

		/* R: for (iterations in 1:10) for (margin in psvar) ... ave(x/psw, margin) */
		for (it = 0; it < 10; it++)
			for (k = 0; k < in->K; k++)
			{
				const double *psw = post_w + (size_t) k * n;

				core_check_interrupts();
				memset(mean + off[k], 0, sizeof(long double) * in->nlev[k]);
				for (i = 0; i < n; i++)
				{
					core_poll(&tick);
					if (psw[i] > 0.0)
						mean[off[k] + row_level(in, i, k)] += (long double) (xg[i] / psw[i]);
				}
				for (l = 0; l < in->nlev[k]; l++)
					if (cnt[off[k] + l] > 0.0)
						mean[off[k] + l] /= (long double) cnt[off[k] + l];
				for (i = 0; i < n; i++)
					xg[i] -= psw[i] * (double) mean[off[k] + row_level(in, i, k)];
			}
	}
}
