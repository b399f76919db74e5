/**
 * Backends, profile requests and the events a profile run streams. The engine emits these; the
 * CLI, the browser-mode server and the Electron main process pass them on unchanged.
 */
import type { ApiErrorInfo } from './errors';
import type { ModelConfig } from './modelConfig';
import type { InputScale } from './predict';

/**
 * A runtime that can run the model. `tensorflow` is tfjs-node(-gpu)'s native backend;
 * `onnxruntime` and `onnxruntime-cuda` are ONNX Runtime's CPU and CUDA providers, which run the
 * model exported to ONNX (never picked by `auto`).
 */
export type BackendName =
  'tensorflow' | 'wasm' | 'cpu' | 'onnxruntime' | 'onnxruntime-cuda' | WindowBackendName;

/**
 * A backend of the window's engine (a Web Worker of the renderer), which runs on the machine that
 * shows the window: tfjs on WebGPU, WebGL2 or multi-threaded WebAssembly, and ONNX Runtime Web
 * (WebGPU or WebAssembly) running the exported model.
 */
export type WindowBackendName =
  | 'window-webgpu'
  | 'window-webgl'
  | 'window-wasm'
  | 'window-onnxruntime-webgpu'
  | 'window-onnxruntime-wasm';

/** The window's backends, in the order they are listed and `auto` would try them. */
export const WINDOW_BACKENDS: readonly WindowBackendName[] = [
  'window-webgpu',
  'window-webgl',
  'window-wasm',
  'window-onnxruntime-webgpu',
  'window-onnxruntime-wasm',
];

/** Why the engine process refuses a window backend (the CLI, the HTTP API). */
export function windowOnlyMessage(name: string): string {
  return `${name} runs in the app's window (WebGPU, WebGL or WebAssembly in the browser), not in the engine process; choose it in the app's run form, or tensorflow, wasm, cpu or onnxruntime here.`;
}

/** Whether a backend runs in the window's engine (rather than the engine process). */
export function isWindowBackend(name: string): name is WindowBackendName {
  return (WINDOW_BACKENDS as readonly string[]).includes(name);
}

/** ONNX Runtime's backends, in the order they are listed. */
export const ONNX_BACKENDS: readonly BackendName[] = [
  'onnxruntime',
  'onnxruntime-cuda',
  'window-onnxruntime-webgpu',
  'window-onnxruntime-wasm',
];

/** The backends in the order the engine tries them. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Whether a backend can run here, and if not, why. */
export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why it is not available, in words ("@tensorflow/tfjs-node-gpu is not installed"). */
  reason?: string;
  /** Extra facts when available: the package that provides it, GPU or CPU, threads, SIMD. */
  detail?: string;
  /** Whether it is the one the engine picks by default. */
  preferred?: boolean;
}

/** What the model is fed. */
export type InputSource =
  | { kind: 'random'; seed: number }
  | { kind: 'zeros' }
  /**
   * PNG or JPEG bytes, base64-encoded; decoded, resized to the input size and scaled (`unit`,
   * [0, 1], unless `scale` says otherwise).
   */
  | { kind: 'image'; base64: string; fileName?: string; scale?: InputScale }
  /**
   * An image sent before with `POST /api/upload` (browser mode): the server that holds it turns
   * it into an `image` input before the engine sees it.
   */
  | { kind: 'upload'; id: string; fileName?: string; scale?: InputScale };

/** `per-layer` times each layer with a sync after it; `whole` times `model.predict`. */
export type ProfileMode = 'per-layer' | 'whole';

/**
 * How ONNX Runtime runs the model: `fast` applies all its graph optimisations and reports each
 * fused layer as fused into the layer whose node ran it; `exact` applies none and times every layer.
 */
export type OnnxMode = 'fast' | 'exact';

/**
 * The model a request is for: the one built from a config, or one opened from a file (named by
 * ModelFileInfo's `id`).
 */
export type ModelRef =
  { config: ModelConfig; file?: undefined } | { file: string; config?: undefined };

/** How to profile, whatever the model. */
export interface ProfileOptions {
  /** A backend to force, or `auto` for the first available in BACKEND_ORDER. */
  backend: BackendName | 'auto';
  batch: number;
  input: InputSource;
  /** Untimed passes before the timed ones. */
  warmup: number;
  /** Timed passes. */
  runs: number;
  mode: ProfileMode;
  /** Collect activation statistics for every layer in one pass. */
  stats: boolean;
  /** Refuse to run above this many bytes of estimated memory; default half the free memory. */
  memoryBudgetBytes?: number;
  /** ONNX Runtime backends only: `fast` (the default) or `exact`. */
  onnxMode?: OnnxMode;
}

/**
 * A request to profile a forward pass of a model: `config` (built) or `file` (an opened file's
 * id), exactly one of them; the request schema enforces it.
 */
export interface ProfileRequest extends ProfileOptions {
  config?: ModelConfig;
  file?: string;
}

/** Defaults for every field of a ProfileRequest but the model. */
export const DEFAULT_PROFILE: Readonly<ProfileOptions> = Object.freeze<ProfileOptions>({
  backend: 'auto',
  batch: 1,
  input: { kind: 'random', seed: 42 },
  warmup: 1,
  runs: 3,
  mode: 'per-layer',
  stats: false,
});

/** Statistics of one layer's output in one pass. */
export interface ActivationStats {
  layerId: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** Fraction of values that are exactly zero (dead ReLUs). */
  zeroFraction: number;
  nanCount: number;
  infCount: number;
}

/** Timing of one layer over the timed passes. */
export interface LayerTiming {
  layerId: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  /** ONNX Runtime `fast` mode: the id of the layer this one was fused into (its time is there). */
  fusedInto?: number;
  /** Median GPU time of the layer's kernels (timer queries), where the GPU offers them. */
  gpuMedianMs?: number;
}

/**
 * How a GPU backend timed each layer's kernels: WebGPU timestamp queries, WebGL disjoint timer
 * queries, or none (the GPU offers no timer queries: wall clock with a sync after each layer).
 */
export type GpuTimer = 'timestamp-query' | 'disjoint-timer-query' | 'none';

/** Everything a finished run reports. */
export interface ProfileResult {
  runId: string;
  backend: BackendName;
  mode: ProfileMode;
  batch: number;
  /** Per layer, for per-layer mode; empty for whole mode. */
  layers: LayerTiming[];
  /** Median over timed passes of the sum of per-layer times (per-layer mode). */
  perLayerMedianMs: number | null;
  /** Median over timed passes of `model.predict`. */
  wholeMedianMs: number;
  /** perLayerMedianMs ÷ wholeMedianMs: what timing each layer costs. */
  overheadRatio: number | null;
  /** Each timed pass's total, in order. */
  passesMs: number[];
  /** The time of the first (cold) pass, warm-up included. */
  firstPassMs: number;
  /** Peak bytes held by tensors during the run. */
  peakBytes: number;
  /** Activation statistics, when the request asked for them. */
  stats?: ActivationStats[];
  /** Per timed pass, each layer's ms indexed by layer id (per-layer mode); feeds the trace. */
  layerMsByPass?: number[][];
  /** Each timed whole pass's total, in order (both modes). */
  wholePassesMs?: number[];
  /**
   * CPU time of the engine's process (all threads) during each timed pass (layer by layer in
   * per-layer mode), in ms: unlike wall time, other programs' load does not inflate it.
   */
  cpuPassesMs?: number[];
  /** CPU time during each timed whole pass, in ms. */
  cpuWholePassesMs?: number[];
  /** Warm-up passes run before the timed ones. */
  warmup?: number;
  /** The memory guard's estimate for this run, in bytes. */
  estimatedBytes?: number;
  /** On a GPU backend: how layers' kernels were timed (see GpuTimer). */
  gpuTimer?: GpuTimer;
  /** Median over timed passes of the sum of per-layer GPU times, where timer queries exist. */
  gpuMedianMs?: number;
  /** The ONNX Runtime mode that produced the numbers, on an ONNX Runtime backend. */
  onnxMode?: OnnxMode;
}

/** The events of a profile run, in the order they are emitted. */
export type ProfileEvent =
  | {
      type: 'run-started';
      runId: string;
      backend: BackendName;
      /** The config of a built model. */
      config?: ModelConfig;
      /** The id of a model opened from a file. */
      file?: string;
      mode: ProfileMode;
      /** Warm-up and timed passes. */
      passes: { warmup: number; timed: number };
      /** Layers timed per pass. */
      layers: number;
      /**
       * False when layers do not arrive one by one as they finish: ONNX Runtime reads its profile
       * after the passes, and each pass's layers then arrive together, after its `pass-finished`.
       */
      liveLayers?: boolean;
      /** The ONNX Runtime mode, on an ONNX Runtime backend. */
      onnxMode?: OnnxMode;
    }
  /** One layer of one pass finished; `pass` counts timed passes from 0, warm-up passes are negative. */
  | {
      type: 'layer-finished';
      runId: string;
      pass: number;
      layerId: number;
      ms: number;
      /** ONNX Runtime `fast` mode: the layer this one was fused into; `ms` is then 0. */
      fusedInto?: number;
      /** GPU time of the layer's kernels, on a GPU backend with timer queries. */
      gpuMs?: number;
    }
  | { type: 'pass-finished'; runId: string; pass: number; totalMs: number }
  | { type: 'run-finished'; runId: string; result: ProfileResult }
  | { type: 'error'; runId: string; error: ApiErrorInfo };

/** One feature map channel as 8-bit grayscale, normalised to its own range. */
export interface FeatureMap {
  channel: number;
  width: number;
  height: number;
  /** width×height bytes, base64-encoded. */
  base64: string;
  min: number;
  max: number;
}

/** A layer's activation statistics and its first channels as images. */
export interface ActivationMaps {
  stats: ActivationStats;
  maps: FeatureMap[];
}
