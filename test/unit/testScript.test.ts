// scripts/test.mjs (`npm test`): its closing line counts this run's tests, never a stale report.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(__dirname, '../../scripts/test.mjs');
const folder = mkdtempSync(path.join(tmpdir(), 'test-script-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('npm test summary line', () => {
  it('does not count the report of an earlier run when the runner crashes before writing one', () => {
    // An `npx` that fails at once, as Vitest does when its config is broken.
    const bin = path.join(folder, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'npx'), '#!/bin/sh\nexit 1\n');
    chmodSync(path.join(bin, 'npx'), 0o755);
    mkdirSync(path.join(folder, '.cache'));
    writeFileSync(
      path.join(folder, '.cache/vitest-report.json'),
      JSON.stringify({ numPassedTests: 400, numFailedTests: 0, numPendingTests: 2 }),
    );
    const run = spawnSync(process.execPath, [SCRIPT], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
    expect(run.status).toBe(1);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed, 0 skipped');
  });

  it('fails at once, in one line saying how to install it, where Chromium is missing', () => {
    const here = mkdtempSync(path.join(folder, 'no-chromium-'));
    writeFileSync(path.join(here, 'playwright.config.ts'), '');
    const bin = path.join(here, 'bin');
    mkdirSync(bin);
    // An npx that leaves a mark: no runner may start.
    writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\ntouch "${path.join(here, 'ran')}"\n`);
    chmodSync(path.join(bin, 'npx'), 0o755);
    const started = performance.now();
    const run = spawnSync(process.execPath, [SCRIPT], {
      cwd: here,
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        INSPECTOR_CHROMIUM: path.join(here, 'missing-chromium'),
      },
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `npm test needs Chromium at ${path.join(here, 'missing-chromium')}: install it with \`sudo apt-get install chromium\` (Debian, Ubuntu), or set INSPECTOR_CHROMIUM to its path.\n`,
    );
    expect(existsSync(path.join(here, 'ran'))).toBe(false);
  });
});
