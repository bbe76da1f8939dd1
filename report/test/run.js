// report/test/run.js WORKDIR SCREENSHOTDIR: the browser assertions of report/test/run.sh (which
// builds WORKDIR/{demo,suppressed,empty,noext}/report.html first). Expected counts come from the
// database, queried independently with psql. Prints TAP; exits non-zero on any failure.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { launch } = require('./browser');

const [work, shots] = process.argv.slice(2);
const PSQL = process.env.PSQL || 'psql';
fs.mkdirSync(shots, { recursive: true });

let n = 0, failed = 0;
function ok(cond, name, detail) {
  n++;
  if (cond) console.log(`ok ${n} - ${name}`);
  else { failed++; console.log(`not ok ${n} - ${name}`); if (detail !== undefined) console.log('  # ' + JSON.stringify(detail).slice(0, 600)); }
}
function sql(db, query) {
  return execFileSync(PSQL, ['-X', '-q', '-At', '-d', db, '-c', query], { encoding: 'utf8' }).trim();
}
const rows = (db, query) => { const s = sql(db, query); return s ? s.split('\n') : []; };
const DB = 'uv_report_test';

// Series data of a chart instance in the page, by series name.
async function seriesLen(page, key, name) {
  return page.evaluate(([k, s]) => {
    const c = window.__report.charts[k]; if (!c) return -1;
    const ser = c.getOption().series.find((x) => x.name === s); return ser ? ser.data.length : -1;
  }, [key, name]);
}
function clean(browser, label) {
  ok(browser.problems().length === 0, `${label}: no console errors, page errors or failed requests`, browser.problems());
  ok(browser.blocked().length === 0, `${label}: the page asked for nothing outside its file (all network blocked)`, browser.blocked());
}

(async () => {
  const browser = await launch();
  try {
    /* ---------------- the demo leaderboard ---------------- */
    let page = await browser.open(path.join(work, 'demo', 'report.html'));
    clean(browser, 'demo');
    ok(await page.locator('#fatal-message').count() === 0, 'demo: no fatal message');
    ok(/usage_value 0\.\d/.test(await page.locator('#subtitle').innerText()), 'demo: header names the extension version');

    // 0. freshness, near the top: data through the last bucket with usage, when refreshed, how long it took.
    {
      const f = sql(DB, `SELECT to_char(data_through AT TIME ZONE 'UTC', 'Mon DD YYYY HH24:MI') || '|' ||
                         to_char(refreshed_at AT TIME ZONE 'UTC', 'Mon DD YYYY HH24:MI') || '|' || refresh_seconds
                         FROM usage_value.leaderboard_freshness WHERE schema = 'demo' AND name = 'eng'`).split('|');
      const text = await page.locator('#freshness').innerText();
      const took = (text.match(/\(took ([0-9.]+) s\)/) || [])[1];
      ok(text.includes(`data through ${f[0]} UTC`) && text.includes(`refreshed ${f[1]} UTC (took `) &&
         Math.abs(Number(took) - Number(f[2])) <= 0.051 && !text.includes('failed'),
         `freshness: the header says data through ${f[0]}, refreshed ${f[1]} (took ${Number(f[2]).toFixed(1)} s), and no failure`, text);
    }

    // 1. the fair board: one point per ranked developer, in rank order, for every period.
    const periods = await page.locator('#period-select option').evaluateAll((os) => os.map((o) => o.value));
    ok(periods.length === +sql(DB, 'SELECT count(DISTINCT period_start) FROM demo.eng_leaderboard'), 'fair: one choice per period', periods);
    const def = await page.locator('#period-select').inputValue();
    // Default: the latest period the data covers at least half of (here the latest one is 1 day).
    const expectDef = sql(DB, `SELECT max(period_start) FROM demo.eng_periods p
        WHERE least(p.period_start + interval '1 month', (SELECT max(bucket) + interval '1 hour' FROM demo.eng_buckets))
              - greatest(p.period_start, (SELECT min(bucket) FROM demo.eng_buckets))
              >= (p.period_start + interval '1 month' - p.period_start) / 2`);
    ok(def === expectDef, `fair: opens on the latest period covered at least half (${expectDef})`, def);
    ok(/holds only/.test(await page.locator('#period-note').innerText()), 'fair: says why the latest (partial) period is not the default');
    for (const ps of periods) {
      await page.locator('#period-select').selectOption(ps);
      const cohorts = rows(DB, `SELECT DISTINCT cohort FROM demo.eng_leaderboard WHERE period_start = '${ps}' ORDER BY 1`);
      ok(await page.locator('.cohort').count() === cohorts.length, `fair ${ps}: one card per cohort (${cohorts.length})`);
      for (let ci = 0; ci < cohorts.length; ci++) {
        const want = rows(DB, `SELECT developer_id || '|' || round(fair_score::numeric, 9) FROM demo.eng_leaderboard
                               WHERE period_start = '${ps}' AND cohort = '${cohorts[ci]}' AND fair_rank IS NOT NULL
                               ORDER BY fair_rank, developer_id`);
        if (want.length === 0) {
          // Nobody ranked (e.g. the data cannot tell them apart): no chart, and the card says why.
          const note = sql(DB, `SELECT min(rank_note) FROM demo.eng_leaderboard WHERE period_start = '${ps}' AND cohort = '${cohorts[ci]}'`);
          const card = await page.locator('.cohort').nth(ci).innerText();
          ok(note !== '' && card.includes(note) && await page.locator('.cohort').nth(ci).locator('.fair-chart').count() === 0,
             `fair ${ps} ${cohorts[ci]}: nobody ranked, no chart, and the card gives the view's note`, { note, card: card.slice(0, 300) });
          continue;
        }
        const got = await page.evaluate((k) => {
          const o = window.__report.charts[k].getOption();
          const score = o.series.find((s) => s.name === 'fair score (10% quantile)').data;
          return o.yAxis[0].data.map((c, i) => c.split(' · ')[0] + '|' + score[i][0].toFixed(9));
        }, 'fair:' + ci);
        ok(JSON.stringify(got) === JSON.stringify(want.map((w) => w.replace(/\|(.*)$/, (m, v) => '|' + Number(v).toFixed(9)))),
           `fair ${ps} ${cohorts[ci]}: ${want.length} developers, in fair-rank order, with the view's fair scores`, { got: got.slice(0, 3), want: want.slice(0, 3) });
        for (const s of ['80% credible interval', 'fair rank', '80% rank interval', 'raw-token rank']) {
          ok(await seriesLen(page, 'fair:' + ci, s) === want.length, `fair ${ps} ${cohorts[ci]}: "${s}" has one item per ranked developer`);
        }
        ok(await page.locator('.cohort').nth(ci).locator('table.fair-table tbody tr').count() === want.length, `fair ${ps}: table rows = ranked developers`);
      }
    }
    await page.locator('#period-select').selectOption(def);
    await page.waitForTimeout(200);
    await page.locator('#fair').screenshot({ path: path.join(shots, 'fair-board.png') });

    // 2. bursts: the episodes table holds every burst episode (not the drift findings, kind 'drift');
    // the top panels are the top inflated shares.
    const nEp = +sql(DB, "SELECT count(*) FROM demo.eng_episodes WHERE kind = 'burst'");
    ok(await page.locator('#all-episodes tbody tr').count() === nEp, `bursts: all-episodes table rows = episodes in the database (${nEp})`);
    // Each episode is labelled with the view's verdict; only charged ones (inflation, partly paid) look like inflation.
    const verdicts = rows(DB, "SELECT verdict FROM demo.eng_episodes WHERE kind = 'burst' ORDER BY verdict");
    const labels = await page.locator('#all-episodes tbody td .tag').evaluateAll((ts) => ts.map((t) => t.textContent + '|' + t.className));
    ok(JSON.stringify(labels.map((l) => l.split('|')[0]).sort()) === JSON.stringify(verdicts.slice().sort()),
       'bursts: every episode is labelled with its verdict', { labels: labels.slice(0, 5), verdicts: verdicts.slice(0, 5) });
    ok(labels.every((l) => /\binflation\b/.test(l.split('|')[1]) === ['inflation', 'partly paid'].includes(l.split('|')[0])),
       'bursts: only inflation and partly paid episodes are drawn as inflation', labels.filter((l) => !l.startsWith('inflation')).slice(0, 5));
    const top = rows(DB, `SELECT e.developer_id FROM demo.eng_episodes e
        JOIN (SELECT developer_id, sum(tokens) t FROM demo.eng_buckets GROUP BY 1) b USING (developer_id)
        WHERE e.kind = 'burst' GROUP BY e.developer_id, b.t HAVING sum(inflated_tokens) > 0 ORDER BY sum(inflated_tokens) / b.t DESC LIMIT 3`);
    const shown = await page.locator('#burst-top .burst-panel').evaluateAll((ps) => ps.map((p) => p.dataset.developer));
    ok(JSON.stringify(shown) === JSON.stringify(top), 'bursts: the default panels are the three highest burst-inflation shares', { shown, top });
    for (let i = 0; i < shown.length; i++) {
      const want = +sql(DB, `SELECT count(*) FROM demo.eng_episodes WHERE kind = 'burst' AND developer_id = '${shown[i]}'`);
      const panel = page.locator('#burst-top .burst-panel').nth(i);
      ok(await panel.locator('table.episode-table tbody tr').count() === want, `bursts ${shown[i]}: episode table rows = its episodes (${want})`);
      const areas = await page.evaluate((k) => window.__report.charts[k].getOption().series.find((s) => s.name === 'tokens').markArea.data.length, 'burst:top' + i);
      ok(areas === want, `bursts ${shown[i]}: one shaded area per episode`);
      const buckets = +sql(DB, `SELECT count(*) FROM generate_series((SELECT min(bucket) FROM demo.eng_buckets), (SELECT max(bucket) FROM demo.eng_buckets), interval '1 hour')`);
      ok(await seriesLen(page, 'burst:top' + i, 'tokens') === buckets, `bursts ${shown[i]}: one point per hourly bucket (${buckets})`);
      const merges = +sql(DB, `SELECT count(*) FROM demo.eng_buckets WHERE developer_id = '${shown[i]}' AND merged_changes > 0`);
      ok(await seriesLen(page, 'burst:top' + i, 'merged changes') === merges, `bursts ${shown[i]}: merged changes marked in each bucket that has them (${merges})`);
    }
    // Hovering inside the first episode of the first panel shows its excess tokens and p-value.
    {
      const ep = sql(DB, `SELECT extract(epoch FROM start_at)::bigint || '|' || extract(epoch FROM end_at)::bigint || '|' || p_value
                          FROM demo.eng_episodes WHERE kind = 'burst' AND developer_id = '${top[0]}' ORDER BY start_at LIMIT 1`).split('|');
      const mid = (Number(ep[0]) + Number(ep[1])) / 2 * 1000;
      const xy = await page.evaluate(([k, ms]) => window.__report.charts[k].convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [ms, 0]), ['burst:top0', mid]);
      await page.locator('#burst-top .burst-panel').first().scrollIntoViewIfNeeded();
      await page.locator('#burst-top .burst-panel').first().screenshot({ path: path.join(shots, 'burst-timeline.png') });
      const box2 = await page.locator('#burst-top .burst-chart').first().boundingBox();
      await page.mouse.move(box2.x + xy[0], box2.y + xy[1] - 40);
      await page.waitForTimeout(400);
      const tip = await page.locator('#burst-top .burst-chart').first().evaluate((n) => n.innerText);
      const pv = Number(ep[2]).toExponential(1);
      ok(tip.includes('Episode 1') && tip.includes('p = ' + pv) && tip.includes('excess'), `bursts: hovering episode 1 shows its excess and p-value (p = ${pv})`, tip);
      await page.locator('#burst-top .burst-panel').first().screenshot({ path: path.join(shots, 'burst-hover.png') });
      await page.mouse.move(0, 0);
    }
    // A developer without bursts: the page says so.
    const calm = sql(DB, `SELECT min(developer_id) FROM demo.eng_buckets WHERE developer_id NOT IN (SELECT developer_id FROM demo.eng_episodes WHERE kind = 'burst')`);
    await page.locator('#developer-select').selectOption(calm);
    await page.waitForTimeout(200);
    const calmText = await page.locator('#burst-explorer').innerText();
    ok(calmText.includes('No burst episodes for ' + calm), `bursts: ${calm} (no episodes) gets a plain "No burst episodes" message`, calmText.slice(0, 200));
    ok(await page.locator('#burst-explorer .burst-chart canvas').count() > 0, `bursts: ${calm}'s timeline is still drawn`);
    await page.locator('#burst-explorer').screenshot({ path: path.join(shots, 'no-bursts.png') });

    // 3. teams: one interval per row of the team board; the suppressed count is stated.
    const nTeam = +sql(DB, 'SELECT count(*) FROM demo.eng_team_leaderboard');
    const drawn = await page.evaluate(() => window.__report.charts.teams.getOption().series.reduce((a, s) => a + s.data.length, 0));
    ok(drawn === nTeam, `teams: one interval per team-board row (${nTeam})`, drawn);
    ok(await page.locator('#team-table tbody tr').count() === nTeam, 'teams: table rows = team-board rows');
    const nSup = +sql(DB, `SELECT count(*) FROM (SELECT period_start, team FROM demo.eng_periods WHERE team IS NOT NULL
                           GROUP BY 1, 2 HAVING count(*) < 5) s`);
    const supText = await page.locator('#suppression-note').innerText();
    ok(nSup > 0 ? supText.startsWith(`${nSup} team-period`) : supText.startsWith('No team was suppressed'),
       `teams: says ${nSup} team-periods were suppressed`, supText);
    const drawnTeams = await page.evaluate(() => window.__report.charts.teams.getOption().series.flatMap((s) => s.data.map((d) => d.row.period_start + ' ' + d.row.team)));
    const supTeams = rows(DB, `SELECT period_start || ' ' || team FROM demo.eng_periods WHERE team IS NOT NULL GROUP BY period_start, team HAVING count(*) < 5`);
    ok(supTeams.every((t) => !drawnTeams.includes(t)), 'teams: no suppressed team is drawn');
    await page.locator('#teams').screenshot({ path: path.join(shots, 'team-board.png') });
    await page.screenshot({ path: path.join(work, 'full-page.png'), fullPage: true });

    /* ---------------- every team suppressed (min_group_size 1000) ---------------- */
    page = await browser.open(path.join(work, 'suppressed', 'report.html'));
    clean(browser, 'suppressed');
    {
      const f = sql(DB, `SELECT to_char(last_failed_at AT TIME ZONE 'UTC', 'Mon DD YYYY HH24:MI') || '|' || last_error || '|' || (refreshed_at IS NULL)
                         FROM usage_value.leaderboard_freshness WHERE schema = 'report_sup' AND name = 'eng'`).split('|');
      const text = await page.locator('#freshness').innerText();
      ok(/SQLSTATE 22003/.test(f[1]) && text.includes(`last scheduled run failed: ${f[0]} UTC: ${f[1]}`) &&
         (f[2] === 'true' ? text.includes('not refreshed since') : /refreshed \w{3} \d\d \d{4}/.test(text)),
         'freshness: the header says that the last scheduled run failed, when, and with which error', { text, f });
      await page.locator('header').screenshot({ path: path.join(shots, 'freshness-failed.png') });
    }
    const empty = await page.locator('#teams-empty').innerText().catch(() => '');
    const nTP = +sql(DB, 'SELECT count(*) FROM (SELECT DISTINCT period_start, team FROM report_sup.eng_periods WHERE team IS NOT NULL) s');
    ok(empty.includes(`Every team is suppressed: all ${nTP} team-periods have fewer than 1000 developers`), 'suppressed: the team section says every team is suppressed', empty);
    ok(await page.locator('#team-chart').count() === 0, 'suppressed: no team chart is drawn');
    // min_group_size also bounds ranking: with fewer identities than that in a period, nobody is ranked, and the page says why.
    const fairText = await page.locator('#fair-body').innerText();
    ok(fairText.includes('fewer than 1000 identities in the period') && await page.locator('#fair-body .fair-chart').count() === 0,
       'suppressed: the per-person board ranks nobody below the minimum group size and says why', fairText.slice(0, 300));
    await page.locator('#teams').screenshot({ path: path.join(shots, 'suppressed-teams.png') });

    /* ---------------- a database with the extension and no leaderboard ---------------- */
    page = await browser.open(path.join(work, 'empty', 'report.html'));
    clean(browser, 'empty');
    const fatal = await page.locator('#fatal-message').innerText().catch(() => '');
    ok(fatal.startsWith('No leaderboard is bound in database "uv_report_test_empty"'), 'empty: says plainly that no leaderboard is bound', fatal);
    ok(await page.locator('canvas').count() === 0, 'empty: draws no chart');
    ok(await page.locator('.notice.info').count() === 3, 'empty: each section says there is nothing to show');
    await page.setViewportSize({ width: 1360, height: 620 });
    await page.screenshot({ path: path.join(shots, 'empty-database.png') });
    await page.setViewportSize({ width: 1360, height: 900 });

    /* ---------------- a database without the extension ---------------- */
    page = await browser.open(path.join(work, 'noext', 'report.html'));
    clean(browser, 'noext');
    const fatal2 = await page.locator('#fatal-message').innerText().catch(() => '');
    ok(fatal2.includes('The usage_value extension is not installed'), 'no extension: says so plainly', fatal2);
  } catch (e) {
    ok(false, 'the test ran to its end', String(e && e.stack || e));
  } finally {
    await browser.close();
  }
  console.log(`1..${n}`);
  if (failed) console.log(`# ${failed} of ${n} failed`);
  process.exit(failed ? 1 : 0);
})();
