import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/node/backends';
import { describeModel } from '../../engine/core/describe';
import { buildResNeXt } from '../../engine/core/resnext';
import { tf } from '../../engine/core/tf';
import { BLOCKS_BY_DEPTH, DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import type { LayerInfo, ModelGraph } from '../../shared/modelGraph';
import { closedForm } from './resnextClosedForm';

/** Layers per hierarchy place, keyed `stem`, `head`, `s2b1 main`, … */
function countByPlace(graph: ModelGraph): Map<string, LayerInfo[]> {
  const places = new Map<string, LayerInfo[]>();
  for (const layer of graph.layers) {
    const { section, stage, block, branch } = layer.path;
    const key = section === 'stage' ? `s${stage}b${block} ${branch}` : section;
    places.set(key, [...(places.get(key) ?? []), layer]);
  }
  return places;
}

/** Checks the hierarchy against the seed's structure, block by block. */
function expectSeedHierarchy(graph: ModelGraph, config: ModelConfig) {
  const places = countByPlace(graph);
  expect(places.get('input')?.map((layer) => layer.className)).toEqual(['InputLayer']);
  expect(places.get('stem')?.map((layer) => layer.className)).toEqual([
    'Conv2D',
    'BatchNormalization',
    'Activation',
    'MaxPooling2D',
  ]);
  expect(places.get('head')?.map((layer) => layer.className)).toEqual([
    'GlobalAveragePooling2D',
    'Dense',
  ]);
  BLOCKS_BY_DEPTH[config.depth].forEach((blocks, stageIndex) => {
    for (let block = 1; block <= blocks; block += 1) {
      const key = `s${stageIndex + 1}b${block}`;
      const main = places.get(`${key} main`) ?? [];
      expect(main.map((layer) => layer.className)).toEqual([
        'Conv2D',
        'BatchNormalization',
        'Activation',
        'Conv2D',
        'BatchNormalization',
        'Activation',
        'Conv2D',
        'BatchNormalization',
      ]);
      expect(main[3].groups).toBe(config.cardinality);
      const strided = block === 1 && stageIndex > 0 ? 2 : 1;
      expect(main[0].strides).toEqual(config.strideOn === '1x1' ? [strided, strided] : [1, 1]);
      expect(main[3].strides).toEqual(config.strideOn === '3x3' ? [strided, strided] : [1, 1]);
      const shortcut = places.get(`${key} shortcut`) ?? [];
      expect(shortcut.map((layer) => layer.className)).toEqual(
        block === 1 ? ['Conv2D', 'BatchNormalization'] : [],
      );
      expect(places.get(`${key} merge`)?.map((layer) => layer.className)).toEqual([
        'Add',
        'Activation',
      ]);
    }
  });
  const placed = [...places.values()].reduce((sum, layers) => sum + layers.length, 0);
  expect(placed).toBe(graph.layers.length);
}

describe('describeModel, the seed model', () => {
  let graph: ModelGraph;
  beforeAll(async () => {
    await useBackend('cpu');
    const model = buildResNeXt(DEFAULT_CONFIG);
    graph = describeModel(model, DEFAULT_CONFIG);
    model.dispose();
  });

  it('holds the seed facts', () => {
    expect(graph.name).toBe('resnext101_32x4d');
    expect(graph.totals).toEqual({
      layers: 345,
      params: 44_384_488,
      trainableParams: 44_246_632,
      nonTrainableParams: 137_856,
      macs: 7_507_574_784,
    });
    expect(graph.layers.every((layer, index) => layer.id === index)).toBe(true);
    expect(graph.layers.at(-1)?.outputShape).toEqual([null, 1000]);
  });

  it('has the stage outputs 56x56x256, 28x28x512, 14x14x1024, 7x7x2048', () => {
    const stageOutputs = [1, 2, 3, 4].map(
      (stage) => graph.layers.filter((layer) => layer.path.stage === stage).at(-1)?.outputShape,
    );
    expect(stageOutputs).toEqual([
      [null, 56, 56, 256],
      [null, 28, 28, 512],
      [null, 14, 14, 1024],
      [null, 7, 7, 2048],
    ]);
  });

  it('places every layer in stem, stage, block and branch', () => {
    expectSeedHierarchy(graph, DEFAULT_CONFIG);
  });

  it('presents the grouped convolution as Conv2D with its groups and grouped MACs', () => {
    const grouped = graph.layers.find((layer) => layer.name === 'conv2d_2');
    expect(grouped).toMatchObject({
      className: 'Conv2D',
      groups: 32,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'same',
      filters: 128,
      useBias: true,
      outputShape: [null, 56, 56, 128],
      params: 3 * 3 * 4 * 128 + 128,
      macs: 56 * 56 * 128 * 3 * 3 * 4,
      inbound: ['activation_1'],
    });
    const stem = graph.layers[1];
    expect(stem).toMatchObject({ name: 'conv2d', groups: 1, kernelSize: [7, 7], strides: [2, 2] });
    expect(stem.macs).toBe(112 * 112 * 64 * 7 * 7 * 3);
    expect(graph.layers.at(-1)).toMatchObject({
      className: 'Dense',
      units: 1000,
      activation: 'softmax',
      macs: 2048 * 1000,
    });
    const others = graph.layers.filter((layer) => !['Conv2D', 'Dense'].includes(layer.className));
    expect(others.every((layer) => layer.macs === 0)).toBe(true);
  });

  it('connects each Add to its main branch first and its shortcut second', () => {
    const adds = graph.layers.filter((layer) => layer.className === 'Add');
    expect(adds[0].inbound).toEqual(['batch_normalization_3', 'batch_normalization_4']);
    expect(adds[1].inbound).toEqual(['batch_normalization_7', 'activation_3']);
  });
});

const OTHERS: [string, ModelConfig][] = [
  [
    'ResNeXt-50 8x2d, stride on 3x3',
    {
      depth: 50,
      cardinality: 8,
      width: 2,
      inputSize: 40,
      channels: 1,
      classes: 7,
      strideOn: '3x3',
    },
  ],
  [
    'ResNeXt-152 4x4d, stride on 1x1',
    {
      depth: 152,
      cardinality: 4,
      width: 4,
      inputSize: 32,
      channels: 3,
      classes: 3,
      strideOn: '1x1',
    },
  ],
  [
    'ResNeXt-101 2x8d, stride on 3x3',
    {
      depth: 101,
      cardinality: 2,
      width: 8,
      inputSize: 33,
      channels: 3,
      classes: 2,
      strideOn: '3x3',
    },
  ],
];

describe.each(OTHERS)('describeModel, %s', (_, config) => {
  it('matches the closed-form counts and the seed hierarchy', async () => {
    await useBackend('cpu');
    const model = buildResNeXt(config);
    const graph = describeModel(model, config);
    model.dispose();
    const expected = closedForm({ ...config, blocks: BLOCKS_BY_DEPTH[config.depth] });
    expect(graph.totals).toEqual({
      layers: expected.layers,
      params: expected.params,
      trainableParams: expected.params - expected.nonTrainable,
      nonTrainableParams: expected.nonTrainable,
      macs: expected.macs,
    });
    const sizes = [1, 2, 3, 4].map(
      (stage) =>
        graph.layers.filter((layer) => layer.path.stage === stage).at(-1)?.outputShape?.[1],
    );
    expect(sizes).toEqual(expected.stageSizes);
    expectSeedHierarchy(graph, config);
  });
});

describe('describeModel with weights', () => {
  it('gives each weight tensor its shape, trainability and statistics', async () => {
    await useBackend('cpu');
    const config: ModelConfig = {
      ...DEFAULT_CONFIG,
      depth: 50,
      cardinality: 2,
      width: 2,
      inputSize: 32,
      classes: 4,
    };
    const model = buildResNeXt(config);
    const graph = describeModel(model, config, { weights: true });
    const conv = graph.layers.find((layer) => layer.name === 'conv2d_2');
    expect(conv?.weights?.map((weight) => [weight.name, weight.shape, weight.trainable])).toEqual([
      ['kernel', [3, 3, 2, 4], true],
      ['bias', [4], true],
    ]);
    const kernel = model.getLayer('conv2d_2').getWeights()[0];
    const { mean, variance } = tf.moments(kernel);
    expect(conv?.weights?.[0]).toMatchObject({
      count: 72,
      min: tf.min(kernel).dataSync()[0],
      max: tf.max(kernel).dataSync()[0],
    });
    expect(conv?.weights?.[0].mean).toBeCloseTo(mean.dataSync()[0], 6);
    expect(conv?.weights?.[0].std).toBeCloseTo(Math.sqrt(variance.dataSync()[0]), 6);
    const bn = graph.layers.find((layer) => layer.name === 'batch_normalization');
    expect(bn?.weights?.map((weight) => [weight.name, weight.trainable])).toEqual([
      ['gamma', true],
      ['beta', true],
      ['moving_mean', false],
      ['moving_variance', false],
    ]);
    expect(bn?.weights?.[3]).toMatchObject({ min: 1, max: 1, mean: 1, std: 0, count: 64 });
    for (const layer of graph.layers) {
      expect(layer.weights?.reduce((sum, weight) => sum + weight.count, 0)).toBe(layer.params);
    }
    expect(describeModel(model, config).layers.some((layer) => layer.weights)).toBe(false);
    model.dispose();
  });
});
