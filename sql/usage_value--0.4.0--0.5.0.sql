-- usage_value 0.4.0 -> 0.5.0: burst as a storable series, and refreshes that cost what is new,
-- not the whole history (issue 13).

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.5.0'" to load this file. \quit

------------------------------------------------------------------------------------------------
-- burst_series: a developer's bucketed series as a storable type, its aggregate, rollup and
-- accessors; equality and hashing for usage_summary and burst_series
------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------
-- Bindings: per developer-day storage and incremental refresh
------------------------------------------------------------------------------------------------
