/**
 * The values a profile run feeds the model, made without any runtime: seeded random normal,
 * zeros, or a PNG/JPEG image decoded (pngjs, jpeg-js) and resized bilinearly to the input size,
 * scaled to [0, 1] and repeated over the batch.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InspectorError } from '../../shared/errors';
import type { ModelConfig } from '../../shared/modelConfig';
import type { InputSource } from '../../shared/profile';
import type { InputBatch } from './runtime';

/** An image as 8-bit RGBA pixels. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

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

/** The most pixels an image input may decode to (as jpeg-js's limit below): 100 megapixels. */
const MAX_IMAGE_PIXELS = 100e6;

/**
 * Refuses a PNG whose header asks for more than MAX_IMAGE_PIXELS, before pngjs allocates them:
 * zeros compress ~1000:1, so a few MB of request could make the worker allocate gigabytes.
 */
function checkPngSize(bytes: Uint8Array, fileName: string): void {
  if (bytes.length < 24) {
    return; // too short to hold IHDR: pngjs says what is wrong
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${fileName} is ${width}×${height} pixels, above ${MAX_IMAGE_PIXELS / 1e6} megapixels; choose a smaller image.`,
    );
  }
}

/** Decodes PNG or JPEG bytes, told apart by their signature. */
export function decodeImage(bytes: Uint8Array, fileName = 'the image'): RgbaImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (isPng) {
    checkPngSize(bytes, fileName);
  }
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    if (isJpeg) {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      });
      return { width: image.width, height: image.height, data: image.data };
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InspectorError('INVALID_REQUEST', `Could not decode ${fileName}: ${reason}.`);
  }
  throw new InspectorError(
    'INVALID_REQUEST',
    `${fileName} is neither a PNG nor a JPEG image; choose a .png or .jpg file.`,
  );
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
 * Resizes an image to size×size (bilinear, pixel centres aligned as tf.image.resizeBilinear with
 * half-pixel centres) and returns `channels` values per pixel in [0, 1]: grey for 1 channel, RGB
 * for 3, RGBA for 4.
 */
export function imageToValues(image: RgbaImage, size: number, channels: number): Float32Array {
  if (![1, 3, 4].includes(channels)) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `An image input needs a model with 1, 3 or 4 channels, but the model has ${channels}; use random or zeros input.`,
    );
  }
  const values = new Float32Array(size * size * channels);
  const scaleX = image.width / size;
  const scaleY = image.height / size;
  for (let row = 0; row < size; row += 1) {
    const y = (row + 0.5) * scaleY - 0.5;
    for (let col = 0; col < size; col += 1) {
      const x = (col + 0.5) * scaleX - 0.5;
      const base = (row * size + col) * channels;
      if (channels === 1) {
        const grey =
          0.299 * sample(image, x, y, 0) +
          0.587 * sample(image, x, y, 1) +
          0.114 * sample(image, x, y, 2);
        values[base] = grey / 255;
      } else {
        for (let c = 0; c < channels; c += 1) {
          values[base + c] = sample(image, x, y, c) / 255;
        }
      }
    }
  }
  return values;
}

/** Makes the input batch a request asks for, shaped [batch, size, size, channels]. */
export function makeInput(source: InputSource, config: ModelConfig, batch: number): InputBatch {
  const shape = [batch, config.inputSize, config.inputSize, config.channels] as const;
  const perImage = config.inputSize * config.inputSize * config.channels;
  switch (source.kind) {
    case 'zeros':
      return { shape, data: new Float32Array(perImage * batch) };
    case 'random':
      return { shape, data: seededNormal(perImage * batch, source.seed) };
    case 'image': {
      const bytes = Buffer.from(source.base64, 'base64');
      const image = decodeImage(bytes, source.fileName ?? 'the image');
      const one = imageToValues(image, config.inputSize, config.channels);
      const data = new Float32Array(perImage * batch);
      for (let i = 0; i < batch; i += 1) {
        data.set(one, i * perImage);
      }
      return { shape, data };
    }
    default:
      throw new InspectorError('INVALID_REQUEST', 'The input kind must be random, zeros or image.');
  }
}
