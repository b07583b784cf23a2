/* SPDX-License-Identifier: GPL-2.0-only */
/* The statistics `compare` uses: a sample's mean and spread, and Welch's
 * two-sided t-test (unequal variances) with its p-value from the Student t
 * distribution through the regularized incomplete beta function. libm only. */
#ifndef KTSTR__HOST_COMPARE_STATS_H
#define KTSTR__HOST_COMPARE_STATS_H

struct sample_stats {
	int n;
	double mean;
	double sd;      /* sample standard deviation (n - 1); 0 when n < 2 */
	double min, max;
};

void stats_describe(const double *v, int n, struct sample_stats *s);

/* I_x(a, b), the regularized incomplete beta function, for a, b > 0 and
 * 0 <= x <= 1 (continued fraction, Lentz's method); NAN outside. */
double stats_betainc(double a, double b, double x);

/* P(|T| >= |t|) for Student's t with df degrees of freedom (df > 0). */
double stats_t_two_sided(double t, double df);

struct welch {
	double t;       /* (mean a - mean b) / standard error */
	double df;      /* Welch-Satterthwaite degrees of freedom */
	double p;       /* two-sided */
};

/* Welch's t-test of a against b: 0, or -1 when either has fewer than 2
 * values. Two samples without spread have p 1 if their means are equal,
 * else 0. */
int stats_welch(const double *a, int na, const double *b, int nb, struct welch *w);

/* Holm's step-down adjustment of n p-values that are one family: adj[i]
 * is the smallest level at which p[i] is rejected while the chance of any
 * false rejection in the family stays at that level (R's
 * p.adjust(p, "holm")). adj may be p. 0, or -1 when out of memory. */
int stats_holm(const double *p, int n, double *adj);

#endif
