import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/node/backends';
import { GroupedConv2D } from '../../engine/core/groupedConv2d';
import { tf } from '../../engine/core/tf';

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[index] = state / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  size: [number, number];
  cin: number;
  cout: number;
  groups: number;
  kernel: number;
  stride: number;
  padding: 'same' | 'valid';
}

/**
 * Float64 loops: Keras/TF padding `same` puts floor(total/2) before and the rest after, so at
 * stride 2 on an even size the extra row and column go at the bottom and right.
 */
function reference(x: Float64Array, k: Float64Array, bias: Float64Array, c: Case) {
  const [h, w] = c.size;
  const out = (n: number) =>
    c.padding === 'same' ? Math.ceil(n / c.stride) : Math.ceil((n - c.kernel + 1) / c.stride);
  const [oh, ow] = [out(h), out(w)];
  const padTotal = (n: number, o: number) => Math.max((o - 1) * c.stride + c.kernel - n, 0);
  const top = c.padding === 'same' ? Math.floor(padTotal(h, oh) / 2) : 0;
  const left = c.padding === 'same' ? Math.floor(padTotal(w, ow) / 2) : 0;
  const cinG = c.cin / c.groups;
  const coutG = c.cout / c.groups;
  const y = new Float64Array(oh * ow * c.cout);
  for (let i = 0; i < oh; i += 1) {
    for (let j = 0; j < ow; j += 1) {
      for (let o = 0; o < c.cout; o += 1) {
        const g = Math.floor(o / coutG);
        let sum = bias[o];
        for (let a = 0; a < c.kernel; a += 1) {
          for (let b = 0; b < c.kernel; b += 1) {
            const r = i * c.stride + a - top;
            const s = j * c.stride + b - left;
            if (r < 0 || s < 0 || r >= h || s >= w) {
              continue;
            }
            for (let q = 0; q < cinG; q += 1) {
              const xv = x[(r * w + s) * c.cin + g * cinG + q];
              sum += xv * k[((a * c.kernel + b) * cinG + q) * c.cout + o];
            }
          }
        }
        y[(i * ow + j) * c.cout + o] = sum;
      }
    }
  }
  return { y, shape: [1, oh, ow, c.cout] };
}

const CASES: Case[] = [
  { size: [8, 8], cin: 8, cout: 12, groups: 4, kernel: 3, stride: 2, padding: 'same' },
  { size: [7, 9], cin: 6, cout: 6, groups: 3, kernel: 3, stride: 2, padding: 'same' },
  { size: [6, 6], cin: 4, cout: 8, groups: 4, kernel: 3, stride: 1, padding: 'same' },
  { size: [5, 7], cin: 6, cout: 4, groups: 2, kernel: 3, stride: 1, padding: 'valid' },
  { size: [8, 6], cin: 5, cout: 7, groups: 1, kernel: 3, stride: 2, padding: 'same' },
  { size: [10, 10], cin: 3, cout: 4, groups: 1, kernel: 7, stride: 2, padding: 'same' },
  { size: [6, 6], cin: 8, cout: 16, groups: 8, kernel: 1, stride: 2, padding: 'same' },
  { size: [9, 9], cin: 64, cout: 64, groups: 32, kernel: 3, stride: 2, padding: 'same' },
];

function runLayer(c: Case, seed: number) {
  const x = values(c.size[0] * c.size[1] * c.cin, seed);
  const k = values(c.kernel * c.kernel * (c.cin / c.groups) * c.cout, seed + 1);
  const bias = values(c.cout, seed + 2);
  const layer = new GroupedConv2D({
    filters: c.cout,
    kernelSize: c.kernel,
    strides: c.stride,
    padding: c.padding,
    groups: c.groups,
  });
  const input = tf.tensor4d(Float32Array.from(x), [1, c.size[0], c.size[1], c.cin]);
  layer.build(input.shape);
  layer.setWeights([
    tf.tensor4d(Float32Array.from(k), [c.kernel, c.kernel, c.cin / c.groups, c.cout]),
    tf.tensor1d(Float32Array.from(bias)),
  ]);
  const output = layer.apply(input) as tf.Tensor;
  const expected = reference(x, k, bias, c);
  const actual = output.dataSync();
  let maxDiff = 0;
  expected.y.forEach(
    (value, index) => (maxDiff = Math.max(maxDiff, Math.abs(value - actual[index]))),
  );
  return { shape: output.shape, expectedShape: expected.shape, maxDiff };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`GroupedConv2D numerics on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    it.each(CASES.map((c, index) => [index, c] as const))(
      'case %i matches float64 loops',
      (index, c) => {
        const { shape, expectedShape, maxDiff } = runLayer(c, 100 + index * 7);
        expect(shape).toEqual(expectedShape);
        expect(maxDiff).toBeLessThanOrEqual(1e-4);
      },
    );

    it('pads "same" at stride 2 like Keras: the extra row and column at the bottom and right', () => {
      const x = tf.tensor4d(Float32Array.from(values(64, 5)), [1, 8, 8, 1]);
      const kernel = tf.tensor4d(Float32Array.from(values(9, 6)), [3, 3, 1, 1]);
      const same = tf.conv2d(x, kernel, 2, 'same');
      const explicit = tf.conv2d(
        tf.pad(x, [
          [0, 0],
          [0, 1],
          [0, 1],
          [0, 0],
        ]),
        kernel,
        2,
        'valid',
      );
      const symmetricWrong = tf.conv2d(
        tf.pad(x, [
          [0, 0],
          [1, 0],
          [1, 0],
          [0, 0],
        ]),
        kernel,
        2,
        'valid',
      );
      expect(tf.max(tf.abs(tf.sub(same, explicit))).dataSync()[0]).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(tf.sub(same, symmetricWrong))).dataSync()[0]).toBeGreaterThan(1e-3);
      const pooled = tf.maxPool(x, 3, 2, 'same');
      const pooledExplicit = tf.maxPool(
        tf.pad(
          x,
          [
            [0, 0],
            [0, 1],
            [0, 1],
            [0, 0],
          ],
          -1e9,
        ),
        3,
        2,
        'valid',
      );
      expect(Array.from(pooled.dataSync())).toEqual(Array.from(pooledExplicit.dataSync()));
    });
  });
}

describe('GroupedConv2D as a layer', () => {
  afterAll(() => tf.disposeVariables());

  it('refuses channels its groups do not divide, naming both', () => {
    const input = tf.input({ shape: [8, 8, 130] });
    const layer = new GroupedConv2D({ filters: 64, kernelSize: 3, groups: 32 });
    expect(() => layer.apply(input)).toThrow(
      'Expected groups to divide the input channels 130, but got 32.',
    );
    expect(() => new GroupedConv2D({ filters: 60, kernelSize: 3, groups: 32 })).toThrow(
      'Expected groups to divide the filters 60, but got 32.',
    );
    expect(() => new GroupedConv2D({ filters: 64, kernelSize: 3, groups: 0 })).toThrow(
      'Expected groups to be a positive integer, but got 0.',
    );
  });

  it('keeps the Keras kernel layout [kh, kw, cin/groups, cout] and its parameter count', () => {
    const input = tf.input({ shape: [56, 56, 128] });
    const layer = new GroupedConv2D({ filters: 128, kernelSize: 3, padding: 'same', groups: 32 });
    layer.apply(input);
    expect(layer.getWeights().map((weight) => weight.shape)).toEqual([[3, 3, 4, 128], [128]]);
    expect(layer.countParams()).toBe(3 * 3 * 4 * 128 + 128);
  });

  it('survives toJSON and loading: same config, same output', async () => {
    await useBackend('cpu');
    const input = tf.input({ shape: [9, 9, 8] });
    const conv = new GroupedConv2D({
      filters: 12,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      groups: 4,
      name: 'grouped',
    });
    const model = tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
    const json = model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'];
    const loaded = await tf.models.modelFromJSON({ modelTopology: json });
    loaded.setWeights(model.getWeights());
    const loadedLayer = loaded.getLayer('grouped');
    expect(loadedLayer).toBeInstanceOf(GroupedConv2D);
    expect(loadedLayer.getConfig()).toEqual(conv.getConfig());
    const x = tf.tensor4d(Float32Array.from(values(9 * 9 * 8, 11)), [1, 9, 9, 8]);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(before.some((value) => value !== 0)).toBe(true);
  });
});
