#!/usr/bin/env bash
# Stored summaries and burst series survive pg_dump / pg_restore (custom and plain formats) bit for bit, and
# a materialized view of summaries is restored and refreshable.
. "$(dirname "$0")/tap.sh"

fresh_database uv_dump_src
$PSQL -d uv_dump_src <<'SQL'
CREATE TABLE daily_usage AS
    SELECT 'dev' || (g % 50) AS developer, date '2026-10-01' + g / 50 % 30 AS day,
           usage_value.usage_agg((g * 7919 % 100000)::bigint, (g % 7 = 0)::int::bigint) AS summary
    FROM generate_series(1, 20000) g GROUP BY 1, 2;
INSERT INTO daily_usage VALUES ('edge', '2026-11-01', '(version:1,rows:9223372036854775807,tokens:9223372036854775807,merged_changes:9223372036854775807)'),
                               ('empty', '2026-11-01', '(version:1,rows:0,tokens:0,merged_changes:0)'),
                               ('null', '2026-11-01', NULL);
-- Stored burst series (counted and valued) survive too, text form and bytes.
CREATE TABLE daily_series AS
    SELECT 'dev' || (g % 20) AS developer,
           usage_value.burst_series('2026-10-01'::timestamptz + (g % 500) * interval '1 hour', (g * 7919 % 100000)::bigint, (g % 7 = 0)::int::bigint) AS series
    FROM generate_series(1, 20000) g GROUP BY 1;
INSERT INTO daily_series
    SELECT 'valued', usage_value.burst_series('2026-10-01'::timestamptz + g * interval '1 day', g, 1, 0.1 * g, '1 day')
    FROM generate_series(1, 40) g;
CREATE MATERIALIZED VIEW monthly AS
    SELECT developer, usage_value.rollup(summary) AS summary FROM daily_usage GROUP BY developer;
CREATE UNIQUE INDEX ON monthly (developer);
SQL

fingerprint() {
    $PSQL -At -d "$1" -c "SELECT count(*) || ':' || md5(string_agg(developer || day || coalesce(summary::text, 'NULL') || coalesce(encode(usage_value.usage_summary_send(summary), 'hex'), ''), ',' ORDER BY developer, day)) FROM daily_usage" \
                      -c "SELECT md5(string_agg(developer || summary::text, ',' ORDER BY developer)) FROM monthly" \
                      -c "SELECT count(*) || ':' || md5(string_agg(developer || series::text || encode(usage_value.burst_series_send(series), 'hex'), ',' ORDER BY developer)) FROM daily_series"
}
source_print=$(fingerprint uv_dump_src)
dump=$(mktemp -d)
chmod 777 "$dump"

pg_dump -Fc -d uv_dump_src -f "$dump/db.dump"
ok $? "pg_dump -Fc of a database with stored summaries"
$PSQL -d postgres -c "DROP DATABASE IF EXISTS uv_dump_dst" -c "CREATE DATABASE uv_dump_dst"
pg_restore -d uv_dump_dst --exit-on-error "$dump/db.dump"
ok $? "pg_restore into a fresh database"
is "$(fingerprint uv_dump_dst)" "$source_print" "custom-format restore: every summary and the materialized view identical"

pg_dump -Fp -d uv_dump_src -f "$dump/db.sql"
$PSQL -d postgres -c "DROP DATABASE IF EXISTS uv_dump_dst" -c "CREATE DATABASE uv_dump_dst"
$PSQL -d uv_dump_dst -f "$dump/db.sql" >/dev/null
ok $? "plain-format dump replays"
is "$(fingerprint uv_dump_dst)" "$source_print" "plain-format restore: every summary and the materialized view identical"

$PSQL -d uv_dump_dst -c "REFRESH MATERIALIZED VIEW CONCURRENTLY monthly"
ok $? "the restored materialized view refreshes concurrently"
is "$(fingerprint uv_dump_dst)" "$source_print" "refresh leaves identical values"

rm -rf "$dump"
$PSQL -d postgres -c "DROP DATABASE uv_dump_src" -c "DROP DATABASE uv_dump_dst"
done_testing
