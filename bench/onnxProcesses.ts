/**
 * The two processes `npm run bench:onnx` compares, each measured on its own peak RSS: the engine
 * process (bundled as the CLI runs it, dist/cli/process.js) profiling the default model on ONNX
 * Runtime, and bare ONNX Runtime (bench/ortBare.mjs) running the same cached file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../shared/modelConfig';
import type { OnnxMode, ProfileEvent, ProfileResult } from '../shared/profile';
import { EngineClient } from '../engine/node/client';
import { forkSpawner } from '../engine/node/spawn';

/** What one engine run gives. */
export interface EngineRun {
  result: ProfileResult;
  /** The engine process's peak resident set size, bytes. */
  peakRssBytes: number;
  /** From the request to the end of the first (warm-up) pass: start, build or cache, first run. */
  firstPassMs: number;
}

/** One ONNX Runtime profile of the default model in a fresh engine process. */
export async function engineRun(
  entry: string,
  onnxMode: OnnxMode,
  runs: number,
  log: (text: string) => void,
): Promise<EngineRun> {
  const client = new EngineClient({ spawner: forkSpawner(entry) });
  const start = performance.now();
  let firstPassMs = 0;
  const finished = new Promise<ProfileResult>((resolve, reject) => {
    client.onProfileEvents((events: ProfileEvent[]) => {
      for (const event of events) {
        if (event.type === 'pass-finished') {
          firstPassMs ||= performance.now() - start;
        } else if (event.type === 'run-finished') {
          resolve(event.result);
        } else if (event.type === 'error') {
          reject(new Error(`${event.error.code}: ${event.error.message}`));
        }
      }
    });
  });
  try {
    await client.profile({
      config: DEFAULT_CONFIG,
      backend: 'onnxruntime',
      onnxMode,
      batch: 1,
      input: { kind: 'random', seed: 42 },
      warmup: 1,
      runs,
      mode: 'per-layer',
      stats: false,
    });
    const result = await finished;
    // The engine reports its peak every 250 ms: wait for a report made after the run.
    await new Promise((resolve) => setTimeout(resolve, 600));
    log(`  engine, ${onnxMode}: first pass at ${(firstPassMs / 1000).toFixed(2)} s`);
    return { result, peakRssBytes: client.enginePeakRss, firstPassMs };
  } finally {
    await client.dispose();
  }
}

/** What one bare ONNX Runtime process gives (bench/ortBare.mjs). */
export interface BareRun {
  createMs: number;
  passesMs: number[];
  peakRssBytes: number;
}

/** Bare ONNX Runtime on an ONNX file, `runs` passes, in a process of its own. */
export function bareRun(file: string, threads: number, runs: number, level = 'all'): BareRun {
  const child = spawnSync(
    process.execPath,
    [
      'bench/ortBare.mjs',
      file,
      '--threads',
      String(threads),
      '--runs',
      String(runs),
      '--level',
      level,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`Bare ONNX Runtime failed (exit ${child.status}): ${line}`);
  }
  return JSON.parse(line) as BareRun;
}

/**
 * The export and the optimised graph an engine left in a benchmark's cache (its only entry), found
 * by name: the engine's bundle keys them on the sources it was built from, which a benchmark run
 * from the sources as they are now would not reproduce while someone edits them.
 */
export function cachedFiles(cacheDir: string): { export: string; optimized: string } {
  const folder = path.join(cacheDir, 'onnx');
  const names = readdirSync(folder);
  const exported = names.find((name) => /-[0-9a-f]{20}\.onnx$/.test(name));
  const optimized = names.find((name) => /\.opt-[0-9a-f]+\.onnx$/.test(name));
  if (!exported || !optimized) {
    throw new Error(`The engine left no export and optimised graph in ${folder}.`);
  }
  return { export: path.join(folder, exported), optimized: path.join(folder, optimized) };
}

/**
 * Bundles the CLI and its engine into a folder of the benchmarks' own (.cache/bench-cli): others
 * working in the checkout rebuild dist/cli as they edit, which would change a bundle, and the key
 * of what it caches, in the middle of a benchmark. Returns the folder.
 */
export function benchBundle(): string {
  const folder = path.resolve('.cache', 'bench-cli');
  const built = spawnSync(process.execPath, ['scripts/cli.mjs', '--help'], {
    env: { ...process.env, INSPECTOR_CLI_DIR: folder },
    encoding: 'utf8',
  });
  if (built.status !== 0) {
    throw new Error(`The CLI could not be bundled: ${built.stderr.trim()}`);
  }
  return folder;
}
