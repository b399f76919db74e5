// Words for a run: its backend, batch, mode, outcome and total, for lists and pickers.
import {
  isWindowBackend,
  ONNX_BACKENDS,
  type BackendName,
  type GpuTimer,
  type LayerTiming,
} from '../../../shared/profile';
import type { RunRecord } from '../state/profile.svelte';
import { formatMs } from './format';

/** The runtime that ran a backend, in words. */
export function runtimeName(backend: BackendName | 'auto'): string {
  if (backend === 'auto') {
    return 'auto';
  }
  if (ONNX_BACKENDS.includes(backend)) {
    const names: Partial<Record<BackendName, string>> = {
      'onnxruntime-cuda': 'ONNX Runtime (CUDA)',
      'window-onnxruntime-webgpu': 'ONNX Runtime Web (WebGPU, this window)',
      'window-onnxruntime-wasm': 'ONNX Runtime Web (WebAssembly, this window)',
    };
    return names[backend] ?? 'ONNX Runtime';
  }
  return isWindowBackend(backend)
    ? `TensorFlow.js ${backend.slice('window-'.length)} (this window)`
    : `TensorFlow.js ${backend}`;
}

/** How a GPU run timed its layers, in words; null for a run on a CPU backend. */
export function gpuTimingText(timer: GpuTimer | undefined): string | null {
  switch (timer) {
    case 'timestamp-query':
      return "GPU time of each layer's kernels from WebGPU timestamp queries, beside wall time";
    case 'disjoint-timer-query':
      return "GPU time of each layer's kernels from WebGL timer queries, beside wall time";
    case 'none':
      return 'This GPU offers no timer queries: layers are timed by wall clock, with a sync after each';
    default:
      return null;
  }
}

/**
 * Which runtime and mode produced the numbers, and how many layers were timed or fused:
 * `ONNX Runtime, fast: 108 layers timed, 237 fused`.
 */
export function runtimeLine(run: RunRecord, layers: readonly LayerTiming[]): string {
  const backend = runBackend(run);
  const onnxMode = run.live.result?.onnxMode ?? run.live.onnxMode ?? run.request.onnxMode;
  const head = ONNX_BACKENDS.includes(backend as BackendName)
    ? `${runtimeName(backend as BackendName)}, ${onnxMode ?? 'fast'}`
    : runtimeName(backend as BackendName);
  if (layers.length === 0) {
    return head;
  }
  const fused = layers.filter((timing) => timing.fusedInto !== undefined).length;
  const timed = `${layers.length - fused} layers timed`;
  return fused > 0 ? `${head}: ${timed}, ${fused} fused` : `${head}: ${timed}`;
}

/** The backend that ran (or was asked for, before the run started). */
export function runBackend(run: RunRecord): string {
  return run.live.result?.backend ?? run.live.backend ?? run.request.backend;
}

/** What a run was and how it went: `wasm · batch 1 · per-layer · 812 ms`. */
export function runSummary(run: RunRecord): string {
  const { request, live } = run;
  const stride = request.config?.strideOn === '3x3' ? ' · stride 3×3' : '';
  const onnxMode = live.result?.onnxMode ?? live.onnxMode ?? request.onnxMode;
  const ort = onnxMode ? ` ${onnxMode}` : '';
  const head = `${runBackend(run)}${ort} · batch ${request.batch} · ${request.mode}${stride}`;
  if (live.result) {
    const total = live.result.perLayerMedianMs ?? live.result.wholeMedianMs;
    return `${head} · ${formatMs(total)} · ${run.graph.name}`;
  }
  if (live.error) {
    return `${head} · ${live.error.code === 'CANCELLED' ? 'cancelled' : 'failed'}`;
  }
  return `${head} · running…`;
}
