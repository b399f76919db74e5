/**
 * The profiler: warm-up and timed passes through a Runtime, layer by layer or whole, streaming
 * ProfileEvents in batches (at most ~30 a second, the first well before a pass ends), with
 * cancellation between layers and the statistics of a finished run.
 */
import { InspectorError, toErrorInfo, type ApiErrorInfo } from '../../shared/errors';
import type {
  ActivationStats,
  LayerTiming,
  ProfileEvent,
  ProfileRequest,
  ProfileResult,
} from '../../shared/profile';
import { activationStats } from './activations';
import type { LayerRecord, Runtime, RuntimeModel } from './runtime';
import { yieldNow } from './yieldNow';

/** The interval between event batches: ~30 messages a second. */
export const EVENT_BATCH_MS = 1000 / 30;
/** The longest stretch the profiler runs without yielding to the event loop (so a cancel gets in). */
export const YIELD_EVERY_MS = 20;

/** Collects events and hands them on in batches, at most one batch per interval. */
export class EventBatcher {
  private pending: ProfileEvent[] = [];
  private last = -Infinity;

  constructor(
    private readonly send: (events: ProfileEvent[]) => void,
    private readonly intervalMs = EVENT_BATCH_MS,
  ) {}

  /** Queues an event; sends the batch when the interval has passed or `now` is set. */
  push(event: ProfileEvent, now = false): void {
    this.pending.push(event);
    if (now || performance.now() - this.last >= this.intervalMs) {
      this.flush();
    }
  }

  /** Sends what is queued. */
  flush(): void {
    if (this.pending.length > 0) {
      const events = this.pending;
      this.pending = [];
      this.last = performance.now();
      this.send(events);
    }
  }
}

/** Options of one profile run. */
export interface ProfileRunOptions {
  runId: string;
  /** Receives each batch of events. */
  emit: (events: ProfileEvent[]) => void;
  /** Whether the run has been cancelled; checked between layers and passes. */
  isCancelled: () => boolean;
  /** The memory guard's estimate, reported in the result. */
  estimatedBytes?: number;
  /** Turns an error into the envelope of the run's error event; toErrorInfo by default. */
  describeError?: (error: unknown) => ApiErrorInfo;
  /** The host's CPU clock in ms (all threads), where it has one; CPU times are left out without. */
  cpuTimeMs?: () => number;
}

/** The median of a list (0 for an empty one). */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank percentile of a list, p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Per-layer median, p95 and min over the timed passes (rows: passes, columns: layer ids). */
export function layerTimings(layerMsByPass: readonly (readonly number[])[]): LayerTiming[] {
  const layers = layerMsByPass[0]?.length ?? 0;
  return Array.from({ length: layers }, (_, layerId) => {
    const times = layerMsByPass.map((pass) => pass[layerId]);
    return {
      layerId,
      medianMs: median(times),
      p95Ms: percentile(times, 95),
      minMs: Math.min(...times),
    };
  });
}

const cancelled = (): InspectorError =>
  new InspectorError('CANCELLED', 'The profile run was cancelled.');

/** A checkpoint that yields to the event loop every YIELD_EVERY_MS and reports a cancel. */
function makeCheckpoint(isCancelled: () => boolean): () => Promise<boolean> {
  let lastYield = performance.now();
  return async () => {
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await yieldNow();
      lastYield = performance.now();
    }
    return isCancelled();
  };
}

/**
 * Runs a profile of an already built model with an already loaded input, emitting every event of
 * the run, the last being `run-finished` or `error`. Returns the result, or null when the run
 * failed or was cancelled (its error event says which). Never throws.
 */
export async function runProfile<M extends RuntimeModel, I>(
  runtime: Runtime<M, I>,
  model: M,
  input: I,
  request: ProfileRequest,
  options: ProfileRunOptions,
): Promise<ProfileResult | null> {
  const batcher = new EventBatcher(options.emit);
  const { runId } = options;
  try {
    const result = await profilePasses(runtime, model, input, request, options, batcher);
    batcher.push({ type: 'run-finished', runId, result }, true);
    return result;
  } catch (error) {
    const info = options.describeError?.(error) ?? toErrorInfo(error);
    batcher.push({ type: 'error', runId, error: info }, true);
    return null;
  }
}

/** A stopwatch on the host's CPU clock: immune to other programs' load. NaN where there is none. */
function cpuStopwatch(clock: (() => number) | undefined): () => () => number {
  return () => {
    const start = clock?.() ?? NaN;
    return () => (clock ? clock() - start : NaN);
  };
}

/** What the passes of a run share. */
interface PassContext<M extends RuntimeModel, I> {
  runtime: Runtime<M, I>;
  model: M;
  input: I;
  runId: string;
  batcher: EventBatcher;
  checkpoint: () => Promise<boolean>;
  /** Layer id → the layer a runtime fused it into (ONNX Runtime `fast`), as the passes report. */
  fusedInto: Map<number, number>;
  /** Starts a CPU stopwatch; calling what it returns reads it. */
  cpuStart: () => () => number;
}

/** One layer-by-layer pass, streaming its layer events; returns each layer's ms and the total. */
async function layerPass<M extends RuntimeModel, I>(
  context: PassContext<M, I>,
  pass: number,
): Promise<{ times: number[]; gpuTimes: number[]; totalMs: number }> {
  const { runtime, model, input, runId, batcher, checkpoint } = context;
  const times = new Array<number>(model.layerCount).fill(0);
  const gpuTimes = new Array<number>(model.layerCount).fill(0);
  const outcome = await runtime.runLayers(model, input, {
    checkpoint,
    onLayer: (record: LayerRecord) => {
      const { layerId, ms, fusedInto, gpuMs } = record;
      times[layerId] = ms;
      if (gpuMs !== undefined) {
        gpuTimes[layerId] = gpuMs;
        batcher.push({ type: 'layer-finished', runId, pass, layerId, ms, gpuMs });
      } else if (fusedInto === undefined) {
        batcher.push({ type: 'layer-finished', runId, pass, layerId, ms });
      } else {
        context.fusedInto.set(layerId, fusedInto);
        batcher.push({ type: 'layer-finished', runId, pass, layerId, ms, fusedInto });
      }
    },
  });
  if (outcome.stopped) {
    throw cancelled();
  }
  return { times, gpuTimes, totalMs: outcome.totalMs };
}

/** The timed part of a run, before statistics. */
interface Timings {
  passesMs: number[];
  wholePassesMs: number[];
  cpuPassesMs: number[];
  cpuWholePassesMs: number[];
  layerMsByPass: number[][];
  /** Per timed pass, each layer's GPU ms (GPU backends with timer queries). */
  gpuMsByPass: number[][];
  firstPassMs: number;
  peakBytes: number;
}

/**
 * Runs warm-up and timed passes. In per-layer mode each timed layer-by-layer pass is followed by
 * a timed whole pass, so that a change in the machine's load hits both totals alike; an untimed
 * whole pass after the first (cold) pass measures the peak and warms `predict` up. In whole mode
 * the peak pass comes last, so that the first pass stays cold. A runtime that reads layer times
 * from its own profiler (ONNX Runtime) may hand a pass's layers over as late as `endPasses`: their
 * events then follow the passes' `pass-finished` events, pass by pass, before `run-finished`.
 */
async function timedPasses<M extends RuntimeModel, I>(
  context: PassContext<M, I>,
  request: ProfileRequest,
): Promise<Timings> {
  const { runtime, model, input, runId, batcher, checkpoint } = context;
  const perLayer = request.mode === 'per-layer';
  const timings: Timings = {
    passesMs: [],
    wholePassesMs: [],
    cpuPassesMs: [],
    cpuWholePassesMs: [],
    layerMsByPass: [],
    gpuMsByPass: [],
    firstPassMs: 0,
    peakBytes: 0,
  };
  const stopIfCancelled = async (): Promise<void> => {
    if (await checkpoint()) {
      throw cancelled();
    }
  };
  const measurePeak = async (): Promise<void> => {
    await stopIfCancelled();
    const peak = await runtime.runWhole(model, input, { measurePeak: true });
    timings.peakBytes = Math.max(peak.peakBytes ?? 0, runtime.memory().bytes);
  };
  await runtime.beginPasses?.(model, request.mode);
  for (let pass = -request.warmup; pass < request.runs; pass += 1) {
    await stopIfCancelled();
    const cpuMsSoFar = context.cpuStart();
    const { times, gpuTimes, totalMs } = perLayer
      ? await layerPass(context, pass)
      : { times: [], gpuTimes: [], totalMs: (await runtime.runWhole(model, input)).totalMs };
    const cpuMs = cpuMsSoFar();
    batcher.push({ type: 'pass-finished', runId, pass, totalMs });
    if (pass === -request.warmup) {
      timings.firstPassMs = totalMs;
      if (perLayer) {
        await measurePeak();
      }
    }
    if (pass >= 0) {
      timings.passesMs.push(totalMs);
      timings.cpuPassesMs.push(cpuMs);
      if (perLayer) {
        timings.layerMsByPass.push(times);
        timings.gpuMsByPass.push(gpuTimes);
        await stopIfCancelled();
        const wholeCpuMs = context.cpuStart();
        timings.wholePassesMs.push((await runtime.runWhole(model, input)).totalMs);
        timings.cpuWholePassesMs.push(wholeCpuMs());
      } else {
        timings.wholePassesMs.push(totalMs);
        timings.cpuWholePassesMs.push(cpuMs);
      }
    }
  }
  if (runtime.endPasses) {
    // Passes held back arrive now, each into its `times` (already in layerMsByPass) and events.
    await runtime.endPasses(model);
    timings.peakBytes = Math.max(timings.peakBytes, runtime.memory().bytes);
  }
  batcher.flush();
  if (!perLayer) {
    await measurePeak();
  }
  return timings;
}

async function profilePasses<M extends RuntimeModel, I>(
  runtime: Runtime<M, I>,
  model: M,
  input: I,
  request: ProfileRequest,
  options: ProfileRunOptions,
  batcher: EventBatcher,
): Promise<ProfileResult> {
  const { runId, isCancelled } = options;
  const { warmup, runs, mode } = request;
  const checkpoint = makeCheckpoint(isCancelled);
  batcher.push(
    {
      type: 'run-started',
      runId,
      backend: runtime.backend,
      ...(model.config ? { config: model.config } : {}),
      ...(model.file ? { file: model.file } : {}),
      mode,
      passes: { warmup, timed: runs },
      layers: mode === 'per-layer' ? model.layerCount : 0,
      ...(runtime.liveLayerTimes ? {} : { liveLayers: false }),
      ...(runtime.onnxMode ? { onnxMode: runtime.onnxMode } : {}),
    },
    true,
  );
  const fusedInto = new Map<number, number>();
  const cpuStart = cpuStopwatch(options.cpuTimeMs);
  const context = { runtime, model, input, runId, batcher, checkpoint, fusedInto, cpuStart };
  const timings = await timedPasses(context, request);
  const stats = request.stats ? await statsPass(runtime, model, input, checkpoint) : undefined;
  const wholeMedianMs = median(timings.wholePassesMs);
  const sum = (times: readonly number[]): number => times.reduce((total, ms) => total + ms, 0);
  const perLayerMedianMs = mode === 'per-layer' ? median(timings.layerMsByPass.map(sum)) : null;
  const gpuTimed =
    mode === 'per-layer' && runtime.gpuTimer !== undefined && runtime.gpuTimer !== 'none';
  return {
    runId,
    backend: runtime.backend,
    mode,
    batch: request.batch,
    layers:
      mode === 'per-layer'
        ? layerTimings(timings.layerMsByPass).map((timing) => {
            const into = fusedInto.get(timing.layerId);
            const gpu = gpuTimed
              ? { gpuMedianMs: median(timings.gpuMsByPass.map((pass) => pass[timing.layerId])) }
              : {};
            return into === undefined ? { ...timing, ...gpu } : { ...timing, fusedInto: into };
          })
        : [],
    perLayerMedianMs,
    wholeMedianMs,
    overheadRatio: perLayerMedianMs === null ? null : perLayerMedianMs / wholeMedianMs,
    passesMs: timings.passesMs,
    firstPassMs: timings.firstPassMs,
    peakBytes: timings.peakBytes,
    stats,
    layerMsByPass: mode === 'per-layer' ? timings.layerMsByPass : undefined,
    wholePassesMs: timings.wholePassesMs,
    ...(options.cpuTimeMs
      ? { cpuPassesMs: timings.cpuPassesMs, cpuWholePassesMs: timings.cpuWholePassesMs }
      : {}),
    warmup,
    estimatedBytes: options.estimatedBytes,
    ...(runtime.onnxMode ? { onnxMode: runtime.onnxMode } : {}),
    ...(runtime.gpuTimer ? { gpuTimer: runtime.gpuTimer } : {}),
    ...(gpuTimed ? { gpuMedianMs: median(timings.gpuMsByPass.map(sum)) } : {}),
  };
}

/** One untimed layer-by-layer pass that computes every layer's activation statistics. */
async function statsPass<M extends RuntimeModel, I>(
  runtime: Runtime<M, I>,
  model: M,
  input: I,
  checkpoint: () => Promise<boolean>,
): Promise<ActivationStats[]> {
  const stats: ActivationStats[] = [];
  const outcome = await runtime.runLayers(model, input, {
    checkpoint,
    withOutputs: true,
    onLayer: (record) => {
      if (record.output) {
        stats.push(activationStats(record.layerId, record.output.data));
      }
    },
  });
  if (outcome.stopped) {
    throw cancelled();
  }
  return stats;
}
