-- usage_value 0.3.0 -> 0.4.0: boards an analyst can trust and read (issue 11): inflated tokens in
-- the periods they were spent in, how complete and how fresh each board is, no strict rank where
-- the data cannot order people, misuse refused, every column explained.

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.4.0'" to load this file. \quit

-- Long PL/pgSQL bodies live in this schema, out of what `\df+ usage_value.*` prints: the
-- functions analysts call in usage_value are thin SQL wrappers over them.
CREATE SCHEMA usage_value_internal;
GRANT USAGE ON SCHEMA usage_value_internal TO PUBLIC;
COMMENT ON SCHEMA usage_value_internal IS 'usage_value''s implementation functions; call the wrappers in usage_value instead';

------------------------------------------------------------------------------------------------
-- Burst: misuse refused (bucket widths that do not match the data, burst_score without order)
------------------------------------------------------------------------------------------------

-- (end of the burst section)

------------------------------------------------------------------------------------------------
-- Binding: periods, completeness, ranks only where the data can order, verdicts
------------------------------------------------------------------------------------------------

-- (end of the binding section)

------------------------------------------------------------------------------------------------
-- Binding: freshness, failed scheduled refreshes, and a comment on every column
------------------------------------------------------------------------------------------------

-- (end of the freshness section)
