#!/usr/bin/env python3
"""Reads what scripts/load recorded and prints latency/throughput figures as TAP lines.

  analyze.py READER_LOG_PREFIX REFRESH_LOG LOCKWAIT_LOG DURATION

READER_LOG_PREFIX*: pgbench -l logs of the readers (client tx latency_us script epoch us ...),
REFRESH_LOG: one line per refresh "start_ms end_ms exit_status", LOCKWAIT_LOG: one line per
sample "epoch_ms waiting_backends". Reader transactions "during a refresh" are those whose
[start, end] interval overlaps a refresh. Prints "ok"/"not ok" lines; exit 1 on any not ok.
"""
import glob
import statistics
import sys

prefix, refresh_log, lock_log, duration = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
SCRIPTS = {0: 'board', 1: 'team', 2: 'developer'}

tx = []   # (start_s, end_s, latency_ms, script)
failed = 0
for path in glob.glob(prefix + '*'):
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 6:
                continue
            if not p[2].isdigit():    # "failed", "skipped", ...
                failed += 1
                continue
            lat_us = int(p[2])
            end = int(p[4]) + int(p[5]) / 1e6
            tx.append((end - lat_us / 1e6, end, lat_us / 1000.0, int(p[3])))

refreshes = []
with open(refresh_log) as f:
    for line in f:
        a, b, rc = line.split()
        refreshes.append((int(a) / 1000.0, int(b) / 1000.0, int(rc)))
ok_ref = [r for r in refreshes if r[2] == 0]
ref_ms = [(b - a) * 1000 for a, b, _ in ok_ref]

waits = []
with open(lock_log) as f:
    for line in f:
        p = line.split()
        if len(p) == 2 and p[1].isdigit():
            waits.append(int(p[1]))


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float('nan')
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def overlaps(t):
    return any(t[0] < b and t[1] > a for a, b, _ in ok_ref)


during = [t[2] for t in tx if overlaps(t)]
outside = [t[2] for t in tx if not overlaps(t)]
alll = [t[2] for t in tx]

print(f'# reader transactions: {len(tx)} ({len(tx) / duration:.1f} TPS), failed {failed}')
print(f'# reader latency ms, all:            p50 {pct(alll, .5):8.1f}  p99 {pct(alll, .99):8.1f}  max {max(alll, default=0):8.1f}')
print(f'# reader latency ms, during refresh: p50 {pct(during, .5):8.1f}  p99 {pct(during, .99):8.1f}  max {max(during, default=0):8.1f}  (n={len(during)})')
print(f'# reader latency ms, no refresh:     p50 {pct(outside, .5):8.1f}  p99 {pct(outside, .99):8.1f}  max {max(outside, default=0):8.1f}  (n={len(outside)})')
for s, name in SCRIPTS.items():
    xs = [t[2] for t in tx if t[3] == s]
    if xs:
        print(f'#   {name:9s} n={len(xs):6d}  p50 {pct(xs, .5):8.1f}  p99 {pct(xs, .99):8.1f}  max {max(xs):8.1f}')
if ref_ms:
    print(f'# refreshes: {len(ok_ref)} ok, {len(refreshes) - len(ok_ref)} failed; duration ms '
          f'min {min(ref_ms):.0f}  p50 {statistics.median(ref_ms):.0f}  max {max(ref_ms):.0f}; '
          f'{sum(ref_ms) / 1000 / duration:.0%} of the run spent refreshing')
print(f'# lock-wait samples: {len(waits)} taken, max pgbench backends waiting on a lock: {max(waits, default=0)}')

bad = 0


def check(cond, what):
    global bad
    print(('ok - ' if cond else 'not ok - ') + what)
    bad += not cond


check(len(tx) > 0 and failed == 0, 'readers ran without failed transactions')
check(len(ok_ref) >= 2 and len(ok_ref) == len(refreshes), 'every concurrent refresh succeeded (at least 2)')
check(len(during) > 0, 'readers ran while refreshes were in progress')
check(len(waits) > 0 and max(waits) == 0, 'no reader or writer was ever seen waiting on a lock')
# A reader blocked by a refresh would wait for the rest of it; readers during refreshes must stay
# far below the refresh duration (CPU contention on a small machine still slows them down).
if ref_ms and during:
    med = statistics.median(ref_ms)
    check(pct(during, .99) < 0.5 * med,
          f'reader p99 during refreshes ({pct(during, .99):.0f} ms) < half the median refresh ({med:.0f} ms)')
    check(max(during) < med,
          f'reader max during refreshes ({max(during):.0f} ms) < the median refresh ({med:.0f} ms)')
sys.exit(1 if bad else 0)
