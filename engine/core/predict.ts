/**
 * One input through a model, read back whole: the output vector for the image and its top
 * classes. Runs the tfjs model's own `predict` (not the profiler's layer walk), so the numbers
 * are what Keras's `model.predict` gives for the same input.
 */
import { InspectorError } from '../../shared/errors';
import {
  MAX_OUTPUT_VALUES,
  MAX_TOP,
  topClasses,
  type PredictOptions,
  type Prediction,
} from '../../shared/predict';
import type { InputBatch } from './runtime';
import { tf } from './tf';

/** Checks the options of a prediction; INVALID_REQUEST names the bad value. */
export function checkPredictOptions(options: PredictOptions): void {
  const { top } = options;
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `top must be an integer from 1 to ${MAX_TOP}, but got ${String(top)}.`,
    );
  }
}

/** Runs one image (a batch of 1) through a model and reads its first output back. */
export async function predictBatch(
  model: tf.LayersModel,
  batch: InputBatch,
  options: PredictOptions,
): Promise<Prediction> {
  checkPredictOptions(options);
  if (batch.shape[0] !== 1) {
    throw new InspectorError('INTERNAL', `predict takes one image, but got ${batch.shape[0]}.`);
  }
  const outputShape = model.outputs[0]?.shape ?? [];
  const perImage = outputShape.slice(1).reduce<number>((total, size) => total * (size ?? 1), 1);
  // Refused before the pass: an output of millions of values is a map, not classes.
  if (perImage > MAX_OUTPUT_VALUES) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `The model's output has ${perImage} values per image (${outputShape.slice(1).join('×')}), above the ${MAX_OUTPUT_VALUES} a prediction returns.`,
    );
  }
  const input = tf.tensor4d(batch.data, [...batch.shape]);
  let output: tf.Tensor | undefined;
  try {
    const result = model.predict(input);
    output = Array.isArray(result) ? result[0] : result;
    if (Array.isArray(result)) {
      result.slice(1).forEach((extra) => extra.dispose());
    }
    const values = await output.data();
    const shape = output.shape.slice(1);
    return {
      output: Array.from(values as Float32Array),
      shape,
      top: topClasses(values as Float32Array, options.top),
    };
  } finally {
    input.dispose();
    output?.dispose();
  }
}
