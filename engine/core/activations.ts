/**
 * Activation statistics of a layer's output (min, max, mean, std, zeros, NaN, Inf) and its first
 * channels as 8-bit grayscale images, each normalised to its own range, for the feature-map view.
 */
import { bytesToBase64 } from '../../shared/base64';
import type { ActivationStats, FeatureMap } from '../../shared/profile';
import type { LayerOutput } from './runtime';

/** Statistics over every value of an output; NaN and ±Inf are counted and left out of the rest. */
export function activationStats(layerId: number, values: ArrayLike<number>): ActivationStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  let zeros = 0;
  let nanCount = 0;
  let infCount = 0;
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (Number.isNaN(value)) {
      nanCount += 1;
      continue;
    }
    if (!Number.isFinite(value)) {
      infCount += 1;
      continue;
    }
    if (value === 0) {
      zeros += 1;
    }
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
    sumSquares += value * value;
  }
  const finite = values.length - nanCount - infCount;
  const mean = finite > 0 ? sum / finite : 0;
  const variance = finite > 0 ? Math.max(0, sumSquares / finite - mean * mean) : 0;
  return {
    layerId,
    min: finite > 0 ? min : 0,
    max: finite > 0 ? max : 0,
    mean,
    std: Math.sqrt(variance),
    zeroFraction: values.length > 0 ? zeros / values.length : 0,
    nanCount,
    infCount,
  };
}

/**
 * The first `channels` channels of the first image of a [batch, height, width, channels] output,
 * each as width×height grey bytes scaled from its own min (0) to its max (255). Outputs without
 * a spatial extent (Dense, global pooling) have no feature maps.
 */
export function featureMaps(output: LayerOutput, channels: number): FeatureMap[] {
  if (output.shape.length !== 4) {
    return [];
  }
  const [, height, width, depth] = output.shape;
  const count = Math.max(0, Math.min(channels, depth));
  const maps: FeatureMap[] = [];
  for (let channel = 0; channel < count; channel += 1) {
    let min = Infinity;
    let max = -Infinity;
    for (let pixel = 0; pixel < height * width; pixel += 1) {
      const value = output.data[pixel * depth + channel];
      if (Number.isFinite(value)) {
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
    }
    if (min > max) {
      min = 0;
      max = 0;
    }
    const range = max - min;
    const bytes = new Uint8Array(height * width);
    for (let pixel = 0; pixel < height * width; pixel += 1) {
      const value = output.data[pixel * depth + channel];
      bytes[pixel] =
        range > 0 && Number.isFinite(value) ? Math.round(((value - min) / range) * 255) : 0;
    }
    maps.push({
      channel,
      width,
      height,
      base64: bytesToBase64(bytes),
      min,
      max,
    });
  }
  return maps;
}
