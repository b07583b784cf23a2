// SPDX-License-Identifier: GPL-2.0-only
/* Welch's t-test and what it needs (see compare_stats.h). */
#include <math.h>
#include <stdlib.h>

#include "host/compare_stats.h"

void stats_describe(const double *v, int n, struct sample_stats *s)
{
	double sum = 0, ss = 0;

	s->n = n;
	s->mean = s->sd = s->min = s->max = n ? v[0] : NAN;
	for (int i = 0; i < n; i++) {
		sum += v[i];
		s->min = fmin(s->min, v[i]);
		s->max = fmax(s->max, v[i]);
	}
	if (!n)
		return;
	s->mean = sum / n;
	for (int i = 0; i < n; i++)
		ss += (v[i] - s->mean) * (v[i] - s->mean);
	s->sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
}

/* The continued fraction of I_x(a, b), evaluated by the modified Lentz
 * method; converges fast for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 10000; m++) {
		double num, del;

		/* Even step: m (b - m) x / ((a + 2m - 1)(a + 2m)). */
		num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		/* Odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)). */
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double stats_betainc(double a, double b, double x)
{
	double front;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double stats_t_two_sided(double t, double df)
{
	if (!(df > 0) || isnan(t))
		return NAN;
	if (isinf(t))
		return 0;
	return stats_betainc(df / 2, 0.5, df / (df + t * t));
}

int stats_welch(const double *a, int na, const double *b, int nb, struct welch *w)
{
	struct sample_stats sa, sb;
	double va, vb, se2;

	if (na < 2 || nb < 2)
		return -1;
	stats_describe(a, na, &sa);
	stats_describe(b, nb, &sb);
	va = sa.sd * sa.sd / na;
	vb = sb.sd * sb.sd / nb;
	se2 = va + vb;
	if (se2 == 0) {
		/* No spread at all: the means are equal or they are not. */
		w->t = sa.mean == sb.mean ? 0 : copysign(INFINITY, sa.mean - sb.mean);
		w->df = na + nb - 2;
		w->p = sa.mean == sb.mean ? 1 : 0;
		return 0;
	}
	w->t = (sa.mean - sb.mean) / sqrt(se2);
	w->df = se2 * se2 / (va * va / (na - 1) + vb * vb / (nb - 1));
	w->p = stats_t_two_sided(w->t, w->df);
	return 0;
}

/* A p-value for ordering: NaN (no answer) as 1. */
static double pv(const double *p, int i)
{
	return isnan(p[i]) ? 1 : p[i];
}

int stats_holm(const double *p, int n, double *adj)
{
	int *order = n > 0 ? malloc(n * sizeof(*order)) : NULL;
	double *sorted = n > 0 ? malloc(n * sizeof(*sorted)) : NULL, run = 0;

	if (n > 0 && (!order || !sorted)) {
		free(order);
		free(sorted);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int k = i;

		/* Insertion sort by p: a family is a key's metrics, a few dozen. */
		for (; k > 0 && pv(p, order[k - 1]) > pv(p, i); k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	for (int k = 0; k < n; k++) {
		double a = (n - k) * pv(p, order[k]);

		if (a > 1)
			a = 1;
		if (a > run)
			run = a;
		sorted[k] = run;
	}
	for (int k = 0; k < n; k++)
		adj[order[k]] = sorted[k];
	free(order);
	free(sorted);
	return 0;
}
