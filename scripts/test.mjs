#!/usr/bin/env node
// `npm test`: the unit tests (Vitest), then the end-to-end tests (Playwright in the system
// Chromium), then one closing line `N passed, N failed, N skipped` over both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

// The end-to-end tests run in the system's Chromium and never download one: without it, say so
// at once, in one line, rather than after the unit tests, deep inside Playwright.
const chromium = process.env.INSPECTOR_CHROMIUM || '/usr/bin/chromium';
if (existsSync('playwright.config.ts') && !existsSync(chromium)) {
  console.error(
    `npm test needs Chromium at ${chromium}: install it with \`sudo apt-get install chromium\` (Debian, Ubuntu), or set INSPECTOR_CHROMIUM to its path.`,
  );
  process.exit(1);
}

mkdirSync('.cache', { recursive: true });
const unitReport = '.cache/vitest-report.json';
const e2eReport = '.cache/playwright-report.json';
// A runner that dies before writing its report must not leave an earlier run's counts behind.
rmSync(unitReport, { force: true });
rmSync(e2eReport, { force: true });
const run = (command, args, env = {}) =>
  spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

const unitStatus = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${unitReport}`,
]);
const e2eStatus = existsSync('playwright.config.ts')
  ? run('npx', ['playwright', 'test', '--reporter=list,json'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport,
    })
  : 0;

const counts = { passed: 0, failed: 0, skipped: 0 };
if (existsSync(unitReport)) {
  const report = JSON.parse(readFileSync(unitReport, 'utf8'));
  counts.passed += report.numPassedTests ?? 0;
  counts.failed += report.numFailedTests ?? 0;
  counts.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (existsSync(e2eReport) && existsSync('playwright.config.ts')) {
  const { stats } = JSON.parse(readFileSync(e2eReport, 'utf8'));
  counts.passed += (stats?.expected ?? 0) + (stats?.flaky ?? 0);
  counts.failed += stats?.unexpected ?? 0;
  counts.skipped += stats?.skipped ?? 0;
}
const failed = unitStatus !== 0 || e2eStatus !== 0;
if (failed && counts.failed === 0) {
  counts.failed = 1; // a runner failed without a failing test (a crash, a broken config)
}
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failed ? 1 : 0);
