/**
 * The engine's host in a Node process: tfjs-node(-gpu), wasm and cpu backends, ONNX Runtime
 * (onnxruntime-node, loaded when a run asks for it), PNG/JPEG decoding with pngjs and jpeg-js, the
 * memory budget under the engine process's cap, and the process's CPU clock.
 */
import path from 'node:path';
import { InspectorError } from '../../shared/errors';
import { isWindowBackend, ONNX_BACKENDS, type BackendName } from '../../shared/profile';
import type { EngineHost, RuntimeFactory } from '../core/host';
import { listBackends, useBackend } from './backends';
import { decodeImage } from './images';
import { engineMemoryCap, nodeBudget } from './memory';
import { diskFileSet, nodeHdf5, type ModelPaths } from './modelFiles';

const ortFactory: RuntimeFactory = async (name, { onnxMode }) =>
  (await import('./onnx')).createOrtRuntime(name, { optimization: onnxMode });

/** A Node host; `cap` is the engine's memory cap in bytes (default engineMemoryCap()). */
export function nodeHost(cap = engineMemoryCap()): EngineHost {
  return {
    listBackends,
    useBackend,
    runtimeFactory: (backend: BackendName) =>
      ONNX_BACKENDS.includes(backend) && !isWindowBackend(backend) ? ortFactory : undefined,
    decodeImage,
    memoryBudget: (backend) => nodeBudget(backend, cap),
    cpuTimeMs: () => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1000;
    },
    modelFiles: (spec) => {
      const { paths, names } = checkedPaths(spec);
      return diskFileSet(paths, names);
    },
    openHdf5: nodeHdf5,
  };
}

/** The paths of a model's files as the engine process takes them: absolute, as strings. */
function checkedPaths(spec: unknown): { paths: ModelPaths; names?: Map<string, string> } {
  const { main, others, names } = (spec ?? {}) as Record<string, unknown>;
  const isPath = (value: unknown): value is string =>
    typeof value === 'string' && path.isAbsolute(value);
  if (!isPath(main) || (others !== undefined && !(Array.isArray(others) && others.every(isPath)))) {
    throw new InspectorError(
      'INVALID_REQUEST',
      'openModel: the engine process opens files by absolute path.',
    );
  }
  const nameMap =
    typeof names === 'object' && names !== null
      ? new Map(
          Object.entries(names).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
        )
      : undefined;
  return { paths: { main, others: others as string[] | undefined }, names: nameMap };
}
