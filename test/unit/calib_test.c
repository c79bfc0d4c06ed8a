/*
 * calib_test.c - C unit tests of the calibration core against closed forms:
 * post-stratification gives g = T_l / (sum of d in l); linear calibration
 * on one number gives g = 1 + x lambda with the totals met exactly; every
 * method meets the totals; raking on two margins equals iterative
 * proportional fitting run to convergence; the residual of a margin's
 * indicator is 0 and residuals are orthogonal to the model; statuses for
 * totals that cannot be met.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib_core.h"
#include "tap.h"

static void
is_close(double got, double want, double tol, const char *what)
{
	int			good = got == want || fabs(got - want) <= tol * fmax(fabs(want), 1e-300);

	ok(good, what);
	if (!good)
		printf("#   got %.17g, want %.17g\n", got, want);
}

/* a small sample: 2 margins (3 and 2 levels), one number */
enum
{
	N = 12
};
static const double d0[N] = {10, 12, 8, 15, 9, 11, 14, 7, 10, 13, 6, 12};
static const uint32_t lev0[N * 2] = {
	0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1,
	2, 0, 2, 1, 2, 1, 0, 1, 1, 0, 2, 0
};
static const double x0[N] = {1.5, 2.0, 3.5, 1.0, 2.5, 4.0, 3.0, 2.0, 1.0, 5.0, 2.5, 3.0};
static const uint32_t nlev0[2] = {3, 2};
static const double pop0[5] = {50, 60, 40, 70, 80};	/* margins sum to 150 */

static void
setup(CalInput *in, int method, uint32_t K, uint32_t q)
{
	memset(in, 0, sizeof(*in));
	in->n = N;
	in->d = d0;
	in->K = K;
	in->nlev = nlev0;
	in->lev = lev0;
	in->pop_lev = pop0;
	in->q = q;
	in->x = x0;
	in->method = method;
	in->lower = -INFINITY;
	in->upper = INFINITY;
	in->epsilon = 1e-10;
	in->maxit = 100;
}

/* the largest relative distance of the calibrated totals from the totals */
static double
misfit(const CalInput *in, const double *w, double xtotal)
{
	double		tot[5] = {0},
				sx = 0,
				worst = 0;
	uint32_t	k,
				l,
				off = 0;
	int64_t		i;

	for (i = 0; i < in->n; i++)
	{
		for (k = 0; k < in->K; k++)
		{
			uint32_t	o = k == 0 ? 0 : nlev0[0];

			tot[o + in->lev[i * in->K + k]] += w[i];
		}
		if (in->q)
			sx += w[i] * in->x[i];
	}
	for (k = 0; k < in->K; k++)
	{
		for (l = 0; l < nlev0[k]; l++)
			worst = fmax(worst, fabs(tot[off + l] - in->pop_lev[off + l]) / in->pop_lev[off + l]);
		off += nlev0[k];
	}
	if (in->q)
		worst = fmax(worst, fabs(sx - xtotal) / xtotal);
	return worst;
}

int
main(void)
{
	CalInput	in;
	CalResult	res,
				res2;
	int64_t		i;
	double		xtot = 420.0,
				pop_bad[5];
	int			m;
	double		e[N],
				u[N];

	/* post-stratification on margin 2: g = T_l / sum d */
	{
		CalInput	p;
		uint32_t	lev1[N];
		uint32_t	nl = 2;
		double		pop[2] = {70, 80},
					s[2] = {0, 0};

		setup(&p, CAL_POSTSTRATIFY, 1, 0);
		for (i = 0; i < N; i++)
		{
			lev1[i] = lev0[i * 2 + 1];
			s[lev1[i]] += d0[i];
		}
		p.lev = lev1;
		p.nlev = &nl;
		p.pop_lev = pop;
		cal_solve(&p, &res, tap_realloc, NULL);
		ok(res.status == CAL_OK, "poststratify: status ok");
		is_close(res.g[0], 70.0 / s[0], 1e-15, "poststratify: g = T / N-hat in level 0");
		is_close(res.g[1], 80.0 / s[1], 1e-15, "poststratify: g = T / N-hat in level 1");
		/* linear calibration on the same margin is the same */
		p.method = CAL_LINEAR;
		cal_solve(&p, &res2, tap_realloc, NULL);
		is_close(res2.w[5], res.w[5], 1e-14, "linear calibration on one margin is post-stratification");
	}

	/* linear calibration on the number only (no intercept): g = 1 + x lambda */
	{
		double		pop[1] = {xtot},
					sdx = 0,
					sdxx = 0,
					lam;

		setup(&in, CAL_LINEAR, 0, 1);
		in.pop_x = pop;
		for (i = 0; i < N; i++)
		{
			sdx += d0[i] * x0[i];
			sdxx += d0[i] * x0[i] * x0[i];
		}
		lam = (xtot - sdx) / sdxx;
		cal_solve(&in, &res, tap_realloc, NULL);
		is_close(res.g[3], 1 + x0[3] * lam, 1e-14, "linear on x: g = 1 + x (T - t) / sum d x^2");
		is_close(res.g[9], 1 + x0[9] * lam, 1e-14, "linear on x: another row");
	}

	/* every method meets the totals */
	for (m = CAL_LINEAR; m <= CAL_RAKE; m++)
	{
		double		pop[1] = {xtot};
		char		what[128];

		if (m == CAL_POSTSTRATIFY)
			continue;
		setup(&in, m, 2, m == CAL_RAKE ? 0 : 1);
		in.pop_x = pop;
		if (m == CAL_LOGIT)
		{
			in.lower = 0.3;
			in.upper = 3.0;
		}
		if (m == CAL_RAKE)
			in.epsilon = 1e-9;
		cal_solve(&in, &res, tap_realloc, NULL);
		snprintf(what, sizeof(what), "%s: status ok", cal_method_name(m));
		ok(res.status == CAL_OK, what);
		snprintf(what, sizeof(what), "%s: the calibrated totals equal the totals", cal_method_name(m));
		ok(misfit(&in, res.w, xtot) < 1e-8, what);
		if (m == CAL_LOGIT)
		{
			double		gmin = 1e300,
						gmax = 0;

			for (i = 0; i < N; i++)
			{
				gmin = fmin(gmin, res.g[i]);
				gmax = fmax(gmax, res.g[i]);
			}
			ok(gmin > 0.3 && gmax < 3.0, "logit: g strictly inside the bounds");
		}
	}

	/* raking (Newton) equals rake (iterative proportional fitting) */
	setup(&in, CAL_RAKING, 2, 0);
	cal_solve(&in, &res, tap_realloc, NULL);
	setup(&in, CAL_RAKE, 2, 0);
	in.epsilon = 1e-12;
	in.maxit = 10000;
	cal_solve(&in, &res2, tap_realloc, NULL);
	{
		double		worst = 0;

		for (i = 0; i < N; i++)
			worst = fmax(worst, fabs(res.w[i] - res2.w[i]) / res2.w[i]);
		ok(worst < 1e-9, "raking by Newton equals raking by iterative proportional fitting");
	}
	/* raking's g is exp of a sum over the margins: log g additive */
	{
		/* rows 0 (0,2?)... use the identity log g(a,b) + log g(c,d) = log g(a,d) + log g(c,b) */
		double		lg[3][2];
		int			seen[3][2] = {{0}};

		for (i = 0; i < N; i++)
		{
			uint32_t	a = lev0[i * 2],
						b = lev0[i * 2 + 1];

			lg[a][b] = log(res.g[i]);
			seen[a][b] = 1;
		}
		ok(seen[0][0] && seen[0][1] && seen[1][0] && seen[1][1], "raking: cells present");
		is_close(lg[0][0] + lg[1][1], lg[0][1] + lg[1][0], 1e-12, "raking: log g is additive in the margins");
	}

	/* residuals: a margin's indicator has residual 0; residuals orthogonal */
	setup(&in, CAL_LINEAR, 2, 1);
	for (i = 0; i < N; i++)
		u[i] = lev0[i * 2] == 1 ? 1.0 : 0.0;
	ok(cal_residual(&in, 1, u, e, tap_realloc, NULL), "residual: model has columns");
	{
		double		worst = 0;

		for (i = 0; i < N; i++)
			worst = fmax(worst, fabs(e[i]));
		ok(worst < 1e-13, "residual of a margin level's indicator is 0");
	}
	for (i = 0; i < N; i++)
		u[i] = sin((double) i) * 3 + x0[i];
	cal_residual(&in, 1, u, e, tap_realloc, NULL);
	{
		double		sx = 0,
					s1 = 0,
					sl = 0,
					su = 0;

		for (i = 0; i < N; i++)
		{
			sx += d0[i] * x0[i] * e[i];
			s1 += d0[i] * e[i];
			sl += lev0[i * 2 + 1] == 1 ? d0[i] * e[i] : 0;
			su += fabs(d0[i] * u[i]);
		}
		ok(fabs(sx) < 1e-12 * su && fabs(s1) < 1e-12 * su && fabs(sl) < 1e-12 * su,
		   "residuals are d-orthogonal to 1, x and a level indicator");
	}

	/* totals that cannot be met */
	setup(&in, CAL_LINEAR, 2, 0);
	memcpy(pop_bad, pop0, sizeof(pop_bad));
	pop_bad[4] += 10;
	in.pop_lev = pop_bad;
	cal_solve(&in, &res, tap_realloc, NULL);
	ok(res.status == CAL_INCONSISTENT && res.margin == 1, "margins with different sums: CAL_INCONSISTENT, margin 2");
	{
		uint32_t	nl[2] = {4, 2};
		double		pop[6] = {50, 60, 40, 5, 75, 80};

		setup(&in, CAL_RAKING, 2, 0);
		in.nlev = nl;
		in.pop_lev = pop;
		/* the level indexes of margin 2 shift: rebuild a copy */
		{
			uint32_t	lv[N * 2];

			for (i = 0; i < N; i++)
			{
				lv[i * 2] = lev0[i * 2];
				lv[i * 2 + 1] = lev0[i * 2 + 1];
			}
			in.lev = lv;
			cal_solve(&in, &res, tap_realloc, NULL);
			ok(res.status == CAL_EMPTY_LEVEL && res.margin == 0 && res.level == 3,
			   "a level with a total and no rows: CAL_EMPTY_LEVEL, margin 1 level 4");
		}
	}
	setup(&in, CAL_LINEAR, 2, 0);
	in.lower = 0.98;
	in.upper = 1.02;
	in.maxit = 20;
	cal_solve(&in, &res, tap_realloc, NULL);
	ok(res.status == CAL_NO_CONVERGENCE && res.iterations == 21,
	   "bounds too tight: CAL_NO_CONVERGENCE after maxit + 1 (R's count)");
	{
		double		gmin = 1e300,
					gmax = 0;

		for (i = 0; i < N; i++)
		{
			gmin = fmin(gmin, res.g[i]);
			gmax = fmax(gmax, res.g[i]);
		}
		ok(gmin >= 0.98 - 1e-15 && gmax <= 1.02 + 1e-15, "truncated linear: g within the bounds");
	}

	/*
	 * rake's post-stratified weights (R's postStrata "weights") and
	 * svyrecvar's backfitting of the scores on them
	 */
	{
		double		pw[2 * N],
					x[N],
					x1[N],
					t0[3] = {0, 0, 0},
					mlast[2] = {0, 0},
					cnt[2] = {0, 0},
					worst = 0,
					sc = 0;
		int			sweeps;

		setup(&in, CAL_RAKE, 2, 0);
		in.epsilon = 1.0;
		in.maxit = 10;
		in.post_w = pw;
		cal_solve(&in, &res, tap_realloc, NULL);
		sweeps = res.iterations;
		ok(res.status == CAL_OK && sweeps > 1, "rake: converges in several sweeps");
		for (i = 0; i < N; i++)
		{
			worst = fmax(worst, fabs(pw[N + i] - res.w[i]));
			t0[lev0[i * 2]] += pw[i];
		}
		ok(worst == 0.0, "rake: the last margin's post-stratified weights are the weights");
		ok(fabs(t0[0] - 50) < 1e-12 && fabs(t0[1] - 60) < 1e-12 && fabs(t0[2] - 40) < 1e-12,
		   "rake: the first margin's post-stratified weights meet its totals exactly");
		for (i = 0; i < N; i++)
		{
			x[i] = res.w[i] * (x0[i] - 2.5) / 150.0;
			x1[i] = x[i];
			sc = fmax(sc, fabs(x[i]));
		}
		cal_rake_backfit(&in, pw, 1, x, tap_realloc, NULL);
		for (i = 0; i < N; i++)
		{
			mlast[lev0[i * 2 + 1]] += x[i] / pw[N + i];
			cnt[lev0[i * 2 + 1]] += 1;
		}
		ok(fabs(mlast[0] / cnt[0]) < 1e-15 * sc / 5 && fabs(mlast[1] / cnt[1]) < 1e-15 * sc / 5,
		   "backfit: the last margin's level means of x / psw are 0");

		/* one margin: one pass is the whole projection, x - w mean(x / w) */
		{
			CalInput	p;
			uint32_t	lev1[N];
			uint32_t	nl = 2;
			double		pop[2] = {70, 80},
						pw1[N],
						m1[2] = {0, 0},
						c1[2] = {0, 0};

			setup(&p, CAL_POSTSTRATIFY, 1, 0);
			for (i = 0; i < N; i++)
				lev1[i] = lev0[i * 2 + 1];
			p.lev = lev1;
			p.nlev = &nl;
			p.pop_lev = pop;
			p.post_w = pw1;
			cal_solve(&p, &res2, tap_realloc, NULL);
			for (i = 0; i < N; i++)
			{
				x1[i] = res2.w[i] * (x0[i] - 2.5) / 150.0;
				m1[lev1[i]] += x1[i] / res2.w[i];
				c1[lev1[i]] += 1;
			}
			for (i = 0; i < N; i++)
				x[i] = x1[i];
			cal_rake_backfit(&p, pw1, 1, x, tap_realloc, NULL);
			worst = 0;
			for (i = 0; i < N; i++)
				worst = fmax(worst, fabs(x[i] - (x1[i] - res2.w[i] * m1[lev1[i]] / c1[lev1[i]])));
			ok(worst < 1e-15, "backfit on one margin: x - w (level mean of x / w)");
		}
	}

	/* R's variance = : the totals are met; a constant sigma2 changes nothing */
	for (m = 0; m < 2; m++)
	{
		double		s2[N],
					s2c[N],
					wref[N],
					worst = 0;
		char		what[120];

		for (i = 0; i < N; i++)
		{
			s2[i] = 1.0 + x0[i] / 4.0;
			s2c[i] = 2.5;
		}
		setup(&in, m == 0 ? CAL_LINEAR : CAL_RAKING, 2, 1);
		in.pop_x = &xtot;
		cal_solve(&in, &res, tap_realloc, NULL);
		memcpy(wref, res.w, sizeof(wref));
		in.sigma2 = s2;
		cal_solve(&in, &res, tap_realloc, NULL);
		snprintf(what, sizeof(what), "%s with variance: the totals are met",
				 cal_method_name(in.method));
		ok(res.status == CAL_OK && misfit(&in, res.w, xtot) < 1e-8, what);
		for (i = 0; i < N; i++)
			worst = fmax(worst, fabs(res.w[i] - wref[i]));
		snprintf(what, sizeof(what), "%s with variance: the weights differ from the homoscedastic ones",
				 cal_method_name(in.method));
		ok(worst > 1e-6, what);
		in.sigma2 = s2c;
		cal_solve(&in, &res, tap_realloc, NULL);
		worst = 0;
		for (i = 0; i < N; i++)
			worst = fmax(worst, fabs(res.w[i] - wref[i]) / wref[i]);
		snprintf(what, sizeof(what), "%s with a constant variance: the homoscedastic weights",
				 cal_method_name(in.method));
		ok(worst < 1e-12, what);
	}

	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
