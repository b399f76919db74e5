/**
 * The engine's models: one loaded at a time (built from a config, or opened from a file, on one
 * backend), and the files opened so far, kept as their description and what the host needs to
 * read them again (a file is read again when another model took its place, or on another
 * backend). What a request names (a ModelRef) is turned into a loaded, described model here.
 */
import { InspectorError } from '../../shared/errors';
import { checkedConfig, configKey, inputShapeOf, type ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import { predictGraph } from '../../shared/predictGraph';
import type { BackendName, ModelRef, OnnxMode } from '../../shared/profile';
import { describeModel } from './describe';
import { graphMemory, largestTensorBytes } from './graphMemory';
import type { EngineHost } from './host';
import type { InputShape } from './inputData';
import { checkMemory, estimateMemory, type MemoryEstimate } from './memoryGuard';
import { openModelFiles } from './models/openModel';
import type { Runtime, RuntimeModel } from './runtime';
import type { tf } from './tf';
import { TfjsRuntime, type TfjsModel } from './tfjsRuntime';

/** A model loaded on a backend, ready to run. */
export interface LoadedModel {
  key: string;
  runtime: Runtime<RuntimeModel, unknown>;
  model: RuntimeModel;
  /** Its description with weight statistics, once asked for (always, for a file). */
  graph?: ModelGraph;
}

/** A file opened before: its description and how to read it again. */
interface OpenedFile {
  spec: unknown;
  graph: ModelGraph;
  inputShape: (number | null)[];
}

/** What `describe` takes: a config, or an opened file's id. */
export type ModelSource = ModelConfig | { file: string };

/** The ModelRef of a describe argument (config fields checked). */
export function refOf(source: ModelSource): ModelRef {
  return typeof source === 'object' &&
    source !== null &&
    'file' in source &&
    typeof source.file === 'string'
    ? { file: source.file }
    : { config: checkedConfig(source) };
}

/** How many opened files the engine remembers (their descriptions; one model is loaded). */
const KEPT_FILES = 16;

/** The engine's models; see the module comment. */
export class ModelStore {
  private loaded?: LoadedModel;
  private readonly files = new Map<string, OpenedFile>();
  private nextId = 1;

  constructor(private readonly host: EngineHost) {}

  /** The loaded model, if any. */
  get current(): LoadedModel | undefined {
    return this.loaded;
  }

  /** An opened file, or NOT_FOUND. */
  private file(id: string): OpenedFile {
    const file = this.files.get(id);
    if (!file) {
      throw new InspectorError('NOT_FOUND', `No model file ${id} is open; open the file again.`);
    }
    return file;
  }

  /** Reads a model file on the `auto` backend, keeps it loaded and returns its description. */
  async open(spec: unknown, budget: number): Promise<ModelGraph> {
    const backend = await this.host.useBackend('auto');
    const id = `file-${this.nextId++}`;
    this.dispose();
    const opened = await openModelFiles(this.host.modelFiles(spec), this.host.openHdf5, {
      id,
      maxWeightBytes: budget,
      weights: true,
    });
    this.files.set(id, { spec, graph: opened.graph, inputShape: opened.inputShape });
    for (const old of this.files.keys()) {
      if (this.files.size <= KEPT_FILES) {
        break;
      }
      this.files.delete(old);
    }
    const runtime = this.tfjsRuntime(backend);
    this.loaded = {
      key: `${backend}|file=${id}`,
      runtime,
      model: runtime.wrap(opened.model, { file: id }),
      graph: opened.graph,
    };
    return opened.graph;
  }

  /** The input of a model, per image; refused for a model whose input size is left open. */
  inputShape(ref: ModelRef): InputShape {
    if (ref.config) {
      return inputShapeOf(ref.config);
    }
    const { inputShape, graph } = this.file(ref.file);
    if (inputShape.length !== 3 || inputShape.some((size) => size === null)) {
      const shown = inputShape.map((size) => size ?? 'None').join('×');
      throw new InspectorError(
        'NOT_RUNNABLE',
        `${graph.file?.fileName}: its input size is left open (${shown}); the engine runs models whose input has a fixed height, width and channels.`,
      );
    }
    return inputShape as unknown as InputShape;
  }

  /** Refuses a file model that cannot run (a layer of unknown class, an open input size). */
  checkRunnable(ref: ModelRef): void {
    if (ref.file !== undefined) {
      const { graph } = this.file(ref.file);
      if (graph.file?.notRunnable) {
        throw new InspectorError('NOT_RUNNABLE', graph.file.notRunnable);
      }
      this.inputShape(ref);
    }
  }

  /** The memory a run of a model at a batch is estimated to need; MEMORY_BUDGET above `budget`. */
  checkMemory(ref: ModelRef, batch: number, budget: number): MemoryEstimate {
    if (ref.config) {
      return checkMemory(ref.config, batch, budget);
    }
    return graphMemory(this.file(ref.file).graph, batch, budget);
  }

  /** The largest single tensor of a run, for the device limits of a GPU backend. */
  largestTensor(ref: ModelRef, batch: number): number {
    return largestTensorBytes(
      ref.config ? predictGraph(ref.config) : this.file(ref.file).graph,
      batch,
    );
  }

  /** The estimate alone, for a model known to fit. */
  estimate(ref: ModelRef, batch: number): MemoryEstimate {
    return ref.config
      ? estimateMemory(ref.config, batch)
      : graphMemory(this.file(ref.file).graph, batch, Infinity);
  }

  /**
   * The model of a ref in TensorFlow.js: the loaded one when it is on a tfjs backend (whichever:
   * a prediction after a run on cpu reuses it), else loaded on `auto`.
   */
  async tfjs(ref: ModelRef): Promise<LoadedModel & { model: TfjsModel }> {
    const loaded =
      this.loaded &&
      this.loaded.runtime instanceof TfjsRuntime &&
      this.loaded.key.endsWith(`|${keyOf(ref)}`)
        ? this.loaded
        : await this.load(ref, 'auto');
    return loaded as LoadedModel & { model: TfjsModel };
  }

  /** The description of a model (with weight statistics), loading it on `auto` if need be. */
  async describe(ref: ModelRef): Promise<{ model: tf.LayersModel; graph: ModelGraph }> {
    const loaded = await this.tfjs(ref);
    const { model } = loaded.model;
    loaded.graph ??= describeModel(model, ref.config as ModelConfig, { weights: true });
    return { model, graph: loaded.graph };
  }

  /** The model for a ref on a backend, built (or read again) unless it is the loaded one. */
  async load(
    ref: ModelRef,
    choice: BackendName | 'auto',
    onnxMode?: OnnxMode,
  ): Promise<LoadedModel> {
    const factory = choice === 'auto' ? undefined : this.host.runtimeFactory(choice);
    if (factory && ref.file !== undefined) {
      throw new InspectorError(
        'BACKEND_UNAVAILABLE',
        `ONNX Runtime runs the models built from a config; for ${this.file(ref.file).graph.file?.fileName} choose a TensorFlow.js backend.`,
      );
    }
    const backend = factory ? (choice as BackendName) : await this.host.useBackend(choice);
    const variant = factory && onnxMode ? `:${onnxMode}` : '';
    const key = `${backend}${variant}|${keyOf(ref)}`;
    if (this.loaded?.key === key) {
      return this.loaded;
    }
    this.dispose();
    if (ref.config) {
      const runtime = factory ? await factory(backend, { onnxMode }) : this.tfjsRuntime(backend);
      this.loaded = { key, runtime, model: await runtime.build(ref.config) };
      return this.loaded;
    }
    const file = this.file(ref.file);
    const opened = await openModelFiles(this.host.modelFiles(file.spec), this.host.openHdf5, {
      id: ref.file,
      maxWeightBytes: Infinity,
    });
    const runtime = this.tfjsRuntime(backend);
    this.loaded = {
      key,
      runtime,
      model: runtime.wrap(opened.model, { file: ref.file }),
      graph: file.graph,
    };
    return this.loaded;
  }

  /** The tfjs runtime on a backend, with the host's way of timing its GPU kernels. */
  private tfjsRuntime(backend: BackendName): TfjsRuntime {
    return new TfjsRuntime(backend, this.host.tfjsOptions?.(backend));
  }

  /** Frees the loaded model. */
  dispose(): void {
    if (this.loaded) {
      this.loaded.runtime.release(this.loaded.model);
      this.loaded = undefined;
    }
  }
}

function keyOf(ref: ModelRef): string {
  return ref.config ? `config=${configKey(ref.config)}` : `file=${ref.file}`;
}
