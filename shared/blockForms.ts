/**
 * The three equivalent forms of a ResNeXt block (the paper's Figure 3): (a) C parallel paths
 * 1×1 → 3×3 → 1×1 whose outputs are summed, (b) the same paths concatenated before one 1×1, and
 * (c) one grouped 3×3 convolution, as the seed builds it. Here: what a block is made of, read from
 * a ModelGraph, and the parameters each form holds. The engine (engine/core/blockForms.ts) runs
 * forms (a) and (c) on the same input and adds the measured fields.
 */
import { InspectorError } from './errors';
import type { LayerInfo, ModelGraph } from './modelGraph';

/** The parameters of a block's residual branch in one form. */
export interface FormParams {
  /** Convolution kernels: the same in every form. */
  weights: number;
  /** Convolution biases: where the forms differ (form (a) has one bias per path in its last 1×1). */
  biases: number;
  /** BatchNormalization's four values per channel: the same in every form. */
  batchNorm: number;
  total: number;
}

/** A block's structure, read from its graph. */
export interface BlockStructure {
  stage: number;
  block: number;
  /** Names of the block's layers: the main branch's three convolutions and the shortcut's. */
  layers: { first: string; grouped: string; last: string; shortcut: string | null };
  /** The block's input and output, [height, width, channels]. */
  input: [number, number, number];
  output: [number, number, number];
  /** Cardinality C: the number of paths of form (a). */
  paths: number;
  /** Channels of one path (the bottleneck width per group). */
  pathWidth: number;
  /** Channels of the whole bottleneck, C × pathWidth. */
  bottleneck: number;
  /** Strides of the first 1×1 and of the 3×3 convolution. */
  strides: { first: number; grouped: number };
  /** Parameters of the residual branch in forms (a), (b) and (c); the shortcut's apart. */
  params: { a: FormParams; b: FormParams; c: FormParams; shortcut: number };
}

/** A block run in forms (a) and (c) on the same input, in the engine. */
export interface BlockForms extends BlockStructure {
  /** The largest absolute difference between the two outputs. */
  maxAbsDiff: number;
  /** The largest absolute value of the grouped form's output, for scale. */
  maxAbsOutput: number;
  /** Median milliseconds of one run of the block in form (c), one grouped convolution. */
  groupedMs: number;
  /** Median milliseconds of one run in form (a), C separate paths. */
  pathsMs: number;
  /** Timed runs of each form (after one warm-up). */
  runs: number;
  /** The tfjs backend that ran them. */
  backend: string;
  /** The seed of the random input, uniform in [0, 1) as after a ReLU. */
  inputSeed: number;
}

const shape3 = (layer: LayerInfo): [number, number, number] => {
  const [, h, w, c] = layer.outputShape ?? [];
  return [h ?? 1, w ?? 1, c ?? 1];
};

const biasOf = (layer: LayerInfo): number => (layer.useBias ? (layer.filters ?? 0) : 0);

/** The blocks of each stage in a graph: stage number → the number of blocks. */
export function blocksByStage(graph: ModelGraph): Map<number, number> {
  const blocks = new Map<number, number>();
  for (const group of graph.groups) {
    if (group.kind === 'block' && group.stage !== undefined && group.block !== undefined) {
      blocks.set(group.stage, Math.max(blocks.get(group.stage) ?? 0, group.block));
    }
  }
  return blocks;
}

/** Throws NOT_FOUND, naming the blocks there are, unless the graph has this block. */
export function checkBlock(graph: ModelGraph, stage: number, block: number): void {
  const blocks = blocksByStage(graph);
  const stages = [...blocks.keys()].sort((a, b) => a - b);
  const count = blocks.get(stage);
  if (count === undefined) {
    throw new InspectorError(
      'NOT_FOUND',
      stages.length === 0
        ? 'This model has no ResNeXt blocks to show as paths.'
        : `No stage ${stage}: the model has stages ${stages[0]}–${stages.at(-1)}.`,
    );
  }
  if (block < 1 || block > count) {
    throw new InspectorError(
      'NOT_FOUND',
      `No block ${block} in stage ${stage}: it has blocks 1–${count}.`,
    );
  }
}

/**
 * Reads a block's structure from its graph: the main branch's 1×1, grouped 3×3 and 1×1
 * convolutions, the projection shortcut if any, and the parameters each form of the block holds.
 */
export function blockStructure(graph: ModelGraph, stage: number, block: number): BlockStructure {
  checkBlock(graph, stage, block);
  const inBlock = graph.layers.filter(
    (layer) => layer.path.stage === stage && layer.path.block === block,
  );
  const convs = (branch: 'main' | 'shortcut') =>
    inBlock.filter((layer) => layer.className === 'Conv2D' && layer.path.branch === branch);
  const main = convs('main');
  const [shortcut] = convs('shortcut');
  if (main.length !== 3) {
    throw new InspectorError(
      'NOT_FOUND',
      `Block ${block} of stage ${stage} has ${main.length} convolutions on its main branch; paths need a 1×1 → 3×3 → 1×1 bottleneck.`,
    );
  }
  const [first, grouped, last] = main;
  const byName = new Map(graph.layers.map((layer) => [layer.name, layer]));
  const source = byName.get(first.inbound[0] ?? '');
  const outputLayer = inBlock.at(-1);
  if (!source || !outputLayer) {
    throw new InspectorError('INTERNAL', `Block ${block} of stage ${stage} has no input.`);
  }
  const paths = grouped.groups ?? 1;
  const bottleneck = grouped.filters ?? 0;
  const out = last.filters ?? 0;
  const batchNorm = inBlock
    .filter((layer) => layer.className === 'BatchNormalization' && layer.path.branch === 'main')
    .reduce((sum, layer) => sum + layer.params, 0);
  const weights = main.reduce((sum, layer) => sum + layer.params - biasOf(layer), 0);
  const earlyBiases = biasOf(first) + biasOf(grouped);
  const form = (biases: number): FormParams => ({
    weights,
    biases,
    batchNorm,
    total: weights + biases + batchNorm,
  });
  const shortcutBn = inBlock.filter(
    (layer) => layer.className === 'BatchNormalization' && layer.path.branch === 'shortcut',
  );
  return {
    stage,
    block,
    layers: {
      first: first.name,
      grouped: grouped.name,
      last: last.name,
      shortcut: shortcut?.name ?? null,
    },
    input: shape3(source),
    output: shape3(outputLayer),
    paths,
    pathWidth: bottleneck / paths,
    bottleneck,
    strides: { first: first.strides?.[0] ?? 1, grouped: grouped.strides?.[0] ?? 1 },
    params: {
      // Each path's last 1×1 carries its own bias in form (a); (b) and (c) have one.
      a: form(earlyBiases + (last.useBias ? paths * out : 0)),
      b: form(earlyBiases + biasOf(last)),
      c: form(earlyBiases + biasOf(last)),
      shortcut: [shortcut, ...shortcutBn].reduce((sum, layer) => sum + (layer?.params ?? 0), 0),
    },
  };
}
