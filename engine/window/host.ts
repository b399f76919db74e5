/**
 * The engine's host in a dedicated Web Worker of the window: tfjs on WebGPU, WebGL2 and threaded
 * WebAssembly, ONNX Runtime Web (WebGPU or WebAssembly) running the exported model, images decoded
 * by the browser, model files from File objects, and the device's limits checked before a run.
 */
import { InspectorError } from '../../shared/errors';
import {
  isWindowBackend,
  WINDOW_BACKENDS,
  type BackendName,
  type BackendStatus,
} from '../../shared/profile';
import type { EngineHost, RuntimeFactory } from '../core/host';
import { formatBytes, WASM_HEAP_BYTES } from '../core/memoryGuard';
import { factsOf, probeTfjs, TFJS_BACKEND, useTfjs, type WindowTfjsBackend } from './backends';
import { browserFileSet, browserHdf5 } from './files';
import { decodeImageInWorker } from './images';

const isTfjs = (name: BackendName | 'auto'): name is WindowTfjsBackend => name in TFJS_BACKEND;

const ortFactory: RuntimeFactory = async (backend, { onnxMode }) =>
  (await import('./ortWeb')).createOrtWebRuntime(backend, { optimization: onnxMode });

async function ortStatuses(tfjs: BackendStatus[]): Promise<BackendStatus[]> {
  return (await import('./ortWeb')).listOrtWebBackends(
    tfjs.find((status) => status.name === 'window-webgpu'),
  );
}

/** The memory a run in this window may take: half of what the browser says the device has. */
function deviceBudget(): number {
  const gigabytes = (navigator as { deviceMemory?: number }).deviceMemory ?? 4;
  return Math.floor((gigabytes * 2 ** 30) / 2);
}

/** A window host. */
export function windowHost(): EngineHost {
  return {
    listBackends: async () => {
      // One at a time: a probe makes its backend tfjs's active one for a moment.
      const tfjs: BackendStatus[] = [];
      for (const name of Object.keys(TFJS_BACKEND) as WindowTfjsBackend[]) {
        tfjs.push(await probeTfjs(name));
      }
      const statuses = [...tfjs, ...(await ortStatuses(tfjs))];
      const ordered = WINDOW_BACKENDS.map((name) =>
        statuses.find((status) => status.name === name)!,
      );
      const preferred = ordered.find((status) => status.available);
      return ordered.map((status) =>
        status === preferred ? { ...status, preferred: true } : status,
      );
    },
    useBackend: async (choice) => {
      const name = choice === 'auto' ? await firstAvailable() : choice;
      if (!isTfjs(name)) {
        throw new InspectorError(
          'BACKEND_UNAVAILABLE',
          isWindowBackend(name)
            ? `${name} runs the exported model in ONNX Runtime Web, not in tfjs.`
            : `${name} runs in the engine process, not in this window; choose it under "Engine".`,
        );
      }
      await useTfjs(name);
      return name;
    },
    runtimeFactory: (backend) =>
      backend === 'window-onnxruntime-webgpu' || backend === 'window-onnxruntime-wasm'
        ? ortFactory
        : undefined,
    decodeImage: decodeImageInWorker,
    memoryBudget: (backend) =>
      backend === 'window-wasm' || backend === 'window-onnxruntime-wasm'
        ? Math.min(deviceBudget(), WASM_HEAP_BYTES)
        : deviceBudget(),
    tfjsOptions: (backend) => (isTfjs(backend) ? { gpuTimer: factsOf(backend)?.timer } : {}),
    checkTensorLimit: (backend, bytes) => {
      const facts = isTfjs(backend) ? factsOf(backend) : undefined;
      if (facts && bytes > facts.maxTensorBytes) {
        throw new InspectorError(
          'MEMORY_BUDGET',
          `Its largest tensor takes ${formatBytes(bytes)}, above the ${formatBytes(facts.maxTensorBytes)} one buffer may hold here (${facts.limitName}); lower the batch or the input size.`,
        );
      }
    },
    modelFiles: browserFileSet,
    openHdf5: browserHdf5,
  };
}

async function firstAvailable(): Promise<WindowTfjsBackend> {
  for (const name of Object.keys(TFJS_BACKEND) as WindowTfjsBackend[]) {
    if ((await probeTfjs(name)).available) {
      return name;
    }
  }
  throw new InspectorError('BACKEND_UNAVAILABLE', 'No backend can run in this window.');
}
