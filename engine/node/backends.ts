/**
 * Which tfjs backends can run here, and switching to one. Order: `tensorflow` (the native
 * libtensorflow of @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node; both optional) → `wasm`
 * → `cpu`. Each unavailable backend carries the reason in words; a forced one that is unavailable
 * is an error, never a silent fallback.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { InspectorError } from '../../shared/errors';
import {
  BACKEND_ORDER,
  isWindowBackend,
  windowOnlyMessage,
  type BackendName,
  type BackendStatus,
} from '../../shared/profile';
import { listOnnxBackends } from './onnx/ortLoader';
import { tf } from '../core/tf';

type Probe = Omit<BackendStatus, 'preferred'>;

const NATIVE_PACKAGES = [
  { name: '@tensorflow/tfjs-node-gpu', device: 'GPU (CUDA)' },
  { name: '@tensorflow/tfjs-node', device: 'CPU' },
] as const;

const probes = new Map<BackendName, Promise<Probe>>();

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();

/** Why a package failed to load, in words a person can act on. */
export function importFailureReason(packageName: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = firstLine(error);
  if (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    message.includes(packageName)
  ) {
    return `${packageName} is not installed`;
  }
  if (/cuda|cudnn|libcu/i.test(message)) {
    return `CUDA libraries were not found: ${message}`;
  }
  if (/libtensorflow|tfjs_binding/i.test(message)) {
    return `${packageName} is installed but its libtensorflow is missing or broken: ${message}`;
  }
  return `${packageName} failed to load: ${message}`;
}

async function probeTensorflow(): Promise<Probe> {
  const active = tf.engine().backendName;
  try {
    return await importNative();
  } finally {
    // Loading a native package must not switch the backend under a running engine.
    if (active && tf.engine().backendName !== active) {
      await tf.setBackend(active);
    }
  }
}

async function importNative(): Promise<Probe> {
  const reasons: string[] = [];
  for (const candidate of NATIVE_PACKAGES) {
    try {
      // A variable specifier keeps bundlers from resolving these optional packages at build time.
      const specifier: string = candidate.name;
      await import(specifier);
      if (tf.engine().findBackendFactory('tensorflow')) {
        return {
          name: 'tensorflow',
          available: true,
          detail: `${candidate.name}, ${candidate.device}`,
        };
      }
      reasons.push(`${candidate.name} loaded but registered no tensorflow backend`);
    } catch (error) {
      reasons.push(importFailureReason(candidate.name, error));
    }
  }
  return { name: 'tensorflow', available: false, reason: reasons.join('; ') };
}

/** The folder holding tfjs-backend-wasm's .wasm files, as a path ending in a separator. */
export function wasmFolder(): string {
  const from = typeof __filename === 'string' ? __filename : import.meta.url;
  const entry = createRequire(from).resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(entry) + path.sep;
}

/** Runs `action` with `name` as the active backend, then restores the previous one. */
async function withBackend<T>(name: BackendName, action: () => Promise<T>): Promise<T | undefined> {
  const previous = tf.engine().backendName;
  const switched = await tf.setBackend(name);
  try {
    return switched ? await action() : undefined;
  } finally {
    if (previous && previous !== name && tf.engine().findBackendFactory(previous)) {
      await tf.setBackend(previous);
    }
  }
}

async function probeWasm(): Promise<Probe> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmFolder());
    const detail = await withBackend('wasm', async () => {
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const threads = wasm.getThreadsCount();
      return `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm}, SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === 1 ? '' : 's'}`;
    });
    return detail === undefined
      ? { name: 'wasm', available: false, reason: 'the WebAssembly module failed to initialise' }
      : { name: 'wasm', available: true, detail };
  } catch (error) {
    return {
      name: 'wasm',
      available: false,
      reason: importFailureReason('@tensorflow/tfjs-backend-wasm', error),
    };
  }
}

function probe(name: BackendName): Promise<Probe> {
  let result = probes.get(name);
  if (!result) {
    result =
      name === 'tensorflow'
        ? probeTensorflow()
        : name === 'wasm'
          ? probeWasm()
          : Promise.resolve({ name, available: true, detail: 'pure JavaScript, the slowest' });
    probes.set(name, result);
  }
  return result;
}

/** Every backend in the order the engine tries them: available or not, and why. */
export async function listBackends(): Promise<BackendStatus[]> {
  const statuses: BackendStatus[] = [];
  for (const name of BACKEND_ORDER) {
    statuses.push({ ...(await probe(name)) });
  }
  const preferred = statuses.find((status) => status.available);
  if (preferred) {
    preferred.preferred = true;
  }
  // ONNX Runtime's backends run the exported model; `auto` never picks them.
  return [...statuses, ...(await listOnnxBackends())];
}

/**
 * Makes `choice` tf's backend and waits until it is ready; `auto` takes the first available one.
 * A forced backend that cannot run throws BACKEND_UNAVAILABLE with the reason.
 */
export async function useBackend(choice: BackendName | 'auto'): Promise<BackendName> {
  if (isWindowBackend(choice)) {
    throw new InspectorError('BACKEND_UNAVAILABLE', windowOnlyMessage(choice));
  }
  if (choice !== 'auto' && !BACKEND_ORDER.includes(choice)) {
    throw new InspectorError(
      'BACKEND_UNAVAILABLE',
      `Unknown backend "${String(choice)}"; choose auto, ${BACKEND_ORDER.join(', ')}.`,
    );
  }
  let name: BackendName;
  if (choice === 'auto') {
    const found = (await listBackends()).find(
      (status) => status.available && BACKEND_ORDER.includes(status.name),
    );
    if (!found) {
      throw new InspectorError('BACKEND_UNAVAILABLE', 'No TensorFlow.js backend can run here.');
    }
    name = found.name;
  } else {
    const status = await probe(choice);
    if (!status.available) {
      throw new InspectorError(
        'BACKEND_UNAVAILABLE',
        `The ${choice} backend is not available: ${status.reason}.`,
      );
    }
    name = choice;
  }
  if (!(await tf.setBackend(name))) {
    throw new InspectorError('BACKEND_UNAVAILABLE', `The ${name} backend failed to initialise.`);
  }
  await tf.ready();
  return name;
}
