// The Electron bundles (npm run build:electron): the sandboxed preload is one CJS file that
// requires nothing but `electron`; the engine worker bundle runs the engine in a worker thread
// exactly as the main process starts it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../engine/node/client';
import { forkSpawner } from '../../engine/node/spawn';

const OUT = 'dist/electron';
const requires = (file: string): string[] =>
  [
    ...new Set(
      [...readFileSync(path.join(OUT, file), 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(
        (m) => m[1],
      ),
    ),
  ].sort();

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build-electron.mjs'], { encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
});

describe('Electron bundles', () => {
  it('bundles the preload to one CJS file that requires only electron', () => {
    expect(requires('preload.cjs')).toEqual(['electron']);
    expect(readFileSync(path.join(OUT, 'preload.cjs'), 'utf8')).toContain(
      'exposeInMainWorld("inspector"',
    );
  });

  it('keeps the main bundle to electron, Node built-ins and npm packages', () => {
    for (const name of requires('main.cjs')) {
      expect(name, name).not.toMatch(/^\.|\/(electron|shared|renderer)\//);
    }
    expect(requires('main.cjs')).toContain('electron');
  });

  it('runs the engine process from its bundle', async () => {
    const engine = new EngineClient({ spawner: forkSpawner(path.resolve(OUT, 'engine.cjs')) });
    try {
      const backends = await engine.backends();
      expect(backends.find((backend) => backend.name === 'wasm')).toMatchObject({
        available: true,
      });
    } finally {
      await engine.dispose();
    }
  });
});
