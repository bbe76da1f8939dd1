-- One month's fair board for the whole cohort, best first: what a BI dashboard's main tile runs.
\set m random(0, 2)
SELECT developer_id, team, tokens, merged_changes, tokens_per_merged_change, burst_inflation,
       fair_score, fair_rank, fair_rank_lower, fair_rank_upper, token_rank
FROM demo.eng_leaderboard
WHERE period_start = (date '2025-03-01' + make_interval(months => :m))::date
ORDER BY fair_rank, developer_id
LIMIT 25;
