// A run as its events arrive: progress (pass k of N, layers done), the execution cursor, each
// layer's latest time and its timed times so far, then the result or the error. Pure: the state
// feeds it batches of events and copies out what the views need, once per animation frame.
import type { ApiErrorInfo } from '../../../shared/errors';
import type {
  BackendName,
  LayerTiming,
  OnnxMode,
  ProfileEvent,
  ProfileResult,
} from '../../../shared/profile';
import { median } from './aggregate';

/** Where a run is. */
export interface LiveProgress {
  /** 1-based number of the pass running now, warm-up included. */
  passNumber: number;
  /** Warm-up plus timed passes. */
  passCount: number;
  warmup: number;
  /** Whether the pass running now is a warm-up pass. */
  warming: boolean;
  /** Layers finished in the pass running now. */
  layersDone: number;
  /** Layers per pass (0 in whole mode). */
  layers: number;
  /** Passes finished. */
  passesDone: number;
}

/** The nearest-rank 95th percentile. */
function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(0.95 * sorted.length) - 1))];
}

/** The live state of one run. */
export class LiveRun {
  /** Latest ms per layer, warm-up passes included. */
  readonly latest = new Map<number, number>();
  /** Timed ms per layer, one entry per timed pass so far. */
  readonly timed = new Map<number, number[]>();
  progress: LiveProgress = {
    passNumber: 0,
    passCount: 0,
    warmup: 0,
    warming: false,
    layersDone: 0,
    layers: 0,
    passesDone: 0,
  };
  /**
   * The layer running now (the one after the last finished), or null between passes and on
   * ONNX Runtime, which reports a pass only when it ends.
   */
  cursor: number | null = null;
  /** The backend running it, once the run has started. */
  backend: BackendName | null = null;
  /** False when each pass's layers arrive together at its end (ONNX Runtime). */
  liveLayers = true;
  /** The ONNX Runtime mode, on an ONNX Runtime backend. */
  onnxMode: OnnxMode | null = null;
  /** ONNX Runtime `fast` mode: each fused layer → the layer its time is charged to. */
  readonly fusedInto = new Map<number, number>();
  result: ProfileResult | null = null;
  error: ApiErrorInfo | null = null;
  /** Events applied so far. */
  applied = 0;
  #pass = Number.NaN;

  constructor(readonly runId: string) {}

  /** Whether the run has ended (finished, failed or cancelled). */
  get ended(): boolean {
    return this.result !== null || this.error !== null;
  }

  /** Applies the events of this run, in order; events of other runs are ignored. */
  apply(events: readonly ProfileEvent[]): void {
    for (const event of events) {
      if (event.runId === this.runId) {
        this.applyOne(event);
        this.applied += 1;
        if (!this.liveLayers) {
          // ONNX Runtime hands a pass over when it ends: no layer is known to be running now.
          this.cursor = null;
        }
      }
    }
  }

  private applyOne(event: ProfileEvent): void {
    const progress = this.progress;
    switch (event.type) {
      case 'run-started':
        this.backend = event.backend;
        this.liveLayers = event.liveLayers !== false;
        this.onnxMode = event.onnxMode ?? null;
        progress.warmup = event.passes.warmup;
        progress.passCount = event.passes.warmup + event.passes.timed;
        progress.layers = event.layers;
        progress.passNumber = Math.min(1, progress.passCount);
        progress.warming = event.passes.warmup > 0;
        this.cursor = event.layers > 0 ? 0 : null;
        break;
      case 'layer-finished': {
        // A runtime that reads its own profiler late (ONNX Runtime) hands a pass's layers over
        // after that pass has finished: they are times, not progress, which never goes back.
        const late = event.pass + progress.warmup + 1 <= progress.passesDone;
        if (!late) {
          if (event.pass !== this.#pass) {
            this.#pass = event.pass;
            progress.layersDone = 0;
          }
          progress.passNumber = event.pass + progress.warmup + 1;
          progress.warming = event.pass < 0;
          progress.layersDone += 1;
          this.cursor = event.layerId + 1 < progress.layers ? event.layerId + 1 : null;
        }
        this.latest.set(event.layerId, event.ms);
        if (event.fusedInto !== undefined) {
          this.fusedInto.set(event.layerId, event.fusedInto);
        }
        if (event.pass >= 0) {
          const list = this.timed.get(event.layerId) ?? [];
          list.push(event.ms);
          this.timed.set(event.layerId, list);
        }
        break;
      }
      case 'pass-finished':
        progress.passesDone = event.pass + progress.warmup + 1;
        progress.passNumber = Math.min(progress.passCount, progress.passesDone + 1);
        progress.warming = progress.passesDone < progress.warmup;
        this.cursor = progress.passesDone < progress.passCount && progress.layers > 0 ? 0 : null;
        progress.layersDone = 0;
        break;
      case 'run-finished':
        this.result = event.result;
        progress.passesDone = progress.passCount;
        this.cursor = null;
        break;
      case 'error':
        this.error = event.error;
        this.cursor = null;
        break;
    }
  }

  /**
   * Per-layer timings so far: median and p95 of the timed passes, or the latest (warm-up) time
   * while no timed pass has reached a layer.
   */
  timingsSoFar(): LayerTiming[] {
    const timings: LayerTiming[] = [];
    for (const [layerId, latest] of this.latest) {
      const times = this.timed.get(layerId);
      const into = this.fusedInto.get(layerId);
      timings.push(
        into !== undefined
          ? { layerId, medianMs: 0, p95Ms: 0, minMs: 0, fusedInto: into }
          : times && times.length > 0
            ? {
                layerId,
                medianMs: median(times),
                p95Ms: p95(times),
                minMs: Math.min(...times),
              }
            : { layerId, medianMs: latest, p95Ms: latest, minMs: latest },
      );
    }
    return timings.sort((a, b) => a.layerId - b.layerId);
  }
}
