-- One developer's history across months (a drill-down from the board).
\set d random(1, :ndev)
SELECT period_start, tokens, merged_changes, tokens_per_merged_change,
       tokens_per_merged_change_lower, tokens_per_merged_change_upper, fair_rank, token_rank
FROM demo.eng_leaderboard
WHERE developer_id = 'dev' || lpad(:d::text, greatest(4, length(:ndev::text)), '0')
ORDER BY period_start;
