import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/node/backends';
import { GroupedConv2D } from '../../engine/core/groupedConv2d';
import { buildResNeXt } from '../../engine/core/resnext';
import { tf } from '../../engine/core/tf';
import { BLOCKS_BY_DEPTH, DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import { closedForm } from './resnextClosedForm';

const trainableCount = (model: tf.LayersModel) =>
  model.trainableWeights.reduce(
    (sum, weight) => sum + (weight.shape as number[]).reduce((a, b) => a * b, 1),
    0,
  );

describe('buildResNeXt, the seed model', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    await useBackend('cpu');
    model = buildResNeXt(DEFAULT_CONFIG);
  });

  it('has the seed facts: 345 layers, 44,384,488 params, 44,246,632 trainable', () => {
    expect(model.layers).toHaveLength(345);
    expect(model.countParams()).toBe(44_384_488);
    expect(trainableCount(model)).toBe(44_246_632);
    expect(model.outputs[0].shape).toEqual([null, 1000]);
    expect(model.name).toBe('resnext101_32x4d');
  });

  it('names layers Keras-style, fresh from input_1 and conv2d', () => {
    const names = model.layers.map((layer) => layer.name);
    expect(names.slice(0, 5)).toEqual([
      'input_1',
      'conv2d',
      'batch_normalization',
      'activation',
      'max_pooling2d',
    ]);
    expect(names).toContain('conv2d_1');
    expect(names).toContain('add_32');
    expect(names).not.toContain('add_33');
    expect(names.slice(-2)).toEqual(['global_average_pooling2d', 'dense']);
    expect(new Set(names).size).toBe(names.length);
  });

  it('uses the grouped layer with groups=32 for every 3x3 and stride 2 on the first 1x1 of stages 2-4', () => {
    const grouped = model.layers.filter((layer) => layer instanceof GroupedConv2D);
    expect(grouped).toHaveLength(33);
    expect(grouped.every((layer) => layer.groups === 32 && layer.kernelSize[0] === 3)).toBe(true);
    expect(grouped.every((layer) => layer.strides[0] === 1)).toBe(true);
    const strided = model.layers.filter(
      (layer) =>
        layer.getClassName() === 'Conv2D' && (layer.getConfig().strides as number[])[0] === 2,
    );
    // stem 7x7, then per stage 2-4 the first 1x1 and the projection shortcut
    expect(strided.map((layer) => (layer.getConfig().kernelSize as number[])[0])).toEqual([
      7, 1, 1, 1, 1, 1, 1,
    ]);
  });
});

const OTHERS: [string, ModelConfig][] = [
  ['ResNet-50 (C=1, d=64)', { ...DEFAULT_CONFIG, depth: 50, cardinality: 1, width: 64 }],
  [
    'ResNeXt-50 64x2d, 67 px, 2 channels, 10 classes, stride on 3x3',
    {
      depth: 50,
      cardinality: 64,
      width: 2,
      inputSize: 67,
      channels: 2,
      classes: 10,
      strideOn: '3x3',
    },
  ],
];

describe.each(OTHERS)('buildResNeXt, %s', (_, config) => {
  it('matches the closed-form layer and parameter counts', async () => {
    await useBackend('cpu');
    const model = buildResNeXt(config);
    const expected = closedForm({ ...config, blocks: BLOCKS_BY_DEPTH[config.depth] });
    expect(model.layers).toHaveLength(expected.layers);
    expect(model.countParams()).toBe(expected.params);
    expect(model.countParams() - trainableCount(model)).toBe(expected.nonTrainable);
    expect(model.outputs[0].shape).toEqual([null, config.classes]);
    expect(model.layers[0].name).toBe('input_1');
    expect(model.layers[1].name).toBe('conv2d');
    model.dispose();
  });
});

describe('buildResNeXt, other facts', () => {
  it('ResNet-50 has Keras applications.ResNet50 parameter count', async () => {
    await useBackend('cpu');
    const model = buildResNeXt({ ...DEFAULT_CONFIG, depth: 50, cardinality: 1, width: 64 });
    expect(model.countParams()).toBe(25_636_712);
    expect(model.name).toBe('resnet50');
    model.dispose();
  });

  it('refuses a bad config before building anything', () => {
    const tensors = tf.memory().numTensors;
    expect(() => buildResNeXt({ ...DEFAULT_CONFIG, depth: 34 as 50, inputSize: 16 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message:
          'depth must be one of 50, 101, 152, but got 34. inputSize must be an integer of at least 32, but got 16.',
      }),
    );
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('runs a forward pass that sums to 1 per image', async () => {
    await useBackend('wasm');
    const model = buildResNeXt({ ...DEFAULT_CONFIG, depth: 50, inputSize: 32, classes: 5 });
    const output = model.predict(tf.randomNormal([2, 32, 32, 3])) as tf.Tensor;
    expect(output.shape).toEqual([2, 5]);
    const sums = Array.from(tf.sum(output, 1).dataSync());
    sums.forEach((sum) => expect(sum).toBeCloseTo(1, 4));
    model.dispose();
  });

  it('draws the same weights on every build of a config, and different ones for each layer', async () => {
    await useBackend('cpu');
    const config: ModelConfig = { ...DEFAULT_CONFIG, depth: 50, inputSize: 32, classes: 5 };
    const kernels = (model: tf.LayersModel) =>
      model.layers
        .filter((layer) => layer.getWeights().length > 0 && !layer.name.startsWith('batch_'))
        .map((layer) => Array.from(layer.getWeights()[0].dataSync().slice(0, 8)));
    const first = buildResNeXt(config);
    const second = buildResNeXt(config);
    const a = kernels(first);
    expect(kernels(second)).toEqual(a);
    // conv2d_2 and conv2d_6 have the same shape in stage 1; a shared seed would make them equal.
    expect(new Set(a.map((values) => values.join(','))).size).toBe(a.length);
    const input = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 7);
    const outputs = [first, second].map((model) => (model.predict(input) as tf.Tensor).dataSync());
    expect(Array.from(outputs[1])).toEqual(Array.from(outputs[0]));
    first.dispose();
    second.dispose();
    input.dispose();
  });
});
