#!/usr/bin/env python3
"""Reads a PostgreSQL server log written with log_line_prefix = '%m [%p] %e ' and
log_error_verbosity = verbose (as scripts/sqlsmith sets them) and reports:

  * backend crashes: "server process ... was terminated by signal/exception", PANIC, and the
    query the crashed process was running (the postmaster's "Failed process was running");
  * errors by SQLSTATE, and separately those raised by usage_value's own code (LOCATION in one of
    its .cpp files -- PostgreSQL's own sources are .c);
  * XX000 (internal_error): usage_value's (LOCATION in a .cpp file, or "usage_value" in the
    message or its CONTEXT) fail the run; any other XX000 is printed for inspection.

Exit status 1 on any crash or usage_value XX000, else 0.
"""
import argparse
import collections
import re
import sys

HEAD = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S{5}) ([A-Z]+):  (.*)$')
CRASH = re.compile(r'server process .* was terminated|terminated by signal|terminated by exception')


def records(path):
    """Yields (pid, sqlstate, severity, text) with continuation lines folded in."""
    cur = None
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = HEAD.match(line)
            if m:
                if cur:
                    yield cur
                cur = [m.group(1), m.group(2), m.group(3), m.group(4)]
            elif cur:
                cur[3] += '\n' + line
    if cur:
        yield cur


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('log')
    ap.add_argument('--seed', default='?')
    ap.add_argument('--seconds', default='?')
    ap.add_argument('--queries', default='?')
    a = ap.parse_args()

    errors = []          # dicts: pid, sqlstate, message, location, statement, context
    crashes = []         # (message, failed query)
    panics = []
    fatals = collections.Counter()
    last_error_of = {}   # pid -> the ERROR whose LOCATION/STATEMENT/CONTEXT lines follow
    for pid, state, sev, text in records(a.log):
        if sev == 'ERROR':
            msg = re.sub(r'^\S{5}: ', '', text, count=1)
            e = dict(pid=pid, sqlstate=state, message=msg, location='', statement='', context='')
            errors.append(e)
            last_error_of[pid] = e
        elif sev in ('LOCATION', 'STATEMENT', 'CONTEXT') and pid in last_error_of:
            e = last_error_of[pid]
            if not e[sev.lower()]:
                e[sev.lower()] = text
        elif sev == 'PANIC':
            panics.append(text)
        elif sev == 'FATAL':
            fatals[state] += 1
        elif sev == 'LOG' and CRASH.search(text):
            crashes.append([text, ''])
        elif sev == 'DETAIL' and crashes and text.startswith('Failed process was running:') and not crashes[-1][1]:
            crashes[-1][1] = text[len('Failed process was running: '):]
        if sev not in ('ERROR', 'LOCATION', 'STATEMENT', 'CONTEXT', 'DETAIL', 'HINT'):
            last_error_of.pop(pid, None)

    def ours(e):
        return bool(re.search(r'\.cpp:\d+', e['location']))

    def ours_xx000(e):
        return e['sqlstate'] == 'XX000' and (
            ours(e) or 'usage_value' in e['message'] or 'usage_value' in e['context'])

    by_state = collections.Counter(e['sqlstate'] for e in errors)
    by_state_ours = collections.Counter(e['sqlstate'] for e in errors if ours(e))
    msgs_ours = collections.Counter((e['sqlstate'], e['message'].split('\n')[0][:110]) for e in errors if ours(e))
    bad_xx = [e for e in errors if ours_xx000(e)]
    other_xx = [e for e in errors if e['sqlstate'] == 'XX000' and not ours_xx000(e)]

    print(f'\nsqlsmith summary (seed {a.seed}, {a.seconds}s): {a.queries} queries, '
          f'{len(errors)} errors, {len(crashes)} backend crashes, {len(panics)} PANIC')
    print('errors by SQLSTATE (all / raised by usage_value code):')
    for st, n in by_state.most_common():
        print(f'  {st}  {n:7d} / {by_state_ours.get(st, 0)}')
    if fatals:
        print('FATAL by SQLSTATE: ' + ', '.join(f'{s} {n}' for s, n in fatals.most_common()))
    if msgs_ours:
        print('messages raised by usage_value code:')
        for (st, m), n in msgs_ours.most_common(15):
            print(f'  {n:6d}  {st}  {m}')
    for e in other_xx[:10]:
        print(f'XX000 not from usage_value (inspect): {e["message"][:200]}  [{e["location"]}]')
    for msg, q in crashes:
        print(f'CRASH: {msg}\n  query: {q[:2000]}')
    for p in panics:
        print(f'PANIC: {p[:500]}')
    for e in bad_xx[:10]:
        print(f'usage_value XX000: {e["message"][:300]}\n  location: {e["location"]}\n'
              f'  context: {e["context"][:300]}\n  statement: {e["statement"][:2000]}')
    failed = bool(crashes or panics or bad_xx)
    print('RESULT: ' + ('FAIL' if failed else 'PASS') +
          f' (crashes {len(crashes)}, PANIC {len(panics)}, usage_value XX000 {len(bad_xx)})')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
