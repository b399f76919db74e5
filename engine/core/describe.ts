/**
 * Describes a built ResNeXt as the shared ModelGraph: one LayerInfo per Keras layer, in the
 * model's topological order, with shapes, parameters, MACs, configuration and hierarchy path.
 */
import { InspectorError } from '../../shared/errors';
import { stageSpecs, type ModelConfig } from '../../shared/modelConfig';
import {
  graphTotals,
  groupByPath,
  type LayerInfo,
  type LayerPath,
  type ModelGraph,
  type Shape,
  type WeightInfo,
} from '../../shared/modelGraph';
import { GroupedConv2D } from './groupedConv2d';
import type { tf } from './tf';

type Layer = tf.layers.Layer;

/** Options of describeModel. */
export interface DescribeOptions {
  /** Include every weight tensor with min/max/mean/std (reads all weights: slower). */
  weights?: boolean;
}

const product = (shape: readonly (number | null)[]): number =>
  shape.reduce<number>((total, size) => total * (size ?? 1), 1);

const pairOf = (value: unknown): [number, number] | undefined => {
  if (typeof value === 'number') {
    return [value, value];
  }
  if (Array.isArray(value) && value.length === 2) {
    return [Number(value[0]), Number(value[1])];
  }
  return undefined;
};

function outputShapeOf(layer: Layer): Shape {
  const shape = layer.outputShape as (number | null)[] | (number | null)[][];
  return (Array.isArray(shape[0]) ? shape[0] : shape) as Shape;
}

function inboundOf(layer: Layer): string[] {
  const node = layer.inboundNodes[0];
  return node ? node.inboundLayers.map((source) => source.name) : [];
}

/** Classes whose multiply-accumulates are counted (a depthwise convolution is a grouped one). */
const MAC_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);

/**
 * Multiply-accumulates at batch 1: output positions × kernel size, for Conv2D (grouped as
 * grouped), DepthwiseConv2D and Dense only.
 */
function macsOf(layer: Layer, className: string, outputShape: Shape): number {
  if (!MAC_CLASSES.has(className)) {
    return 0;
  }
  const kernel = layer.weights.find((weight) => weight.originalName.endsWith('kernel'));
  if (!kernel) {
    return 0;
  }
  const positions = className === 'Dense' ? 1 : product(outputShape.slice(1, 3));
  return positions * product(kernel.shape);
}

function configFields(layer: Layer): Partial<LayerInfo> {
  const config = layer.getConfig();
  const fields: Partial<Record<keyof LayerInfo, unknown>> = {
    kernelSize: pairOf(config.kernelSize ?? config.poolSize),
    strides: pairOf(config.strides),
    padding: typeof config.padding === 'string' ? config.padding : undefined,
    groups:
      layer instanceof GroupedConv2D
        ? layer.groups
        : layer.getClassName() === 'Conv2D'
          ? 1
          : undefined,
    filters: typeof config.filters === 'number' ? config.filters : undefined,
    units: typeof config.units === 'number' ? config.units : undefined,
    useBias: typeof config.useBias === 'boolean' ? config.useBias : undefined,
    activation: typeof config.activation === 'string' ? config.activation : undefined,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Partial<LayerInfo>;
}

/**
 * A weight tensor's summary from its values: min, max, mean and (population) standard deviation,
 * two indexed passes (an iterator over 44 M values costs several times as much).
 */
export function weightSummary(
  name: string,
  shape: readonly number[],
  trainable: boolean,
  values: ArrayLike<number>,
): WeightInfo {
  const count = values.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < count; i += 1) {
    const value = values[i];
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
  }
  const mean = count > 0 ? sum / count : 0;
  let squares = 0;
  for (let i = 0; i < count; i += 1) {
    squares += (values[i] - mean) ** 2;
  }
  return {
    name,
    shape: [...shape],
    count,
    trainable,
    min: count > 0 ? min : 0,
    max: count > 0 ? max : 0,
    mean,
    std: count > 0 ? Math.sqrt(squares / count) : 0,
  };
}

function weightStats(layer: Layer): WeightInfo[] {
  return layer.weights.map((weight) =>
    weightSummary(
      weight.originalName.split('/').pop() ?? weight.originalName,
      weight.shape as number[],
      weight.trainable,
      weight.read().dataSync(),
    ),
  );
}

/**
 * Places each layer in the hierarchy from the graph alone: every Add closes one block; walking
 * back from its first input (the main branch) and its second (the shortcut) up to the layer that
 * feeds both (the block input) finds the block's layers. Before the first block is the stem,
 * after the last the head. Works for any depth and either stride placement.
 */
export function layerPaths(layers: readonly Layer[], config: ModelConfig): LayerPath[] {
  const index = new Map(layers.map((layer, position) => [layer.name, position]));
  const outbound = layers.map(() => 0);
  const inbound = layers.map((layer) => inboundOf(layer).map((name) => index.get(name) ?? -1));
  inbound.forEach((sources) => sources.forEach((source) => (outbound[source] += 1)));
  const blockOf = stageSpecs(config).flatMap((spec) =>
    Array.from({ length: spec.blocks }, (_, block) => ({ stage: spec.stage, block: block + 1 })),
  );
  const adds = layers.flatMap((layer, position) =>
    layer.getClassName() === 'Add' ? [position] : [],
  );
  if (adds.length !== blockOf.length) {
    throw new InspectorError(
      'INTERNAL',
      `Expected ${blockOf.length} residual blocks for depth ${config.depth}, but the model has ${adds.length}.`,
    );
  }
  const paths: (LayerPath | undefined)[] = layers.map((layer) =>
    layer.getClassName() === 'InputLayer' ? { section: 'input' } : undefined,
  );
  adds.forEach((add, number) => {
    const { stage, block } = blockOf[number];
    const place = (position: number, branch: LayerPath['branch']) => {
      paths[position] = { section: 'stage', stage, block, branch };
    };
    place(add, 'merge');
    layers.forEach((_, position) => {
      if (inbound[position].length === 1 && inbound[position][0] === add) {
        place(position, 'merge');
      }
    });
    inbound[add].forEach((source, which) => {
      let position = source;
      while (position >= 0 && outbound[position] < 2 && paths[position] === undefined) {
        place(position, which === 0 ? 'main' : 'shortcut');
        position = inbound[position][0] ?? -1;
      }
    });
  });
  const first = paths.findIndex((path) => path?.section === 'stage');
  return paths.map((path, position) => path ?? { section: position < first ? 'stem' : 'head' });
}

/** What describeLayer gives: every fact of a layer but its place in a hierarchy. */
export type LayerFacts = Omit<LayerInfo, 'path' | 'groupPath'>;

/** One layer's facts: class, shape, parameters, MACs, configuration, inbound layers. */
export function describeLayer(layer: Layer, id: number, options: DescribeOptions = {}): LayerFacts {
  const className = layer instanceof GroupedConv2D ? 'Conv2D' : layer.getClassName();
  const outputShape = outputShapeOf(layer);
  const trainableParams = layer.trainableWeights.reduce((sum, w) => sum + product(w.shape), 0);
  const info: LayerFacts = {
    id,
    name: layer.name,
    className,
    outputShape,
    params: layer.countParams(),
    trainableParams,
    macs: macsOf(layer, className, outputShape),
    ...configFields(layer),
    inbound: inboundOf(layer),
  };
  return options.weights ? { ...info, weights: weightStats(layer) } : info;
}

/** Describes a built ResNeXt; `weights: true` adds statistics of every weight tensor. */
export function describeModel(
  model: tf.LayersModel,
  config: ModelConfig,
  options: DescribeOptions = {},
): ModelGraph {
  const paths = layerPaths(model.layers, config);
  const placed = model.layers.map((layer, id) => ({
    ...describeLayer(layer, id, options),
    path: paths[id],
  }));
  const { layers, groups } = groupByPath(placed);
  return { name: model.name, config, layers, groups, totals: graphTotals(layers) };
}
