/**
 * `npm run bench`: the engine benchmark. For the default model on each available backend (each in
 * its own process): whole-pass and layer-by-layer medians, their ratio, the first pass and the
 * peak RSS at batch 1. Prints a markdown table and writes it, with the machine's description, to
 * docs/BENCHMARKS.md between the engine-bench markers (other sections of the file are left alone).
 *
 * Then opens the seed model saved as Keras HDF5 (bench/modelFileBench.ts) a few times, each in a
 * fresh engine process, and writes its time and memory to the model-file section.
 *
 * Flags: --backends wasm,cpu (default: every available one) --runs N (timed passes; default 9,
 * 1 on cpu, whose pass takes ~20 s) --warmup N (default 1; 0 on cpu) --opens N (model-file
 * opens; default 5) --only engine|model-file (one of the two benchmarks).
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { listBackends } from '../engine/node/backends';
import { TFJS_VERSION } from '../engine/core/tf';
import { median } from '../engine/core/profiler';
import type { BackendName, BackendStatus, ProfileResult } from '../shared/profile';
import type { EngineBenchResult } from './engineBench';
import { BENCHMARKS_FILE, sectionMarkers, writeSection } from './benchmarksFile';
import type { ModelFileBenchResult } from './modelFileBench';
import { modelFileSection } from './modelFileReport';

const BUNDLE = '.cache/bench';
const { start: START, end: END } = sectionMarkers('engine');
const TARGETS = { wholeMs: 850, overhead: 1.1, rssBytes: 700e6 };

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function runChild(backend: BackendName, warmup: number, runs: number): EngineBenchResult {
  process.stderr.write(`Benchmarking ${backend}: ${warmup} warm-up + ${runs} timed passes…\n`);
  const child = spawnSync(
    process.execPath,
    [
      `${BUNDLE}/engineBench.cjs`,
      backend,
      String(warmup),
      String(runs),
      path.resolve(`${BUNDLE}/process.cjs`),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`The ${backend} benchmark failed (exit ${child.status}): ${line}`);
  }
  return JSON.parse(line) as EngineBenchResult;
}

const seconds = (ms: number): string =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');

/** CPU-time medians of the whole and the layer-by-layer passes, and their ratio. */
function cpuColumns(result: ProfileResult): string {
  const whole = median(result.cpuWholePassesMs ?? []);
  const layers = median(result.cpuPassesMs ?? []);
  return `${seconds(whole)}, ${seconds(layers)} | ×${(layers / whole).toFixed(2)}`;
}

function table(
  results: readonly EngineBenchResult[],
  statuses: readonly BackendStatus[],
): string[] {
  const rows = results.map((entry) => {
    const { result } = entry;
    const detail = statuses.find((status) => status.name === entry.backend)?.detail;
    const wholeFastest = Math.min(...(result.wholePassesMs ?? []));
    return (
      `| ${entry.backend}${detail ? ` (${detail})` : ''} | ${seconds(result.wholeMedianMs)} | ` +
      `${seconds(result.perLayerMedianMs ?? 0)} | ×${(result.overheadRatio ?? 0).toFixed(2)} | ` +
      `${seconds(wholeFastest)} | ${seconds(entry.perLayerFastestMs)} | ` +
      `×${(entry.perLayerFastestMs / wholeFastest).toFixed(2)} | ${seconds(result.firstPassMs)} | ` +
      `${cpuColumns(result)} | ` +
      `${mb(entry.peakRssBytes)} | ${entry.buildSeconds.toFixed(1)} s | ${entry.warmup} + ${entry.runs} |`
    );
  });
  return [
    '| Backend | Whole, median | Layer by layer, median | Overhead (medians) | Whole, fastest | Layer by layer, fastest | Overhead (fastest) | First pass | CPU time: whole, layer by layer (medians) | Overhead (CPU) | Peak RSS | Build | Warm-up + timed |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

function targetLines(results: readonly EngineBenchResult[]): string[] {
  const wasm = results.find((entry) => entry.backend === 'wasm');
  if (!wasm) {
    return ['Targets: wasm was not measured.'];
  }
  const { result } = wasm;
  return [
    'Targets (wasm, batch 1):',
    `- whole-pass median ≤ 0.85 s: ${mark(result.wholeMedianMs <= TARGETS.wholeMs)} (${seconds(result.wholeMedianMs)}; fastest pass ${seconds(Math.min(...(result.wholePassesMs ?? [])))}, CPU time ${seconds(median(result.cpuWholePassesMs ?? []))})`,
    `- layer by layer ≤ 1.10× the whole pass: ${mark((result.overheadRatio ?? Infinity) <= TARGETS.overhead)} (×${(result.overheadRatio ?? 0).toFixed(2)} by wall-time medians; ${cpuColumns(result).split(' | ')[1]} by CPU time)`,
    `- peak RSS ≤ 700 MB: ${mark(wasm.peakRssBytes <= TARGETS.rssBytes)} (${mb(wasm.peakRssBytes)})`,
  ];
}

function section(
  results: readonly EngineBenchResult[],
  statuses: readonly BackendStatus[],
  load: { before: number[]; after: number[] },
): string {
  const cpu = cpus();
  const unavailable = statuses.filter((status) => !status.available);
  return [
    START,
    '## Engine: a forward pass of the default model',
    '',
    `ResNeXt-101 (32×4d), 224×224×3, 1000 classes, batch 1, seeded random input; the engine in a worker thread, as the app runs it. Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC:`,
    `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform} ${process.arch}, Node ${process.version}, TensorFlow.js ${TFJS_VERSION}.`,
    `Load average (1 min) ${load.before[0].toFixed(2)} at the start and ${load.after[0].toFixed(2)} at the end: on a shared machine other work inflates every time.`,
    '',
    ...table(results, statuses),
    '',
    'Layer by layer: the median over timed passes of the sum of per-layer times (each layer applied to concrete tensors, in topological order). Overhead: that ÷ the whole-pass (`model.predict`) median. CPU time: what the process spent on the CPU during each pass, which the load of other programs does not inflate as it inflates wall time. Peak RSS: the benchmark process, host and engine worker together, bundled to plain JavaScript as the app ships (under tsx each thread adds its TypeScript loader). Build: from the request to the first pass.',
    '',
    ...targetLines(results),
    ...(unavailable.length > 0
      ? ['', 'Not measured:', ...unavailable.map((status) => `- ${status.name}: ${status.reason}`)]
      : []),
    END,
  ].join('\n');
}

/**
 * Bundles the benchmark child and the engine worker to plain JavaScript, as the shipped app runs
 * them: under tsx each thread would also carry the TypeScript loader (~70 MB of RSS).
 */
async function bundle(): Promise<void> {
  await build({
    entryPoints: ['bench/engineBench.ts', 'bench/modelFileBench.ts', 'engine/node/process.ts'],
    outdir: BUNDLE,
    entryNames: '[name]',
    bundle: true,
    platform: 'node',
    // CommonJS, as the Electron build: externals load where they are required, not up front.
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    packages: 'external',
    logLevel: 'warning',
  });
}

/** Opens the seed model saved as HDF5 in a child, as bench/modelFileBench.ts does. */
function runModelFile(opens: number): ModelFileBenchResult {
  process.stderr.write(`Opening the seed model as Keras HDF5, ${opens} times…\n`);
  const child = spawnSync(
    process.execPath,
    [`${BUNDLE}/modelFileBench.cjs`, String(opens), path.resolve(`${BUNDLE}/process.cjs`)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`The model-file benchmark failed (exit ${child.status}): ${line}`);
  }
  return JSON.parse(line) as ModelFileBenchResult;
}

async function main(): Promise<void> {
  await bundle();
  const only = flag('only');
  if (only !== 'engine') {
    const before = loadavg();
    const result = runModelFile(Number(flag('opens') ?? 5));
    const text = modelFileSection(result, { before, after: loadavg() });
    writeSection('model-file', text);
    process.stdout.write(`${text}\n`);
    if (only === 'model-file') {
      process.stderr.write(`Written to ${BENCHMARKS_FILE}\n`);
      return;
    }
  }
  const statuses = await listBackends();
  const wanted =
    flag('backends')?.split(',') ?? statuses.filter((s) => s.available).map((s) => s.name);
  const before = loadavg();
  const results: EngineBenchResult[] = [];
  for (const backend of wanted as BackendName[]) {
    const slow = backend === 'cpu';
    const runs = Number(flag('runs') ?? (slow ? 1 : 9));
    const warmup = Number(flag('warmup') ?? (slow ? 0 : 1));
    results.push(runChild(backend, warmup, runs));
  }
  const text = section(results, statuses, { before, after: loadavg() });
  writeSection('engine', text);
  process.stdout.write(`${text}\n`);
  process.stderr.write(`Written to ${BENCHMARKS_FILE}\n`);
}

await main();
