#!/usr/bin/env python3
"""Independent reference values for the Garwood (exact Poisson) interval, at 50 digits.

Solves P(X >= k | mu) = a/2 and P(X <= k | mu) = a/2 for mu by bisection (200 halvings) on
mpmath's regularised incomplete gamma function; no Boost involved. Its output is pasted into
test/unit/interval_test.cpp and test/pgtap/interval.sql. Run: python3 test/reference/garwood.py
(needs python3-mpmath from Debian)."""
import mpmath as mp

mp.mp.dps = 50


def bisect(f, k):
    """Root of an increasing f on [0, 10k + 50]."""
    lo, hi = mp.mpf(0), mp.mpf(10 * k + 50)
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def lower(k, conf):
    if k == 0:
        return mp.mpf(0)
    a = (1 - mp.mpf(conf)) / 2
    # P(X >= k | mu) = P(Gamma(k,1) <= mu)
    return bisect(lambda mu: mp.gammainc(k, 0, mu, regularized=True) - a, k)


def upper(k, conf):
    a = (1 - mp.mpf(conf)) / 2
    # P(X <= k | mu) = P(Gamma(k+1,1) > mu)
    return bisect(lambda mu: a - mp.gammainc(k + 1, mu, mp.inf, regularized=True), k)


for conf in ("0.95", "0.9", "0.99", "0.5"):
    for k in (0, 1, 2, 5, 10, 37, 100, 1000):
        print(f"{{{k}, {conf}, {mp.nstr(lower(k, conf), 17)}, {mp.nstr(upper(k, conf), 17)}}},")
