#!/usr/bin/env node
// `npm run build:electron`: bundles the Electron main process, the engine process and the
// sandboxed preload with esbuild into dist/electron/ (main.cjs, engine.cjs, preload.cjs).
// Main and engine keep npm packages external (electron-builder packs them); the preload bundles
// everything but `electron`, since a sandboxed preload can require nothing else.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { sourceHash } from './cli.mjs';

const outdir = 'dist/electron';
// import.meta.url has no CJS equivalent; give the bundles their own file URL instead.
// The model cache keys exports on the sources that made them (engine/node/onnx/modelCache.ts).
const importMetaUrl = {
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: {
    'import.meta.url': '__importMetaUrl',
    __INSPECTOR_SOURCE_HASH__: JSON.stringify(sourceHash()),
  },
};
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: ['electron'],
};

rmSync(outdir, { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    ...importMetaUrl,
    entryPoints: { main: 'electron/main/main.ts', engine: 'engine/node/process.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    packages: 'external',
  }),
  build({
    ...common,
    entryPoints: { preload: 'electron/preload/preload.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    target: 'chrome140',
  }),
]);
console.log(`Built ${outdir}/main.cjs, engine.cjs and preload.cjs.`);
