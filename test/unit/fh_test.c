/*
 * fh_test.c - C unit tests of the Fay-Herriot core against closed forms:
 * with equal sampling variances D and the intercept only, REML gives
 * A = max(0, s^2 - D) (s^2 the sample variance of the direct estimates)
 * and ML A = max(0, (m-1)/m s^2 - D); the EBLUP shrinks each area to the
 * mean by D/(A + D); an area without a sample gets the mean with MSE
 * A + (A + D)/m.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fh_core.h"
#include "tap.h"

static void
is_close(double got, double want, double tol, const char *what)
{
	int			good = got == want || fabs(got - want) <= tol * fmax(fabs(want), 1e-300);

	ok(good, what);
	if (!good)
		printf("#   got %.17g, want %.17g\n", got, want);
}

static void
equal_variances(int method, double spread, const char *name)
{
	enum
	{
		M = 7
	};
	double		y[M + 1],
				x[M + 1],
				D[M + 1],
				mean = 0,
				ss = 0,
				A,
				d = 0.01;
	FhInput		in;
	FhFit		f;
	char		msg[200];
	int			i;

	for (i = 0; i < M; i++)
	{
		y[i] = 0.5 + spread * (i - 3) / 3.0;
		mean += y[i];
	}
	mean /= M;
	for (i = 0; i < M; i++)
		ss += (y[i] - mean) * (y[i] - mean);
	for (i = 0; i <= M; i++)
	{
		x[i] = 1;
		D[i] = d;
	}
	y[M] = NAN;					/* an area without a sample */
	A = method == FH_REML ? fmax(0, ss / (M - 1) - d) : fmax(0, ss / M - d);
	memset(&in, 0, sizeof(in));
	in.n = M + 1;
	in.p = 1;
	in.x = x;
	in.y = y;
	in.D = D;
	in.method = method;
	in.tol = 1e-14;
	in.maxiter = 1000;
	fh_fit(&in, &f, tap_realloc, NULL);
	snprintf(msg, sizeof(msg), "%s: converged", name);
	ok(f.status == FH_OK && f.m == M, msg);
	snprintf(msg, sizeof(msg), "%s: area variance %s", name,
			 method == FH_REML ? "max(0, s^2 - D)" : "max(0, (m-1)/m s^2 - D)");
	is_close(f.A, A, 1e-10, msg);
	snprintf(msg, sizeof(msg), "%s: beta is the mean", name);
	is_close(f.beta[0], mean, 1e-12, msg);
	snprintf(msg, sizeof(msg), "%s: EBLUP of area 1 shrinks to the mean by D/(A + D)", name);
	is_close(f.eblup[0], mean + A / (A + d) * (y[0] - mean), 1e-10, msg);
	snprintf(msg, sizeof(msg), "%s: out of sample, the mean with MSE A + (A + D)/m", name);
	is_close(f.eblup[M], mean, 1e-12, msg);
	is_close(f.mse[M], A + (A + d) / M, 1e-10, msg);
}

int
main(void)
{
	equal_variances(FH_REML, 0.3, "REML, areas differ");
	equal_variances(FH_ML, 0.3, "ML, areas differ");
	equal_variances(FH_REML, 0.01, "REML, areas alike (A = 0)");
	equal_variances(FH_ML, 0.01, "ML, areas alike (A = 0)");
	printf("1..%d\n", test_no);
	return failures > 0;
}
