/*
 * dist_test.c - the libRmath wrappers stay silent and sound over extreme
 * arguments: libRmath prints its warnings to the process's standard output
 * (in a server: outside the log's controls), so every wrapper is swept over
 * shapes and degrees of freedom from 1e-310 to 1e300 and probabilities
 * from 1e-300 to 1, with standard output sent to a file whose size must
 * stay 0; results must be NaN or in range.  The limiting forms of
 * dist_qbeta agree with libRmath where both are accurate.  Prints TAP.
 *
 * Copyright (C) 2026 barometer developers; GPL-2.0-or-later.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MATHLIB_STANDALONE 1
#include <Rmath.h>

#include "dist.h"
#include "tap.h"

static const double V[] = {1e-310, 1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 1e-3, 0.01, 0.1, 0.5,
	1, 2, 30, 1e3, 1e5, 1e7, 1e9, 1e10, 1e11, 1e12, 1e13, 1e15, 1e17, 1e20, 1e30, 1e100, 1e300};
static const double P[] = {0, 1e-300, 1e-20, 5e-17, 1e-10, 0.0005, 0.025, 0.05, 0.5, 0.95, 0.975,
	0.9995, 1 - 1e-10, 1 - 1.1e-16, 1};

#define NV ((int) (sizeof(V) / sizeof(V[0])))
#define NP ((int) (sizeof(P) / sizeof(P[0])))

static int
in01(double x)
{
	return isnan(x) || (x >= 0 && x <= 1);
}

int
main(void)
{
	FILE	   *sink = tmpfile();
	int			saved,
				i,
				j,
				k,
				calls = 0,
				bad_range = 0;
	struct stat st;
	double		worst = 0;

	/* everything libRmath might print goes to the sink while we sweep */
	fflush(stdout);
	saved = dup(1);
	dup2(fileno(sink), 1);
	for (i = 0; i < NP; i++)
		for (j = 0; j < NV; j++)
		{
			for (k = 0; k < NV; k++)
			{
				bad_range += !in01(dist_qbeta(P[i], V[j], V[k]));
				calls++;
			}
			(void) dist_qt(P[i], V[j]);
			(void) dist_qt(P[i], -V[j]);
			calls += 2;
		}
	for (i = 0; i < NV; i++)
		for (j = 0; j < NV; j++)
		{
			bad_range += !in01(dist_pt_upper(V[i], V[j])) + !in01(dist_pt_upper(-V[i], V[j]));
			bad_range += !in01(dist_pchisq_upper(V[i], V[j]));
			calls += 3;
			for (k = 0; k < NV; k++)
			{
				bad_range += !in01(dist_pf_upper(V[i], V[j], V[k]));
				calls++;
			}
		}
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fstat(fileno(sink), &st);
	printf("# %d calls swept\n", calls);
	ok(st.st_size == 0, "libRmath printed nothing over the whole sweep");
	if (st.st_size != 0)
	{
		char		buf[400];
		size_t		n;

		rewind(sink);
		n = fread(buf, 1, sizeof(buf) - 1, sink);
		buf[n] = '\0';
		printf("#   first output: %s\n", buf);
	}
	ok(bad_range == 0, "every probability and quantile is NaN or in [0, 1]");

	/*
	 * Limiting forms against libRmath at shape sums just above the switch
	 * (2e10, where libRmath is still accurate): distance to the nearer end
	 * within 1e-3 relative (gamma limit) or 1e-3 sd (normal).
	 */
	{
		const double shapes[][2] = {{1, 2e10}, {30, 2e10}, {1e3, 2e10}, {2e10, 2}, {2e10, 500},
		{1e9, 1.9e10}, {1e10, 1e10}, {1.5e10, 5e9}};
		const double probs[] = {0.025, 0.5, 0.975};

		for (i = 0; i < (int) (sizeof(shapes) / sizeof(shapes[0])); i++)
			for (j = 0; j < 3; j++)
			{
				double		a = shapes[i][0],
							b = shapes[i][1],
							got = dist_qbeta(probs[j], a, b),
							want = qbeta(probs[j], a, b, 1, 0),
							scale = fmin(want, 1 - want);
				double		sd = sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));

				if (fmin(a, b) > 1e6)
					scale = sd;
				worst = fmax(worst, fabs(got - want) / scale);
			}
	}
	printf("# largest difference of the limiting qbeta from libRmath: %.2g (relative)\n", worst);
	ok(worst < 1e-3, "qbeta's limiting forms agree with libRmath where it is accurate");
	{
		double		x = dist_qbeta(0.05, 30, 0.01),
					y = 1 - qbeta(0.95, 0.01, 30, 1, 0);

		ok(x == y && x > 0.99, "a small second shape is computed through the mirror");
	}
	{
		/*
		 * The memo of the quantile functions: a repeated call, and a call
		 * after thousands of others have evicted its entry, return the
		 * bits of libRmath's own result.
		 */
		int			same = 1,
					n = 0;

		for (i = 0; i < 6000; i++)
		{
			double		a = 0.5 + i * 0.37,
						b = 1.0 + (i % 97) * 2.5,
						p = (i % 2) ? 0.025 : 0.975,
						df = 1.0 + (i % 300),
						want_b = qbeta(p, a, b, 1, 0),
						want_t = qt(p, df, 1, 0);

			for (j = 0; j < 2; j++)
			{
				double		gb = dist_qbeta(p, a, b),
							gt = dist_qt(p, df);

				n++;
				if (memcmp(&gb, &want_b, sizeof(double)) != 0 ||
					memcmp(&gt, &want_t, sizeof(double)) != 0)
					same = 0;
			}
			if (i % 50 == 0)
			{
				double		again = dist_qbeta(0.975, 0.5, 1.0),
							want = qbeta(0.975, 0.5, 1.0, 1, 0);

				if (memcmp(&again, &want, sizeof(double)) != 0)
					same = 0;
			}
		}
		printf("# %d memoised quantile calls compared\n", n);
		ok(same, "memoised qbeta and qt return libRmath's bits, first call, repeat and after eviction");
	}
	printf("1..%d\n", test_no);
	return failures > 0;
}
