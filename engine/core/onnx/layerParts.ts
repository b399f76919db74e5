/**
 * The pieces the layer converters share: Keras `same` padding as explicit ONNX pads, a layer's
 * weights by Keras name, the kernel transpose HWIO → OIHW, and activation nodes.
 */
import type * as tf from '@tensorflow/tfjs';
import { intAttribute, type OnnxNode } from './onnxProto';

/** How `same` padding is written; only `keras` is right, the others exist to prove a test catches them. */
export type PaddingMode = 'keras' | 'same-lower' | 'symmetric';

/** A number or a pair of numbers from a Keras config (kernel size, strides), as a pair. */
export const pair = (value: unknown, name: string): [number, number] => {
  if (typeof value === 'number') {
    return [value, value];
  }
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw new Error(`Expected ${name} to be a number or a pair, but got ${JSON.stringify(value)}.`);
};

/**
 * ONNX `pads` [top, left, bottom, right] for a window over an input of `size` (height, width).
 * Keras `same`: output ceil(in/stride), total padding split with the odd pixel at the end.
 */
export function windowPads(
  padding: string,
  size: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number],
  mode: PaddingMode = 'keras',
): number[] {
  if (padding === 'valid') {
    return [0, 0, 0, 0];
  }
  if (padding !== 'same') {
    throw new Error(`Padding "${padding}" cannot be exported; use "same" or "valid".`);
  }
  const begin: number[] = [];
  const end: number[] = [];
  for (let axis = 0; axis < 2; axis += 1) {
    const out = Math.ceil(size[axis] / strides[axis]);
    const span = (kernel[axis] - 1) * dilation[axis] + 1;
    const total = Math.max((out - 1) * strides[axis] + span - size[axis], 0);
    const small = Math.floor(total / 2);
    const large = total - small;
    if (mode === 'keras') {
      begin.push(small);
      end.push(large);
    } else if (mode === 'same-lower') {
      begin.push(large);
      end.push(small);
    } else {
      begin.push(large);
      end.push(large);
    }
  }
  return [...begin, ...end];
}

/** The height and width of a 4-D NHWC shape; both must be known. */
export function spatial(shape: (number | null)[], layer: string): [number, number] {
  const [, height, width] = shape;
  if (shape.length !== 4 || typeof height !== 'number' || typeof width !== 'number') {
    throw new Error(`Layer ${layer} needs a 4-D input with a fixed height and width to export.`);
  }
  return [height, width];
}

/** A layer's weights by Keras name (`kernel`, `bias`, `gamma`, …), their values read out of tfjs. */
export function namedWeights(
  layer: tf.layers.Layer,
): Map<string, { shape: number[]; values: Float32Array }> {
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const variable of layer.weights) {
    const match = /([A-Za-z_]+?)(_\d+)?$/.exec(variable.originalName.split('/').pop() ?? '');
    const name = match?.[1] ?? variable.originalName;
    const tensor = variable.read();
    const data = tensor.dataSync();
    // Only read from here on, so no copy: the view keeps the values alive after a dispose.
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    weights.set(name, { shape: tensor.shape, values });
  }
  return weights;
}

/** One weight of a layer by Keras name; throws naming the ones it has. */
export function weight(
  weights: ReturnType<typeof namedWeights>,
  name: string,
  layer: string,
): { shape: number[]; values: Float32Array } {
  const found = weights.get(name);
  if (!found) {
    throw new Error(
      `Layer ${layer} has no weight "${name}" (it has ${[...weights.keys()].join(', ')}).`,
    );
  }
  return found;
}

/** Keras kernel [kh, kw, cin/groups, cout] → ONNX [cout, cin/groups, kh, kw], into `out` if given. */
export function hwioToOihw(
  values: Float32Array,
  shape: readonly number[],
  out: Float32Array = new Float32Array(values.length),
): Float32Array {
  const [kh, kw, cin, cout] = shape;
  for (let y = 0; y < kh; y += 1) {
    for (let x = 0; x < kw; x += 1) {
      for (let i = 0; i < cin; i += 1) {
        const source = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o += 1) {
          out[((o * cin + i) * kh + y) * kw + x] = values[source + o];
        }
      }
    }
  }
  return out;
}

/** The node an activation name stands for, or undefined for `linear`. */
export function activationNode(
  activation: string,
  input: string,
  output: string,
  name: string,
  rank: number,
): OnnxNode | undefined {
  const simple: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };
  if (activation === 'linear') {
    return undefined;
  }
  if (activation === 'softmax') {
    // Keras normalises the last axis, which is the channel axis 1 of an NCHW tensor.
    const axis = rank === 4 ? 1 : -1;
    return {
      name,
      opType: 'Softmax',
      input: [input],
      output: [output],
      attribute: [intAttribute('axis', axis)],
    };
  }
  const opType = simple[activation];
  if (!opType) {
    throw new Error(
      `Activation "${activation}" cannot be exported; use relu, sigmoid, tanh, softmax or linear.`,
    );
  }
  return { name, opType, input: [input], output: [output] };
}
