/**
 * Builds the renderer (Vite) before serving it, when this is a source checkout, so `npm run serve`
 * on a fresh clone serves the current app rather than nothing or a stale build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The outcome of a build attempt. */
export type BuildOutcome = 'built' | 'no-vite-config' | 'failed';

/** Runs `vite build` in `root` when it has a vite.config.ts; prints Vite's output. */
export function buildRenderer(root: string): BuildOutcome {
  const config = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs'].find((name) =>
    existsSync(path.join(root, name)),
  );
  if (!config) {
    return 'no-vite-config';
  }
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  console.log('Building the renderer (vite build)…');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  return result.status === 0 ? 'built' : 'failed';
}
