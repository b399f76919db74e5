// Activation statistics and feature maps: exact values on known arrays, then every layer of a
// tiny ResNeXt (depth 50, input 32, 10 classes) through the profiler's statistics pass.
import { beforeAll, describe, expect, it } from 'vitest';
import { activationStats, featureMaps } from '../../engine/core/activations';
import { useBackend } from '../../engine/node/backends';
import {
  imageToValues,
  makeInput,
  seededNormal,
  syntheticInput,
} from '../../engine/core/inputData';
import { decodeImage } from '../../engine/node/images';
import { runProfile } from '../../engine/core/profiler';
import { TfjsRuntime, type TfjsModel } from '../../engine/core/tfjsRuntime';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { DEFAULT_CONFIG, type ModelConfig, inputShapeOf } from '../../shared/modelConfig';
import { DEFAULT_PROFILE, type ActivationStats } from '../../shared/profile';

const TINY: ModelConfig = { ...DEFAULT_CONFIG, depth: 50, inputSize: 32, classes: 10 };

describe('activationStats', () => {
  it('gives min, max, mean, std and the fraction of zeros', () => {
    const stats = activationStats(7, Float32Array.from([0, 0, 1, 3]));
    expect(stats).toEqual({
      layerId: 7,
      min: 0,
      max: 3,
      mean: 1,
      std: Math.sqrt((1 + 1 + 0 + 4) / 4),
      zeroFraction: 0.5,
      nanCount: 0,
      infCount: 0,
    });
  });

  it('counts NaN and ±Inf and leaves them out of the other statistics', () => {
    const stats = activationStats(0, Float32Array.from([NaN, Infinity, -Infinity, -2, 2]));
    expect(stats).toMatchObject({ min: -2, max: 2, mean: 0, std: 2, nanCount: 1, infCount: 2 });
  });

  it('reports zeros, not NaN, for an output with no finite value', () => {
    expect(activationStats(0, Float32Array.from([NaN]))).toMatchObject({
      min: 0,
      max: 0,
      mean: 0,
      std: 0,
      nanCount: 1,
    });
  });
});

describe('featureMaps', () => {
  it('scales each channel of the first image to its own 0–255 range', () => {
    // [1, 2, 2, 2]: channel 0 holds 0,1,2,3; channel 1 holds -1,-1,-1,5.
    const data = Float32Array.from([0, -1, 1, -1, 2, -1, 3, 5, 99, 99, 99, 99, 99, 99, 99, 99]);
    const maps = featureMaps({ shape: [2, 2, 2, 2], data }, 8);
    expect(maps).toHaveLength(2);
    expect(maps[0]).toMatchObject({ channel: 0, width: 2, height: 2, min: 0, max: 3 });
    expect([...Buffer.from(maps[0].base64, 'base64')]).toEqual([0, 85, 170, 255]);
    expect([...Buffer.from(maps[1].base64, 'base64')]).toEqual([0, 0, 0, 255]);
  });

  it('gives a constant channel as black and a flat output no maps', () => {
    const maps = featureMaps({ shape: [1, 1, 2, 1], data: Float32Array.from([4, 4]) }, 1);
    expect([...Buffer.from(maps[0].base64, 'base64')]).toEqual([0, 0]);
    expect(featureMaps({ shape: [1, 10], data: new Float32Array(10) }, 4)).toEqual([]);
  });
});

describe('input data', () => {
  it('makes seeded normal values: the same seed the same values, mean ≈ 0 and std ≈ 1', () => {
    const values = seededNormal(100_000, 42);
    expect(seededNormal(100_000, 42)).toEqual(values);
    expect(seededNormal(10, 43)).not.toEqual(values.slice(0, 10));
    const stats = activationStats(0, values);
    expect(Math.abs(stats.mean)).toBeLessThan(0.02);
    expect(Math.abs(stats.std - 1)).toBeLessThan(0.02);
  });

  it('decodes PNG and JPEG and resizes to the input size in [0, 1]', async () => {
    const png = new PNG({ width: 4, height: 2 });
    png.data.fill(255);
    for (let pixel = 0; pixel < 4; pixel += 1) {
      png.data[pixel * 4] = 0; // the top row has no red
    }
    const pngImage = decodeImage(PNG.sync.write(png));
    expect([pngImage.width, pngImage.height]).toEqual([4, 2]);
    const values = imageToValues(pngImage, [2, 2, 3]);
    expect(Array.from(values.filter((_, i) => i % 3 === 1))).toEqual([1, 1, 1, 1]);
    expect(values[0]).toBeLessThan(0.5); // top row: red 0
    expect(values[2 * 3]).toBeGreaterThan(0.5); // bottom row: red 255
    const jpg = jpeg.encode({ width: 8, height: 8, data: Buffer.alloc(8 * 8 * 4, 200) }, 95);
    const input = await makeInput(
      { kind: 'image', base64: jpg.data.toString('base64') },
      inputShapeOf({ ...TINY, channels: 1 }),
      2,
      decodeImage,
    );
    expect(input.shape).toEqual([2, 32, 32, 1]);
    expect(Math.abs(input.data[0] - 200 / 255)).toBeLessThan(0.02);
    expect(input.data[32 * 32]).toBe(input.data[0]);
    expect(() => decodeImage(Uint8Array.from([1, 2, 3]), 'notes.txt')).toThrow(
      'notes.txt is neither a PNG nor a JPEG image; choose a .png or .jpg file.',
    );
  });

  it('refuses a PNG whose header asks for more than 100 megapixels before decoding it', () => {
    // A PNG of zeros compresses ~1000:1: a few MB of base64 could make the worker allocate GBs.
    const ihdr = Buffer.alloc(25);
    ihdr.writeUInt32BE(13, 0);
    ihdr.write('IHDR', 4, 'latin1');
    ihdr.writeUInt32BE(20_000, 8);
    ihdr.writeUInt32BE(10_000, 12);
    ihdr.set([8, 6, 0, 0, 0], 16);
    const bytes = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      ihdr,
    ]);
    expect(() => decodeImage(bytes, 'huge.png')).toThrow(
      'huge.png is 20000×10000 pixels, above 100 megapixels; choose a smaller image.',
    );
  });
});

describe('statistics of every layer of a tiny ResNeXt', () => {
  let runtime: TfjsRuntime;
  let model: TfjsModel;
  let stats: ActivationStats[];

  beforeAll(async () => {
    runtime = new TfjsRuntime(await useBackend('wasm'));
    model = await runtime.build(TINY);
    const input = runtime.loadInput(
      syntheticInput({ kind: 'random', seed: 42 }, inputShapeOf(TINY), 2),
    );
    const result = await runProfile(
      runtime,
      model,
      input,
      { ...DEFAULT_PROFILE, config: TINY, warmup: 0, runs: 1, stats: true },
      {
        runId: 'stats',
        emit: () => undefined,
        isCancelled: () => false,
      },
    );
    runtime.releaseInput(input);
    stats = result!.stats!;
  });

  it('has one entry per layer, finite everywhere', () => {
    expect(stats.map((entry) => entry.layerId)).toEqual([...Array(model.layerCount).keys()]);
    expect(stats.every((entry) => entry.nanCount === 0 && entry.infCount === 0)).toBe(true);
  });

  it('matches what each layer does: the input, ReLUs and the softmax', () => {
    const input = stats[0];
    expect(Math.abs(input.mean)).toBeLessThan(0.1);
    expect(Math.abs(input.std - 1)).toBeLessThan(0.1);
    const classes = model.model.layers.map((layer) => layer.getClassName());
    const relus = stats.filter((_, id) => classes[id] === 'Activation');
    expect(relus.length).toBeGreaterThan(40);
    for (const relu of relus) {
      expect(relu.min).toBe(0);
      expect(relu.zeroFraction).toBeGreaterThan(0);
    }
    const softmax = stats.at(-1)!;
    expect(softmax.min).toBeGreaterThan(0);
    expect(softmax.max).toBeLessThan(1);
    expect(softmax.mean).toBeCloseTo(1 / TINY.classes, 5);
  });
});
