-- usage_value 0.2.0 -> 0.3.0: what a change is worth (weighted value), whose tokens (identities,
-- cohorts), and the adversarial guarantees of issue 10.

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.3.0'" to load this file. \quit

------------------------------------------------------------------------------------------------
-- usage_summary: the weighted value of merged changes beside their plain count
------------------------------------------------------------------------------------------------

-- (end of the usage_summary section)

------------------------------------------------------------------------------------------------
-- Fair leaderboards: fractional value with an effective count
------------------------------------------------------------------------------------------------

-- (end of the fair leaderboard section)

------------------------------------------------------------------------------------------------
-- Burst inflation: merged output credited by its value, not its count
------------------------------------------------------------------------------------------------

-- (end of the burst section)

------------------------------------------------------------------------------------------------
-- Binding: what a change is worth, whose tokens, suspected split identities
------------------------------------------------------------------------------------------------

-- (end of the binding section)
