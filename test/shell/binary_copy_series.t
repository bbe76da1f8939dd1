#!/usr/bin/env python3
"""Thousands of randomly mutated burst_series values loaded with COPY ... (FORMAT binary), the
path by which any user reaches burst_series_recv. Each load either stores a valid series or fails
with a binary-format SQLSTATE; never XX000, never a crash; then every accessor and aggregate runs
over whatever was accepted."""
import os
import random
import re
import struct
import subprocess
import tempfile

PSQL = ["psql", "-X", "-q", "-At"]
DB = "uv_binary_copy_series"
MUTANTS = 2000
tests = []


def ok(condition, description, detail=""):
    tests.append(condition)
    print(f"{'ok' if condition else 'not ok'} {len(tests)} - {description}")
    if not condition and detail:
        print("# " + detail.replace("\n", "\n# "))


def psql(sql, db=DB, check=True):
    return subprocess.run(PSQL + ["-v", f"ON_ERROR_STOP={1 if check else 0}", "-d", db],
                          input=sql, capture_output=True, text=True, check=check)


psql(f"DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB};", db="postgres")
psql("CREATE EXTENSION usage_value; CREATE TABLE loaded (s usage_value.burst_series);")

# A valid value's wire form, taken from the server itself.
valids = [bytes.fromhex(psql("SELECT encode(usage_value.burst_series_send(%s), 'hex')" % q).stdout.strip()) for q in (
    "'(version:1,width:3600,buckets:[492335:0:0 492346:150:1 492349:7:2 492500:123456789:3])'",
    "'(version:1,width:3600,valued:true,buckets:[492335:0:0:0:0 492346:150:1:0.5:0.25 492349:7:2:0.3:0.045])'",
    "'(version:1,width:86400,buckets:[-3:5:1 20000:1:0])'")]
ok(all(v[0] == 1 for v in valids), "the wire form starts with the version byte")

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
TRAILER = struct.pack("!h", -1)


def copy_file(value, length=None):
    length = len(value) if length is None else length
    return HEADER + struct.pack("!hi", 1, length) + value + TRAILER


rng = random.Random(2026)


def mutate(value):
    v = bytearray(value)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(6)
        if not v:
            v = bytearray(value)
        if kind == 0:                        # flip a bit
            i = rng.randrange(len(v)); v[i] ^= 1 << rng.randrange(8)
        elif kind == 1 and len(v) > 1:       # truncate
            del v[rng.randrange(1, len(v)):]
        elif kind == 2:                      # extend
            v += bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
        elif kind == 3 and v:                # random version byte
            v[0] = rng.randrange(256)
        elif kind == 4 and len(v) > 4:       # a padded, huge or zero varint somewhere
            at = rng.randrange(2, len(v)); v[at:at + 1] = rng.choice([b"\x80\x00", b"\xff" * 10 + b"\x01", b"\x00"])
        else:                                # random bytes of a random length
            v = bytearray(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    return bytes(v)


with tempfile.TemporaryDirectory() as tmp:
    script = ["\\set VERBOSITY sqlstate"]
    for n in range(MUTANTS):
        value = mutate(rng.choice(valids))
        # Now and then also lie about the field length in the COPY framing.
        length = rng.choice([None] * 8 + [len(value) + 1, max(len(value) - 1, 0), 0x7fffffff])
        path = os.path.join(tmp, f"{n}.bin")
        with open(path, "wb") as f:
            f.write(copy_file(value, length))
        script.append(f"\\copy loaded FROM '{path}' WITH (FORMAT binary)")
    script.append("SELECT 'alive';")
    result = psql("\n".join(script) + "\n", check=False)

codes = re.findall(r"ERROR:\s+([0-9A-Z]{5})", result.stderr)
accepted = int(psql("SELECT count(*) FROM loaded").stdout)
ok(result.stdout.strip().endswith("alive"), "the backend survived every load", result.stderr[-2000:])
ok(len(codes) + accepted == MUTANTS, f"every load either stored a row or failed ({accepted} stored, {len(codes)} failed)")
ok("XX000" not in codes, "no internal error (XX000)")
# 22P03 from burst_series_recv (54000 for a forged bucket count); 08P01 and 22P04 from COPY's framing.
bad = sorted(set(codes) - {"22P03", "08P01", "22P04", "54000"})
ok(not bad, "every failure is a binary-format error (22P03, 08P01, 22P04, 54000)", f"other codes: {bad}")
ok(codes.count("22P03") > MUTANTS // 4, "the mutations do reach burst_series_recv's validation")

# Everything accepted is valid and usable by every function.
check = psql("""
SELECT count(*) FILTER (WHERE NOT (usage_value.bucket_count(s) >= 1 AND usage_value.tokens(s) >= 0
                                   AND usage_value.merged_changes(s) >= 0 AND usage_value.merged_value(s) >= 0
                                   AND usage_value.first_bucket(s) <= usage_value.last_bucket(s)))
FROM loaded;
SELECT count(*) FROM loaded WHERE s::text::usage_value.burst_series OPERATOR(usage_value.<>) s;
SELECT count(*) FROM (SELECT usage_value.bucket_width(s), (SELECT count(*) FROM usage_value.buckets(s)) FROM loaded) x;
""", check=False)
lines = check.stdout.split()
ok(check.returncode == 0 and lines[:2] == ["0", "0"], "accepted values are valid and round-trip through text",
   check.stdout + check.stderr)
# Every function and aggregate over what was accepted, each under a one-second statement timeout:
# each ends with a result or a documented error (overflow 22003, a zero-exposure row 22023), never
# XX000, never a timeout, never a crash.
queries = [
    "SELECT usage_value.rollup(s) FROM loaded GROUP BY usage_value.bucket_width(s)",
    "SELECT usage_value.rollup(s) OVER (PARTITION BY usage_value.bucket_width(s)) FROM loaded",
    "SELECT usage_value.burst_inflation(s) FROM loaded",
    "SELECT usage_value.burst_episodes(s, 0.05, '1 day', '7 days') FROM loaded",
    "SELECT usage_value.burst_series(b.bucket, b.tokens, b.merged_changes) FROM loaded, usage_value.buckets(s) b",
    "SELECT DISTINCT s FROM loaded",
    "SELECT s, count(*) FROM loaded GROUP BY s",
]
bad = []
for q in queries:
    r = psql("SET statement_timeout = '1s';\n\\set VERBOSITY sqlstate\n" + q + ";\n", check=False)
    codes = set(re.findall(r"ERROR:\s+([0-9A-Z]{5})", r.stderr))
    if r.returncode != 0 and not codes <= {"22003", "22023", "54000"}:
        bad.append(f"{q}: {r.stderr.strip()[:200]}")
# 54000: a span of more than 10 million buckets is refused by the analysis.
ok(not bad, f"all {len(queries)} functions and aggregates over the accepted values end, within a second, with a result or 22003/22023/54000",
   "\n".join(bad))
alive = psql("SELECT 'alive';", check=False)
ok(alive.stdout.strip() == "alive", "the backend is fine afterwards")

psql(f"DROP DATABASE {DB};", db="postgres")
print(f"1..{len(tests)}")
raise SystemExit(0 if all(tests) else 1)
