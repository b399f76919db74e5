// Models from real files (../shared/fixtures/real) export to ONNX and run in ONNX Runtime with the
// outputs tfjs gives: doodlenet has Dropout (an identity at inference), darknet-tiny LeakyReLU.
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { openModelFiles } from '../../engine/core/models/openModel';
import { exportToOnnx } from '../../engine/core/onnx/exporter';
import { tf } from '../../engine/core/tf';
import { useBackend } from '../../engine/node/backends';
import { diskFileSet, nodeHdf5 } from '../../engine/node/modelFiles';
import { REAL } from './modelFixtures';

const open = (file: string) =>
  openModelFiles(diskFileSet({ main: path.join(REAL, file) }), nodeHdf5, {
    id: 'file-1',
    maxWeightBytes: 2 ** 30,
  });

beforeAll(async () => {
  await useBackend('cpu');
});

describe('ONNX export of real model files', () => {
  it.each([
    ['tfjs/ml5-doodlenet/model.json', 'Dropout'],
    ['tfjs/ml5-darknettiny/model.json', 'LeakyReLU'],
  ])('%s (with %s) runs in ONNX Runtime as in tfjs', async (file, className) => {
    const { model, inputShape } = await open(file);
    expect(model.layers.some((layer) => layer.getClassName() === className)).toBe(true);
    const shape = [1, ...inputShape.map((size) => size ?? 64)] as number[];
    const x = tf.randomUniform(shape, 0, 1, 'float32', 7);
    const expected = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const exported = exportToOnnx(model);
    const session = await ort.InferenceSession.create(exported.bytes, { intraOpNumThreads: 1 });
    try {
      const results = await session.run({
        [exported.inputName]: new ort.Tensor('float32', x.dataSync() as Float32Array, shape),
      });
      const actual = results[exported.outputNames[0]].data as Float32Array;
      expect(actual.length).toBe(expected.length);
      const scale = Math.max(...expected.map(Math.abs));
      const worst = Math.max(...actual.map((value, i) => Math.abs(value - expected[i])));
      expect(worst / scale).toBeLessThan(1e-4);
    } finally {
      await session.release();
      x.dispose();
      model.dispose();
    }
  });
});
