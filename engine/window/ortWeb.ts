/**
 * ONNX Runtime Web in the window's engine: the model built from its config (same seeded weights,
 * on tfjs's cpu backend), exported to ONNX by the engine's exporter, and run by onnxruntime-web on
 * its WebGPU or WebAssembly provider. Whole passes are `session.run` plus reading the output.
 * Per-layer times come from ORT Web's WebGPU profiler (each kernel's GPU timestamps, mapped back
 * to Keras layers as the Node runtime maps them); its WebAssembly provider writes no profile a
 * page can read, so there, and on a GPU without timestamp queries, a run times whole passes only
 * and says so.
 */
import * as ort from 'onnxruntime-web';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { InspectorError } from '../../shared/errors';
import type { ModelConfig } from '../../shared/modelConfig';
import type { BackendName, BackendStatus, ProfileMode } from '../../shared/profile';
import { exportToOnnx } from '../core/onnx/exporter';
import { mapNodesToLayers } from '../core/onnx/nodeMapping';
import type { OnnxNode } from '../core/onnx/onnxProto';
import { buildResNeXt } from '../core/resnext';
import type {
  InputBatch,
  LayerPassOptions,
  PassResult,
  Runtime,
  RuntimeModel,
  WholePassResult,
} from '../core/runtime';
import { onCpuBackend } from '../core/structure';

ort.env.wasm.wasmPaths = { wasm: ortWasmUrl };
// Already in a worker: ORT's own proxy worker would only add a hop.
ort.env.wasm.proxy = false;
ort.env.wasm.numThreads = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated
  ? Math.max(1, navigator.hardwareConcurrency || 1)
  : 1;
ort.env.logLevel = 'error';

type Provider = 'webgpu' | 'wasm';
type Optimization = 'fast' | 'exact';

/** A model exported and opened in an ORT Web session. */
interface OrtWebModel extends RuntimeModel {
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  /** Kernel (node) name → layer id, once a profiled pass has mapped them. */
  chargedTo?: Map<string, number>;
  fusedInto: Map<number, number>;
  exported: ReturnType<typeof exportToOnnx>;
  weightBytes: number;
}

interface KernelTime {
  kernelName: string;
  kernelType: string;
  startTime: number;
  endTime: number;
}

/** Whether a WebGPU adapter offers timestamp queries (ORT Web's kernel profiler needs them). */
async function timestampQueries(): Promise<boolean> {
  const adapter = await (navigator as { gpu?: GPU }).gpu?.requestAdapter();
  return adapter?.features.has('timestamp-query') ?? false;
}

/** ORT Web's two backends and whether each can run here. */
export async function listOrtWebBackends(
  webgpu: BackendStatus | undefined,
): Promise<BackendStatus[]> {
  const version = ort.env.versions.web ?? ort.env.versions.common;
  const threads = ort.env.wasm.numThreads ?? 1;
  const gpu: BackendStatus = webgpu?.available
    ? {
        name: 'window-onnxruntime-webgpu',
        available: true,
        detail: `onnxruntime-web ${version}, WebGPU provider; ${(await timestampQueries()) ? 'kernel timestamps' : 'no timestamp queries: whole passes only'}`,
      }
    : {
        name: 'window-onnxruntime-webgpu',
        available: false,
        reason: webgpu?.reason ?? 'this window has no WebGPU',
      };
  return [
    gpu,
    {
      name: 'window-onnxruntime-wasm',
      available: true,
      detail: `onnxruntime-web ${version}, WebAssembly provider, ${threads} thread${threads === 1 ? '' : 's'}; whole passes only (no readable profiler)`,
    },
  ];
}

/** ONNX Runtime Web as a runtime of the profiler. */
export class OrtWebRuntime implements Runtime<OrtWebModel, ort.Tensor> {
  readonly name = 'onnxruntime-web';
  readonly liveLayerTimes = false;
  readonly provider: Provider;
  private model?: OrtWebModel;

  constructor(
    readonly backend: BackendName,
    readonly onnxMode: Optimization,
  ) {
    this.provider = backend === 'window-onnxruntime-webgpu' ? 'webgpu' : 'wasm';
  }

  async build(config: ModelConfig): Promise<OrtWebModel> {
    const exported = await onCpuBackend(() => {
      const model = buildResNeXt(config);
      try {
        return exportToOnnx(model);
      } finally {
        model.dispose();
      }
    });
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(exported.bytes, {
        executionProviders: [this.provider],
        graphOptimizationLevel: this.onnxMode === 'exact' ? 'disabled' : 'all',
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new InspectorError(
        'BACKEND_UNAVAILABLE',
        `ONNX Runtime Web could not open the model on ${this.provider}: ${reason}`,
      );
    }
    this.model = {
      config,
      layerCount: exported.layers.length,
      layerNames: exported.layers,
      session,
      inputName: exported.inputName,
      outputName: exported.outputNames[0],
      fusedInto: new Map(),
      exported,
      weightBytes: exported.bytes.byteLength,
    };
    return this.model;
  }

  loadInput(batch: InputBatch): ort.Tensor {
    return new ort.Tensor('float32', batch.data, [...batch.shape]);
  }

  releaseInput(input: ort.Tensor): void {
    input.dispose();
  }

  async beginPasses(model: OrtWebModel, mode: ProfileMode): Promise<void> {
    if (mode === 'per-layer' && (this.provider === 'wasm' || !(await timestampQueries()))) {
      throw new InspectorError(
        'INVALID_REQUEST',
        this.provider === 'wasm'
          ? 'ONNX Runtime Web on WebAssembly has no profiler the window can read: it times whole passes only; choose the whole mode.'
          : "This GPU offers no timestamp queries, which ONNX Runtime Web's profiler needs: it times whole passes only; choose the whole mode.",
      );
    }
    void model;
  }

  async runWhole(model: OrtWebModel, input: ort.Tensor): Promise<WholePassResult> {
    const start = performance.now();
    const outputs = await model.session.run({ [model.inputName]: input });
    await outputs[model.outputName].getData();
    Object.values(outputs).forEach((tensor) => tensor.dispose());
    return { totalMs: performance.now() - start };
  }

  async runLayers(
    model: OrtWebModel,
    input: ort.Tensor,
    options: LayerPassOptions = {},
  ): Promise<PassResult> {
    if (options.checkpoint && (await options.checkpoint())) {
      return { totalMs: 0, stopped: true };
    }
    if (options.withOutputs || options.untilLayer !== undefined) {
      throw new InspectorError(
        'INVALID_REQUEST',
        'Activations of an ONNX Runtime Web run are not kept; profile on a tfjs backend to see them.',
      );
    }
    const kernels: KernelTime[] = [];
    ort.env.webgpu.profiling = { mode: 'default', ondata: (data) => kernels.push(data) };
    let totalMs: number;
    try {
      const start = performance.now();
      const outputs = await model.session.run({ [model.inputName]: input });
      await outputs[model.outputName].getData();
      totalMs = performance.now() - start;
      Object.values(outputs).forEach((tensor) => tensor.dispose());
    } finally {
      ort.env.webgpu.profiling = { mode: 'off' };
    }
    const layerMs = this.charge(model, kernels);
    for (let layerId = 0; layerId < model.layerCount; layerId += 1) {
      const fusedInto = model.fusedInto.get(layerId);
      options.onLayer?.({
        layerId,
        ms: layerMs[layerId],
        ...(fusedInto === undefined ? {} : { fusedInto }),
      });
    }
    return { totalMs, stopped: false };
  }

  /** Each layer's share of a pass's kernel times (ns timestamps), mapped once per model. */
  private charge(model: OrtWebModel, kernels: readonly KernelTime[]): number[] {
    if (!model.chargedTo) {
      const nodes: OnnxNode[] = [...new Map(kernels.map((k) => [k.kernelName, k])).values()].map(
        (kernel) => ({
          name: kernel.kernelName,
          opType: kernel.kernelType,
          input: [],
          output: [],
          attribute: [],
        }),
      ) as unknown as OnnxNode[];
      const mapping = mapNodesToLayers(model.exported.original, nodes);
      const ids = new Map(model.layerNames.map((name, id) => [name, id]));
      model.chargedTo = new Map(
        Object.entries(mapping.chargedTo).map(([node, layer]) => [node, ids.get(layer) ?? 0]),
      );
      for (const [layer, into] of Object.entries(mapping.fusedInto)) {
        model.fusedInto.set(ids.get(layer) ?? 0, ids.get(into) ?? 0);
      }
    }
    const layerMs = new Array<number>(model.layerCount).fill(0);
    for (const kernel of kernels) {
      const layerId = model.chargedTo.get(kernel.kernelName);
      if (layerId !== undefined) {
        layerMs[layerId] += (kernel.endTime - kernel.startTime) / 1e6;
      }
    }
    return layerMs;
  }

  memory(): { tensors: number; bytes: number } {
    return { tensors: 0, bytes: this.model?.weightBytes ?? 0 };
  }

  release(model: OrtWebModel): void {
    void model.session.release();
    if (this.model === model) {
      this.model = undefined;
    }
  }
}

/** The ORT Web runtime for a window backend. */
export async function createOrtWebRuntime(
  backend: BackendName,
  options: { optimization?: Optimization },
): Promise<Runtime<RuntimeModel, unknown>> {
  return new OrtWebRuntime(backend, options.optimization ?? 'fast') as unknown as Runtime<
    RuntimeModel,
    unknown
  >;
}
