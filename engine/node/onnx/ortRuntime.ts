/**
 * ONNX Runtime as the profiler's second runtime. `build` exports the tfjs model to ONNX and opens a
 * session at the chosen optimisation (`fast`: all of ORT's graph optimisations, fused layers
 * reported as fused; `exact`: none, every Keras layer timed), saving the optimised graph that runs.
 *
 * ORT times nodes only through its profiler, which writes its events when profiling ends and
 * cannot restart in a session. So each layer-by-layer pass opens a short-lived profiling session
 * on the saved optimised graph, kept in memory (no further optimisation: the same nodes, the same
 * names), runs it, reads the profile and reports every layer at the end of the pass
 * (`liveLayerTimes` is false). Nothing of a model stays on disk between passes.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelConfig } from '../../../shared/modelConfig';
import type { BackendName } from '../../../shared/profile';
import { InspectorError } from '../../../shared/errors';
import { buildResNeXt } from '../../core/resnext';
import type { tf } from '../../core/tf';
import type {
  InputBatch,
  LayerPassOptions,
  LayerRecord,
  PassResult,
  Runtime,
  RuntimeModel,
  WholePassResult,
} from '../../core/runtime';
import { exportToOnnx, withLayerOutputs } from '../../core/onnx/exporter';
import { mapNodesToLayers, type NodeMapping } from '../../core/onnx/nodeMapping';
import { decodeModel, encodeModel, type OnnxModel } from '../../core/onnx/onnxProto';
import { cudaProviderReason, loadOrt, ortThreads, tryCuda, type OrtModule } from './ortLoader';
import { makeTempFolder, removeTempFolder, takeProfile } from './ortProfile';

/** `fast`: full graph optimisation, fused layers reported as fused; `exact`: none, every layer timed. */
export type OnnxOptimization = 'fast' | 'exact';

/** A layer record that also says which timed layer a fused layer's time went to. */
export interface OrtLayerRecord extends LayerRecord {
  /** For a layer ORT fused into another node: the id of the layer that node's time is charged to. */
  fusedInto?: number;
}

/** Options of the ONNX Runtime runtime. */
export interface OrtRuntimeOptions {
  optimization?: OnnxOptimization;
  /** Intra-op threads; default the machine's cores. */
  threads?: number;
  /** Run once untimed in each fresh profiling session before the profiled run (default true). */
  warmRun?: boolean;
}

/** A model exported to ONNX with its session, its optimised graph and the node → layer mapping. */
export interface OrtModel extends RuntimeModel {
  readonly optimization: OnnxOptimization;
  readonly session: InferenceSession;
  readonly inputName: string;
  readonly outputName: string;
  /** Temporary folder of the profiles (each read and removed after its pass); removed on release. */
  readonly folder: string;
  /** The optimised graph that runs, as ORT saved it (its file is removed at once). */
  readonly optimizedBytes: Uint8Array;
  readonly mapping: NodeMapping;
  /** Layer id → id of the timed layer it was fused into. */
  readonly fusedInto: ReadonlyMap<number, number>;
  /** Milliseconds the export took, and the session's creation (optimisation included). */
  readonly exportMs: number;
  readonly sessionMs: number;
  /** Nodes in the graph that runs. */
  readonly optimizedNodes: number;
  readonly weightBytes: number;
  readonly exported: OnnxModel;
  readonly shapes: Readonly<Record<string, readonly (number | null)[]>>;
  outputs?: { session: InferenceSession; names: Record<string, string> };
  passes: number;
}

/** One profiled pass. */
export interface ProfiledPass {
  /** Wall time of the profiled run. */
  totalMs: number;
  /** Per layer id: the time of the nodes charged to it (0 for a layer fused into another). */
  layerMs: number[];
  /** Layer ids with at least one node in the profile. */
  seen: Set<number>;
  /** The run's time by ORT's own clock (`model_run`). */
  profiledMs: number;
  /** Node time no layer took (nodes missing from the mapping); 0 when the mapping is complete. */
  unattributedMs: number;
}

/** What a runtime input is: the NHWC tensor ORT is fed. */
export interface OrtInput {
  tensor: Tensor;
  shape: readonly number[];
  data: Float32Array;
}

/** The ONNX Runtime runtime on its CPU or CUDA provider. */
export class OrtRuntime implements Runtime<OrtModel, OrtInput> {
  readonly name = 'onnxruntime';
  readonly liveLayerTimes = false;
  readonly optimization: OnnxOptimization;
  private readonly threads: number;
  private readonly warmRun: boolean;
  private heldBytes = 0;
  /** The most ORT's arena held in a profiled pass (activations and scratch). */
  private arenaBytes = 0;

  /** The mode the profiler reports with the numbers (the same as `optimization`). */
  get onnxMode(): OnnxOptimization {
    return this.optimization;
  }

  constructor(
    readonly backend: BackendName,
    private readonly ort: OrtModule,
    options: OrtRuntimeOptions = {},
  ) {
    if (backend !== 'onnxruntime' && backend !== 'onnxruntime-cuda') {
      throw new InspectorError('INVALID_REQUEST', `ONNX Runtime cannot run on backend ${backend}.`);
    }
    this.optimization = options.optimization ?? 'fast';
    this.threads = options.threads ?? ortThreads();
    this.warmRun = options.warmRun ?? true;
  }

  private sessionOptions(): InferenceSession.SessionOptions {
    return {
      executionProviders: this.backend === 'onnxruntime-cuda' ? ['cuda', 'cpu'] : ['cpu'],
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // The NCHWc warning about saving an optimised graph is expected: it runs on this machine only.
      logSeverityLevel: 3,
    };
  }

  async build(config: ModelConfig): Promise<OrtModel> {
    const model = buildResNeXt(config);
    try {
      return await this.wrap(model, config);
    } finally {
      model.dispose();
    }
  }

  /** Exports a tfjs model built elsewhere (the caller keeps and disposes it) and opens its session. */
  async wrap(model: tf.LayersModel, config: ModelConfig): Promise<OrtModel> {
    const started = performance.now();
    const exported = exportToOnnx(model, {
      metadata: { 'inspector.config': JSON.stringify(config) },
    });
    const exportMs = performance.now() - started;
    const folder = makeTempFolder();
    const optimizedPath = join(folder, 'optimized.onnx');
    try {
      const opening = performance.now();
      const session = await this.ort.InferenceSession.create(exported.bytes, {
        ...this.sessionOptions(),
        graphOptimizationLevel: this.optimization === 'fast' ? 'all' : 'disabled',
        optimizedModelFilePath: optimizedPath,
      });
      const sessionMs = performance.now() - opening;
      const optimizedBytes = new Uint8Array(readFileSync(optimizedPath));
      rmSync(optimizedPath, { force: true });
      const optimized = decodeModel(optimizedBytes).graph.node;
      const mapping = mapNodesToLayers(exported.original, optimized);
      const weightBytes = exported.model.graph.initializer.reduce(
        (sum, tensor) => sum + tensor.rawData.byteLength,
        0,
      );
      this.heldBytes += weightBytes + optimizedBytes.byteLength;
      return {
        config,
        layerCount: exported.layers.length,
        layerNames: exported.layers,
        optimization: this.optimization,
        session,
        inputName: exported.inputName,
        outputName: exported.outputNames[0],
        folder,
        optimizedBytes,
        mapping,
        fusedInto: layerIdMap(exported.layers, mapping.fusedInto),
        exportMs,
        sessionMs,
        optimizedNodes: optimized.length,
        weightBytes,
        exported: exported.model,
        shapes: exported.shapes,
        passes: 0,
      };
    } catch (error) {
      removeTempFolder(folder);
      throw error;
    }
  }

  loadInput(batch: InputBatch): OrtInput {
    return {
      tensor: new this.ort.Tensor('float32', batch.data, [...batch.shape]),
      shape: batch.shape,
      data: batch.data,
    };
  }

  releaseInput(input: OrtInput): void {
    input.tensor.dispose();
  }

  async runWhole(model: OrtModel, input: OrtInput): Promise<WholePassResult> {
    const start = performance.now();
    await model.session.run({ [model.inputName]: input.tensor });
    return { totalMs: performance.now() - start };
  }

  async runLayers(
    model: OrtModel,
    input: OrtInput,
    options: LayerPassOptions = {},
  ): Promise<PassResult> {
    if (options.checkpoint && (await options.checkpoint())) {
      return { totalMs: 0, stopped: true };
    }
    if (options.withOutputs || options.untilLayer !== undefined) {
      return this.runWithOutputs(model, input, options);
    }
    const { totalMs, layerMs } = await this.profiledPass(model, input);
    for (let layerId = 0; layerId < model.layerCount; layerId += 1) {
      const fusedInto = model.fusedInto.get(layerId);
      const record: OrtLayerRecord = { layerId, ms: layerMs[layerId] };
      if (fusedInto !== undefined) {
        record.fusedInto = fusedInto;
      }
      options.onLayer?.(record);
    }
    return { totalMs, stopped: false };
  }

  /** One pass in a fresh profiling session, its node times charged to layers. */
  async profiledPass(model: OrtModel, input: OrtInput): Promise<ProfiledPass> {
    model.passes += 1;
    const prefix = `pass${model.passes}`;
    const session = await this.ort.InferenceSession.create(model.optimizedBytes, {
      ...this.sessionOptions(),
      graphOptimizationLevel: 'disabled',
      enableProfiling: true,
      profileFilePrefix: join(model.folder, prefix),
    });
    let totalMs: number;
    try {
      const feeds = { [model.inputName]: input.tensor };
      if (this.warmRun) {
        await session.run(feeds);
      }
      const start = performance.now();
      await session.run(feeds);
      totalMs = performance.now() - start;
      session.endProfiling();
    } finally {
      await session.release();
    }
    const runs = takeProfile(model.folder, prefix);
    const run = runs[runs.length - 1];
    if (!run) {
      throw new InspectorError('INTERNAL', 'ONNX Runtime profiled no run.');
    }
    const layerIds = new Map(model.layerNames.map((name, id) => [name, id]));
    const layerMs = new Array<number>(model.layerCount).fill(0);
    const seen = new Set<number>();
    let unattributedMs = 0;
    for (const [node, ms] of run.nodeMs) {
      const layer = model.mapping.chargedTo[node];
      const id = layer === undefined ? undefined : layerIds.get(layer);
      if (id === undefined) {
        unattributedMs += ms;
      } else {
        layerMs[id] += ms;
        seen.add(id);
      }
    }
    this.arenaBytes = Math.max(this.arenaBytes, run.arenaBytes);
    return { totalMs, layerMs, seen, profiledMs: run.totalMs, unattributedMs };
  }

  private async outputsSession(model: OrtModel): Promise<NonNullable<OrtModel['outputs']>> {
    if (!model.outputs) {
      const layers = model.layerNames
        .slice(1)
        .map((name) => ({ name, shape: model.shapes[name] ?? [] }));
      const variant = withLayerOutputs(model.exported, layers);
      const session = await this.ort.InferenceSession.create(encodeModel(variant.model), {
        ...this.sessionOptions(),
        graphOptimizationLevel: 'disabled',
      });
      model.outputs = { session, names: variant.outputNames };
    }
    return model.outputs;
  }

  /** An untimed pass that hands layer outputs (NHWC, like tfjs) to `onLayer`; times are 0. */
  private async runWithOutputs(
    model: OrtModel,
    input: OrtInput,
    options: LayerPassOptions,
  ): Promise<PassResult> {
    const last = Math.min(options.untilLayer ?? model.layerCount - 1, model.layerCount - 1);
    const wanted = (id: number): boolean =>
      typeof options.withOutputs === 'function'
        ? options.withOutputs(id)
        : Boolean(options.withOutputs);
    const { session, names } = await this.outputsSession(model);
    const fetches = model.layerNames.slice(1, last + 1).filter((_, index) => wanted(index + 1));
    const start = performance.now();
    const results =
      fetches.length > 0
        ? await session.run(
            { [model.inputName]: input.tensor },
            fetches.map((name) => names[name]),
          )
        : {};
    const totalMs = performance.now() - start;
    for (let layerId = 0; layerId <= last; layerId += 1) {
      const record: LayerRecord = { layerId, ms: 0 };
      if (wanted(layerId)) {
        const tensor = layerId === 0 ? undefined : results[names[model.layerNames[layerId]]];
        record.output = tensor
          ? { shape: tensor.dims, data: new Float32Array(tensor.data as Float32Array) }
          : { shape: input.shape, data: new Float32Array(input.data) };
      }
      options.onLayer?.(record);
    }
    return { totalMs, stopped: false };
  }

  /**
   * What JavaScript holds (the exported weights and the optimised graph) plus the most ORT's arena
   * held in a profiled pass (0 before one); ORT's copy of the weights is not visible.
   */
  memory(): { tensors: number; bytes: number } {
    return { tensors: 0, bytes: this.heldBytes + this.arenaBytes };
  }

  release(model: OrtModel): void {
    this.heldBytes = Math.max(
      0,
      this.heldBytes - model.weightBytes - model.optimizedBytes.byteLength,
    );
    void model.session.release();
    void model.outputs?.session.release();
    removeTempFolder(model.folder);
  }
}

/** `fusedInto` by layer name → by layer id. */
function layerIdMap(
  layers: readonly string[],
  byName: Record<string, string>,
): Map<number, number> {
  const ids = new Map(layers.map((name, id) => [name, id]));
  return new Map(
    Object.entries(byName).map(([layer, into]) => [
      ids.get(layer) as number,
      ids.get(into) as number,
    ]),
  );
}

/** An ONNX Runtime runtime for a backend, with onnxruntime-node loaded. */
export async function createOrtRuntime(
  backend: BackendName,
  options: OrtRuntimeOptions = {},
): Promise<OrtRuntime> {
  let ort: OrtModule;
  try {
    ort = await loadOrt();
  } catch (error) {
    throw new InspectorError(
      'BACKEND_UNAVAILABLE',
      `ONNX Runtime could not load (${error instanceof Error ? error.message : String(error)}); reinstall onnxruntime-node.`,
    );
  }
  if (backend === 'onnxruntime-cuda') {
    const reason = cudaProviderReason() ?? (await tryCuda(ort));
    if (reason) {
      throw new InspectorError(
        'BACKEND_UNAVAILABLE',
        `The onnxruntime-cuda backend is not available: ${reason}`,
      );
    }
  }
  return new OrtRuntime(backend, ort, options);
}
