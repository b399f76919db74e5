// Real model files made by other people (../shared/fixtures/real, see SOURCES.md there) open with
// their own weights: the layer counts their configs give and the parameter totals their stored
// weights hold, counted here straight from the files.
import h5wasm from 'h5wasm/node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openModelFiles } from '../../engine/core/models/openModel';
import { useBackend } from '../../engine/node/backends';
import { diskFileSet, nodeHdf5 } from '../../engine/node/modelFiles';
import { REAL } from './modelFixtures';

const open = (file: string) =>
  openModelFiles(diskFileSet({ main: path.join(REAL, file) }), nodeHdf5, {
    id: 'file-1',
    maxWeightBytes: 2 ** 30,
  });

type Group = { keys(): string[]; get(name: string): unknown };
const isGroup = (entity: unknown): entity is Group =>
  typeof (entity as Group | null)?.keys === 'function';

/** Values of every dataset under a group (optimizer and metrics groups left out). */
function storedValues(group: Group, skip: RegExp): number {
  let total = 0;
  for (const key of group.keys()) {
    if (skip.test(key)) {
      continue;
    }
    const entity = group.get(key);
    if (isGroup(entity)) {
      total += storedValues(entity, skip);
    } else {
      total += ((entity as { shape: number[] }).shape ?? []).reduce((a, b) => a * b, 1);
    }
  }
  return total;
}

function h5Values(file: string, under: string): number {
  const h5 = new h5wasm.File(file, 'r');
  try {
    const root = under ? h5.get(under) : h5;
    return storedValues(root as unknown as Group, /^(optimizer|metrics)/);
  } finally {
    h5.close();
  }
}

function manifestValues(modelJson: string): number {
  const { weightsManifest } = JSON.parse(readFileSync(modelJson, 'utf8')) as {
    weightsManifest: { weights: { shape: number[] }[] }[];
  };
  return weightsManifest
    .flatMap((group) => group.weights)
    .reduce((total, weight) => total + weight.shape.reduce((a, b) => a * b, 1), 0);
}

beforeAll(async () => {
  await h5wasm.ready;
  await useBackend('cpu');
});

describe('real model files', () => {
  it('mlcommons tiny ResNet-8 (Keras 2.4 HDF5): 30 layers, 78,666 parameters, runnable', async () => {
    const { graph, inputShape } = await open('keras-h5/mlcommons-tiny_pretrainedResnet.h5');
    expect(graph.layers).toHaveLength(30);
    expect(graph.totals.params).toBe(78_666);
    expect(graph.totals.params).toBe(
      h5Values(path.join(REAL, 'keras-h5/mlcommons-tiny_pretrainedResnet.h5'), 'model_weights'),
    );
    expect(graph.file).toMatchObject({ format: 'keras-h5', kerasVersion: '2.4.0' });
    expect(graph.file?.notRunnable).toBeUndefined();
    expect(inputShape).toEqual([32, 32, 3]);
  });

  it('kEffNet (Keras 2.6 HDF5): 21 grouped Conv2D and a custom class, described but not runnable', async () => {
    const file = 'keras-h5/kEffNetV1_JP35B14-mobilenet-CIFAR10-2-best_result.hdf5';
    const { graph } = await open(file);
    expect(graph.layers).toHaveLength(138);
    expect(
      graph.layers.filter((layer) => layer.className === 'Conv2D' && (layer.groups ?? 1) > 1),
    ).toHaveLength(21);
    const unknown = graph.layers.filter((layer) => layer.unknownClass);
    expect(unknown).toHaveLength(13);
    expect(new Set(unknown.map((layer) => layer.className))).toEqual(
      new Set(['InterleaveChannels']),
    );
    expect(graph.totals.params).toBe(h5Values(path.join(REAL, file), 'model_weights'));
    expect(graph.file?.notRunnable).toBe(
      'Layer conv_pw_1_bn_group_interleaved is of class InterleaveChannels, which the engine does not know (unknown class: not runnable); the model can be browsed, summarised and exported, but not profiled or run.',
    );
    // Shapes are known up to the first layer of unknown class, "?" from there on.
    const first = graph.layers.findIndex((layer) => layer.unknownClass);
    expect(graph.layers[first - 1].outputShape).not.toBeNull();
    expect(graph.layers[first].outputShape).toBeNull();
  });

  it('Teachable Machine (nested Sequential and Functional): inlined, grouped by nested model', async () => {
    const file = 'keras-h5/AIAnytime-waste-classifier_keras_model.h5';
    const { graph } = await open(file);
    expect(graph.totals.params).toBe(h5Values(path.join(REAL, file), 'model_weights'));
    const models = graph.groups
      .filter((group) => group.kind === 'model')
      .map((group) => group.label);
    expect(models).toEqual(['sequential_1', 'model1', 'sequential_3']);
    const model1 = graph.groups.find((group) => group.label === 'model1');
    expect(model1?.parent).toBe('g:m:sequential_1');
    const inner = graph.layers.filter((layer) =>
      layer.groupPath.includes('g:m:sequential_1/model1'),
    );
    expect(inner).toHaveLength(154); // model1's 155 layers but its input, wired to the outer one
    expect(graph.layers).toHaveLength(158);
  });

  it('Keras 3.15 .keras (Sequential): 9 layers and the weights under layers/<name>/vars', async () => {
    const { graph } = await open('keras-zip/AKSHATV25-mnist-cnn_model.keras');
    expect(graph.layers).toHaveLength(9);
    expect(graph.file).toMatchObject({ format: 'keras-v3', kerasVersion: '3.15.1' });
    expect(graph.totals.params).toBe(225_034);
  });

  it('Keras 2.14 .keras saved on Windows: backslashes in the weight paths', async () => {
    const { graph } = await open('keras-zip/carpentries-intro-cnn_model_intro.keras');
    expect(graph.layers).toHaveLength(8);
    expect(graph.file).toMatchObject({ format: 'keras-v3', kerasVersion: '2.14.0' });
    expect(graph.totals.params).toBe(79_530);
  });

  it('TF.js layers-model (doodlenet) and a 2018 legacy one (darknet-tiny, shards without .bin)', async () => {
    const doodle = await open('tfjs/ml5-doodlenet/model.json');
    expect(doodle.graph.layers).toHaveLength(14); // 13 and the input Keras makes for a Sequential
    expect(doodle.graph.totals.params).toBe(
      manifestValues(path.join(REAL, 'tfjs/ml5-doodlenet/model.json')),
    );
    expect(doodle.graph.file).toMatchObject({ format: 'tfjs-layers' });
    const darknet = await open('tfjs/ml5-darknettiny/model.json');
    expect(darknet.graph.layers).toHaveLength(52);
    expect(darknet.graph.totals.params).toBe(
      manifestValues(path.join(REAL, 'tfjs/ml5-darknettiny/model.json')),
    );
    expect(darknet.graph.totals.nonTrainableParams).toBeGreaterThan(0); // BN moving statistics
  });
});
