/**
 * The window engine's tfjs backends: WebGPU (@tensorflow/tfjs-backend-webgpu), WebGL2 and
 * WebAssembly with SIMD and threads (threads only when the page is cross-origin isolated). Each is
 * probed once by making it tfjs's backend for real; one that cannot run says why in words, and
 * one that can names its adapter (vendor, architecture, description), its WebGL renderer, or its
 * thread count, and whether the GPU can time kernels.
 */
import '@tensorflow/tfjs-backend-webgpu';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { InspectorError } from '../../shared/errors';
import type { BackendStatus, GpuTimer, WindowBackendName } from '../../shared/profile';
import { tf } from '../core/tf';

/** The tfjs backend each window backend runs on. */
export const TFJS_BACKEND = {
  'window-webgpu': 'webgpu',
  'window-webgl': 'webgl',
  'window-wasm': 'wasm',
} as const satisfies Partial<Record<WindowBackendName, string>>;

/** A window backend that tfjs serves. */
export type WindowTfjsBackend = keyof typeof TFJS_BACKEND;

// The window's engine has a worker of its own, so every core can compute: one thread per reported
// core. tfjs's module would still cap its pool at half the cores; tfjsWasmThreaded.ts lifts that.
if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) {
  wasm.setThreadsCount(Math.max(1, navigator.hardwareConcurrency || 1));
}
wasm.setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

type Probe = Omit<BackendStatus, 'preferred'>;

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();

/** What the GPU backends know of their device, once made. */
export interface GpuFacts {
  timer: GpuTimer;
  /** WebGPU: the most bytes one storage buffer binding may hold. WebGL: the texture side, squared. */
  maxTensorBytes: number;
  /** How the limit is named in messages. */
  limitName: string;
}

const gpuFacts = new Map<WindowTfjsBackend, GpuFacts>();

let lostListener: ((reason: string) => void) | undefined;

/** Calls `listener` once a GPU backend's device (WebGPU) or context (WebGL) is lost. */
export function onDeviceLost(listener: (reason: string) => void): void {
  lostListener = listener;
}

const lost = (reason: string): void => lostListener?.(reason);

/** The facts of a GPU backend that has been made (undefined before, or for wasm). */
export function factsOf(name: WindowTfjsBackend): GpuFacts | undefined {
  return gpuFacts.get(name);
}

interface WebGpuBackendLike {
  device: GPUDevice;
  adapterInfo?: { vendor?: string; architecture?: string; description?: string };
  supportTimestampQuery?: boolean;
}

async function withBackend<T>(name: string, action: () => T | Promise<T>): Promise<T | undefined> {
  // backendName, unlike getBackend(), does not start a backend when none is active yet.
  const previous = tf.engine().backendName;
  if (!(await tf.setBackend(name))) {
    return undefined;
  }
  try {
    return await action();
  } finally {
    if (previous && previous !== name) {
      await tf.setBackend(previous);
    }
  }
}

async function probeWebGpu(): Promise<Probe> {
  const name = 'window-webgpu';
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) {
    return {
      name,
      available: false,
      reason:
        'this window has no WebGPU (navigator.gpu is missing); on Linux start the app with WebGPU enabled (--enable-unsafe-webgpu, Vulkan)',
    };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return {
      name,
      available: false,
      reason: `requesting a WebGPU adapter failed: ${firstLine(error)}`,
    };
  }
  if (!adapter) {
    return {
      name,
      available: false,
      reason:
        'WebGPU is there but offers no adapter (no usable GPU or driver; on Linux, Chromium offers one only with --enable-unsafe-webgpu and Vulkan, which the desktop app turns on)',
    };
  }
  try {
    const detail = await withBackend('webgpu', () => {
      const backend = tf.backend() as unknown as WebGpuBackendLike;
      const info = backend.adapterInfo ?? {};
      const timer: GpuTimer = backend.supportTimestampQuery ? 'timestamp-query' : 'none';
      const limits = backend.device.limits;
      void backend.device.lost.then((info) =>
        lost(`the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`),
      );
      gpuFacts.set('window-webgpu', {
        timer,
        maxTensorBytes: Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize),
        limitName: `WebGPU's maxStorageBufferBindingSize/maxBufferSize`,
      });
      const adapterName =
        [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
      const description = info.description ? ` (${info.description})` : '';
      const timing =
        timer === 'none' ? 'no timestamp queries: wall clock per layer' : 'timestamp queries';
      return `WebGPU: ${adapterName}${description}; ${timing}`;
    });
    return detail === undefined
      ? {
          name,
          available: false,
          reason: 'tfjs could not start its WebGPU backend on this adapter',
        }
      : { name, available: true, detail };
  } catch (error) {
    return {
      name,
      available: false,
      reason: `the WebGPU backend failed to start: ${firstLine(error)}`,
    };
  }
}

async function probeWebGl(): Promise<Probe> {
  const name = 'window-webgl';
  if (typeof OffscreenCanvas === 'undefined' || !new OffscreenCanvas(1, 1).getContext('webgl2')) {
    return {
      name,
      available: false,
      reason: 'WebGL2 is not available in this window (no GPU, or it is disabled)',
    };
  }
  try {
    const detail = await withBackend('webgl', () => {
      const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGL2RenderingContext } }).gpgpu.gl;
      (gl.canvas as OffscreenCanvas).addEventListener('webglcontextlost', () =>
        lost('the WebGL context was lost'),
      );
      // gl.RENDERER is masked ("WebKit WebGL"): the unmasked string names the GPU and driver.
      const debugInfo = gl.getExtension('WEBGL_debug_renderer_info');
      const renderer = String(
        gl.getParameter(debugInfo ? debugInfo.UNMASKED_RENDERER_WEBGL : gl.RENDERER),
      );
      const reliable = tf.env().getNumber('WEBGL_DISJOINT_QUERY_TIMER_EXTENSION_RELIABLE') > 0;
      const side = Number(gl.getParameter(gl.MAX_TEXTURE_SIZE));
      gpuFacts.set('window-webgl', {
        timer: reliable ? 'disjoint-timer-query' : 'none',
        // A float tensor is packed into an RGBA texture of at most side × side texels.
        maxTensorBytes: side * side * 4 * 4,
        limitName: `WebGL's MAX_TEXTURE_SIZE (${side}×${side} texels)`,
      });
      const timing = reliable ? 'disjoint timer queries' : 'no timer queries: wall clock per layer';
      return `WebGL2: ${renderer}; ${timing}`;
    });
    return detail === undefined
      ? { name, available: false, reason: 'tfjs could not start its WebGL backend' }
      : { name, available: true, detail };
  } catch (error) {
    return {
      name,
      available: false,
      reason: `the WebGL backend failed to start: ${firstLine(error)}`,
    };
  }
}

async function probeWasm(): Promise<Probe> {
  const name = 'window-wasm';
  try {
    const detail = await withBackend('wasm', async () => {
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const threads = wasm.getThreadsCount();
      const isolated =
        (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      const why = threads > 1 || isolated ? '' : ' (the page is not cross-origin isolated)';
      return `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm}, SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === 1 ? '' : 's'}${why}`;
    });
    return detail === undefined
      ? { name, available: false, reason: 'the WebAssembly module failed to initialise' }
      : { name, available: true, detail };
  } catch (error) {
    return {
      name,
      available: false,
      reason: `the WebAssembly backend failed to load: ${firstLine(error)}`,
    };
  }
}

const probes = new Map<WindowTfjsBackend, Promise<Probe>>();

/** The window's tfjs backends, each probed once. */
export function probeTfjs(name: WindowTfjsBackend): Promise<Probe> {
  let probe = probes.get(name);
  if (!probe) {
    probe =
      name === 'window-webgpu'
        ? probeWebGpu()
        : name === 'window-webgl'
          ? probeWebGl()
          : probeWasm();
    probes.set(name, probe);
  }
  return probe;
}

/** Makes a window backend tfjs's active one; throws BACKEND_UNAVAILABLE with the reason. */
export async function useTfjs(name: WindowTfjsBackend): Promise<void> {
  const status = await probeTfjs(name);
  if (!status.available) {
    throw new InspectorError(
      'BACKEND_UNAVAILABLE',
      `The ${name} backend is not available: ${status.reason}.`,
    );
  }
  if (!(await tf.setBackend(TFJS_BACKEND[name]))) {
    throw new InspectorError('BACKEND_UNAVAILABLE', `The ${name} backend failed to initialise.`);
  }
  await tf.ready();
}
