/**
 * The structure alone (a build with zero kernels on the cpu backend) describes a config exactly as
 * the seeded build does, and gives the previous tfjs backend back; the seeds stay in step, so
 * every kernel of the seeded build is what it was before `zeros` existed.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import { describeModel } from '../../engine/core/describe';
import { buildResNeXt, FIRST_WEIGHT_SEED } from '../../engine/core/resnext';
import { describeStructure, onCpuBackend } from '../../engine/core/structure';
import { tf } from '../../engine/core/tf';
import { useBackend } from '../../engine/node/backends';
import { TINY } from './engineFixtures';

describe('the structure of a config', () => {
  it.each([
    ['TINY', TINY],
    [
      'ResNet-50, stride on the 3×3',
      {
        ...DEFAULT_CONFIG,
        depth: 50,
        cardinality: 1,
        width: 64,
        inputSize: 64,
        strideOn: '3x3',
      } as const,
    ],
  ])('is the seeded build’s description: %s', async (_, config) => {
    const seeded = buildResNeXt(config);
    try {
      expect(await describeStructure(config)).toEqual(describeModel(seeded, config));
    } finally {
      seeded.dispose();
    }
  });

  it('draws no weights, and gives the previous backend back', async () => {
    await useBackend('wasm');
    const zeros = await onCpuBackend(() => {
      expect(tf.engine().backendName).toBe('cpu');
      const model = buildResNeXt(TINY, undefined, 'zeros');
      const kernel = model.layers[1].getWeights()[0];
      const sum = tf.sum(tf.abs(kernel)).dataSync()[0];
      model.dispose();
      return sum;
    });
    expect(zeros).toBe(0);
    expect(tf.engine().backendName).toBe('wasm');
  });

  it('keeps the seeded kernels: the first is Glorot-uniform with the first seed', () => {
    const model = buildResNeXt(TINY);
    try {
      const [kernel] = model.layers[1].getWeights();
      const expected = tf.initializers
        .glorotUniform({ seed: FIRST_WEIGHT_SEED })
        .apply(kernel.shape, 'float32');
      expect(Array.from(kernel.dataSync())).toEqual(Array.from(expected.dataSync()));
      expected.dispose();
    } finally {
      model.dispose();
    }
  });
});
