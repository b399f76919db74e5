// How a model file's weights reach the model: allocated unfilled (no zeros, no random numbers),
// filled once from the file's values, lent by h5wasm without an array per weight, and summarised
// while at hand. The summaries must be those of the weights the model then holds; a model with a
// layer of unknown class gets the file's weights in every layer that does not depend on it.
import h5wasm from 'h5wasm/node';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { weightSummary } from '../../engine/core/describe';
import { openModelFiles, type OpenedModel } from '../../engine/core/models/openModel';
import { tf } from '../../engine/core/tf';
import { Unwritten } from '../../engine/core/unwritten';
import { useBackend } from '../../engine/node/backends';
import { diskFileSet, nodeHdf5 } from '../../engine/node/modelFiles';
import type { BackendName } from '../../shared/profile';
import { REAL } from './modelFixtures';

const RESNET8 = path.join(REAL, 'keras-h5/mlcommons-tiny_pretrainedResnet.h5');
const KEFFNET = path.join(REAL, 'keras-h5/kEffNetV1_JP35B14-mobilenet-CIFAR10-2-best_result.hdf5');

const open = (file: string): Promise<OpenedModel> =>
  openModelFiles(diskFileSet({ main: file }), nodeHdf5, {
    id: 'file-1',
    maxWeightBytes: 2 ** 30,
    weights: true,
  });

/** The values a Keras 2 file stores for a weight, read here with h5wasm's own `value`. */
function stored(file: string, where: string): Float32Array {
  const h5 = new h5wasm.File(file, 'r');
  try {
    return Float32Array.from((h5.get(where) as unknown as { value: Float32Array }).value);
  } finally {
    h5.close();
  }
}

beforeAll(async () => {
  await h5wasm.ready;
});

describe.each<BackendName>(['wasm', 'cpu'])('loading weights on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it("summarises each weight as the model then holds it, with the file's values", async () => {
    const { graph, model } = await open(RESNET8);
    try {
      const kernel = model.getLayer('conv2d').getWeights()[0];
      expect(Array.from(kernel.dataSync())).toEqual(
        Array.from(stored(RESNET8, 'model_weights/conv2d/conv2d/kernel:0')),
      );
      for (const layer of graph.layers) {
        const held = model
          .getLayer(layer.name)
          .weights.map((variable) =>
            weightSummary(
              variable.originalName.split('/').pop() ?? '',
              variable.shape as number[],
              variable.trainable,
              variable.read().dataSync(),
            ),
          );
        expect(layer.weights ?? [], layer.name).toEqual(held);
      }
    } finally {
      model.dispose();
    }
  });

  it('loads every layer that does not depend on a layer of unknown class', async () => {
    const { graph, model } = await open(KEFFNET);
    try {
      const first = graph.layers.find((layer) => layer.className === 'Conv2D');
      const kernel = first?.weights?.find((weight) => weight.name === 'kernel');
      const values = stored(KEFFNET, `model_weights/${first?.name}/${first?.name}/kernel:0`);
      expect(kernel).toMatchObject(weightSummary('kernel', kernel?.shape ?? [], true, values));
      expect(kernel?.std).toBeGreaterThan(0);
      // After the first InterleaveChannels, shapes are guesses: nothing is loaded or summarised.
      const unknown = graph.layers.findIndex((layer) => layer.unknownClass);
      expect(graph.layers.slice(unknown).every((layer) => layer.weights === undefined)).toBe(true);
    } finally {
      model.dispose();
    }
  });
});

describe('Unwritten', () => {
  it('gives a tensor of the shape asked for, and is what a flattened file layer names', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const tensor = new Unwritten().apply([2, 3]);
    expect(tensor.shape).toEqual([2, 3]);
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(
      tf.serialization.SerializationMap.getMap().classNameMap[Unwritten.className],
    ).toBeDefined();
  });
});
