-- One month's team board (teams below min_group_size suppressed by the view).
\set m random(0, 2)
SELECT team, developers, tokens, merged_changes, tokens_per_merged_change, burst_inflation,
       fair_score, fair_rank
FROM demo.eng_team_leaderboard
WHERE period_start = (date '2025-03-01' + make_interval(months => :m))::date
ORDER BY fair_rank, team;
