-- The shortest of the 8 statements sqlsmith (seed 20251126, focused phase) generated that hit finding 001,
-- verbatim from the server log. Needs the extension and demo/generate.sql's demo.usage_events (any row with
-- output_tokens > 0 triggers it). Result today: XX000
-- "inverse transition removes more than the frame holds" (LOCATION raise_failure, module.cpp:87).
select  
	  ref_0.source as c0
	from 
	  demo.usage_events as ref_0
	where usage_value.usage_summary_hash(
	    cast(usage_value.usage_agg_inverse(
	      cast(cast(null as usage_value.usage_summary) as usage_value.usage_summary),
	      cast(ref_0.cache_creation_tokens as int8),
	      cast(ref_0.output_tokens as int8)) as usage_value.usage_summary)) is not NULL
	limit 149;
