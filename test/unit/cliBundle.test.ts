/**
 * `npm run cli` runs a bundle (scripts/cli.mjs): built on first use, rebuilt when a source is
 * newer, and complete: it finds the backends the sources find, its engine process (process.js
 * beside it) profiles on wasm and on ONNX Runtime, and fills the model cache, which the next run
 * reuses.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listBackends } from '../../engine/node/backends';

const root = mkdtempSync(path.join(tmpdir(), 'cli-bundle-test-'));
// Inside the repository: the bundle imports its npm packages from node_modules.
const bundle = path.resolve('.cache', `cli-bundle-test-${process.pid}`);
const cache = path.join(root, 'cache');
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(bundle, { recursive: true, force: true });
});

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['scripts/cli.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, INSPECTOR_CLI_DIR: bundle, INSPECTOR_CACHE_DIR: cache },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TINY = [
  '--depth',
  '50',
  '--input',
  '32',
  '--classes',
  '10',
  '--cardinality',
  '2',
  '--width',
  '1',
];

describe('the bundled CLI', () => {
  it('builds itself on first use, and again only when a source is newer', () => {
    const help = cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run -s cli -- <command> \[flags\]/);
    const entry = path.join(bundle, 'main.js');
    expect(existsSync(path.join(bundle, 'process.js'))).toBe(true);
    const built = statSync(entry).mtimeMs;
    expect(cli('cache', '--help').code).toBe(0);
    expect(statSync(entry).mtimeMs).toBe(built);
    // Older than every source: rebuilt.
    utimesSync(entry, new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(cli('--help').code).toBe(0);
    expect(statSync(entry).mtimeMs).toBeGreaterThan(Date.UTC(2001, 0, 1));
  });

  it('finds every backend the sources find, and profiles on wasm from its bundled engine', async () => {
    const listed = cli('backends', '--format', 'json');
    expect(listed.code).toBe(0);
    const statuses = (JSON.parse(listed.stdout) as { name: string; available: boolean }[]).map(
      ({ name, available }) => ({ name, available }),
    );
    const fromSource = (await listBackends()).map(({ name, available }) => ({ name, available }));
    expect(statuses).toEqual(fromSource);
    const args = ['profile', ...TINY, '--backend', 'wasm', '--warmup', '0', '--runs', '1'];
    const run = cli(...args, '--format', 'json');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { backend: string }).backend).toBe('wasm');
  });

  it('profiles on ONNX Runtime from its bundled engine, and the second run opens what it cached', () => {
    const args = ['profile', ...TINY, '--backend', 'onnxruntime', '--warmup', '0', '--runs', '1'];
    const first = cli(...args, '--format', 'json');
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as { backend: string; layers: { name: string }[] };
    expect(result.backend).toBe('onnxruntime');
    expect(result.layers).toHaveLength(175);
    expect(result.layers[1].name).toBe('conv2d');
    const cached = readdirSync(path.join(cache, 'onnx'));
    // The export, and the graph ORT optimised from it with its weights beside it.
    const onnx = cached.filter((name) => /-[0-9a-f]{20}\.onnx$/.test(name));
    expect(onnx).toHaveLength(1);
    expect(cached.filter((name) => /\.opt-[0-9a-f]+\.(onnx|weights)$/.test(name))).toHaveLength(2);
    const written = statSync(path.join(cache, 'onnx', onnx[0])).mtimeMs;
    const second = cli(...args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Model: resnext50_2x1d_32px_10cls \(175 layers\)/);
    // Opened, not exported again: the same file (a new export is a new file renamed into place).
    expect(readdirSync(path.join(cache, 'onnx'))).toEqual(cached);
    expect(statSync(path.join(cache, 'onnx', onnx[0])).mtimeMs).toBe(written);
  });
});
