/**
 * `npm run bench:onnx`: ONNX Runtime on the default model, each figure against a peer measured in
 * the same run:
 * - memory: the engine process (bundled, as the CLI runs it) profiling layer by layer against bare
 *   ONNX Runtime running the same cached file, pairs back to back in alternating order;
 * - per-layer passes: their wall time and the sum of their layer times against the whole passes
 *   interleaved with them in the same run, in both modes;
 * - in this process: the streamed export, and whole passes of our runtime against a bare
 *   `InferenceSession.run` loop on the same file, interleaved.
 * Writes its section of docs/BENCHMARKS.md between the onnx-bench markers.
 *
 * Flags: --pairs N (memory pairs, default 3) --cold N (cold runs, default 3) --runs N (timed
 * passes per profile, default 10) --whole N (whole passes in this process, default 20).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DEFAULT_CONFIG, inputShapeOf } from '../shared/modelConfig';
import type { BackendStatus } from '../shared/profile';
import { syntheticInput } from '../engine/core/inputData';
import { exportToSink } from '../engine/core/onnx/exporter';
import { median } from '../engine/core/profiler';
import { buildResNeXt } from '../engine/core/resnext';
import { onCpuBackend } from '../engine/core/structure';
import { withFileSink } from '../engine/node/onnx/files';
import { CACHE_DIR_ENV } from '../engine/node/onnx/modelCache';
import { listOnnxBackends, ortThreads } from '../engine/node/onnx/ortLoader';
import { OrtRuntime, type OnnxOptimization } from '../engine/node/onnx/ortRuntime';
import { BENCHMARKS_FILE, sectionMarkers, writeSection } from './benchmarksFile';
import {
  bareRun,
  benchBundle,
  cachedFiles,
  engineRun,
  type BareRun,
  type EngineRun,
} from './onnxProcesses';

const { start: START, end: END } = sectionMarkers('onnx');
const TARGETS = { rssRatio: 1.1, layerWall: 1.2, layerSum: 1.05, wholeMs: 100, bare: 1.15 };

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const ms = (value: number): string =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const ratio = (value: number): string => `×${value.toFixed(2)}`;
const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');
const log = (text: string): void => void process.stderr.write(`${text}\n`);
const load = (): string => loadavg()[0].toFixed(2);
const spread = (values: number[]): string =>
  `${ratio(Math.min(...values))}–${ratio(Math.max(...values)).slice(1)}`;

interface MemoryPair {
  engine: EngineRun;
  /** Bare ORT on the export, optimising it as the engine's first run did. */
  bare: BareRun;
  /** Bare ORT on the cached optimised graph, as the engine's warm runs open it. */
  bareOptimized: BareRun;
  load: string;
}

/** Engine and bare runs back to back, alternating which of the engine and bare goes first. */
async function memoryPairs(
  engineFile: string,
  files: { export: string; optimized: string },
  pairs: number,
  runs: number,
): Promise<MemoryPair[]> {
  const result: MemoryPair[] = [];
  const threads = ortThreads();
  for (let pair = 0; pair < pairs; pair += 1) {
    const runLoad = load();
    const bareFirst = pair % 2 === 1;
    const bare1 = bareFirst ? bareRun(files.export, threads, runs) : undefined;
    const engine = await engineRun(engineFile, 'fast', runs, log);
    const bare = bare1 ?? bareRun(files.export, threads, runs);
    const bareOptimized = bareRun(files.optimized, threads, runs, 'disabled');
    log(
      `  pair ${pair + 1}: engine ${mb(engine.peakRssBytes)}, bare ${mb(bare.peakRssBytes)}, bare on the optimised graph ${mb(bareOptimized.peakRssBytes)}`,
    );
    result.push({ engine, bare, bareOptimized, load: runLoad });
  }
  return result;
}

/**
 * Per-pass ratios of per-layer runs (every timed pass of every run): layer pass wall ÷ the whole
 * pass after it, and the sum of its layer times ÷ that whole pass.
 */
function layerCosts(runs: EngineRun[]): { wall: number[]; sum: number[] } {
  return {
    wall: runs.flatMap(({ result }) =>
      result.passesMs.map((value, index) => value / (result.wholePassesMs ?? [])[index]),
    ),
    sum: runs.flatMap(({ result }) =>
      (result.layerMsByPass ?? []).map(
        (times, index) =>
          times.reduce((total, value) => total + value, 0) / (result.wholePassesMs ?? [])[index],
      ),
    ),
  };
}

interface InProcess {
  exportMs: number[];
  bytes: number;
  sessionMs: number;
  oursMs: number[];
  bareMs: number[];
  graphs: Record<OnnxOptimization, { nodes: number; timed: number; fused: number }>;
}

/** The export and whole passes in this process, against a bare session on the same file. */
async function inProcess(whole: number, folder: string): Promise<InProcess> {
  const model = await onCpuBackend(() => buildResNeXt({ ...DEFAULT_CONFIG }));
  const file = path.join(folder, 'bench.onnx');
  const exportMs: number[] = [];
  let bytes = 0;
  for (let index = 0; index < 3; index += 1) {
    const started = performance.now();
    bytes = withFileSink(file, (sink) => exportToSink(model, sink)).byteLength;
    exportMs.push(performance.now() - started);
  }
  const graphs = {} as InProcess['graphs'];
  const runtimes = (['fast', 'exact'] as const).map(
    (optimization) => new OrtRuntime('onnxruntime', ort, { optimization, cache: false }),
  );
  const handles = [];
  for (const runtime of runtimes) {
    const handle = await runtime.wrap(model, DEFAULT_CONFIG);
    graphs[runtime.optimization] = {
      nodes: handle.optimizedNodes,
      timed: handle.mapping.timed.length,
      fused: Object.keys(handle.mapping.fusedInto).length,
    };
    handles.push(handle);
  }
  runtimes[1].release(handles[1]);
  model.dispose();
  const [runtime, handle] = [runtimes[0], handles[0]];
  await runtime.beginPasses(handle, 'whole'); // whole passes run unprofiled
  const bare = await ort.InferenceSession.create(file, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: ortThreads(),
  });
  const batch = syntheticInput({ kind: 'random', seed: 42 }, inputShapeOf(DEFAULT_CONFIG), 1);
  const input = runtime.loadInput(batch);
  const result: InProcess = {
    exportMs,
    bytes,
    sessionMs: handle.sessionMs,
    oursMs: [],
    bareMs: [],
    graphs,
  };
  // A pause before each timed run: a session's spinning thread pool would slow the next one.
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
  const timeBare = async (): Promise<number> => {
    await settle();
    const started = performance.now();
    await bare.run({ [bare.inputNames[0]]: input.tensor });
    return performance.now() - started;
  };
  const timeOurs = async (): Promise<number> => {
    await settle();
    return (await runtime.runWhole(handle, input)).totalMs;
  };
  for (let pass = -2; pass < whole; pass += 1) {
    const oursFirst = pass % 2 === 0;
    const first = oursFirst ? await timeOurs() : await timeBare();
    const second = oursFirst ? await timeBare() : await timeOurs();
    if (pass >= 0) {
      result.oursMs.push(oursFirst ? first : second);
      result.bareMs.push(oursFirst ? second : first);
    }
  }
  runtime.releaseInput(input);
  runtime.release(handle);
  await bare.release();
  return result;
}

/** A cold engine run (a cache of its own, empty), and bare ORT on the export it made, after it. */
interface ColdRun {
  engine: EngineRun;
  bare: BareRun;
}

/** Engine runs each with an empty cache of its own; returns them and the last one's cache. */
async function coldRuns(
  engineFile: string,
  scratch: string,
  count: number,
  runs: number,
): Promise<{ colds: ColdRun[]; cacheDir: string }> {
  const colds: ColdRun[] = [];
  let cacheDir = '';
  for (let index = 0; index < count; index += 1) {
    cacheDir = path.join(scratch, `cache-${index}`);
    mkdirSync(cacheDir);
    // The engine process inherits it.
    process.env[CACHE_DIR_ENV] = cacheDir;
    const engine = await engineRun(engineFile, 'fast', runs, log);
    const bare = bareRun(cachedFiles(cacheDir).export, ortThreads(), runs);
    log(`  cold ${index + 1}: engine ${mb(engine.peakRssBytes)}, bare ${mb(bare.peakRssBytes)}`);
    colds.push({ engine, bare });
  }
  return { colds, cacheDir };
}

function memoryLines(pairs: MemoryPair[], colds: ColdRun[]): string[] {
  const coldRatios = colds.map((run) => run.engine.peakRssBytes / run.bare.peakRssBytes);
  const ratios = pairs.map((pair) => pair.engine.peakRssBytes / pair.bare.peakRssBytes);
  const sameGraph = pairs.map((pair) => pair.engine.peakRssBytes / pair.bareOptimized.peakRssBytes);
  return [
    '### Memory: a layer-by-layer profile against bare ONNX Runtime',
    '',
    "Peak RSS of the engine process (fast mode, per layer; the export and ORT's optimised graph of it taken from the model cache, as from a profile's second run on) and of bare ONNX Runtime processes running as many passes: on the same export, optimising it (the issue's peer), and on the same optimised graph the engine opens. Each row back to back, alternating whether the engine or the bare process on the export goes first.",
    '',
    '| Run | Engine process | Bare ORT, the export | Ratio | Bare ORT, the optimised graph | Ratio | Load (1 min) |',
    '|---|---|---|---|---|---|---|',
    ...pairs.map(
      (pair, index) =>
        `| ${index + 1} | ${mb(pair.engine.peakRssBytes)} | ${mb(pair.bare.peakRssBytes)} | ${ratio(ratios[index])} | ${mb(pair.bareOptimized.peakRssBytes)} | ${ratio(sameGraph[index])} | ${pair.load} |`,
    ),
    '',
    `Cache cold (the model built on tfjs's cpu backend, its export streamed into an empty cache and optimised by ORT, all in the engine process; then bare ORT on that export): ${colds.map((run) => `${mb(run.engine.peakRssBytes)} against ${mb(run.bare.peakRssBytes)}`).join(', ')}; first pass ${ms(median(colds.map((run) => run.engine.firstPassMs)))} after the request (median), against ${ms(median(pairs.map((pair) => pair.engine.firstPassMs)))} warm.`,
    '',
    `Target: peak RSS ≤ 1.1× bare ONNX Runtime on the same file: ${mark(median(ratios) <= TARGETS.rssRatio)} with the cache warm (median ${ratio(median(ratios))}, range ${spread(ratios)}; ${ratio(median(sameGraph))} bare ORT on the same optimised graph), ${mark(median(coldRatios) <= TARGETS.rssRatio)} with it cold (median ${ratio(median(coldRatios))}, range ${spread(coldRatios)}).`,
  ];
}

function layerLines(
  runs: Record<OnnxOptimization, EngineRun[]>,
  graphs: InProcess['graphs'],
): string[] {
  const row = (mode: OnnxOptimization): string => {
    const costs = layerCosts(runs[mode]);
    const passes = runs[mode].flatMap(({ result }) => result.passesMs);
    const whole = runs[mode].flatMap(({ result }) => result.wholePassesMs ?? []);
    const { nodes, timed, fused } = graphs[mode];
    return (
      `| ${mode} | ${runs[mode].length} | ${nodes} | ${timed} | ${fused} | ${ms(median(passes))} | ` +
      `${ms(median(whole))} | ${ratio(median(costs.wall))} (${spread(costs.wall)}) | ` +
      `${ratio(median(costs.sum))} (${spread(costs.sum)}) |`
    );
  };
  const fast = layerCosts(runs.fast);
  return [
    '### Per-layer passes: one profiling session for the run',
    '',
    `Each profile: 1 warm-up and ${runs.fast[0].result.passesMs.length} timed layer passes, each followed by a whole pass on the same session (the peer); ratios are medians of the per-pass ratios over every profile of the mode, with their range. Layer times are read from ORT's profile once the passes end.`,
    '',
    '| Mode | Profiles | Nodes run | Layers timed | Layers fused | Layer pass, wall | Whole pass | Layer pass ÷ whole | Sum of layer times ÷ whole |',
    '|---|---|---|---|---|---|---|---|---|',
    row('fast'),
    row('exact'),
    '',
    'Targets (fast):',
    `- a layer pass ≤ 1.2× the whole pass: ${mark(median(fast.wall) <= TARGETS.layerWall)} (${ratio(median(fast.wall))})`,
    `- the sum of layer times ≤ 1.05× the whole pass: ${mark(median(fast.sum) <= TARGETS.layerSum)} (${ratio(median(fast.sum))})`,
  ];
}

function inProcessLines(result: InProcess): string[] {
  const ours = median(result.oursMs);
  const paired = median(result.oursMs.map((value, index) => value / result.bareMs[index]));
  return [
    '### In this process: export and whole passes',
    '',
    '| Measure | Median | Fastest | Passes |',
    '|---|---|---|---|',
    `| Export, streamed to a file (${mb(result.bytes)}) | ${ms(median(result.exportMs))} | ${ms(Math.min(...result.exportMs))} | ${result.exportMs.length} |`,
    `| Session creation, full optimisation (optimised graph saved) | ${ms(result.sessionMs)} | | 1 |`,
    `| Whole pass, our runtime (\`runWhole\`) | ${ms(ours)} | ${ms(Math.min(...result.oursMs))} | ${result.oursMs.length} |`,
    `| Whole pass, bare \`InferenceSession.run\` on the same file | ${ms(median(result.bareMs))} | ${ms(Math.min(...result.bareMs))} | ${result.bareMs.length} |`,
    '',
    'Targets:',
    `- whole-pass median ≤ 0.10 s: ${mark(ours <= TARGETS.wholeMs)} (${ms(ours)})`,
    `- ≤ 1.15× a bare \`InferenceSession.run\` loop: ${mark(paired <= TARGETS.bare)} (median of paired ratios ${ratio(paired)})`,
  ];
}

async function main(): Promise<void> {
  const before = load();
  const statuses: BackendStatus[] = await listOnnxBackends();
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-onnx-'));
  const runs = flag('runs', 10);
  try {
    log('Bundling the CLI and the engine (if their sources changed)…');
    const engine = path.join(benchBundle(), 'process.js');
    log('Engine, cache cold…');
    const { colds, cacheDir } = await coldRuns(engine, scratch, flag('cold', 3), runs);
    log('Memory pairs, cache warm…');
    const pairs = await memoryPairs(engine, cachedFiles(cacheDir), flag('pairs', 3), runs);
    log('Engine, exact mode…');
    const exact = await engineRun(engine, 'exact', runs, log);
    log('In this process: export, whole passes…');
    const local = await inProcess(flag('whole', 20), scratch);
    const cpu = cpus();
    const unavailable = statuses.filter((status) => !status.available);
    const text = [
      START,
      '## ONNX Runtime: the default model exported to ONNX',
      '',
      `ResNeXt-101 (32×4d), 224×224×3, 1000 classes, batch 1, seeded random input; onnxruntime-node ${ort.env.versions.node}, CPU provider, ${ortThreads()} intra-op threads. Measured by \`npm run bench:onnx\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC:`,
      `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform} ${process.arch}, Node ${process.version}.`,
      `Load average (1 min) ${before} at the start and ${load()} at the end: on a shared machine other work inflates every time; the ratios pair each figure with a peer measured next to it.`,
      '',
      ...memoryLines(pairs, colds),
      '',
      ...layerLines({ fast: pairs.map((pair) => pair.engine), exact: [exact] }, local.graphs),
      '',
      ...inProcessLines(local),
      ...(unavailable.length > 0
        ? [
            '',
            'Not measured:',
            ...unavailable.map((status) => `- ${status.name}: ${status.reason}`),
          ]
        : []),
      END,
    ].join('\n');
    writeSection('onnx', text);
    process.stdout.write(`${text}\n`);
    log(`Written to ${BENCHMARKS_FILE}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
