-- The fair leaderboard over per-developer totals: merged changes on millions of tokens, one
-- partition (OVER ()) and per team (OVER (PARTITION BY team)).
WITH totals AS (
    SELECT developer_id, team, sum(merged_changes)::bigint AS merged, (sum(tokens) / 1e6)::float8 AS mtokens
    FROM :"tab" GROUP BY developer_id, team
)
SELECT developer_id, team, merged, mtokens,
       usage_value.fair_rank(merged, mtokens) OVER () AS rank,
       usage_value.fair_score(merged, mtokens) OVER () AS score,
       usage_value.fair_rank_lower(merged, mtokens) OVER () AS rank_lower,
       usage_value.fair_rank_upper(merged, mtokens) OVER () AS rank_upper,
       usage_value.fair_rank(merged, mtokens) OVER (PARTITION BY team) AS team_rank,
       usage_value.fair_score(merged, mtokens) OVER (PARTITION BY team) AS team_score
FROM totals
ORDER BY developer_id;
