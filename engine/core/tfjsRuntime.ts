/**
 * The TensorFlow.js runtime: builds the model with buildResNeXt and runs it whole (`predict`) or
 * layer by layer, applying each layer to concrete tensors in topological order, and freeing each
 * output as soon as its last consumer has run. A layer is timed once it has finished: on a backend
 * that queues work (tfjs-node, WebGL, WebGPU) its values are read; wasm and cpu finish inside the
 * op call. On a GPU with timer queries its kernels' GPU time is taken beside the wall time.
 */
import { tf } from './tf';
import { InspectorError } from '../../shared/errors';
import type { ModelConfig } from '../../shared/modelConfig';
import type { BackendName, GpuTimer } from '../../shared/profile';
import { buildResNeXt } from './resnext';
import type {
  InputBatch,
  LayerPassOptions,
  PassResult,
  Runtime,
  RuntimeModel,
  WholePassOptions,
  WholePassResult,
} from './runtime';

/** One layer of the layer-by-layer plan. */
interface PlanStep {
  layer: tf.layers.Layer;
  /** Ids of the layers whose outputs it takes, in order; empty for the input layer. */
  inputs: number[];
  /** How many later layers take its output (model outputs count once more). */
  consumers: number;
}

/** A tfjs model with its layer-by-layer plan. */
export interface TfjsModel extends RuntimeModel {
  readonly model: tf.LayersModel;
  readonly plan: readonly PlanStep[];
}

/** Works out, once per model, which outputs each layer takes and how many layers take its own. */
export function planLayers(model: tf.LayersModel): PlanStep[] {
  const index = new Map(model.layers.map((layer, id) => [layer, id]));
  const plan: PlanStep[] = model.layers.map((layer) => ({ layer, inputs: [], consumers: 0 }));
  for (const step of plan) {
    if (step.layer.inboundNodes.length !== 1) {
      throw new InspectorError(
        'INTERNAL',
        `Layer ${step.layer.name} is used ${step.layer.inboundNodes.length} times; the profiler runs layers used once.`,
      );
    }
    for (const source of step.layer.inboundNodes[0].inboundLayers) {
      const id = index.get(source);
      if (id === undefined) {
        throw new InspectorError('INTERNAL', `Layer ${source.name} is not part of the model.`);
      }
      step.inputs.push(id);
      plan[id].consumers += 1;
    }
  }
  for (const output of model.outputLayers) {
    plan[index.get(output) ?? -1].consumers += 1;
  }
  return plan;
}

/** The TensorFlow.js runtime on the backend that is active when it is made. */
export class TfjsRuntime implements Runtime<TfjsModel, tf.Tensor4D> {
  readonly name = 'tfjs';
  readonly liveLayerTimes = true;

  /** Whether a layer's values must be read for it to have finished (not so on wasm and cpu). */
  readonly readToSync: boolean;

  /**
   * On a GPU backend, how it times each layer's kernels: with timer queries (`tf.time`'s kernel
   * ms, beside the wall time), or `none` (wall clock with a sync after each layer only).
   */
  readonly gpuTimer?: GpuTimer;

  constructor(
    readonly backend: BackendName,
    options: { gpuTimer?: GpuTimer } = {},
  ) {
    this.readToSync = !['wasm', 'cpu', 'window-wasm'].includes(backend);
    this.gpuTimer = options.gpuTimer;
  }

  async build(config: ModelConfig): Promise<TfjsModel> {
    const model = buildResNeXt(config);
    return this.wrap(model, config);
  }

  /** Wraps a model built elsewhere: from a config, or opened from a file (`{ file: id }`). */
  wrap(model: tf.LayersModel, source: ModelConfig | { file: string }): TfjsModel {
    return {
      ...('file' in source ? { file: source.file } : { config: source }),
      model,
      layerCount: model.layers.length,
      layerNames: model.layers.map((layer) => layer.name),
      plan: planLayers(model),
    };
  }

  loadInput(batch: InputBatch): tf.Tensor4D {
    return tf.tensor4d(batch.data, [...batch.shape]);
  }

  releaseInput(input: tf.Tensor4D): void {
    input.dispose();
  }

  async runWhole(
    handle: TfjsModel,
    input: tf.Tensor4D,
    options: WholePassOptions = {},
  ): Promise<WholePassResult> {
    const pass = async (): Promise<void> => {
      const output = handle.model.predict(input) as tf.Tensor;
      await output.data();
      output.dispose();
    };
    const start = performance.now();
    if (!options.measurePeak) {
      await pass();
      return { totalMs: performance.now() - start };
    }
    const info = await tf.profile(pass);
    return { totalMs: performance.now() - start, peakBytes: info.peakBytes };
  }

  async runLayers(
    handle: TfjsModel,
    input: tf.Tensor4D,
    options: LayerPassOptions = {},
  ): Promise<PassResult> {
    const { plan } = handle;
    const last = Math.min(options.untilLayer ?? plan.length - 1, plan.length - 1);
    const live = new Map<number, tf.Tensor>();
    const remaining = plan.map((step) => step.consumers);
    const release = (id: number): void => {
      remaining[id] -= 1;
      if (remaining[id] <= 0 && plan[id].inputs.length > 0) {
        live.get(id)?.dispose();
        live.delete(id);
      }
    };
    const start = performance.now();
    try {
      for (let id = 0; id <= last; id += 1) {
        if (options.checkpoint && (await options.checkpoint())) {
          return { totalMs: performance.now() - start, stopped: true };
        }
        const step = plan[id];
        const isInput = step.inputs.length === 0;
        const layerStart = performance.now();
        let output = input;
        let timing: Promise<tf.TimingInfo> | undefined;
        if (!isInput && this.timesKernels) {
          // tf.time runs the layer at once (its kernels are queued inside the call) and resolves
          // once the GPU's timer queries can be read, which may be much later: the wall time below
          // ends when the layer's values are ready, not when its timer queries are.
          timing = tf.time(() => {
            output = applyLayer(step, live) as tf.Tensor4D;
          });
        } else if (!isInput) {
          output = applyLayer(step, live) as tf.Tensor4D;
        }
        const wanted =
          typeof options.withOutputs === 'function'
            ? options.withOutputs(id)
            : Boolean(options.withOutputs);
        // wasm and cpu kernels run to completion inside the op call, so there a layer is done when
        // apply returns, and reading its values would only time a copy; tfjs-node may queue work
        // (CUDA streams), so there a layer is done when its values can be read.
        const values = wanted || (!isInput && this.readToSync) ? await output.data() : undefined;
        const ms = isInput ? 0 : performance.now() - layerStart;
        const kernelMs = timing ? (await timing).kernelMs : undefined;
        const gpuMs = typeof kernelMs === 'number' ? kernelMs : undefined;
        live.set(id, output);
        step.inputs.forEach(release);
        options.onLayer?.({
          layerId: id,
          ms,
          ...(gpuMs === undefined ? {} : { gpuMs }),
          output:
            wanted && values
              ? { shape: output.shape, data: new Float32Array(values as Float32Array) }
              : undefined,
        });
      }
      return { totalMs: performance.now() - start, stopped: false };
    } finally {
      for (const [id, tensor] of live) {
        if (plan[id].inputs.length > 0) {
          tensor.dispose();
        }
      }
    }
  }

  /** Whether layers are timed on the GPU's timer queries. */
  private get timesKernels(): boolean {
    return this.gpuTimer === 'timestamp-query' || this.gpuTimer === 'disjoint-timer-query';
  }

  memory(): { tensors: number; bytes: number } {
    const { numTensors, numBytes } = tf.memory();
    return { tensors: numTensors, bytes: numBytes };
  }

  release(handle: TfjsModel): void {
    handle.model.dispose();
  }
}

function applyLayer(step: PlanStep, live: Map<number, tf.Tensor>): tf.Tensor {
  const inputs = step.inputs.map((id) => {
    const tensor = live.get(id);
    if (!tensor) {
      throw new InspectorError(
        'INTERNAL',
        `The input of layer ${step.layer.name} was freed early.`,
      );
    }
    return tensor;
  });
  return tf.tidy(() => {
    const result = step.layer.apply(inputs.length === 1 ? inputs[0] : inputs, {
      training: false,
    });
    return Array.isArray(result) ? (result[0] as tf.Tensor) : (result as tf.Tensor);
  });
}
