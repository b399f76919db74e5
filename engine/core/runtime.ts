/**
 * The small interface through which the profiler talks to a model: build, run whole, run layer by
 * layer, release. TensorFlow.js (tfjsRuntime.ts) is the first implementation; ONNX Runtime is the
 * second. A runtime may time layers live, as each finishes (tfjs), or only from its own profiler
 * (ONNX Runtime): `liveLayerTimes` says which. Such a runtime reports a pass's layers when it has
 * read its profile: at the end of the pass, or, between `beginPasses` and `endPasses`, as late as
 * `endPasses`, so that one profiling session can serve many passes.
 */
import type { ModelConfig } from '../../shared/modelConfig';
import type { BackendName, GpuTimer, OnnxMode, ProfileMode } from '../../shared/profile';

/** Input values for one forward pass, batch-first and channels-last: [batch, height, width, channels]. */
export interface InputBatch {
  shape: readonly [number, number, number, number];
  data: Float32Array;
}

/** One layer's output, batch-first; for a feature map [batch, height, width, channels]. */
export interface LayerOutput {
  shape: readonly number[];
  data: Float32Array;
}

/** What a runtime says about one layer of one pass. */
export interface LayerRecord {
  /** The layer's id: its position in the model's topological order (ModelGraph's `id`). */
  layerId: number;
  /** Milliseconds the layer took, including the sync after it. */
  ms: number;
  /** The layer's output, when the pass was asked for outputs. */
  output?: LayerOutput;
  /** The layer a runtime fused this one into (ONNX Runtime `fast`); `ms` is then 0. */
  fusedInto?: number;
  /** GPU time of the layer's kernels, from the backend's timer queries. */
  gpuMs?: number;
}

/** Options of a layer-by-layer pass. */
export interface LayerPassOptions {
  /** Called for every layer, in topological order. */
  onLayer?: (record: LayerRecord) => void;
  /** Hand each layer's output (or those the predicate picks) to `onLayer`; for untimed passes. */
  withOutputs?: boolean | ((layerId: number) => boolean);
  /** Stop after this layer (inclusive). */
  untilLayer?: number;
  /**
   * Called between layers (or between passes, by a runtime that cannot stop inside one); resolves
   * to true to stop the pass. It may yield to the event loop, so that a cancel message gets in.
   */
  checkpoint?: () => boolean | Promise<boolean>;
}

/** The outcome of one pass. */
export interface PassResult {
  /** Wall time of the pass in milliseconds. */
  totalMs: number;
  /** Whether `checkpoint` stopped it early. */
  stopped: boolean;
}

/** Options of a whole pass. */
export interface WholePassOptions {
  /** Measure the peak bytes held during the pass (slower; for an untimed pass). */
  measurePeak?: boolean;
}

/** The outcome of one whole pass. */
export interface WholePassResult {
  totalMs: number;
  /** Peak bytes held during the pass, when asked for and the runtime can tell. */
  peakBytes?: number;
}

/** A model built by a runtime, ready to run. */
export interface RuntimeModel {
  /** The config of a model built from one. */
  readonly config?: ModelConfig;
  /** The id of a model opened from a file. */
  readonly file?: string;
  /** Number of layers, the input layer included (ModelGraph's `layers.length`). */
  readonly layerCount: number;
  /** Layer names in topological order, to match a ModelGraph. */
  readonly layerNames: readonly string[];
}

/** A way of running the model; the profiler above it is the same for every runtime. */
export interface Runtime<Model extends RuntimeModel = RuntimeModel, Input = unknown> {
  /** e.g. `tfjs`, `onnxruntime`. */
  readonly name: string;
  /** The backend that runs the passes. */
  readonly backend: BackendName;
  /**
   * Whether `runLayers` reports each layer as it finishes (true), or all of a pass's layers
   * together once its profile is read (false).
   */
  readonly liveLayerTimes: boolean;
  /** The ONNX Runtime mode, for an ONNX Runtime runtime. */
  readonly onnxMode?: OnnxMode;
  /** On a GPU backend: how it times layers' kernels (absent on a CPU backend). */
  readonly gpuTimer?: GpuTimer;
  /** Builds the model for a config; the caller has checked the config and the memory budget. */
  build(config: ModelConfig): Promise<Model>;
  /** Loads input values once per run (into a tensor, a device buffer), outside any timed pass. */
  loadInput(batch: InputBatch): Input;
  /** Frees a loaded input. */
  releaseInput(input: Input): void;
  /** One forward pass of the whole model, synced at the end. */
  runWhole(model: Model, input: Input, options?: WholePassOptions): Promise<WholePassResult>;
  /** One forward pass layer by layer, with a sync after each layer. */
  runLayers(model: Model, input: Input, options?: LayerPassOptions): Promise<PassResult>;
  /**
   * Optional: a run's passes begin, in `mode`. Until `endPasses`, `runLayers` may hold a timed
   * pass's layer records back (it still returns the pass's wall time).
   */
  beginPasses?(model: Model, mode: ProfileMode): Promise<void>;
  /**
   * Optional: a run's passes have ended. Resolves once every pass held back has handed its
   * records to its `onLayer`, pass after pass in the order they ran, each in layer order.
   */
  endPasses?(model: Model): Promise<void>;
  /** Bytes held by the runtime now (tensors), for leak checks and peak estimates. */
  memory(): { tensors: number; bytes: number };
  /** Frees everything the model holds. */
  release(model: Model): void;
}
