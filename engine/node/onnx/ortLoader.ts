/**
 * Loads onnxruntime-node lazily, so that an engine whose ORT binary cannot load still runs tfjs,
 * and says in words whether its CPU and CUDA providers can run here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { BackendName, BackendStatus } from '../../../shared/profile';

/** The onnxruntime-node module. */
export type OrtModule = typeof Ort;

let loading: Promise<OrtModule> | undefined;

/** onnxruntime-node, loaded once; rejects with the loader's reason. */
export function loadOrt(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').then(
    (module) => ((module as { default?: OrtModule }).default ?? module) as OrtModule,
  );
  return loading;
}

/** Threads ORT runs a pass with: the machine's cores. */
export function ortThreads(): number {
  return availableParallelism();
}

/** How a user installs the CUDA provider (its binaries are not in the npm package). */
export const CUDA_INSTALL_HINT =
  'run `node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12` on a machine with CUDA 12 and network access';

/** The folder of onnxruntime-node's native binding for this platform, if it exists. */
function bindingFolder(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    const folder = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(folder) ? folder : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the CUDA provider's library sits next to the binding, and the reason if not. */
export function cudaProviderReason(): string | undefined {
  if (process.platform !== 'linux' && process.platform !== 'win32') {
    return `ONNX Runtime has no CUDA provider on ${process.platform}.`;
  }
  const folder = bindingFolder();
  const library =
    process.platform === 'win32'
      ? 'onnxruntime_providers_cuda.dll'
      : 'libonnxruntime_providers_cuda.so';
  if (!folder || !existsSync(join(folder, library))) {
    return `The CUDA provider of onnxruntime-node is not installed; ${CUDA_INSTALL_HINT}.`;
  }
  return undefined;
}

const status = (
  name: BackendName,
  available: boolean,
  words: { reason?: string; detail?: string },
): BackendStatus => ({ name, available, ...words });

/**
 * ONNX Runtime's backends and whether each can run here. CUDA is tried with a tiny model only when
 * its library is installed; `probeCuda` does that check (a test can replace it).
 */
export async function listOnnxBackends(
  probeCuda: (ort: OrtModule) => Promise<string | undefined> = tryCuda,
): Promise<BackendStatus[]> {
  let ort: OrtModule;
  try {
    ort = await loadOrt();
  } catch (error) {
    const reason = `onnxruntime-node could not load: ${error instanceof Error ? error.message : String(error)}`;
    return [
      status('onnxruntime', false, { reason }),
      status('onnxruntime-cuda', false, { reason }),
    ];
  }
  const version = ort.env.versions.node ?? ort.env.versions.common;
  const cpu = status('onnxruntime', true, {
    detail: `onnxruntime-node ${version}, CPU provider, ${ortThreads()} threads`,
  });
  const missing = cudaProviderReason() ?? (await probeCuda(ort));
  const cuda = missing
    ? status('onnxruntime-cuda', false, { reason: missing })
    : status('onnxruntime-cuda', true, { detail: `onnxruntime-node ${version}, CUDA provider` });
  return [cpu, cuda];
}

/** An ONNX model with one Relu node on a [1] float input, built by hand (26 bytes of protobuf). */
export async function tryCuda(ort: OrtModule): Promise<string | undefined> {
  const { encodeModel, floatValueInfo } = await import('../../core/onnx/onnxProto');
  const bytes = encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'resnext-inspector',
    producerVersion: 'probe',
    graph: {
      name: 'probe',
      node: [{ name: 'relu', opType: 'Relu', input: ['x'], output: ['y'] }],
      initializer: [],
      input: [floatValueInfo('x', [1])],
      output: [floatValueInfo('y', [1])],
    },
    metadataProps: [],
  });
  try {
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cuda'],
      logSeverityLevel: 4,
    });
    await session.release();
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `The CUDA provider did not start (CUDA 12 and cuDNN 9 must be installed): ${message.split('\n')[0]}`;
  }
}
