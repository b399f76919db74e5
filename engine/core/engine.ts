/**
 * The engine behind the engine protocol: one model cached at a time, calls that use the model run
 * one after another, cancel is served at once. Portable: a host (engine/node/ or engine/window/)
 * gives it backends, image decoding and memory budgets, and serves it on its port.
 */
import type { ActivationOptions } from '../../shared/api';
import type { BlockForms } from '../../shared/blockForms';
import type {
  EngineCrashMessage,
  EngineHostMessage,
  EngineWorkerData,
  EngineWorkerMessage,
} from '../../shared/engineProtocol';
import { InspectorError, toErrorInfo, type ApiErrorInfo, type Result } from '../../shared/errors';
import { checkedConfig, type ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import type { PredictOptions, Prediction } from '../../shared/predict';
import type {
  BackendStatus,
  InputSource,
  ModelRef,
  ProfileEvent,
  ProfileRequest,
  ProfileResult,
} from '../../shared/profile';
import type { ActivationMaps, BackendName } from '../../shared/profile';
import { activationStats, featureMaps } from './activations';
import { runBlockForms } from './blockForms';
import type { EngineHost } from './host';
import { makeInput, type InputShape } from './inputData';
import { ModelStore, refOf, type LoadedModel, type ModelSource } from './modelStore';
import { checkPredictOptions, predictBatch } from './predict';
import { runProfile } from './profiler';
import type { LayerOutput } from './runtime';
import { later } from './yieldNow';

/** What the engine remembers of a run, to answer activation requests. */
interface RunRecord {
  backend: BackendName;
  input: InputSource;
  inputShape: InputShape;
  /** The model the run used; activations need the same weights. */
  model: LoadedModel;
  result?: ProfileResult | null;
}

/** Options of an Engine. */
export interface EngineOptions {
  /** Called when an error has left the runtime unusable (the worker then exits, to be restarted). */
  onFatal?: (reason: string) => void;
}

/** Whether an error leaves the runtime unusable: a WebAssembly trap or abort (out of memory). */
export function isFatal(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  // WebAssembly.RuntimeError (a trap, or emscripten's abort) names itself RuntimeError.
  const trap = error instanceof Error && error.name === 'RuntimeError';
  return trap || /^Aborted\(|out of memory/i.test(message);
}

const cancelledError = (): InspectorError =>
  new InspectorError('CANCELLED', 'The profile run was cancelled.');

/** How many finished runs the engine remembers. */
const KEPT_RUNS = 8;

/** The engine: builds, describes and profiles models; one call that touches a model at a time. */
export class Engine {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly models: ModelStore;
  private readonly runs = new Map<string, RunRecord>();
  private readonly pending = new Set<string>();
  private readonly cancelled = new Set<string>();
  /** The run that has started (its run-started event is out), if any. */
  private readonly running = new Set<string>();
  private backendList?: Promise<BackendStatus[]>;

  /** Set once an error has left the runtime unusable; the host should then start a new engine. */
  private fatal?: string;

  constructor(
    private readonly host: EngineHost,
    private readonly emit: (events: ProfileEvent[]) => void,
    private readonly options: EngineOptions = {},
  ) {
    this.models = new ModelStore(host);
  }

  /**
   * The envelope of an error. A fatal one (a WebAssembly abort, e.g. out of memory) becomes
   * ENGINE_CRASHED and is reported to `onFatal` once the current task has ended.
   */
  failure(error: unknown): ApiErrorInfo {
    if (!isFatal(error)) {
      return toErrorInfo(error);
    }
    const reason = error instanceof Error ? error.message : String(error);
    this.fatal ??= reason;
    later(() => this.options.onFatal?.(reason));
    const hint = /OOM|memory/i.test(reason)
      ? `The engine ran out of memory (${reason}); lower the batch or the input size.`
      : `The engine failed (${reason}).`;
    return { code: 'ENGINE_CRASHED', message: `${hint} It restarts on the next request.` };
  }

  /** Runs tasks that touch tfjs one after another. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The backends, probed once: the probe switches backends, so it waits for a running call. */
  backends(): Promise<BackendStatus[]> {
    this.backendList ??= this.serial(() => this.host.listBackends());
    const list = this.backendList;
    list.catch(() => {
      if (this.backendList === list) {
        this.backendList = undefined;
      }
    });
    return list;
  }

  /** Describes a model built from a config, or an opened file's model, with weight statistics. */
  describe(source: ModelSource): Promise<ModelGraph> {
    return this.serial(async () => (await this.described(refOf(source))).graph);
  }

  /** Opens a model file (what the host's client names: paths, File objects) and describes it. */
  openModel(spec: unknown): Promise<ModelGraph> {
    return this.serial(async () => this.models.open(spec, await this.defaultBudgetOn('auto')));
  }

  /** Runs a block of the described model as C paths and as one grouped convolution. */
  blockForms(config: ModelConfig, stage: number, block: number): Promise<BlockForms> {
    return this.serial(async () => {
      const { model, graph } = await this.described({ config: checkedConfig(config) });
      return runBlockForms(model, graph, stage, block);
    });
  }

  /**
   * Runs one input (an image, scaled as it says) through a model and returns its whole output and
   * top classes; refused, as a profile is, for a model that cannot run.
   */
  predict(source: ModelSource, input: InputSource, options: PredictOptions): Promise<Prediction> {
    const ref = refOf(source);
    checkPredictOptions(options);
    this.models.checkRunnable(ref);
    return this.serial(async () => {
      this.models.checkMemory(ref, 1, await this.defaultBudgetOn('auto'));
      const loaded = await this.models.tfjs(ref);
      const inputShape = this.models.inputShape(ref);
      const batch = await makeInput(input, inputShape, 1, this.host.decodeImage);
      return predictBatch(loaded.model.model, batch, options);
    });
  }

  /** The tfjs model of a ref (the loaded one if it is) and its description with weights. */
  private async described(ref: ModelRef) {
    if (ref.config) {
      this.models.checkMemory(ref, 1, await this.defaultBudgetOn('auto'));
    }
    return this.models.describe(ref);
  }

  /** Checks a request and the memory budget at once, then queues the run; resolves before it runs. */
  profile(request: ProfileRequest, runId: string): Promise<{ runId: string }> {
    const ref: ModelRef =
      request.file !== undefined
        ? { file: request.file }
        : { config: checkedConfig(request.config) };
    this.models.checkRunnable(ref);
    const budget = request.memoryBudgetBytes ?? this.host.memoryBudget(request.backend);
    const estimate = this.models.checkMemory(ref, request.batch, budget);
    this.host.checkTensorLimit?.(request.backend, this.models.largestTensor(ref, request.batch));
    if (this.runs.has(runId) || this.pending.has(runId)) {
      throw new InspectorError('INVALID_REQUEST', `Run ${runId} exists already; use a new run id.`);
    }
    this.pending.add(runId);
    // Queued after the current microtasks, so that the caller has the run id (the call's result
    // is posted) before the run's first event.
    later(() => {
      void this.serial(() => this.run(request, ref, runId, estimate.totalBytes));
    });
    return Promise.resolve({ runId });
  }

  /**
   * Stops a queued or running run; its last event is an error CANCELLED, at once for a run still
   * queued, between layers for a running one. Unknown runs: nothing.
   */
  cancel(runId: string): Promise<void> {
    if (this.pending.has(runId) && !this.cancelled.has(runId)) {
      this.cancelled.add(runId);
      if (!this.running.has(runId)) {
        this.emit([{ type: 'error', runId, error: cancelledError().toInfo() }]);
      }
    }
    return Promise.resolve();
  }

  activations(runId: string, layerId: number, options: ActivationOptions): Promise<ActivationMaps> {
    return this.serial(async () => {
      const record = this.runs.get(runId);
      if (!record) {
        throw new InspectorError('NOT_FOUND', `No run ${runId} is kept; profile the model again.`);
      }
      if (this.models.current !== record.model) {
        throw new InspectorError(
          'NOT_FOUND',
          `The model of run ${runId} has been replaced by another one; profile again to see its activations.`,
        );
      }
      const { runtime, model } = record.model;
      if (!Number.isInteger(layerId) || layerId < 0 || layerId >= model.layerCount) {
        throw new InspectorError(
          'NOT_FOUND',
          `No layer ${layerId}: the model has layers 0–${model.layerCount - 1}.`,
        );
      }
      const batch = await makeInput(record.input, record.inputShape, 1, this.host.decodeImage);
      const input = runtime.loadInput(batch);
      let output: LayerOutput | undefined;
      try {
        await runtime.runLayers(model, input, {
          untilLayer: layerId,
          withOutputs: (id) => id === layerId,
          onLayer: (layer) => {
            output = layer.output ?? output;
          },
        });
      } finally {
        runtime.releaseInput(input);
      }
      if (!output) {
        throw new InspectorError('INTERNAL', `Layer ${layerId} gave no output.`);
      }
      const kept = record.result?.stats?.find((stats) => stats.layerId === layerId);
      return {
        stats: kept ?? activationStats(layerId, output.data),
        maps: featureMaps(output, options.channels),
      };
    });
  }

  /** The default memory budget on the backend a choice runs on (auto: the first available). */
  private async defaultBudgetOn(choice: BackendName | 'auto'): Promise<number> {
    const backend =
      choice === 'auto'
        ? (await this.host.listBackends()).find((status) => status.available)?.name
        : choice;
    return this.host.memoryBudget(backend ?? 'auto');
  }

  /** Frees the loaded model. */
  dispose(): void {
    this.models.dispose();
  }

  private async run(
    request: ProfileRequest,
    ref: ModelRef,
    runId: string,
    estimatedBytes: number,
  ): Promise<void> {
    const fail = (error: unknown): void =>
      this.emit([{ type: 'error', runId, error: this.failure(error) }]);
    try {
      if (this.cancelled.has(runId)) {
        return; // cancel() has reported it
      }
      this.running.add(runId);
      if (request.memoryBudgetBytes === undefined && request.backend === 'auto') {
        // profile() could not tell which backend auto runs on; on wasm the heap caps the budget.
        this.models.checkMemory(ref, request.batch, await this.defaultBudgetOn('auto'));
      }
      const loaded = await this.models.load(ref, request.backend, request.onnxMode);
      const { runtime, model } = loaded;
      const inputShape = this.models.inputShape(ref);
      const record: RunRecord = {
        backend: runtime.backend,
        input: request.input,
        inputShape,
        model: loaded,
      };
      const batch = await makeInput(
        request.input,
        inputShape,
        request.batch,
        this.host.decodeImage,
      );
      const input = runtime.loadInput(batch);
      try {
        record.result = await runProfile(runtime, model, input, request, {
          runId,
          emit: this.emit,
          isCancelled: () => this.cancelled.has(runId),
          estimatedBytes,
          describeError: (error) => this.failure(error),
          cpuTimeMs: this.host.cpuTimeMs?.bind(this.host),
        });
      } finally {
        runtime.releaseInput(input);
      }
      this.remember(runId, record);
    } catch (error) {
      fail(error);
    } finally {
      this.pending.delete(runId);
      this.cancelled.delete(runId);
      this.running.delete(runId);
    }
  }

  private remember(runId: string, record: RunRecord): void {
    this.runs.set(runId, record);
    for (const old of this.runs.keys()) {
      if (this.runs.size <= KEPT_RUNS) {
        break;
      }
      this.runs.delete(old);
    }
  }
}

/** Answers one call with a Result envelope. */
async function answer(engine: Engine, message: EngineHostMessage): Promise<Result<unknown>> {
  try {
    if (message.kind !== 'call') {
      throw new InspectorError('INVALID_REQUEST', 'Not a call.');
    }
    switch (message.method) {
      case 'backends':
        return { ok: true, value: await engine.backends() };
      case 'describe':
        return { ok: true, value: await engine.describe(...message.args) };
      case 'openModel':
        return { ok: true, value: await engine.openModel(...message.args) };
      case 'profile':
        return { ok: true, value: await engine.profile(...message.args) };
      case 'cancel':
        return { ok: true, value: await engine.cancel(...message.args) };
      case 'activations':
        return { ok: true, value: await engine.activations(...message.args) };
      case 'blockForms':
        return { ok: true, value: await engine.blockForms(...message.args) };
      case 'predict':
        return { ok: true, value: await engine.predict(...message.args) };
      default:
        throw new InspectorError('INVALID_REQUEST', 'Unknown engine call.');
    }
  } catch (error) {
    return { ok: false, error: engine.failure(error) };
  }
}

/** The port the engine is served on: a child process's IPC channel, a Web Worker's scope. */
export interface EnginePort {
  post(message: EngineWorkerMessage): void;
  listen(listener: (message: EngineHostMessage) => void): void;
}

/** What a host tells `serveEngine` beyond the EngineHost. */
export interface ServeOptions extends EngineWorkerData {
  /** Ends the engine (its process or worker) with an exit code; a fresh one is started on the next call. */
  exit(code: number): void;
}

/**
 * Serves the engine protocol on a port. Every call is acknowledged as it arrives, before it runs:
 * a host whose engine died can then tell a call that never started (and may be sent to a fresh
 * engine) from one that was running when it died (and may have been its cause).
 */
export function serveEngine(port: EnginePort, host: EngineHost, options: ServeOptions): Engine {
  const engine = new Engine(host, (events) => port.post({ kind: 'events', events }), {
    onFatal: (reason) => {
      // Tell the host why, then end: a fresh engine gets a fresh runtime.
      port.post({ kind: 'fatal', reason });
      options.exit(70);
    },
  });
  port.listen((message) => {
    if (message.kind === 'crash') {
      if (options.testHooks) {
        crash(engine, message.how, options.exit);
      }
      return;
    }
    if (message.kind === 'call') {
      port.post({ kind: 'accepted', id: message.id });
    }
    void answer(engine, message).then((result) =>
      port.post({ kind: 'result', id: (message as { id: number }).id, result }),
    );
  });
  port.post({ kind: 'ready' });
  return engine;
}

function crash(engine: Engine, how: EngineCrashMessage['how'], exit: (code: number) => void): void {
  if (how === 'exit') {
    exit(3);
    return;
  }
  if (how === 'abort') {
    engine.failure(Object.assign(new Error('Aborted(OOM)'), { name: 'RuntimeError' }));
    return;
  }
  later(() => {
    throw new Error('Test hook: the engine threw on purpose.');
  });
}
