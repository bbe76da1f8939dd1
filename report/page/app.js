/* usage_value report page. Reads the JSON embedded by scripts/report and draws it with ECharts.
   Everything is local: no request leaves the page. Times are UTC (buckets are aligned to UTC). */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var R = window.__report = { charts: {}, ready: false };
  var TOP_BURSTS = 3;
  var COLORS = { interval: '#8fa8d6', score: '#2f5aa8', mean: '#2f5aa8', naive: '#9aa3ad',
                 rankBar: 'rgba(47,90,168,0.22)', rank: '#2f5aa8', token: '#e07b00',
                 tokens: '#3b5b92', band: 'rgba(110,130,165,0.32)', bad: 'rgba(214,69,65,0.16)',
                 good: 'rgba(46,139,87,0.16)', neutral: 'rgba(196,164,92,0.2)', merged: '#2e8b57', baseline: '#c0392b' };
  var PERIOD_COLORS = ['#2f5aa8', '#e07b00', '#2e8b57', '#8e44ad', '#c0392b', '#16a085', '#7f8c8d', '#d4a017'];

  /* ---------- helpers ---------- */
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'html') e.innerHTML = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function esc(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function notice(parent, text, kind) { var n = el('div', { class: 'notice ' + (kind || ''), text: text }); parent.appendChild(n); return n; }
  function num(x) { return x == null ? null : Number(x); }
  // Tokens in a readable unit: millions or thousands.
  function tok(n, digits) {
    if (n == null || isNaN(n)) return '–';
    var a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(digits == null ? 2 : digits) + 'B';
    if (a >= 1e6) return (n / 1e6).toFixed(digits == null ? 1 : digits) + 'M';
    if (a >= 1e3) return (n / 1e3).toFixed(digits == null ? 0 : digits) + 'k';
    return String(Math.round(n));
  }
  function pct(x) { return x == null ? '–' : (100 * x).toFixed(1) + '%'; }
  function pval(p) { if (p == null) return '–'; return p < 1e-3 ? Number(p).toExponential(1) : Number(p).toFixed(4); }
  function fix(x, d) { return x == null ? '–' : Number(x).toFixed(d); }
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var MONTHS_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function utc(sec, withYear) {
    var d = new Date(sec * 1000);
    return MONTHS[d.getUTCMonth()] + ' ' + pad(d.getUTCDate()) + (withYear ? ' ' + d.getUTCFullYear() : '') +
      ' ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  }
  function dateOnly(sec) { var d = new Date(sec * 1000); return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()); }
  function periodLabel(ps) {
    var kind = D.binding ? D.binding.period : 'period';
    var y = +ps.slice(0, 4), m = +ps.slice(5, 7);
    if (kind === 'month') return MONTHS_LONG[m - 1] + ' ' + y;
    if (kind === 'quarter') return y + ' Q' + (Math.floor((m - 1) / 3) + 1);
    if (kind === 'week') return 'week of ' + ps;
    return ps;
  }
  function dateSec(ps) { return Date.parse(ps + 'T00:00:00Z') / 1000; }
  function bucketWord() {
    var s = D.binding ? D.binding.bucket_seconds : 0;
    if (s === 3600) return 'hour'; if (s === 86400) return 'day';
    if (s % 3600 === 0) return (s / 3600) + '-hour bucket';
    if (s % 60 === 0) return (s / 60) + '-minute bucket';
    return s + '-second bucket';
  }
  function unitFor(max) { return max >= 1e6 ? { div: 1e6, name: 'millions' } : max >= 1e3 ? { div: 1e3, name: 'thousands' } : { div: 1, name: '' }; }
  function makeChart(node, key, option) {
    var c = echarts.init(node, null, { renderer: 'canvas' });
    option.useUTC = true;
    option.animation = false;
    c.setOption(option);
    R.charts[key] = c;
    return c;
  }
  window.addEventListener('resize', function () { for (var k in R.charts) R.charts[k].resize(); });
  function table(cols, rows, opts) {
    opts = opts || {};
    var thead = el('thead', null, [el('tr', null, cols.map(function (c) { return el('th', { class: c.l ? 'l' : '', text: c.h, title: c.title || '' }); }))]);
    var tbody = el('tbody');
    rows.forEach(function (r, i) {
      var tr = el('tr', opts.rowAttrs ? opts.rowAttrs(r, i) : null);
      cols.forEach(function (c) {
        var v = c.f(r, i), td = el('td', { class: c.l ? 'l' : '' });
        if (v instanceof Node) td.appendChild(v); else td.textContent = v == null ? '–' : v;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    var t = el('table', opts.attrs || null, [thead, tbody]);
    return t;
  }

  /* ---------- header and global states ---------- */
  var meta = D.meta || {}, B = D.binding;
  var lbName = (meta.schema || '?') + '.' + (meta.name || '?');
  $('title').textContent = 'usage_value report: leaderboard ' + lbName;
  document.title = 'usage_value report: ' + lbName + ' (' + (meta.database || '') + ')';
  var sub = ['database <code>' + esc(meta.database) + '</code>', 'role <code>' + esc(meta.user) + '</code>'];
  if (meta.extension_version) sub.push('usage_value ' + esc(meta.extension_version));
  if (B) {
    sub.push(esc(bucketWord()) + 'ly buckets', esc(B.period) + 'ly periods', 'teams of at least ' + esc(B.min_group_size));
  }
  if (D.range && D.range.has_buckets) sub.push('data ' + esc(utc(D.range.t0, true)) + ' – ' + esc(utc(D.range.t1, true)) + ' UTC');
  sub.push('generated ' + esc(String(meta.generated_at || '').slice(0, 16).replace('T', ' ')) + ' UTC');
  $('subtitle').innerHTML = sub.join(' · ');
  // Freshness: how far the data goes, when it was refreshed, and whether the last scheduled run failed.
  (function () {
    var F = D.freshness, parts = [];
    if (!F) return;
    if (F.refreshed_s != null) {
      parts.push(F.data_through_s != null ? 'data through ' + esc(utc(F.data_through_s, true)) + ' UTC' : 'no usage data yet');
      parts.push('refreshed ' + esc(utc(F.refreshed_s, true)) + ' UTC (took ' + esc(fix(F.refresh_seconds, 1)) + ' s)');
    } else {
      parts.push('not refreshed since usage_value 0.4.0 was installed');
    }
    if (F.last_failed_s != null) {
      parts.push('<span class="failed">last scheduled run failed: ' + esc(utc(F.last_failed_s, true)) + ' UTC: ' + esc(F.last_error) +
        ' (the board shows the data of the last good refresh)</span>');
    }
    $('freshness').innerHTML = parts.join(' · ');
  })();
  $('footer').textContent = 'Generated by scripts/report from ' + lbName + ' in database ' + (meta.database || '?') +
    '. Charts: Apache ECharts ' + (window.echarts ? echarts.version : '') + ', bundled; this page loads nothing from the network.';

  var fatal = null;
  if (!meta.extension_version) {
    fatal = 'The usage_value extension is not installed in database "' + meta.database + '", so there is nothing to show. ' +
      'Install it (CREATE EXTENSION usage_value), bind a leaderboard with usage_value.create_leaderboard(...), and run scripts/report again.';
  } else if (!B) {
    var lbs = D.leaderboards || [];
    fatal = lbs.length === 0
      ? 'No leaderboard is bound in database "' + meta.database + '" (usage_value.leaderboards is empty), so there is nothing to show. ' +
        'Bind one to your tables with usage_value.create_leaderboard(...) (see the README), then run scripts/report again.'
      : 'No leaderboard named "' + meta.name + '" in schema "' + meta.schema + '" in database "' + meta.database + '". Bound here: ' +
        lbs.map(function (l) { return l.schema + '.' + l.name; }).join(', ') + ' (scripts/report --schema S --name N).';
  } else if (!B.objects_ok) {
    fatal = 'The objects of leaderboard ' + lbName + ' are missing or not populated. Run SELECT usage_value.refresh_leaderboard(\'' +
      meta.name + '\', \'' + meta.schema + '\') (or bind it again).';
  } else if (B.can_bursts && D.range && !D.range.has_buckets) {
    fatal = 'Leaderboard ' + lbName + ' is bound but holds no data: its usage table has no rows (or it has not been refreshed since). ' +
      'Nothing to draw yet.';
  }
  if (fatal) {
    notice($('notices'), fatal, 'fatal').id = 'fatal-message';
    ['fair-body', 'bursts-body', 'teams-body'].forEach(function (id) { notice($(id), 'Nothing to show: see the message at the top.', 'info'); });
    $('period-select').parentNode.style.display = 'none';
    R.ready = true;
    return;
  }

  /* ---------- 1. fair leaderboard ---------- */
  function renderFairSection() {
    var body = $('fair-body');
    if (!B.can_people) {
      $('period-select').parentNode.style.display = 'none';
      notice(body, 'This role (' + meta.user + ') cannot read the per-person board (' + meta.schema + '.' + meta.name +
        '_leaderboard needs SELECT on it and on ' + meta.schema + '.' + meta.name + '_periods). Only the team board can be shown.');
      return;
    }
    var periods = D.periods || [], board = D.board || [];
    if (periods.length === 0 || board.length === 0) {
      $('period-select').parentNode.style.display = 'none';
      notice(body, 'The per-person board is empty: no developer has usage in any period.');
      return;
    }
    // Coverage of each period by the data: a period the data covers less than half of (the current,
    // unfinished one, typically) is not the default; it stays one click away.
    var t0 = D.range ? D.range.t0 : null, t1 = D.range ? D.range.t1 : null;
    periods.forEach(function (p) {
      var s = dateSec(p.period_start), e = dateSec(p.period_end);
      p.covered = t0 == null ? e - s : Math.max(0, Math.min(e, t1) - Math.max(s, t0));
      p.coverage = p.covered / (e - s);
    });
    var latest = periods[periods.length - 1], def = latest;
    for (var i = periods.length - 1; i >= 0; i--) if (periods[i].coverage >= 0.5) { def = periods[i]; break; }
    var sel = $('period-select');
    periods.slice().reverse().forEach(function (p) {
      var lab = periodLabel(p.period_start) + (p.coverage < 0.999 ? ' (partial: ' + (p.covered / 86400).toFixed(1) + ' days of data)' : '');
      sel.appendChild(el('option', { value: p.period_start, text: lab }));
    });
    sel.value = def.period_start;
    var note = $('period-note');
    if (def !== latest) {
      note.textContent = 'The latest period, ' + periodLabel(latest.period_start) + ', holds only ' + (latest.covered / 86400).toFixed(1) +
        ' days of data, so the board opens on ' + periodLabel(def.period_start) + ', the latest period the data covers at least half of. Choose another above.';
    }
    var fairHost = el('div'); body.appendChild(fairHost);
    function draw() {
      for (var k in R.charts) if (k.indexOf('fair:') === 0) { R.charts[k].dispose(); delete R.charts[k]; }
      fairHost.innerHTML = '';
      var ps = sel.value;
      var rows = board.filter(function (r) { return r.period_start === ps; });
      var cohorts = [];
      rows.forEach(function (r) { if (cohorts.indexOf(r.cohort) < 0) cohorts.push(r.cohort); });
      if (rows.length === 0) notice(fairHost, 'No developer has usage in ' + periodLabel(ps) + '.');
      cohorts.forEach(function (c, ci) { drawCohort(fairHost, ps, c, rows.filter(function (r) { return r.cohort === c; }), ci); });
    }
    sel.addEventListener('change', draw);
    draw();
  }

  function drawCohort(host, ps, cohort, rows, ci) {
    var cname = cohort == null ? '(no cohort)' : cohort;
    var card = el('div', { class: 'cohort', 'data-cohort': cname });
    host.appendChild(card);
    var ranked = rows.filter(function (r) { return r.fair_rank != null; }).sort(function (a, b) { return a.fair_rank - b.fair_rank || (a.developer_id < b.developer_id ? -1 : 1); });
    var unranked = rows.filter(function (r) { return r.fair_rank == null; });
    card.appendChild(el('h3', { text: 'Cohort “' + cname + '”, ' + periodLabel(ps) + ': ' + ranked.length + ' developer' + (ranked.length === 1 ? '' : 's') + ' ranked' }));
    if (ranked.length === 0) {
      var notes = rows.map(function (r) { return r.rank_note; }).filter(function (x, i, a) { return x && a.indexOf(x) === i; });
      notice(card, 'No developer in cohort “' + cname + '” could be ranked in ' + periodLabel(ps) + ': ' +
        (notes.length ? notes.join('; ') : 'none of its ' + rows.length + ' developer' + (rows.length === 1 ? '' : 's') + ' spent tokens in this period') +
        ', so there is nothing to draw.').className += ' empty-cohort';
      return;
    }
    var cats = ranked.map(function (r) { return r.developer_id + (r.team ? ' · ' + r.team : ''); });
    var n = ranked.length;
    var chartNode = el('div', { class: 'chart fair-chart', style: 'height:' + Math.max(260, 22 * n + 120) + 'px' });
    card.appendChild(chartNode);
    function hInterval(color, width, cap) {
      return function (params, api) {
        var y = api.value(2), lo = api.coord([api.value(0), y]), hi = api.coord([api.value(1), y]);
        var h = api.size([0, 1])[1] * cap;
        var ch = [{ type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: { stroke: color, lineWidth: width } }];
        if (cap > 0) {
          ch.push({ type: 'line', shape: { x1: lo[0], y1: lo[1] - h, x2: lo[0], y2: lo[1] + h }, style: { stroke: color, lineWidth: 1.5 } });
          ch.push({ type: 'line', shape: { x1: hi[0], y1: hi[1] - h, x2: hi[0], y2: hi[1] + h }, style: { stroke: color, lineWidth: 1.5 } });
        }
        return { type: 'group', children: ch };
      };
    }
    function tip(p) {
      var r = ranked[p.dataIndex]; if (!r) return '';
      return '<b>' + esc(r.developer_id) + '</b>' + (r.team ? ' · ' + esc(r.team) : '') + '<br>' +
        'fair rank <b>' + r.fair_rank + '</b> (80% rank interval ' + r.fair_rank_lower + '–' + r.fair_rank_upper + ') · raw-token rank ' + r.token_rank + '<br>' +
        'fair score <b>' + fix(r.fair_score, 3) + '</b> value per million tokens' + (r.rank_note ? ' (' + esc(r.rank_note) + ')' : '') + '<br>' +
        '80% credible interval ' + fix(r.rate_lower, 3) + ' – ' + fix(r.rate_upper, 3) + ', posterior mean ' + fix(r.posterior_mean, 3) + '<br>' +
        'naive ratio ' + (r.rank_tokens > 0 ? fix(r.rank_value / (r.rank_tokens / 1e6), 3) : '–') + ' (weight on the cohort prior ' + pct(r.shrinkage) + ')<br>' +
        tok(r.tokens) + ' tokens, ' + r.merged_changes + ' merged changes worth ' + fix(r.value, 1) + ': ' + tok(r.tpm) + ' tokens per merged change (95% ' + tok(r.tpm_lower) + ' – ' + (r.tpm_upper == null ? '∞' : tok(r.tpm_upper)) + ')<br>' +
        'burst inflation ' + pct(r.burst_inflation);
    }
    var idx = function (r, i) { return i; };
    var option = {
      textStyle: { fontFamily: 'system-ui, sans-serif' },
      legend: { top: 0, left: 'center', itemGap: 18,
        data: ['80% credible interval', 'fair score (10% quantile)', 'posterior mean', 'naive value / M tokens', '80% rank interval', 'fair rank', 'raw-token rank'] },
      tooltip: { trigger: 'item', formatter: tip, confine: true },
      grid: [{ left: 150, right: '48%', top: 56, bottom: 40 }, { left: '57.5%', right: 24, top: 56, bottom: 40 }],
      xAxis: [
        { gridIndex: 0, type: 'value', name: 'value per million tokens', nameLocation: 'middle', nameGap: 26, min: 0, splitLine: { lineStyle: { color: '#eef0f4' } } },
        { gridIndex: 1, type: 'value', name: 'rank (1 = best)', nameLocation: 'middle', nameGap: 26, min: 1, max: Math.max(n, 2), minInterval: 1, splitLine: { lineStyle: { color: '#eef0f4' } } }
      ],
      yAxis: [
        { gridIndex: 0, type: 'category', data: cats, inverse: true, axisTick: { show: false }, axisLabel: { fontSize: 11 } },
        { gridIndex: 1, type: 'category', data: cats, inverse: true, axisTick: { show: false }, axisLabel: { show: false } }
      ],
      series: [
        { name: '80% credible interval', type: 'custom', xAxisIndex: 0, yAxisIndex: 0, renderItem: hInterval(COLORS.interval, 3, 0.18),
          encode: { x: [0, 1], y: 2 }, itemStyle: { color: COLORS.interval },
          data: ranked.map(function (r, i) { return [r.rate_lower, r.rate_upper, i]; }) },
        { name: 'naive value / M tokens', type: 'scatter', xAxisIndex: 0, yAxisIndex: 0, symbol: 'emptyCircle', symbolSize: 6,
          itemStyle: { color: COLORS.naive }, data: ranked.map(function (r, i) { return [r.rank_tokens > 0 ? r.rank_value / (r.rank_tokens / 1e6) : null, i]; }) },
        { name: 'posterior mean', type: 'scatter', xAxisIndex: 0, yAxisIndex: 0, symbol: 'circle', symbolSize: 5,
          itemStyle: { color: COLORS.mean, opacity: 0.55 }, data: ranked.map(function (r, i) { return [r.posterior_mean, i]; }) },
        { name: 'fair score (10% quantile)', type: 'scatter', xAxisIndex: 0, yAxisIndex: 0, symbol: 'diamond', symbolSize: 11,
          itemStyle: { color: COLORS.score }, data: ranked.map(function (r, i) { return [r.fair_score, i]; }) },
        { name: '80% rank interval', type: 'custom', xAxisIndex: 1, yAxisIndex: 1, renderItem: hInterval(COLORS.rankBar, 9, 0),
          encode: { x: [0, 1], y: 2 }, itemStyle: { color: COLORS.rankBar },
          data: ranked.map(function (r, i) { return [r.fair_rank_lower, r.fair_rank_upper, i]; }) },
        { name: 'raw-token rank', type: 'scatter', xAxisIndex: 1, yAxisIndex: 1, symbol: 'emptyRect', symbolSize: 8,
          itemStyle: { color: COLORS.token, borderWidth: 2 }, data: ranked.map(function (r, i) { return [r.token_rank, i]; }) },
        { name: 'fair rank', type: 'scatter', xAxisIndex: 1, yAxisIndex: 1, symbol: 'circle', symbolSize: 9,
          itemStyle: { color: COLORS.rank }, data: ranked.map(function (r, i) { return [r.fair_rank, i]; }) }
      ]
    };
    makeChart(chartNode, 'fair:' + ci, option);
    var pr = ranked[0];
    var metaLine = 'Prior fitted to the cohort: ' + (pr.prior_method || '–') + ', mean ' + fix(pr.prior_mean, 3) + ' value per million tokens (a merged change of typical size is worth 1).';
    if (unranked.length) metaLine += ' Not ranked (no tokens in this period): ' + unranked.map(function (r) { return r.developer_id; }).join(', ') + '.';
    card.appendChild(el('div', { class: 'meta', text: metaLine }));
    var det = el('details', null, [el('summary', { text: 'Table: the fair board, ' + periodLabel(ps) + ', cohort “' + cname + '” (' + ranked.length + ' rows)' })]);
    det.appendChild(el('div', { class: 'scroll' }, [table([
      { h: 'fair rank', f: function (r) { return r.fair_rank; } },
      { h: '80% rank interval', f: function (r) { return r.fair_rank_lower + '–' + r.fair_rank_upper; } },
      { h: 'developer', l: 1, f: function (r) { return r.developer_id; } },
      { h: 'team', l: 1, f: function (r) { return r.team; } },
      { h: 'tokens', f: function (r) { return tok(r.tokens); } },
      { h: 'merged', f: function (r) { return r.merged_changes; } },
      { h: 'fair score', f: function (r) { return fix(r.fair_score, 3); } },
      { h: 'value', f: function (r) { return fix(r.value, 1); } },
      { h: '80% interval (value / M tokens)', f: function (r) { return fix(r.rate_lower, 3) + ' – ' + fix(r.rate_upper, 3); } },
      { h: 'raw-token rank', f: function (r) { return r.token_rank; } },
      { h: 'burst inflation', f: function (r) { return pct(r.burst_inflation); } }
    ], ranked, { attrs: { class: 'fair-table' } })]));
    card.appendChild(det);
  }

  /* ---------- 2. burst timelines ---------- */
  var TL = {};
  (D.timelines || []).forEach(function (t) { TL[t.developer_id] = t; });
  var EPIS = {};
  (D.episodes || []).forEach(function (e) { (EPIS[e.developer_id] = EPIS[e.developer_id] || []).push(e); });

  function dense(devId) {
    var t = TL[devId]; if (!t) return null;
    var w = B.bucket_seconds, n = Math.round((D.range.t1 - D.range.t0) / w);
    var tokens = new Float64Array(n), merged = new Float64Array(n);
    for (var k = 0; k < t.i.length; k++) { tokens[t.i[k]] = t.t[k]; merged[t.i[k]] = t.m[k]; }
    return { n: n, w: w, tokens: tokens, merged: merged };
  }
  // Usual range: 25th-75th percentile of the same slot of the week (hour of the week for hourly
  // buckets) over the four weeks before and after, the bucket itself excluded. Without a weekly
  // slot (odd bucket widths), the buckets of the 28 days around it.
  function band(s) {
    var week = 604800, lo = new Float64Array(s.n), hi = new Float64Array(s.n);
    var P = week % s.w === 0 ? week / s.w : 0, buf = [];
    function q(a, p) { var x = (a.length - 1) * p, i = Math.floor(x), f = x - i; return i + 1 < a.length ? a[i] * (1 - f) + a[i + 1] * f : a[i]; }
    for (var i = 0; i < s.n; i++) {
      buf.length = 0;
      if (P) { for (var k = 1; k <= 4; k++) { if (i - k * P >= 0) buf.push(s.tokens[i - k * P]); if (i + k * P < s.n) buf.push(s.tokens[i + k * P]); } }
      else { var r = Math.round(28 * 86400 / s.w); for (var j = Math.max(0, i - r); j <= Math.min(s.n - 1, i + r); j++) if (j !== i) buf.push(s.tokens[j]); }
      if (buf.length === 0) { lo[i] = hi[i] = NaN; continue; }
      buf.sort(function (a, b) { return a - b; });
      lo[i] = q(buf, 0.25); hi[i] = q(buf, 0.75);
    }
    return { lo: lo, hi: hi };
  }
  // What the detector concluded (the view's verdict column; boards made before 0.4 lack it).
  // Only charged episodes are drawn as inflation; the others were found but excused by their output.
  function verdictOf(e) { return e.verdict || (e.is_inflation ? 'inflation' : 'not charged'); }
  function charged(e) { return e.is_inflation; }
  function verdict(e) { return el('span', { class: 'tag ' + (charged(e) ? 'inflation' : 'not-charged'), text: verdictOf(e) }); }
  function episodeText(e, k) {
    return 'Episode ' + k + ' (' + esc(verdictOf(e)) + '): ' + utc(e.start) + ' – ' + utc(e.end) + ' UTC<br>' +
      tok(e.tokens) + ' tokens vs baseline ' + tok(e.baseline) + ': excess ' + tok(e.excess) + ', inflated ' + tok(e.inflated) + '<br>' +
      e.merged + ' merged (expected ' + fix(e.expected, 1) + ' at the usual rate)' +
      (e.value != null ? ', worth ' + fix(e.value, 1) + ' (expected ' + fix(e.expected_value, 1) + ')' : '') + ' · p = ' + pval(e.p_value);
  }

  function burstPanel(host, devId, key) {
    var dev = DEVS[devId] || { developer_id: devId, tokens: 0, episodes: 0, inflated: 0, share: 0 };
    var eps = (EPIS[devId] || []).slice().sort(function (a, b) { return a.start - b.start; });
    var panel = el('div', { class: 'burst-panel', 'data-developer': devId });
    host.appendChild(panel);
    panel.appendChild(el('h3', { text: devId + ': ' + pct(dev.share) + ' of ' + tok(dev.tokens) + ' tokens inflated, ' + dev.merged_changes + ' merged changes, ' +
      eps.length + ' burst episode' + (eps.length === 1 ? '' : 's') }));
    var s = dense(devId);
    if (!s) { notice(panel, 'The timeline of ' + devId + ' is not included in this report (scripts/report --max-timelines limits how many are embedded).'); return; }
    var row = el('div', { class: 'burst-row' }); panel.appendChild(row);
    var chartNode = el('div', { class: 'chart burst-chart', style: 'height:396px' }); row.appendChild(chartNode);
    var side = el('div', { class: 'side' }); row.appendChild(side);
    var bd = band(s), t0 = D.range.t0, w = s.w;
    var max = 0; for (var i = 0; i < s.n; i++) if (s.tokens[i] > max) max = s.tokens[i];
    var u = unitFor(max);
    var xs = function (i) { return (t0 + i * w) * 1000; };
    var tokData = [], loData = [], hiData = [], mData = [];
    for (i = 0; i < s.n; i++) {
      tokData.push([xs(i), s.tokens[i] / u.div]);
      loData.push([xs(i), isNaN(bd.lo[i]) ? null : bd.lo[i] / u.div]);
      hiData.push([xs(i), isNaN(bd.hi[i]) ? null : (bd.hi[i] - bd.lo[i]) / u.div]);
      if (s.merged[i] > 0) mData.push([xs(i), s.merged[i]]);
    }
    // The extension's baseline per bucket inside each episode, and the shaded episode spans.
    var baseData = [], areas = [];
    eps.forEach(function (e, k) {
      var nb = Math.max(1, (e.end - e.start) / w), b = e.baseline / nb / u.div;
      baseData.push([e.start * 1000, b], [e.end * 1000, b], [e.end * 1000 + 1, null]);
      areas.push([{ name: String(k + 1), xAxis: e.start * 1000, itemStyle: { color: charged(e) ? COLORS.bad : COLORS.neutral },
                    label: { color: charged(e) ? '#a5281b' : '#7a5c12' } }, { xAxis: e.end * 1000 }]);
    });
    function epAt(ms) { for (var k = 0; k < eps.length; k++) if (ms >= eps[k].start * 1000 && ms < eps[k].end * 1000) return k; return -1; }
    var option = {
      textStyle: { fontFamily: 'system-ui, sans-serif' },
      legend: { top: 0, data: ['tokens', 'usual range (25–75%, same hour of week)', 'episode baseline (model)', 'merged changes'] },
      tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'line' },
        formatter: function (ps) {
          if (!ps.length) return '';
          var ms = ps[0].axisValue, i = Math.round((ms / 1000 - t0) / w);
          if (i < 0 || i >= s.n) return '';
          var out = '<b>' + utc(ms / 1000, true) + ' UTC</b> (one ' + bucketWord() + ')<br>' +
            'tokens ' + tok(s.tokens[i]) + '<br>usual range ' + (isNaN(bd.lo[i]) ? '–' : tok(bd.lo[i]) + ' – ' + tok(bd.hi[i])) + '<br>' +
            'merged changes ' + s.merged[i];
          var k = epAt(ms); if (k >= 0) out += '<hr style="border:0;border-top:1px solid #ddd;margin:4px 0">' + episodeText(eps[k], k + 1);
          return out;
        } },
      axisPointer: { link: [{ xAxisIndex: 'all' }] },
      grid: [{ left: 64, right: 16, top: 58, height: 204 }, { left: 64, right: 16, top: 282, height: 44 }],
      xAxis: [{ gridIndex: 0, type: 'time', min: t0 * 1000, max: D.range.t1 * 1000, axisLabel: { show: false } },
              { gridIndex: 1, type: 'time', min: t0 * 1000, max: D.range.t1 * 1000, name: 'time (UTC)', nameLocation: 'middle', nameGap: 28 }],
      yAxis: [{ gridIndex: 0, type: 'value', name: 'tokens per ' + bucketWord() + (u.name ? ' (' + u.name + ')' : ''), nameTextStyle: { align: 'left' }, min: 0,
                splitLine: { lineStyle: { color: '#eef0f4' } } },
              { gridIndex: 1, type: 'value', name: 'merged', nameLocation: 'middle', nameGap: 40, min: 0, minInterval: 1, splitNumber: 2,
                splitLine: { show: false } }],
      dataZoom: [{ type: 'inside', xAxisIndex: [0, 1] }, { type: 'slider', xAxisIndex: [0, 1], bottom: 4, height: 18 }],
      series: [
        { name: 'usual range lower', type: 'line', stack: 'band', data: loData, symbol: 'none', step: 'end', lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false } },
        { name: 'usual range (25–75%, same hour of week)', type: 'line', stack: 'band', data: hiData, symbol: 'none', step: 'end', lineStyle: { opacity: 0 },
          areaStyle: { color: COLORS.band }, itemStyle: { color: '#a9b6cc' }, silent: true },
        { name: 'tokens', type: 'line', data: tokData, symbol: 'none', step: 'end', sampling: 'max', lineStyle: { width: 1, color: COLORS.tokens }, itemStyle: { color: COLORS.tokens },
          markArea: { silent: false, label: { position: 'insideTop', fontWeight: 'bold' }, data: areas,
                      tooltip: { trigger: 'item', formatter: function (p) { var k = +p.name - 1; return eps[k] ? episodeText(eps[k], k + 1) : ''; } } } },
        { name: 'episode baseline (model)', type: 'line', data: baseData, symbol: 'none', connectNulls: false, lineStyle: { type: 'dashed', width: 2, color: COLORS.baseline },
          itemStyle: { color: COLORS.baseline }, silent: true },
        { name: 'merged changes', type: 'scatter', xAxisIndex: 1, yAxisIndex: 1, data: mData, symbol: 'triangle', symbolSize: 7, itemStyle: { color: COLORS.merged } }
      ]
    };
    var chart = makeChart(chartNode, key, option);
    if (eps.length === 0) {
      notice(side, 'No burst episodes for ' + devId + ': its token use never rose significantly above its own usual pattern, ' +
        'so none of its tokens count as inflation.').className += ' no-bursts';
      return;
    }
    side.appendChild(el('div', { class: 'meta', text: 'Episodes (tokens per episode; merged = in the episode and the days after; click a row to zoom):' }));
    side.appendChild(table([
      { h: '#', f: function (e, i) { return String(i + 1); } },
      { h: 'start (UTC)', l: 1, f: function (e) { return utc(e.start); } },
      { h: 'excess', f: function (e) { return tok(e.excess); }, title: 'tokens above the baseline' },
      { h: 'inflated', f: function (e) { return tok(e.inflated); }, title: 'excess the merges do not explain' },
      { h: 'merged / exp.', f: function (e) { return e.merged + ' / ' + fix(e.expected, 1); } },
      { h: 'p-value', f: function (e) { return pval(e.p_value); } },
      { h: 'verdict', l: 1, f: function (e) { return verdict(e); } }
    ], eps, { attrs: { class: 'episode-table' }, rowAttrs: function (e) {
      return { class: 'clickable', title: utc(e.start) + ' – ' + utc(e.end) + ' UTC: tokens ' + tok(e.tokens) + ', baseline ' + tok(e.baseline) + ', excess ' + tok(e.excess) + ', inflated ' + tok(e.inflated) + ', p = ' + pval(e.p_value),
        onclick: function () { var pad = Math.max(3 * 86400, e.end - e.start) * 1000; chart.dispatchAction({ type: 'dataZoom', startValue: e.start * 1000 - pad, endValue: e.end * 1000 + pad }); } };
    } }));
  }

  var DEVS = {};
  (D.developers || []).forEach(function (d) { DEVS[d.developer_id] = d; });

  function renderBurstSection() {
    var body = $('bursts-body');
    if (!B.can_bursts) { notice(body, 'This role (' + meta.user + ') cannot read ' + meta.schema + '.' + meta.name + '_buckets and _episodes; no timelines.'); return; }
    var devs = D.developers || [], eps = D.episodes || [];
    if (devs.length === 0) { notice(body, 'No developer has any usage: no timelines to draw.'); return; }
    var nInfl = eps.filter(charged).length;
    body.appendChild(el('p', { class: 'meta', id: 'burst-summary', text: eps.length + ' burst episode' + (eps.length === 1 ? '' : 's') + ' over the whole history: ' + nInfl + ' charged as inflation, ' +
      (eps.length - nInfl) + ' not charged (their merged output excused them), across ' + Object.keys(EPIS).length + ' of ' + devs.length + ' developers.' }));
    var top = devs.filter(function (d) { return d.inflated > 0; }).sort(function (a, b) { return b.share - a.share || b.inflated - a.inflated; }).slice(0, TOP_BURSTS);
    body.appendChild(el('h3', { text: 'The ' + (top.length || '') + ' highest burst-inflation scores (share of all tokens spent in inflated bursts)' }));
    var topHost = el('div', { id: 'burst-top' }); body.appendChild(topHost);
    if (top.length === 0) notice(topHost, eps.length ? 'No developer has inflated tokens: the merged output of every burst episode found excused it.'
                                                     : 'No burst episodes at all: nobody\'s token use rose significantly above their own usual pattern.');
    top.forEach(function (d, i) { burstPanel(topHost, d.developer_id, 'burst:top' + i); });

    body.appendChild(el('h3', { text: 'Any developer' }));
    var sel = el('select', { id: 'developer-select' });
    var ordered = devs.slice().sort(function (a, b) { return a.developer_id < b.developer_id ? -1 : 1; });
    ordered.forEach(function (d) {
      sel.appendChild(el('option', { value: d.developer_id, text: d.developer_id + ' — ' + (d.episodes ? pct(d.share) + ' inflated, ' + d.episodes + ' episode' + (d.episodes === 1 ? '' : 's') : 'no bursts') }));
    });
    body.appendChild(el('div', { class: 'controls' }, [el('label', { for: 'developer-select', text: 'Developer' }), sel]));
    var exHost = el('div', { id: 'burst-explorer' }); body.appendChild(exHost);
    var topIds = top.map(function (d) { return d.developer_id; });
    var first = ordered.filter(function (d) { return topIds.indexOf(d.developer_id) < 0 && d.episodes > 0 && d.inflated === 0; })[0] ||
                ordered.filter(function (d) { return topIds.indexOf(d.developer_id) < 0; })[0] || ordered[0];
    sel.value = first.developer_id;
    function show() {
      if (R.charts['burst:explorer']) { R.charts['burst:explorer'].dispose(); delete R.charts['burst:explorer']; }
      exHost.innerHTML = '';
      burstPanel(exHost, sel.value, 'burst:explorer');
    }
    sel.addEventListener('change', show);
    show();
    R.selectDeveloper = function (id) { sel.value = id; show(); };

    body.appendChild(el('h3', { text: 'All burst episodes (' + eps.length + ')' }));
    if (eps.length === 0) { notice(body, 'No burst episodes were found for any developer.'); return; }
    var all = eps.slice().sort(function (a, b) { return b.inflated - a.inflated || a.p_value - b.p_value; });
    body.appendChild(el('div', { class: 'scroll' }, [table([
      { h: 'developer', l: 1, f: function (e) { return el('a', { class: 'dev', text: e.developer_id, onclick: function () { R.selectDeveloper(e.developer_id); exHost.scrollIntoView({ behavior: 'smooth', block: 'start' }); } }); } },
      { h: 'start (UTC)', l: 1, f: function (e) { return utc(e.start); } },
      { h: 'end (UTC)', l: 1, f: function (e) { return utc(e.end); } },
      { h: 'tokens', f: function (e) { return tok(e.tokens); } },
      { h: 'baseline', f: function (e) { return tok(e.baseline); } },
      { h: 'excess', f: function (e) { return tok(e.excess); } },
      { h: 'inflated', f: function (e) { return tok(e.inflated); } },
      { h: 'merged', f: function (e) { return e.merged; } },
      { h: 'expected', f: function (e) { return fix(e.expected, 1); } },
      { h: 'p-value', f: function (e) { return pval(e.p_value); } },
      { h: 'verdict', l: 1, f: function (e) { return verdict(e); } }
    ], all, { attrs: { id: 'all-episodes' } })]));
  }

  /* ---------- 3. team board ---------- */
  function renderTeamSection() {
    var body = $('teams-body');
    var sizes = D.team_sizes || null, teams = D.teams || [];
    var min = B.min_group_size;
    // How many teams the minimum group size suppressed, per period (counts only, from <name>_periods).
    var supp = el('div', { class: 'meta', id: 'suppression-note' }); body.appendChild(supp);
    var totalTeams = 0, totalSupp = 0, lines = [];
    if (sizes) {
      sizes.forEach(function (s) {
        totalTeams += s.teams; totalSupp += s.suppressed;
        lines.push(periodLabel(s.period_start) + ': ' + (s.teams - s.suppressed) + ' of ' + s.teams + ' teams shown' +
          (s.suppressed ? ', ' + s.suppressed + ' suppressed' : '') + (s.without_team ? ' (' + s.without_team + ' developers without a team)' : ''));
      });
      supp.textContent = (totalSupp === 0 ? 'No team was suppressed (minimum group size ' + min + '). '
        : totalSupp + ' team-period' + (totalSupp === 1 ? ' was' : 's were') + ' suppressed for having fewer than ' + min + ' developers and are not drawn. ') + lines.join(' · ') + '.';
    } else {
      supp.textContent = 'Teams with fewer than ' + min + ' developers are suppressed; how many is unknown to this role (it cannot read ' + meta.schema + '.' + meta.name + '_periods).';
    }
    if (!B.can_team) { notice(body, 'This role (' + meta.user + ') cannot read ' + meta.schema + '.' + meta.name + '_team_leaderboard.'); return; }
    if (teams.length === 0) {
      var msg;
      if (sizes && totalTeams === 0) msg = 'No developer belongs to a team (the leaderboard was bound without a team table, or the team table is empty): there is no team board to draw.';
      else if (sizes) msg = 'Every team is suppressed: all ' + totalTeams + ' team-periods have fewer than ' + min + ' developers (the minimum group size), so the team board is empty and nothing is drawn.';
      else msg = 'The team board is empty: every team is below the minimum group size of ' + min + ' developers, or there are no teams.';
      notice(body, msg).id = 'teams-empty';
      return;
    }
    var periods = [], names = [];
    teams.forEach(function (t) { if (periods.indexOf(t.period_start) < 0) periods.push(t.period_start); if (names.indexOf(t.team) < 0) names.push(t.team); });
    periods.sort();
    // Order teams by their tokens per merged change over all periods shown.
    var agg = {}; teams.forEach(function (t) { var a = agg[t.team] = agg[t.team] || { tk: 0, m: 0 }; a.tk += t.tokens; a.m += t.merged_changes; });
    names.sort(function (a, b) { var ra = agg[a].m ? agg[a].tk / agg[a].m : Infinity, rb = agg[b].m ? agg[b].tk / agg[b].m : Infinity; return ra - rb || (a < b ? -1 : 1); });
    var pcov = {}; (D.periods || []).forEach(function (p) { pcov[p.period_start] = p; });
    var t0 = D.range ? D.range.t0 : null, t1 = D.range ? D.range.t1 : null;
    function partial(ps) {
      var p = pcov[ps]; if (!p || t0 == null) return null;
      var s = dateSec(p.period_start), e = dateSec(p.period_end), c = Math.max(0, Math.min(e, t1) - Math.max(s, t0));
      return c / (e - s) < 0.5 ? c / 86400 : null;
    }
    var maxv = 0; teams.forEach(function (t) { maxv = Math.max(maxv, t.tpm_upper || t.tpm || 0); });
    var u = unitFor(maxv);
    var np = periods.length, selected = {};
    var series = periods.map(function (ps, pi) {
      var color = PERIOD_COLORS[pi % PERIOD_COLORS.length], part = partial(ps);
      var name = periodLabel(ps) + (part != null ? ' (partial: ' + part.toFixed(1) + ' days)' : '');
      selected[name] = part == null || periods.every(function (q) { return partial(q) != null; });
      var rows = teams.filter(function (t) { return t.period_start === ps; });
      return { name: name, type: 'custom', itemStyle: { color: color }, encode: { x: [0, 1, 2], y: 3 },
        data: rows.map(function (t) { return { value: [t.tpm_lower / u.div, t.tpm_upper == null ? null : t.tpm_upper / u.div, t.tpm == null ? null : t.tpm / u.div, names.indexOf(t.team)], row: t }; }),
        renderItem: function (params, api) {
          var y = api.value(3), bandH = api.size([0, 1])[1], off = (pi - (np - 1) / 2) * Math.min(14, bandH * 0.8 / np);
          var lo = api.coord([api.value(0), y]), hiV = api.value(1), mid = api.value(2);
          var hi = hiV == null || isNaN(hiV) ? [params.coordSys.x + params.coordSys.width, lo[1]] : api.coord([hiV, y]);
          var yy = lo[1] + off, ch = [
            { type: 'line', shape: { x1: lo[0], y1: yy, x2: hi[0], y2: yy }, style: { stroke: color, lineWidth: 2 } },
            { type: 'line', shape: { x1: lo[0], y1: yy - 4, x2: lo[0], y2: yy + 4 }, style: { stroke: color, lineWidth: 1.5 } },
            { type: 'line', shape: { x1: hi[0], y1: yy - 4, x2: hi[0], y2: yy + 4 }, style: { stroke: color, lineWidth: 1.5 } }];
          if (mid != null && !isNaN(mid)) { var m = api.coord([mid, y]); ch.push({ type: 'circle', shape: { cx: m[0], cy: yy, r: 4.5 }, style: { fill: color, stroke: '#fff', lineWidth: 1 } }); }
          return { type: 'group', children: ch };
        } };
    });
    var chartNode = el('div', { class: 'chart', id: 'team-chart', style: 'height:' + Math.max(280, names.length * (26 + 10 * np) + 110) + 'px' });
    body.appendChild(chartNode);
    makeChart(chartNode, 'teams', {
      textStyle: { fontFamily: 'system-ui, sans-serif' },
      legend: { top: 0, selected: selected },
      tooltip: { trigger: 'item', confine: true, formatter: function (p) {
        var t = p.data.row; return '<b>' + esc(t.team) + '</b>, ' + periodLabel(t.period_start) + '<br>' + t.developers + ' developers, ' + tok(t.tokens) + ' tokens, ' + t.merged_changes + ' merged changes<br>' +
          '<b>' + tok(t.tpm) + '</b> tokens per merged change (95% ' + tok(t.tpm_lower) + ' – ' + (t.tpm_upper == null ? '∞' : tok(t.tpm_upper)) + ')<br>' +
          'burst inflation ' + pct(t.burst_inflation) + ' · fair rank among teams ' + (t.fair_rank == null ? '–' : t.fair_rank); } },
      grid: { left: 110, right: 30, top: 40, bottom: 46 },
      xAxis: { type: 'value', min: 0, name: 'tokens per merged change' + (u.name ? ' (' + u.name + ')' : ''), nameLocation: 'middle', nameGap: 28, splitLine: { lineStyle: { color: '#eef0f4' } } },
      yAxis: { type: 'category', data: names, inverse: true, axisTick: { show: false } },
      series: series
    });
    var hidden = Object.keys(selected).filter(function (k) { return !selected[k]; });
    if (hidden.length) body.appendChild(el('div', { class: 'meta', text: 'Hidden by default (click it in the legend): ' + hidden.join(', ') + ' — the data cover less than half of it, so its intervals are very wide.' }));
    var det = el('details', null, [el('summary', { text: 'Table: the team board (' + teams.length + ' rows)' })]);
    det.appendChild(el('div', { class: 'scroll' }, [table([
      { h: 'period', l: 1, f: function (t) { return periodLabel(t.period_start); } },
      { h: 'team', l: 1, f: function (t) { return t.team; } },
      { h: 'developers', f: function (t) { return t.developers; } },
      { h: 'tokens', f: function (t) { return tok(t.tokens); } },
      { h: 'merged', f: function (t) { return t.merged_changes; } },
      { h: 'tokens / merged change', f: function (t) { return tok(t.tpm, 2); } },
      { h: '95% interval', f: function (t) { return tok(t.tpm_lower, 2) + ' – ' + (t.tpm_upper == null ? '∞' : tok(t.tpm_upper, 2)); } },
      { h: 'burst inflation', f: function (t) { return pct(t.burst_inflation); } },
      { h: 'fair rank', f: function (t) { return t.fair_rank; } }
    ], teams, { attrs: { id: 'team-table' } })]));
    body.appendChild(det);
  }

  [renderFairSection, renderBurstSection, renderTeamSection].forEach(function (f) {
    try { f(); } catch (e) { notice(document.getElementById('notices'), 'A part of this page could not be drawn: ' + e.message, 'fatal'); throw e; }
  });
  R.ready = true;
})();
