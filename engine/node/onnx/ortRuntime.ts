/**
 * ONNX Runtime as the profiler's second runtime. `build` takes a config's export from the model
 * cache, or builds the tfjs model (on the cpu backend, whose memory goes back when it is disposed)
 * and streams its export into the cache; `wrap` streams a model built elsewhere into a temporary
 * file. Either way the JavaScript side keeps no weights: ORT opens the file and holds its own.
 * The session runs at the chosen optimisation (`fast`: all of ORT's graph optimisations, fused
 * layers reported as fused; `exact`: none, every Keras layer timed); in `fast` mode the graph ORT
 * optimised is saved (in the cache, for the next build) for the node → layer mapping and for later
 * profiling sessions, which must run the very same nodes (ortFirstSession.ts).
 *
 * Layer times come from ORT's profiler, read after the passes (ortProfiling.ts): one profiling
 * session serves a whole run's layer passes (`liveLayerTimes` is false).
 */
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelConfig } from '../../../shared/modelConfig';
import type { BackendName, ProfileMode } from '../../../shared/profile';
import { InspectorError } from '../../../shared/errors';
import { buildResNeXt } from '../../core/resnext';
import { onCpuBackend } from '../../core/structure';
import type { tf } from '../../core/tf';
import type {
  InputBatch,
  LayerPassOptions,
  PassResult,
  Runtime,
  WholePassResult,
} from '../../core/runtime';
import { exportToSink, type OnnxExportInfo } from '../../core/onnx/exporter';
import type { ByteSink } from '../../core/onnx/onnxStream';
import { withFileSink } from './files';
import { collectGarbage } from './gc';
import { DamagedExportError } from './ortFirstSession';
import { ModelCache } from './modelCache';
import { cudaProviderReason, loadOrt, ortThreads, tryCuda, type OrtModule } from './ortLoader';
import {
  openModel,
  type OnnxOptimization,
  type OpenedHow,
  type OrtInput,
  type OrtLayerRecord,
  type OrtModel,
} from './ortModel';
import { outputsSession, runWithOutputs } from './ortOutputs';
import { makeTempFolder, removeTempFolder } from './ortProfile';
import { endProfiling, ensureProfiling, type ProfiledPass } from './ortProfiling';

export type { ProfiledPass } from './ortProfiling';
export type { OnnxOptimization, OrtInput, OrtLayerRecord, OrtModel } from './ortModel';

/** Options of the ONNX Runtime runtime. */
export interface OrtRuntimeOptions {
  optimization?: OnnxOptimization;
  /** Intra-op threads; default the machine's cores. */
  threads?: number;
  /** Where `build` keeps exports between runs (default the per-user cache); false: nowhere. */
  cache?: ModelCache | false;
  /**
   * Runs one profiling session records before its profile is read and a fresh one opened
   * (default 64: ~8 MB of ORT's events for ResNeXt-101 in fast mode).
   */
  runsPerProfile?: number;
}

const DEFAULT_RUNS_PER_PROFILE = 64;

/** The ONNX Runtime runtime on its CPU or CUDA provider. */
export class OrtRuntime implements Runtime<OrtModel, OrtInput> {
  readonly name = 'onnxruntime';
  readonly liveLayerTimes = false;
  readonly optimization: OnnxOptimization;
  private readonly threads: number;
  private readonly cache: ModelCache | false;
  private readonly runsPerProfile: number;
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
    this.cache = options.cache ?? new ModelCache();
    this.runsPerProfile = options.runsPerProfile ?? DEFAULT_RUNS_PER_PROFILE;
  }

  /** Session options; `profilePrefix` turns ORT's profiler on, writing into `folder`. */
  sessionOptions(folder?: string, profilePrefix?: string): InferenceSession.SessionOptions {
    return {
      executionProviders: this.backend === 'onnxruntime-cuda' ? ['cuda', 'cpu'] : ['cpu'],
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // The NCHWc warning about saving an optimised graph is expected: it runs on this machine only.
      logSeverityLevel: 3,
      ...(folder && profilePrefix
        ? { enableProfiling: true, profileFilePrefix: join(folder, profilePrefix) }
        : {}),
    };
  }

  async build(config: ModelConfig): Promise<OrtModel> {
    const cached = this.cachedExport(config);
    if (cached) {
      try {
        return await this.open(config, cached, { exportMs: 0, fromCache: true });
      } catch (error) {
        if (!(error instanceof DamagedExportError)) {
          throw error;
        }
        // The cache has removed it and said so: build it again.
      }
    }
    const started = performance.now();
    // Built on the cpu backend, whose arrays are given back when disposed: wasm's heap would
    // keep the tfjs weights' pages for good, beside ORT's copy.
    const exported = await onCpuBackend(() => {
      const model = buildResNeXt(config);
      try {
        return this.exportTo(model, config, this.cache !== false);
      } finally {
        model.dispose();
      }
    });
    const exportMs = performance.now() - started;
    collectGarbage(); // the disposed tfjs weights, before ORT loads its copy
    return this.open(config, exported, { exportMs, fromCache: false, folder: exported.folder });
  }

  /** Exports a tfjs model built elsewhere (the caller keeps and disposes it) and opens its session. */
  async wrap(model: tf.LayersModel, config: ModelConfig): Promise<OrtModel> {
    const started = performance.now();
    const exported = this.exportTo(model, config, false);
    const exportMs = performance.now() - started;
    return this.open(config, exported, { exportMs, fromCache: false, folder: exported.folder });
  }

  /** The cache's entry for a config; a cache that cannot be read is no entry. */
  private cachedExport(config: ModelConfig): { path: string; info: OnnxExportInfo } | undefined {
    try {
      // Sizes only: the hash is checked when the export itself is opened (not to open its graph).
      return this.cache ? this.cache.lookup(config, false) : undefined;
    } catch (error) {
      console.warn(
        `The model cache could not be read (${fileErrorOf(error) ?? String(error)}); exporting anew.`,
      );
      return undefined;
    }
  }

  /**
   * Streams a model's export into the cache (`cached`, for a model built from its config alone),
   * or into a temporary folder of its own: also when the cache cannot be written (a read-only or
   * full disk), which costs the next run its build but not this one.
   */
  private exportTo(
    model: tf.LayersModel,
    config: ModelConfig,
    cached: boolean,
  ): { path: string; info: OnnxExportInfo; folder?: string } {
    const write = (sink: ByteSink): OnnxExportInfo =>
      exportToSink(model, sink, { metadata: { 'inspector.config': JSON.stringify(config) } });
    if (cached && this.cache) {
      try {
        return this.cache.store(config, write);
      } catch (error) {
        if (!fileErrorOf(error)) {
          throw error;
        }
        console.warn(
          `The export could not be kept in ${this.cache.folder} (${fileErrorOf(error)}); it is used for this run only.`,
        );
      }
    }
    const folder = makeTempFolder();
    try {
      const path = join(folder, 'model.onnx');
      return { path, info: withFileSink(path, write), folder };
    } catch (error) {
      removeTempFolder(folder);
      throw error;
    }
  }

  private async open(
    config: ModelConfig,
    exported: { path: string; info: OnnxExportInfo },
    how: OpenedHow,
  ): Promise<OrtModel> {
    const cache =
      this.cache && exported.path.startsWith(this.cache.folder) ? this.cache : undefined;
    const context = {
      ort: this.ort,
      optimization: this.optimization,
      backend: this.backend,
      sessionOptions: this.sessionOptions.bind(this),
      cache,
      verifyExport: cache && how.fromCache ? () => cache.verify(config) : undefined,
    };
    const model = await openModel(context, config, exported, how);
    this.heldBytes += model.weightBytes;
    return model;
  }

  /** A fresh session on the graph that runs, as it is (no optimisation: the same nodes). */
  private reopen(model: OrtModel, profilePrefix?: string): Promise<InferenceSession> {
    return this.ort.InferenceSession.create(model.optimizedPath, {
      ...this.sessionOptions(model.folder, profilePrefix),
      graphOptimizationLevel: 'disabled',
    });
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

  /**
   * A run's passes begin: layer passes need a profiling session (the one from the build, or a
   * fresh one); whole passes run without profiling. A profile left by an interrupted run is dropped.
   */
  async beginPasses(model: OrtModel, mode: ProfileMode): Promise<void> {
    if (model.profiling && model.profiling.held.length > 0) {
      endProfiling(model, true);
    }
    if (mode === 'per-layer') {
      await ensureProfiling(model, (prefix) => this.reopen(model, prefix));
    } else {
      endProfiling(model, true);
    }
    model.passes = mode;
  }

  /** A run's passes have ended: the held layer passes get their times. */
  async endPasses(model: OrtModel): Promise<void> {
    model.passes = undefined;
    endProfiling(model);
  }

  async runWhole(model: OrtModel, input: OrtInput): Promise<WholePassResult> {
    const start = performance.now();
    await model.session.run({ [model.inputName]: input.tensor });
    const totalMs = performance.now() - start;
    await this.counted(model);
    return { totalMs };
  }

  /** Counts a run on a profiling session; reads the profile once it holds `runsPerProfile`. */
  private async counted(model: OrtModel): Promise<void> {
    if (!model.profiling) {
      return;
    }
    model.profiling.runs += 1;
    if (model.profiling.runs >= this.runsPerProfile) {
      endProfiling(model);
      if (model.passes === 'per-layer') {
        await ensureProfiling(model, (prefix) => this.reopen(model, prefix));
      }
    }
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
      model.outputs ??= await outputsSession(this.ort, model, this.sessionOptions());
      return runWithOutputs(model.outputs, model, input, options);
    }
    const totalMs = await this.heldPass(model, input, (pass) => this.report(model, pass, options));
    return { totalMs, stopped: false };
  }

  /**
   * One pass on the profiling session, its times handed to `deliver` when the profile is read:
   * at once outside a run's passes, else by `endPasses` (or sooner, every `runsPerProfile` runs).
   */
  private async heldPass(
    model: OrtModel,
    input: OrtInput,
    deliver: (pass: ProfiledPass) => void,
  ): Promise<number> {
    const profiling = await ensureProfiling(model, (prefix) => this.reopen(model, prefix));
    const start = performance.now();
    await model.session.run({ [model.inputName]: input.tensor });
    const totalMs = performance.now() - start;
    profiling.held.push({ run: profiling.runs, totalMs, deliver });
    await this.counted(model);
    if (model.passes !== 'per-layer') {
      endProfiling(model);
    }
    return totalMs;
  }

  /** One pass in a profiling session, read at once (benchmarks, tests). */
  async profiledPass(model: OrtModel, input: OrtInput): Promise<ProfiledPass> {
    let result: ProfiledPass | undefined;
    await this.heldPass(model, input, (pass) => (result = pass));
    endProfiling(model);
    if (!result) {
      throw new InspectorError('INTERNAL', 'ONNX Runtime profiled no run.');
    }
    return result;
  }

  /** Hands a profiled pass to the profiler: every layer, timed or fused, in layer order. */
  private report(model: OrtModel, pass: ProfiledPass, options: LayerPassOptions): void {
    this.arenaBytes = Math.max(this.arenaBytes, pass.arenaBytes);
    for (let layerId = 0; layerId < model.layerCount; layerId += 1) {
      const fusedInto = model.fusedInto.get(layerId);
      const record: OrtLayerRecord = { layerId, ms: pass.layerMs[layerId] };
      if (fusedInto !== undefined) {
        record.fusedInto = fusedInto;
      }
      options.onLayer?.(record);
    }
  }

  /**
   * The weights ORT holds plus the most its arena held in a profiled pass (0 before one is read);
   * the JavaScript side holds no weights.
   */
  memory(): { tensors: number; bytes: number } {
    return { tensors: 0, bytes: this.heldBytes + this.arenaBytes };
  }

  release(model: OrtModel): void {
    this.heldBytes = Math.max(0, this.heldBytes - model.weightBytes);
    model.profiling = undefined;
    void model.session.release();
    void model.outputs?.session.release();
    model.outputs = undefined;
    // The export goes with the folder, unless it is the cache's.
    removeTempFolder(model.folder);
  }
}

/** The code of a file system error (`EACCES`, `ENOSPC`, …), or undefined for any other error. */
function fileErrorOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code.startsWith('E') ? code : undefined;
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
