/**
 * The values a profile run feeds the model, made without any runtime: seeded random normal,
 * zeros, or an image (decoded by the host: pngjs and jpeg-js in Node, the browser's decoder in a
 * window) resized bilinearly to the input size, scaled (to [0, 1] unless the input names another
 * scale) and repeated over the batch.
 */
import { base64ToBytes } from '../../shared/base64';
import { InspectorError } from '../../shared/errors';
import {
  CAFFE_MEAN_RGB,
  INPUT_SCALES,
  TORCH_MEAN,
  TORCH_STD,
  type InputScale,
} from '../../shared/predict';
import type { InputSource } from '../../shared/profile';
import type { InputBatch } from './runtime';

/** An image as 8-bit RGBA pixels. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** Decodes PNG or JPEG bytes into RGBA; throws InspectorError INVALID_REQUEST naming the file. */
export type ImageDecoder = (bytes: Uint8Array, fileName: string) => RgbaImage | Promise<RgbaImage>;

/** The input of a model, per image: [height, width, channels]. */
export type InputShape = readonly [height: number, width: number, channels: number];

/** A small, fast seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills an array with standard normal values from a seed (Box–Muller); the same seed, the same values. */
export function seededNormal(count: number, seed: number): Float32Array {
  const uniform = seededUniform(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < count) {
      values[i + 1] = radius * Math.sin(angle);
    }
  }
  return values;
}

/** Samples one channel of an RGBA image bilinearly at a fractional position. */
function sample(image: RgbaImage, x: number, y: number, channel: number): number {
  const x0 = Math.max(0, Math.min(image.width - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(image.height - 1, Math.floor(y)));
  const x1 = Math.min(image.width - 1, x0 + 1);
  const y1 = Math.min(image.height - 1, y0 + 1);
  const fx = Math.max(0, Math.min(1, x - x0));
  const fy = Math.max(0, Math.min(1, y - y0));
  const at = (px: number, py: number): number => image.data[(py * image.width + px) * 4 + channel];
  const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
  const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * What one 0–255 value of channel `c` becomes under a scale (see shared/predict.ts). caffe takes
 * channels in BGR order, so its channel c is the image's channel 2 − c with that channel's mean.
 */
function scaler(scale: InputScale): (value: number, channel: number) => number {
  switch (scale) {
    case 'unit':
      return (value) => value / 255;
    case 'symmetric':
      return (value) => value / 127.5 - 1;
    case 'raw':
      return (value) => value;
    case 'caffe':
      return (value, channel) => value - CAFFE_MEAN_RGB[2 - channel];
    case 'torch':
      return (value, channel) => (value / 255 - TORCH_MEAN[channel]) / TORCH_STD[channel];
    default:
      throw new InspectorError(
        'INVALID_REQUEST',
        `The image scale must be one of ${INPUT_SCALES.join(', ')}, but got "${String(scale)}".`,
      );
  }
}

/**
 * Resizes an image to height×width (bilinear, pixel centres aligned as tf.image.resizeBilinear with
 * half-pixel centres) and returns `channels` values per pixel, scaled (default `unit`, [0, 1]):
 * grey for 1 channel, RGB for 3 (BGR under `caffe`), RGBA for 4.
 */
export function imageToValues(
  image: RgbaImage,
  inputShape: InputShape,
  scale: InputScale = 'unit',
): Float32Array {
  const [height, width, channels] = inputShape;
  if (![1, 3, 4].includes(channels)) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `An image input needs a model with 1, 3 or 4 channels, but the model has ${channels}; use random or zeros input.`,
    );
  }
  if ((scale === 'caffe' || scale === 'torch') && channels !== 3) {
    // Their means and deviations are ImageNet's three colour channels.
    throw new InspectorError(
      'INVALID_REQUEST',
      `The ${scale} scale is for RGB models (3 channels), but the model has ${channels}; use unit, symmetric or raw.`,
    );
  }
  const scaled = scaler(scale);
  const source = (c: number): number => (scale === 'caffe' ? 2 - c : c);
  const values = new Float32Array(height * width * channels);
  const scaleX = image.width / width;
  const scaleY = image.height / height;
  for (let row = 0; row < height; row += 1) {
    const y = (row + 0.5) * scaleY - 0.5;
    for (let col = 0; col < width; col += 1) {
      const x = (col + 0.5) * scaleX - 0.5;
      const base = (row * width + col) * channels;
      if (channels === 1) {
        const grey =
          0.299 * sample(image, x, y, 0) +
          0.587 * sample(image, x, y, 1) +
          0.114 * sample(image, x, y, 2);
        values[base] = scaled(grey, 0);
      } else {
        for (let c = 0; c < channels; c += 1) {
          values[base + c] = scaled(sample(image, x, y, source(c)), c);
        }
      }
    }
  }
  return values;
}

/** Random or zero input, shaped [batch, height, width, channels]: no decoding, so synchronous. */
export function syntheticInput(
  source: Extract<InputSource, { kind: 'random' | 'zeros' }>,
  inputShape: InputShape,
  batch: number,
): InputBatch {
  const [height, width, channels] = inputShape;
  const count = height * width * channels * batch;
  return {
    shape: [batch, height, width, channels],
    data: source.kind === 'zeros' ? new Float32Array(count) : seededNormal(count, source.seed),
  };
}

/** Makes the input batch a request asks for, shaped [batch, height, width, channels]. */
export async function makeInput(
  source: InputSource,
  inputShape: InputShape,
  batch: number,
  decode: ImageDecoder,
): Promise<InputBatch> {
  const [height, width, channels] = inputShape;
  const shape = [batch, height, width, channels] as const;
  const perImage = height * width * channels;
  switch (source.kind) {
    case 'zeros':
    case 'random':
      return syntheticInput(source, inputShape, batch);
    case 'image': {
      const fileName = source.fileName ?? 'the image';
      const image = await decode(base64ToBytes(source.base64), fileName);
      const one = imageToValues(image, [height, width, channels], source.scale);
      const data = new Float32Array(perImage * batch);
      for (let i = 0; i < batch; i += 1) {
        data.set(one, i * perImage);
      }
      return { shape, data };
    }
    case 'upload':
      // Only the browser-mode server holds uploads; it replaces them with the image before here.
      throw new InspectorError(
        'INVALID_REQUEST',
        'An upload input is resolved by the browser-mode server that holds the upload; send the image itself (kind "image") here.',
      );
    default:
      throw new InspectorError('INVALID_REQUEST', 'The input kind must be random, zeros or image.');
  }
}
