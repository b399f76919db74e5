// The graph a config will be described as, computed by arithmetic alone, the way the seed
// notebook wires ResNeXt. It never replaces the engine's describe(): the renderer uses it only to
// start laying out while the engine builds the model, under a key of every name, shape, parameter
// count, edge and hierarchy path, so the layout is used only if the described graph is the same. Tests
// and the benchmark use it as a fixture (test/unit/rendererFixtures.ts). `blocks` may be any list,
// so a stage repeated many times gives the benchmark's 3,000+-layer variant.
import {
  graphTotals,
  groupByPath,
  type LayerInfo,
  type LayerPath,
  type ModelGraph,
  type Shape,
} from './modelGraph';
import { BLOCKS_BY_DEPTH, configName, type ModelConfig } from './modelConfig';

/** A layer before its groups are known (they follow from its path once all are placed). */
type PlacedLayer = Omit<LayerInfo, 'groupPath' | 'outputShape'> & { outputShape: Shape };

interface Builder {
  layers: PlacedLayer[];
  counters: Map<string, number>;
}

const PREFIX: Record<string, string> = {
  InputLayer: 'input',
  Conv2D: 'conv2d',
  BatchNormalization: 'batch_normalization',
  Activation: 'activation',
  Add: 'add',
  MaxPooling2D: 'max_pooling2d',
  GlobalAveragePooling2D: 'global_average_pooling2d',
  Dense: 'dense',
};

function fresh(builder: Builder, className: string): string {
  const prefix = PREFIX[className];
  const count = builder.counters.get(prefix) ?? 0;
  builder.counters.set(prefix, count + 1);
  if (className === 'InputLayer') {
    return `input_${count + 1}`;
  }
  return count === 0 ? prefix : `${prefix}_${count}`;
}

function add(
  builder: Builder,
  className: string,
  inbound: PlacedLayer[],
  outputShape: Shape,
  path: LayerPath,
  extra: Partial<PlacedLayer> = {},
): PlacedLayer {
  const layer: PlacedLayer = {
    id: builder.layers.length,
    name: fresh(builder, className),
    className,
    outputShape,
    params: 0,
    trainableParams: 0,
    macs: 0,
    inbound: inbound.map((source) => source.name),
    path,
    ...extra,
  };
  builder.layers.push(layer);
  return layer;
}

function channels(layer: PlacedLayer): number {
  return layer.outputShape[layer.outputShape.length - 1] as number;
}

function conv(
  builder: Builder,
  input: PlacedLayer,
  filters: number,
  kernel: number,
  strides: number,
  groups: number,
  path: LayerPath,
): PlacedLayer {
  const size = Math.ceil((input.outputShape[1] as number) / strides);
  const params = kernel * kernel * (channels(input) / groups) * filters + filters;
  const macs = size * size * kernel * kernel * (channels(input) / groups) * filters;
  return add(builder, 'Conv2D', [input], [null, size, size, filters], path, {
    params,
    trainableParams: params,
    macs,
    kernelSize: [kernel, kernel],
    strides: [strides, strides],
    padding: 'same',
    groups,
    filters,
    useBias: true,
    // The engine's grouped convolution (GroupedConv2D) has no activation in its config; only a
    // stock Conv2D (groups 1) reports `linear`.
    ...(groups === 1 ? { activation: 'linear' } : {}),
  });
}

function convBn(
  builder: Builder,
  input: PlacedLayer,
  spec: { filters: number; kernel: number; strides?: number; groups?: number; relu: boolean },
  path: LayerPath,
): PlacedLayer {
  const c = conv(
    builder,
    input,
    spec.filters,
    spec.kernel,
    spec.strides ?? 1,
    spec.groups ?? 1,
    path,
  );
  const bn = add(builder, 'BatchNormalization', [c], c.outputShape, path, {
    params: 4 * spec.filters,
    trainableParams: 2 * spec.filters,
  });
  return spec.relu
    ? add(builder, 'Activation', [bn], bn.outputShape, path, { activation: 'relu' })
    : bn;
}

function block(
  builder: Builder,
  input: PlacedLayer,
  place: { stage: number; pathStage: number; index: number },
  config: ModelConfig,
): PlacedLayer {
  const { stage, index } = place;
  const out = 256 * 2 ** (stage - 1);
  const inner = config.cardinality * config.width * 2 ** (stage - 1);
  const project = channels(input) !== out;
  const strides = project && stage > 1 ? 2 : 1;
  const main: LayerPath = {
    section: 'stage',
    stage: place.pathStage,
    block: index,
    branch: 'main',
  };
  const onFirst = config.strideOn === '1x1' ? strides : 1;
  const onGrouped = config.strideOn === '3x3' ? strides : 1;
  let x = convBn(builder, input, { filters: inner, kernel: 1, strides: onFirst, relu: true }, main);
  x = convBn(
    builder,
    x,
    { filters: inner, kernel: 3, strides: onGrouped, groups: config.cardinality, relu: true },
    main,
  );
  x = convBn(builder, x, { filters: out, kernel: 1, relu: false }, main);
  let residual = input;
  if (project) {
    const shortcut: LayerPath = { ...main, branch: 'shortcut' };
    residual = convBn(builder, input, { filters: out, kernel: 1, strides, relu: false }, shortcut);
  }
  const merge: LayerPath = { ...main, branch: 'merge' };
  const sum = add(builder, 'Add', [x, residual], x.outputShape, merge);
  return add(builder, 'Activation', [sum], sum.outputShape, merge, { activation: 'relu' });
}

/**
 * Layers in the order a Keras (and tfjs) functional model lists them: by decreasing depth, the
 * longest path to the output, and in order of creation within a depth. In a projection block the
 * shortcut's convolution comes right after the main branch's last one, before either's BN.
 */
function inKerasOrder(layers: readonly PlacedLayer[]): PlacedLayer[] {
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  const depth = new Map<string, number>();
  for (let index = layers.length - 1; index >= 0; index -= 1) {
    const layer = layers[index];
    const own = depth.get(layer.name) ?? 0;
    depth.set(layer.name, own);
    for (const name of layer.inbound) {
      const source = byName.get(name);
      if (source) {
        depth.set(name, Math.max(depth.get(name) ?? 0, own + 1));
      }
    }
  }
  return layers
    .map((layer, created) => ({ layer, created, depth: depth.get(layer.name) ?? 0 }))
    .sort((a, b) => b.depth - a.depth || a.created - b.created)
    .map(({ layer }, id) => ({ ...layer, id }));
}

/**
 * A ResNeXt ModelGraph computed from the config by arithmetic, layer for layer as the seed builds
 * it (the blocks per stage from the depth unless given).
 */
export function predictGraph(
  config: ModelConfig,
  blocks: readonly number[] = BLOCKS_BY_DEPTH[config.depth],
): ModelGraph {
  const builder: Builder = { layers: [], counters: new Map() };
  const stem: LayerPath = { section: 'stem' };
  const input = add(
    builder,
    'InputLayer',
    [],
    [null, config.inputSize, config.inputSize, config.channels],
    {
      section: 'input',
    },
  );
  let x = convBn(builder, input, { filters: 64, kernel: 7, strides: 2, relu: true }, stem);
  const pooled = Math.ceil((x.outputShape[1] as number) / 2);
  x = add(builder, 'MaxPooling2D', [x], [null, pooled, pooled, 64], stem, {
    kernelSize: [3, 3],
    strides: [2, 2],
    padding: 'same',
  });
  blocks.forEach((count, stageIndex) => {
    for (let index = 1; index <= count; index += 1) {
      // Stages past the fourth repeat its channels but keep their own number, so each is a group.
      const place = { stage: Math.min(stageIndex + 1, 4), pathStage: stageIndex + 1, index };
      x = block(builder, x, place, config);
    }
  });
  const head: LayerPath = { section: 'head' };
  const gap = add(builder, 'GlobalAveragePooling2D', [x], [null, channels(x)], head);
  const denseParams = channels(x) * config.classes + config.classes;
  add(builder, 'Dense', [gap], [null, config.classes], head, {
    params: denseParams,
    trainableParams: denseParams,
    macs: channels(x) * config.classes,
    units: config.classes,
    useBias: true,
    activation: 'softmax',
  });
  const { layers, groups } = groupByPath(inKerasOrder(builder.layers));
  return { name: configName(config), config, layers, groups, totals: graphTotals(layers) };
}
