/**
 * `predict`: one image through a person's own model, with the file's weights, in the engine
 * process; prints the top classes (with their names, given `--labels`) as text, or as JSON with
 * the whole output vector for the image.
 */
import path from 'node:path';
import { InspectorError } from '../../shared/errors';
import { INPUT_SCALES, type InputScale, type Prediction } from '../../shared/predict';
import type { ModelGraph } from '../../shared/modelGraph';
import { EngineClient } from '../../engine/node/client';
import { parseFlags, UsageError } from './args';
import type { CliCommand } from './command';
import { checkLabelCount, readLabels } from './labels';
import {
  asModelFileError,
  checkRunnable,
  MODEL_FLAG,
  modelPathFromFlags,
  openModelFlag,
} from './modelFile';
import { imageFromFlag } from './profile';

const FLAGS = {
  ...MODEL_FLAG,
  image: { kind: 'string' },
  top: { kind: 'integer' },
  labels: { kind: 'string' },
  scale: { kind: 'choice', choices: INPUT_SCALES },
  format: { kind: 'choice', choices: ['text', 'json'] },
} as const;

/** Classes listed by default. */
const DEFAULT_TOP = 5;

const USAGE = `Usage: npm run -s cli -- predict --model FILE --image IMG [flags]

Runs one image through your model (its own weights) and prints the top classes to stdout.
  --model FILE         your model: Keras .h5, .hdf5 or .keras, or a TF.js model.json (its
                       weight shards beside it)
  --image IMG          a PNG or JPEG, resized to the model's input size (bilinear)
  --top K              how many classes to list, highest first (default ${DEFAULT_TOP}, at most 1000)
  --labels FILE        class names: one a line, a JSON list, or a JSON object from index to a
                       name or [id, name] (imagenet_class_index.json)
  --scale S            how pixels are scaled, as the model was trained (default unit):
                         unit       x/255, in [0, 1]
                         symmetric  x/127.5 - 1, in [-1, 1] (MobileNet, Inception)
                         raw        x, in 0-255 (EfficientNet)
                         caffe      BGR, minus the ImageNet means 103.939, 116.779, 123.68 (VGG, ResNet50)
                         torch      (x/255 - mean)/std, ImageNet's mean and std (DenseNet, torchvision)
  --format F           text or json (the whole output vector and the top classes) (default text)`;

/** What the JSON output holds. */
interface PredictOutput {
  model: string;
  image: string;
  scale: InputScale;
  /** The model's input per image, [height, width, channels]. */
  input: (number | null)[];
  output: number[];
  outputShape: number[];
  top: { rank: number; index: number; score: number; label?: string }[];
}

function outputOf(
  graph: ModelGraph,
  image: string,
  scale: InputScale,
  prediction: Prediction,
  labels: readonly string[] | undefined,
): PredictOutput {
  return {
    model: graph.file?.fileName ?? graph.name,
    image,
    scale,
    input: (graph.layers[0]?.outputShape ?? []).slice(1),
    output: prediction.output,
    outputShape: prediction.shape,
    top: prediction.top.map((entry, rank) => ({
      rank: rank + 1,
      ...entry,
      ...(labels ? { label: labels[entry.index] } : {}),
    })),
  };
}

/** The text output: a heading, then one line per class. */
function textOf(result: PredictOutput): string {
  const input = result.input.map((size) => size ?? '?').join('×');
  const lines = [
    `${result.model} on ${result.image} (input ${input}, scale ${result.scale}): top ${result.top.length} of ${result.output.length}`,
  ];
  const indexWidth = Math.max(5, ...result.top.map((entry) => String(entry.index).length));
  for (const entry of result.top) {
    const label = entry.label === undefined ? '' : `  ${entry.label}`;
    const score = entry.score.toPrecision(6);
    lines.push(
      `${String(entry.rank).padStart(3)}.  class ${String(entry.index).padEnd(indexWidth)} ${score.padStart(12)}${label}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The engine's id of an opened model. */
function fileId(graph: ModelGraph): string {
  if (!graph.file) {
    throw new InspectorError('INTERNAL', 'The engine opened the model without naming it.');
  }
  return graph.file.id;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, FLAGS, 'predict');
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const modelPath = modelPathFromFlags(flags, []);
    if (modelPath === undefined) {
      throw new UsageError('--model FILE is required: the model to run the image through.');
    }
    if (typeof flags.image !== 'string') {
      throw new UsageError('--image IMG is required: the PNG or JPEG to classify.');
    }
    const top = flags.top === undefined ? DEFAULT_TOP : Number(flags.top);
    if (top > 1000) {
      throw new UsageError(`--top must be at most 1000, but got ${top}.`);
    }
    const scale = (flags.scale ?? 'unit') as InputScale;
    // Read before the model is opened: a bad image or labels file costs nothing.
    const image = imageFromFlag(flags.image);
    const labels = typeof flags.labels === 'string' ? readLabels(flags.labels) : undefined;
    const client = new EngineClient();
    try {
      io.err(`Opening ${path.basename(modelPath)}…\n`);
      const graph = await openModelFlag(modelPath, (paths) => client.openModel(paths));
      checkRunnable(graph);
      let prediction: Prediction;
      try {
        prediction = await client.predict({ file: fileId(graph) }, { ...image, scale }, { top });
      } catch (error) {
        // The engine's INVALID_REQUEST here is about the flags: a scale or an image the model
        // cannot take (`--scale caffe` on a greyscale model).
        throw error instanceof InspectorError && error.code === 'INVALID_REQUEST'
          ? new UsageError(error.message)
          : asModelFileError(error);
      }
      if (labels && typeof flags.labels === 'string') {
        checkLabelCount(labels, prediction.output.length, path.basename(flags.labels));
      }
      const result = outputOf(graph, image.fileName ?? 'the image', scale, prediction, labels);
      io.out(flags.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : textOf(result));
      return 0;
    } finally {
      await client.dispose();
    }
  },
};
