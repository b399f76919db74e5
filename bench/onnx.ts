/**
 * `npm run bench:onnx`: ONNX Runtime on the default model. Export time; whole-pass medians of our
 * runtime (`OrtRuntime.runWhole`) against a bare `InferenceSession.run` loop on the same exported
 * bytes, passes interleaved so that load on a shared machine hits both alike; a profiled pass in
 * each mode (`fast`, `exact`) with how much of the wall time ORT's profiler accounts for. Writes its
 * section of docs/BENCHMARKS.md between the onnx-bench markers (the rest of the file stays).
 *
 * Flags: --runs N (timed whole passes, default 20) --exports N (default 3) --profiled N (profiled
 * passes per mode, default 3).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import * as ort from 'onnxruntime-node';
import { DEFAULT_CONFIG, inputShapeOf } from '../shared/modelConfig';
import type { BackendStatus } from '../shared/profile';
import { useBackend } from '../engine/node/backends';
import { syntheticInput } from '../engine/core/inputData';
import { exportToOnnx } from '../engine/core/onnx/exporter';
import { listOnnxBackends, ortThreads } from '../engine/node/onnx/ortLoader';
import { OrtRuntime, type OnnxOptimization } from '../engine/node/onnx/ortRuntime';
import { median } from '../engine/core/profiler';
import { buildResNeXt } from '../engine/core/resnext';
import { BENCHMARKS_FILE, sectionMarkers, writeSection } from './benchmarksFile';

const { start: START, end: END } = sectionMarkers('onnx');
const TARGETS = { wholeMs: 100, ratio: 1.15, exportMs: 1500 };

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const ms = (value: number): string =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');
const log = (text: string): void => void process.stderr.write(`${text}\n`);

/**
 * A pause before each timed run: another session's thread pool spins for a while after its run,
 * and on two cores that would slow whichever session runs next.
 */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

interface ModeResult {
  optimization: OnnxOptimization;
  sessionMs: number;
  nodes: number;
  timed: number;
  fused: number;
  /** Profiled passes: wall time, ORT's model_run, and the sum of node times charged to layers. */
  wallMs: number[];
  ortMs: number[];
  chargedMs: number[];
}

async function profileMode(
  optimization: OnnxOptimization,
  model: ReturnType<typeof buildResNeXt>,
  batch: ReturnType<typeof syntheticInput>,
  passes: number,
): Promise<ModeResult> {
  const runtime = new OrtRuntime('onnxruntime', ort, { optimization });
  const handle = await runtime.wrap(model, DEFAULT_CONFIG);
  const input = runtime.loadInput(batch);
  const result: ModeResult = {
    optimization,
    sessionMs: handle.sessionMs,
    nodes: handle.optimizedNodes,
    timed: handle.mapping.timed.length,
    fused: Object.keys(handle.mapping.fusedInto).length,
    wallMs: [],
    ortMs: [],
    chargedMs: [],
  };
  try {
    for (let pass = 0; pass < passes; pass += 1) {
      const profiled = await runtime.profiledPass(handle, input);
      result.wallMs.push(profiled.totalMs);
      result.ortMs.push(profiled.profiledMs);
      result.chargedMs.push(profiled.layerMs.reduce((sum, value) => sum + value, 0));
      log(`  ${optimization} profiled pass ${pass + 1}: ${ms(profiled.totalMs)}`);
    }
  } finally {
    runtime.releaseInput(input);
    runtime.release(handle);
  }
  return result;
}

interface WholeResult {
  oursMs: number[];
  bareMs: number[];
  /** The same bare loop on one intra-op thread, for reference. */
  bareOneThreadMs: number[];
  exportMs: number[];
  sessionMs: number;
  bytes: number;
}

async function wholePasses(
  model: ReturnType<typeof buildResNeXt>,
  batch: ReturnType<typeof syntheticInput>,
  runs: number,
  exports: number,
): Promise<WholeResult> {
  const exportMs: number[] = [];
  let bytes: Uint8Array = new Uint8Array();
  for (let index = 0; index < exports; index += 1) {
    const started = performance.now();
    bytes = exportToOnnx(model).bytes;
    exportMs.push(performance.now() - started);
    log(`  export ${index + 1}: ${ms(exportMs[index])}`);
  }
  const runtime = new OrtRuntime('onnxruntime', ort, { optimization: 'fast' });
  const handle = await runtime.wrap(model, DEFAULT_CONFIG);
  const bare = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: ortThreads(),
  });
  const bareOneThread = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
  });
  const input = runtime.loadInput(batch);
  const feeds = { [bare.inputNames[0]]: new ort.Tensor('float32', batch.data, [...batch.shape]) };
  const timeBare = async (session: ort.InferenceSession): Promise<number> => {
    await settle();
    const started = performance.now();
    await session.run(feeds);
    return performance.now() - started;
  };
  const result: WholeResult = {
    oursMs: [],
    bareMs: [],
    bareOneThreadMs: [],
    exportMs,
    sessionMs: handle.sessionMs,
    bytes: bytes.byteLength,
  };
  try {
    for (let pass = -2; pass < runs; pass += 1) {
      const timeOurs = async (): Promise<number> => {
        await settle();
        return (await runtime.runWhole(handle, input)).totalMs;
      };
      // Alternate which goes first, so that neither gains from the order.
      const oursFirst = pass % 2 === 0;
      const first = oursFirst ? await timeOurs() : await timeBare(bare);
      const second = oursFirst ? await timeBare(bare) : await timeOurs();
      const [ours, bareMs] = oursFirst ? [first, second] : [second, first];
      const oneThreadMs = await timeBare(bareOneThread);
      if (pass >= 0) {
        result.oursMs.push(ours);
        result.bareMs.push(bareMs);
        result.bareOneThreadMs.push(oneThreadMs);
      }
    }
  } finally {
    runtime.releaseInput(input);
    runtime.release(handle);
    await bare.release();
    await bareOneThread.release();
  }
  return result;
}

function modeRow(mode: ModeResult): string {
  const wall = median(mode.wallMs);
  const share = median(mode.chargedMs.map((charged, index) => charged / mode.wallMs[index]));
  return (
    `| ${mode.optimization} | ${mode.nodes} | ${mode.timed} | ${mode.fused} | ${ms(mode.sessionMs)} | ` +
    `${ms(wall)} | ${ms(median(mode.ortMs))} | ${(share * 100).toFixed(0)}% |`
  );
}

function section(
  whole: WholeResult,
  modes: readonly ModeResult[],
  statuses: readonly BackendStatus[],
  load: { before: number[]; after: number[] },
): string {
  const cpu = cpus();
  const ours = median(whole.oursMs);
  const bare = median(whole.bareMs);
  // Paired: each of our passes against the bare pass right after it, so load drift cancels.
  const ratio = median(whole.oursMs.map((value, index) => value / whole.bareMs[index]));
  const exportMedian = median(whole.exportMs);
  const unavailable = statuses.filter((status) => !status.available);
  return [
    START,
    '## ONNX Runtime: the default model exported to ONNX',
    '',
    `ResNeXt-101 (32×4d), 224×224×3, 1000 classes, batch 1, seeded random input; onnxruntime-node ${ort.env.versions.node}, CPU provider, ${ortThreads()} intra-op threads, in the benchmark process. Measured by \`npm run bench:onnx\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC:`,
    `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform} ${process.arch}, Node ${process.version}.`,
    `Load average (1 min) ${load.before[0].toFixed(2)} at the start and ${load.after[0].toFixed(2)} at the end: on a shared machine other work inflates every time.`,
    '',
    '| Measure | Median | Fastest | Passes |',
    '|---|---|---|---|',
    `| Export (tfjs model → ONNX bytes, ${(whole.bytes / 1e6).toFixed(0)} MB) | ${ms(exportMedian)} | ${ms(Math.min(...whole.exportMs))} | ${whole.exportMs.length} |`,
    `| Session creation, full optimisation | ${ms(whole.sessionMs)} | | 1 |`,
    `| Whole pass, our runtime (\`runWhole\`) | ${ms(ours)} | ${ms(Math.min(...whole.oursMs))} | ${whole.oursMs.length} |`,
    `| Whole pass, bare \`InferenceSession.run\` loop | ${ms(bare)} | ${ms(Math.min(...whole.bareMs))} | ${whole.bareMs.length} |`,
    `| Whole pass, bare loop on 1 thread (reference) | ${ms(median(whole.bareOneThreadMs))} | ${ms(Math.min(...whole.bareOneThreadMs))} | ${whole.bareOneThreadMs.length} |`,
    '',
    'Per-layer passes: each in a fresh profiling session on the saved optimised graph (one untimed run, then the profiled one).',
    '',
    '| Mode | Nodes run | Layers timed | Layers fused | Session | Profiled pass, wall | ORT model_run | Node time charged to layers |',
    '|---|---|---|---|---|---|---|---|',
    ...modes.map(modeRow),
    '',
    'Targets (onnxruntime, batch 1):',
    `- whole-pass median ≤ 0.10 s: ${mark(ours <= TARGETS.wholeMs)} (${ms(ours)})`,
    `- ≤ 1.15× a bare \`InferenceSession.run\` loop: ${mark(ratio <= TARGETS.ratio)} (median of paired ratios ×${ratio.toFixed(2)}; ratio of medians ×${(ours / bare).toFixed(2)})`,
    `- export of the default model ≤ 1.5 s: ${mark(exportMedian <= TARGETS.exportMs)} (${ms(exportMedian)})`,
    ...(unavailable.length > 0
      ? ['', 'Not measured:', ...unavailable.map((status) => `- ${status.name}: ${status.reason}`)]
      : []),
    END,
  ].join('\n');
}

async function main(): Promise<void> {
  const before = loadavg();
  const statuses = await listOnnxBackends();
  await useBackend('auto');
  log('Building the default model…');
  const model = buildResNeXt({ ...DEFAULT_CONFIG });
  const batch = syntheticInput({ kind: 'random', seed: 42 }, inputShapeOf(DEFAULT_CONFIG), 1);
  log('Export and whole passes…');
  const whole = await wholePasses(model, batch, flag('runs', 20), flag('exports', 3));
  const modes: ModeResult[] = [];
  for (const optimization of ['fast', 'exact'] as const) {
    log(`Profiled passes, ${optimization}…`);
    modes.push(await profileMode(optimization, model, batch, flag('profiled', 3)));
  }
  model.dispose();
  const text = section(whole, modes, statuses, { before, after: loadavg() });
  writeSection('onnx', text);
  process.stdout.write(`${text}\n`);
  log(`Written to ${BENCHMARKS_FILE}`);
}

await main();
