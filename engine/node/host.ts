/**
 * The engine's host in a Node process: tfjs-node(-gpu), wasm and cpu backends, ONNX Runtime
 * (onnxruntime-node, loaded when a run asks for it), PNG/JPEG decoding with pngjs and jpeg-js, the
 * memory budget under the engine process's cap, and the process's CPU clock.
 */
import { ONNX_BACKENDS, type BackendName } from '../../shared/profile';
import type { EngineHost, RuntimeFactory } from '../core/host';
import { listBackends, useBackend } from './backends';
import { decodeImage } from './images';
import { engineMemoryCap, nodeBudget } from './memory';

const ortFactory: RuntimeFactory = async (name, { onnxMode }) =>
  (await import('./onnx')).createOrtRuntime(name, { optimization: onnxMode });

/** A Node host; `cap` is the engine's memory cap in bytes (default engineMemoryCap()). */
export function nodeHost(cap = engineMemoryCap()): EngineHost {
  return {
    listBackends,
    useBackend,
    runtimeFactory: (backend: BackendName) =>
      ONNX_BACKENDS.includes(backend) ? ortFactory : undefined,
    decodeImage,
    memoryBudget: (backend) => nodeBudget(backend, cap),
    cpuTimeMs: () => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1000;
    },
  };
}
