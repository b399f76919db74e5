/**
 * Builds the seed notebook's ResNeXt in TensorFlow.js, for any valid ModelConfig. The functions
 * mirror the seed line by line: `conv2dBnRelu` is `Conv2D_BN_ReLU`, `residualBlock` is
 * `residual_block`, `buildResNeXt` is `ResNeXt_101`.
 */
import {
  checkedConfig,
  configName,
  stageSpecs,
  type ModelConfig,
  type StageSpec,
} from '../../shared/modelConfig';
import { GroupedConv2D } from './groupedConv2d';
import { sharedZeros } from './sharedZeros';
import { tf } from './tf';

type SymbolicTensor = tf.SymbolicTensor;

/**
 * The seed of the first kernel's Glorot-uniform initialiser; each later kernel's is one more.
 * With the config it fixes every weight, so caches of a build (the exported ONNX) key on both.
 */
export const FIRST_WEIGHT_SEED = 1;

/**
 * How a build fills its kernels: `seeded` draws the same Glorot-uniform numbers in every build;
 * `zeros` draws none (about 10× faster on the default model), for describing the structure alone.
 */
export type WeightFill = 'seeded' | 'zeros';

/**
 * Keras-style layer names, fresh for each build: `conv2d`, `conv2d_1`, …; inputs start at
 * `input_1`. tfjs's own counters are global across builds, so we keep our own.
 */
export class LayerNamer {
  private readonly counts = new Map<string, number>();
  private seeds = FIRST_WEIGHT_SEED - 1;

  constructor(readonly fill: WeightFill = 'seeded') {}

  /**
   * The seed of the next layer's kernel initialiser. Every build of a config draws the same
   * weights, so the model described, the one profiled on another backend and the one exported
   * hold the same numbers, and runs compare on equal terms.
   */
  nextSeed(): number {
    this.seeds += 1;
    return this.seeds;
  }

  /** The next name for a layer whose Keras base name is `base` (e.g. `conv2d`). */
  next(base: string): string {
    const count = this.counts.get(base) ?? 0;
    this.counts.set(base, count + 1);
    if (base === 'input') {
      return `input_${count + 1}`;
    }
    return count === 0 ? base : `${base}_${count}`;
  }
}

interface ConvOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  groups?: number;
  useActivation?: boolean;
}

/** The next kernel's initialiser: its seed is drawn either way, so seeds stay in step. */
function kernelInitializer(names: LayerNamer): ReturnType<typeof tf.initializers.zeros> {
  const seed = names.nextSeed();
  return names.fill === 'zeros' ? sharedZeros() : tf.initializers.glorotUniform({ seed });
}

/** Conv2D (with bias, `same` padding) → BatchNormalization → optional ReLU, as in the seed. */
function conv2dBnRelu(x: SymbolicTensor, names: LayerNamer, options: ConvOptions): SymbolicTensor {
  const { filters, kernelSize, strides = 1, groups = 1, useActivation = true } = options;
  const name = names.next('conv2d');
  const conv =
    groups === 1
      ? tf.layers.conv2d({
          filters,
          kernelSize,
          strides,
          padding: 'same',
          name,
          kernelInitializer: kernelInitializer(names),
        })
      : new GroupedConv2D({
          filters,
          kernelSize,
          strides,
          padding: 'same',
          groups,
          name,
          kernelSeed: names.nextSeed(),
          ...(names.fill === 'zeros' ? { kernelInitializer: 'zeros' } : {}),
        });
  let y = conv.apply(x) as SymbolicTensor;
  y = tf.layers
    .batchNormalization({ name: names.next('batch_normalization') })
    .apply(y) as SymbolicTensor;
  if (useActivation) {
    y = tf.layers
      .activation({ activation: 'relu', name: names.next('activation') })
      .apply(y) as SymbolicTensor;
  }
  return y;
}

interface BlockOptions {
  /** Bottleneck channels (C·d·2^(stage−1)). */
  bottleneck: number;
  /** Block output channels (256·2^(stage−1)). */
  outputFilters: number;
  cardinality: number;
  /** 2 on the first block of stages 2–4. */
  strides: number;
  strideOn: ModelConfig['strideOn'];
}

/** One bottleneck block: 1×1 → grouped 3×3 → 1×1, a projection shortcut where channels grow, Add → ReLU. */
function residualBlock(
  x: SymbolicTensor,
  names: LayerNamer,
  options: BlockOptions,
): SymbolicTensor {
  const { bottleneck, outputFilters, cardinality, strides, strideOn } = options;
  const inputChannels = x.shape[3] as number;
  let y = conv2dBnRelu(x, names, {
    filters: bottleneck,
    kernelSize: 1,
    strides: strideOn === '1x1' ? strides : 1,
  });
  y = conv2dBnRelu(y, names, {
    filters: bottleneck,
    kernelSize: 3,
    strides: strideOn === '3x3' ? strides : 1,
    groups: cardinality,
  });
  y = conv2dBnRelu(y, names, { filters: outputFilters, kernelSize: 1, useActivation: false });
  let residual = x;
  if (inputChannels !== outputFilters || strides !== 1) {
    residual = conv2dBnRelu(x, names, {
      filters: outputFilters,
      kernelSize: 1,
      strides,
      useActivation: false,
    });
  }
  const sum = tf.layers.add({ name: names.next('add') }).apply([y, residual]) as SymbolicTensor;
  return tf.layers
    .activation({ activation: 'relu', name: names.next('activation') })
    .apply(sum) as SymbolicTensor;
}

function buildStage(x: SymbolicTensor, names: LayerNamer, spec: StageSpec, config: ModelConfig) {
  let y = x;
  for (let block = 0; block < spec.blocks; block += 1) {
    y = residualBlock(y, names, {
      bottleneck: spec.bottleneck,
      outputFilters: spec.outputChannels,
      cardinality: config.cardinality,
      strides: block === 0 ? spec.strides : 1,
      strideOn: config.strideOn,
    });
  }
  return y;
}

/**
 * Builds ResNeXt for a config (validated first; nothing is built for a bad one). Layer names are
 * fresh per build; the model's name defaults to the config's name, e.g. `resnext101_32x4d`.
 */
export function buildResNeXt(
  config: ModelConfig,
  modelName?: string,
  fill: WeightFill = 'seeded',
): tf.LayersModel {
  const checked = checkedConfig(config);
  const names = new LayerNamer(fill);
  const { inputSize, channels, classes } = checked;
  const input = tf.input({
    shape: [inputSize, inputSize, channels],
    dtype: 'float32',
    name: names.next('input'),
  });
  // Entry flow.
  let x = conv2dBnRelu(input, names, { filters: 64, kernelSize: 7, strides: 2 });
  x = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: names.next('max_pooling2d') })
    .apply(x) as SymbolicTensor;
  // Middle flow.
  for (const spec of stageSpecs(checked)) {
    x = buildStage(x, names, spec, checked);
  }
  // Exit flow.
  x = tf.layers
    .globalAveragePooling2d({ name: names.next('global_average_pooling2d') })
    .apply(x) as SymbolicTensor;
  const output = tf.layers
    .dense({
      units: classes,
      activation: 'softmax',
      name: names.next('dense'),
      kernelInitializer: kernelInitializer(names),
    })
    .apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: modelName ?? configName(checked) });
}
