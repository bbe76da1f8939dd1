#!/usr/bin/env python3
"""same.py A B: exit 0 when two query outputs are equal, printing "exact"; or equal but for float8
sums in their last bits (relative 1e-12), printing "1e-12": float8 addition is not associative,
so a sum split over shards and combined differs from one summed in one pass in its last bits
(as PostgreSQL's own sum(float8) under parallel query). Integers and text must be identical."""
import re, sys
a, b = open(sys.argv[1]).read(), open(sys.argv[2]).read()
if a == b:
    print("exact"); sys.exit(0)
num = re.compile(r'-?\d+(?:\.\d+)?(?:e[-+]?\d+)?')
ta, tb = num.split(a), num.split(b)
na, nb = num.findall(a), num.findall(b)
if ta != tb or len(na) != len(nb):
    sys.exit(1)
for x, y in zip(na, nb):
    if x == y:
        continue
    if '.' not in x + y and 'e' not in x + y:
        sys.exit(1)          # integers differ
    fx, fy = float(x), float(y)
    if abs(fx - fy) > 1e-12 * max(abs(fx), abs(fy)):
        sys.exit(1)
print("1e-12")
