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

# Fractional (effective) counts for the weighted value interval: the same definitions with the
# incomplete gamma function at a non-integer shape, i.e. chi-square quantiles at fractional
# degrees of freedom 2k and 2k + 2.
print("// fractional counts")
for conf in ("0.95", "0.8"):
    for k in ("0.25", "0.5", "1.5", "2.75", "7.2", "12.345", "99.9"):
        kk = mp.mpf(k)
        print(f"{{{k}, {conf}, {mp.nstr(lower(kk, conf), 17)}, {mp.nstr(upper(kk, conf), 17)}}},")

# A weighted summary (test/unit/interval_test.cpp builds the same one): rows of (merged changes m,
# value v); value_squares adds v^2 / max(m, 1). The interval on value is c * Garwood(n_eff) with
# n_eff = V^2 / Q and c = Q / V, computed here from the rows with exact rationals.
print("// weighted summary")
rows = [(1, "0.5"), (1, "1"), (1, "2"), (1, "0.25"), (1, "3"), (1, "1.5"), (1, "0"), (2, "1.5"), (0, "0.75"), (3, "3")]
V = sum(mp.mpf(v) for m, v in rows)
Q = sum(mp.mpf(v) ** 2 / max(m, 1) for m, v in rows)
n_eff, c = V * V / Q, Q / V
print(f"// value {mp.nstr(V, 17)}, value_squares {mp.nstr(Q, 17)}, n_eff {mp.nstr(n_eff, 17)}")
for conf in ("0.95", "0.9"):
    print(f"{{{conf}, {mp.nstr(c * lower(n_eff, conf), 17)}, {mp.nstr(c * upper(n_eff, conf), 17)}}},")
