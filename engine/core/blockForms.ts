/**
 * The paper's equivalence, run: one block of a built model in form (c), its own layers with the
 * grouped 3×3 convolution, and in form (a), C separate paths 1×1 → 3×3 → 1×1 made from the same
 * weights sliced per group and summed, on the same input. Portable (no Node or DOM API), so the
 * window's engine runs it too.
 */
import { blockStructure, type BlockForms } from '../../shared/blockForms';
import { InspectorError } from '../../shared/errors';
import type { LayerInfo, ModelGraph } from '../../shared/modelGraph';
import { tf } from './tf';

/** Options of runBlockForms. */
export interface BlockFormsOptions {
  /** Timed runs of each form after one warm-up; default 5. */
  runs?: number;
  /** Seed of the random input; default 1. */
  seed?: number;
}

type Tensor4D = tf.Tensor4D;

/** A BatchNormalization's values, as tf.batchNorm takes them. */
interface Norm {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  offset: tf.Tensor1D;
  scale: tf.Tensor1D;
  epsilon: number;
}

/** One path of form (a): the slices of the three convolutions and two normalisations it uses. */
interface Path {
  kernel1: Tensor4D;
  bias1: tf.Tensor1D;
  norm1: Norm;
  kernel2: Tensor4D;
  bias2: tf.Tensor1D;
  norm2: Norm;
  kernel3: Tensor4D;
  /** The last 1×1's bias divided among the paths, so that their sum carries it once. */
  bias3: tf.Tensor1D;
}

function weight(layer: tf.layers.Layer, name: string): tf.Tensor {
  const variable = layer.weights.find((entry) => entry.originalName.split('/').pop() === name);
  if (!variable) {
    throw new InspectorError('INTERNAL', `Layer ${layer.name} has no ${name} weight.`);
  }
  return variable.read();
}

function zerosOr(layer: tf.layers.Layer, channels: number): tf.Tensor1D {
  const bias = layer.weights.some((entry) => entry.originalName.split('/').pop() === 'bias');
  return (bias ? weight(layer, 'bias') : tf.zeros([channels])) as tf.Tensor1D;
}

function normOf(layer: tf.layers.Layer, from = 0, size?: number): Norm {
  const take = (name: string): tf.Tensor1D => {
    const values = weight(layer, name) as tf.Tensor1D;
    return size === undefined ? values.clone() : values.slice(from, size);
  };
  return {
    mean: take('moving_mean'),
    variance: take('moving_variance'),
    offset: take('beta'),
    scale: take('gamma'),
    epsilon: Number(layer.getConfig().epsilon ?? 1e-3),
  };
}

const normalise = (x: tf.Tensor, norm: Norm): Tensor4D =>
  tf.batchNorm(x as Tensor4D, norm.mean, norm.variance, norm.offset, norm.scale, norm.epsilon);

/** The graph layer a layer's output goes to next (its only consumer). */
function next(graph: ModelGraph, layer: LayerInfo, className: string): LayerInfo {
  const found = graph.layers.find(
    (entry) => entry.inbound[0] === layer.name && entry.className === className,
  );
  if (!found) {
    throw new InspectorError('INTERNAL', `No ${className} follows ${layer.name}.`);
  }
  return found;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs a block in forms (a) and (c) on one seeded input; compares and times them. */
export async function runBlockForms(
  model: tf.LayersModel,
  graph: ModelGraph,
  stage: number,
  block: number,
  options: BlockFormsOptions = {},
): Promise<BlockForms> {
  const runs = options.runs ?? 5;
  const seed = options.seed ?? 1;
  const structure = blockStructure(graph, stage, block);
  const byName = new Map(graph.layers.map((layer) => [layer.name, layer]));
  const info = (name: string): LayerInfo => byName.get(name) as LayerInfo;
  const layerOf = (entry: LayerInfo) => model.getLayer(entry.name);
  const blockLayers = graph.layers.filter(
    (layer) => layer.path.stage === stage && layer.path.block === block,
  );
  const inputName = info(structure.layers.first).inbound[0];
  const [first, grouped, last] = [
    structure.layers.first,
    structure.layers.grouped,
    structure.layers.last,
  ].map(info);
  const norms = [first, grouped, last].map((conv) =>
    layerOf(next(graph, conv, 'BatchNormalization')),
  );
  const { paths: groups, pathWidth: width } = structure;
  const out = structure.output[2];
  const cin = structure.input[2];

  // Form (a)'s weights: sliced once, as building C separate paths would hold them. The tidy keeps
  // exactly the tensors it returns: every slice the paths hold, and form (c)'s last normalisation.
  let paths: Path[] = [];
  let norm3!: Norm;
  const owned = tf.tidy(() => {
    const kernel1 = weight(layerOf(first), 'kernel') as Tensor4D;
    const kernel2 = weight(layerOf(grouped), 'kernel') as Tensor4D;
    const kernel3 = weight(layerOf(last), 'kernel') as Tensor4D;
    const [bias1, bias2] = [first, grouped].map((conv) =>
      zerosOr(layerOf(conv), structure.bottleneck),
    );
    const bias3 = tf.div(zerosOr(layerOf(last), out), groups) as tf.Tensor1D;
    paths = Array.from({ length: groups }, (_, group) => {
      const at = group * width;
      return {
        kernel1: kernel1.slice([0, 0, 0, at], [1, 1, cin, width]),
        bias1: bias1.slice(at, width),
        norm1: normOf(norms[0], at, width),
        kernel2: kernel2.slice([0, 0, 0, at], [kernel2.shape[0], kernel2.shape[1], width, width]),
        bias2: bias2.slice(at, width),
        norm2: normOf(norms[1], at, width),
        kernel3: kernel3.slice([0, 0, at, 0], [1, 1, width, out]),
        bias3,
      };
    });
    norm3 = normOf(norms[2]);
    const normTensors = (norm: Norm) => [norm.mean, norm.variance, norm.offset, norm.scale];
    return [
      bias3,
      ...normTensors(norm3),
      ...paths.flatMap((path) => [
        path.kernel1,
        path.bias1,
        ...normTensors(path.norm1),
        path.kernel2,
        path.bias2,
        ...normTensors(path.norm2),
        path.kernel3,
      ]),
    ];
  });
  const strides = structure.strides;

  /** Applies the block's own layers from `from` on: the model's form (c), or its shortcut. */
  const applyLayers = (
    x: Tensor4D,
    keep: (layer: LayerInfo) => boolean,
    values: Map<string, tf.Tensor>,
  ) => {
    values.set(inputName, x);
    let output: tf.Tensor = x;
    for (const layer of blockLayers.filter(keep)) {
      const inputs = layer.inbound.map((name) => values.get(name) as tf.Tensor);
      output = layerOf(layer).apply(inputs.length === 1 ? inputs[0] : inputs, {
        training: false,
      }) as tf.Tensor;
      values.set(layer.name, output);
    }
    return output as Tensor4D;
  };
  const runGrouped = (x: Tensor4D): Tensor4D =>
    tf.tidy(() => applyLayers(x, () => true, new Map()));
  const runPaths = (x: Tensor4D): Tensor4D =>
    tf.tidy(() => {
      const values = new Map<string, tf.Tensor>();
      const shortcut = structure.layers.shortcut
        ? applyLayers(x, (layer) => layer.path.branch === 'shortcut', values)
        : x;
      const summed = tf.addN(
        paths.map((path) => {
          let y = tf.conv2d(x, path.kernel1, strides.first, 'same').add(path.bias1);
          y = tf.relu(normalise(y, path.norm1));
          y = tf.conv2d(y as Tensor4D, path.kernel2, strides.grouped, 'same').add(path.bias2);
          y = tf.relu(normalise(y, path.norm2));
          return tf.conv2d(y as Tensor4D, path.kernel3, 1, 'same').add(path.bias3) as Tensor4D;
        }),
      );
      return tf.relu(tf.add(normalise(summed, norm3), shortcut)) as Tensor4D;
    });

  const input = tf.randomUniform([1, ...structure.input], 0, 1, 'float32', seed) as Tensor4D;
  try {
    const [c, a] = [runGrouped(input), runPaths(input)];
    const [maxAbsDiff, maxAbsOutput] = tf.tidy(() => [
      tf.max(tf.abs(tf.sub(a, c))).dataSync()[0],
      tf.max(tf.abs(c)).dataSync()[0],
    ]);
    c.dispose();
    a.dispose();
    const times = { grouped: [] as number[], paths: [] as number[] };
    for (let run = 0; run < runs; run += 1) {
      // Interleaved, so that both forms see the same load.
      for (const [form, fn] of [
        ['grouped', runGrouped],
        ['paths', runPaths],
      ] as const) {
        const start = performance.now();
        const output = fn(input);
        await output.data();
        times[form].push(performance.now() - start);
        output.dispose();
      }
    }
    return {
      ...structure,
      maxAbsDiff,
      maxAbsOutput,
      groupedMs: median(times.grouped),
      pathsMs: median(times.paths),
      runs,
      backend: tf.getBackend(),
      inputSeed: seed,
    };
  } finally {
    input.dispose();
    tf.dispose(owned);
  }
}
