// scripts/test.mjs (`npm test`): its closing line counts this run's tests, never a stale report.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
});
