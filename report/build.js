#!/usr/bin/env node
// report/build.js: turns the output of report/sql/extract.sql ("key<TAB>json" lines) into ONE
// self-contained HTML file: the data embedded as JSON, Apache ECharts (from node_modules, installed
// from npm by report/package-lock.json) and the page's own script and style inlined.
//   node report/build.js EXTRACT.tsv OUT.html
'use strict';
const fs = require('fs');
const path = require('path');

const [input, output] = process.argv.slice(2);
if (!input || !output) { console.error('usage: build.js EXTRACT.tsv OUT.html'); process.exit(2); }

const data = {};
for (const line of fs.readFileSync(input, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const tab = line.indexOf('\t');
  if (tab < 0) throw new Error('unexpected line from psql: ' + line.slice(0, 120));
  data[line.slice(0, tab)] = JSON.parse(line.slice(tab + 1));
}
if (!data.done) throw new Error('the extract is incomplete (no "done" line)');

const here = __dirname;
const echartsPath = require.resolve('echarts/dist/echarts.min.js', { paths: [here] });
// The minified bundle, without its source-map comment (nothing to fetch, not even from devtools).
const echarts = fs.readFileSync(echartsPath, 'utf8').replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
const read = (f) => fs.readFileSync(path.join(here, 'page', f), 'utf8');
// JSON inside <script type="application/json">: "<" escaped so no "</script>" can end it early.
const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
for (const [name, text] of [['echarts', echarts], ['app', read('app.js')]]) {
  if (/<\/script/i.test(text)) throw new Error(name + ' contains "</script", cannot be inlined');
}
const title = `usage_value report: ${data.meta.schema}.${data.meta.name} (${data.meta.database})`
  .replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
// Placeholders are replaced by functions so that "$" in the inlined code is taken literally.
const html = read('template.html')
  .replace('__TITLE__', () => title)
  .replace('__STYLE__', () => read('style.css'))
  .replace('__DATA__', () => json)
  .replace('__ECHARTS__', () => echarts)
  .replace('__APP__', () => read('app.js'));
fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
fs.writeFileSync(output, html);
const s = data.binding ? 'ok' : data.meta.extension_version ? 'no such leaderboard' : 'no extension';
console.log(`${output} (${(html.length / 1024).toFixed(0)} KB; ${s})`);
