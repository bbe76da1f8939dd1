// report/test/browser.js: opens report pages from disk in headless Chromium (Debian's package) with
// every network request blocked, and collects console errors, page errors and failed or blocked
// requests. Used by report/test/run.js.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uv-report-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: FLAGS,
    viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1, timezoneId: 'America/Los_Angeles',
  });
  const problems = [];
  const blocked = [];
  // Block everything that is not the page's own file.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('page', (p) => watch(p));
  function watch(page) {
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} (${r.failure() && r.failure().errorText})`));
  }
  context.pages().forEach(watch);
  return {
    async open(file) {
      problems.length = 0; blocked.length = 0;
      const page = context.pages()[0] || await context.newPage();
      await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
      await page.waitForFunction(() => window.__report && window.__report.ready, null, { timeout: 20000 });
      await page.waitForTimeout(300);
      return page;
    },
    problems: () => problems.slice(),
    blocked: () => blocked.slice(),
    async close() { await context.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); },
  };
}
module.exports = { launch };
