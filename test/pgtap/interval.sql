-- Tokens per merged change and its Garwood interval against independent reference values:
-- 50-digit solutions of the Poisson tail equations by test/reference/garwood.py (mpmath), not
-- by Boost. With T tokens and k merges, lower = T / mean_upper(k), upper = T / mean_lower(k).
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(8);

CREATE TEMP TABLE garwood(k bigint, confidence float8, mean_lower float8, mean_upper float8);
INSERT INTO garwood VALUES
    (0, 0.95, 0.0::float8, 3.6888794541139363::float8),
    (1, 0.95, 0.025317807984289875::float8, 5.5716433909388986::float8),
    (2, 0.95, 0.2422092785439649::float8, 7.2246876677239608::float8),
    (5, 0.95, 1.6234863901184205::float8, 11.66833207932267::float8),
    (10, 0.95, 4.7953886961324336::float8, 18.390356042017779::float8),
    (37, 0.95, 26.051414567106028::float8, 50.999626141930834::float8),
    (100, 0.95, 81.36399125092314::float8, 121.62679379242639::float8),
    (1000, 0.95, 938.97301840769522::float8, 1063.952136016302::float8),
    (0, 0.9, 0.0::float8, 2.995732273553991::float8),
    (1, 0.9, 0.051293294387550533::float8, 4.7438645183905784::float8),
    (2, 0.9, 0.35536151069866205::float8, 6.2957936218719897::float8),
    (5, 0.9, 1.97014956805953::float8, 10.513034908741533::float8),
    (10, 0.9, 5.4254056970912926::float8, 16.962219235721901::float8),
    (37, 0.9, 27.594615540979352::float8, 48.675485189516482::float8),
    (100, 0.9, 84.139277218314197::float8, 118.07927278209706::float8),
    (1000, 0.9, 948.55984938365113::float8, 1053.6031221333008::float8),
    (0, 0.99, 0.0::float8, 5.2983173665480367::float8),
    (1, 0.99, 0.005012541823544282::float8, 7.4301295002801224::float8),
    (2, 0.99, 0.10349454674809104::float8, 9.2737920892555447::float8),
    (5, 0.99, 1.0779282406523195::float8, 14.149759411023015::float8),
    (10, 0.99, 3.7169221314671175::float8, 21.39782749965427::float8),
    (37, 0.99, 23.208480040741404::float8, 55.747691398056419::float8),
    (100, 0.99, 76.120495843689184::float8, 128.76058012010245::float8),
    (1000, 0.99, 920.42404616335915::float8, 1084.3728680643892::float8),
    (0, 0.5, 0.0::float8, 1.3862943611198906::float8),
    (1, 0.5, 0.28768207245178093::float8, 2.6926345288896958::float8),
    (2, 0.5, 0.9612787631147771::float8, 3.92040206029256::float8),
    (5, 0.5, 3.3686003859773211::float8, 7.422701835520089::float8),
    (10, 0.5, 7.7258867695238636::float8, 13.019632514082508::float8),
    (37, 0.5, 32.736145439687882::float8, 41.956629945249997::float8),
    (100, 0.5, 93.085833837121743::float8, 107.58479255986891::float8),
    (1000, 0.5, 978.49296649469285::float8, 1022.1543517843817::float8);

-- 1e6 tokens spent on k merged changes.
CREATE TEMP TABLE checked AS
SELECT g.*, s,
       tokens_per_merged_change_lower(s, confidence) AS lower_bound,
       tokens_per_merged_change_upper(s, confidence) AS upper_bound
FROM garwood g, LATERAL (SELECT format('(version:1,rows:1,tokens:1000000,merged_changes:%s)', k)::usage_summary) x(s);

SELECT is((SELECT count(*) FROM checked), 32::bigint, 'all 32 reference rows checked');
SELECT is((SELECT count(*) FROM checked
           WHERE abs(lower_bound - 1e6 / mean_upper) / (1e6 / mean_upper) > 1e-9), 0::bigint,
          'lower bounds match the reference to 1e-9 relative');
SELECT is((SELECT count(*) FROM checked WHERE k > 0
           AND abs(upper_bound - 1e6 / mean_lower) / (1e6 / mean_lower) > 1e-9), 0::bigint,
          'upper bounds match the reference to 1e-9 relative');
SELECT is((SELECT bool_and(upper_bound = 'Infinity') FROM checked WHERE k = 0), true,
          'no merged changes: upper bound is Infinity');
SELECT is((SELECT count(*) FROM checked WHERE k > 0 AND NOT
           (lower_bound <= tokens_per_merged_change(s) AND tokens_per_merged_change(s) <= upper_bound)), 0::bigint,
          'the point estimate lies inside every interval');
-- Classic textbook value: one event, 95%: mean in [0.0253, 5.5716] (Garwood 1936; Ulm 1990).
SELECT ok(abs(tokens_per_merged_change_upper('(version:1,rows:1,tokens:1000,merged_changes:1)') - 1000 / 0.025317807984289875) < 1e-6,
          'one merge over 1000 tokens: upper bound 1000 / 0.0253178');
SELECT is(tokens_per_merged_change_lower('(version:1,rows:1,tokens:0,merged_changes:0)'), 0::float8,
          'no tokens, no merges: lower bound 0');
SELECT is(tokens_per_merged_change('(version:1,rows:1,tokens:500,merged_changes:0)'), NULL::float8,
          'no merged changes: point estimate NULL');

SELECT * FROM finish();
ROLLBACK;
