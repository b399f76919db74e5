// The paper's equivalence run in the engine: a block as C separate paths (form a) made from the
// model's own weights sliced per group agrees with the block's grouped convolution (form c), for
// every kind of block (projection and identity, stride on the 1×1 or the 3×3, C = 1), also when
// biases and normalisation statistics are far from their initial values; nothing leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBlockForms } from '../../engine/core/blockForms';
import { describeModel } from '../../engine/core/describe';
import { buildResNeXt } from '../../engine/core/resnext';
import { tf } from '../../engine/core/tf';
import { useBackend } from '../../engine/node/backends';
import { InspectorError } from '../../shared/errors';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import { paperReport } from '../../shared/paper';
import { TINY } from './engineFixtures';

/** Sets every bias and normalisation value of a model to seeded random values (variances > 0). */
function scramble(model: tf.LayersModel): void {
  let seed = 11;
  for (const layer of model.layers) {
    const weights = layer.weights.map((variable) => {
      const name = variable.originalName.split('/').pop() ?? '';
      const shape = variable.shape as number[];
      seed += 1;
      if (name === 'moving_variance') {
        return tf.randomUniform(shape, 0.5, 2, 'float32', seed);
      }
      if (['bias', 'gamma', 'beta', 'moving_mean'].includes(name)) {
        return tf.randomUniform(shape, -0.5, 0.5, 'float32', seed);
      }
      return variable.read().clone();
    });
    if (weights.length > 0) {
      layer.setWeights(weights);
      tf.dispose(weights);
    }
  }
}

function built(
  config: ModelConfig,
  scrambled: boolean,
): { model: tf.LayersModel; graph: ModelGraph } {
  const model = buildResNeXt(config);
  if (scrambled) {
    scramble(model);
  }
  return { model, graph: describeModel(model, config) };
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('runBlockForms on small models', () => {
  const models: tf.LayersModel[] = [];
  afterAll(() => models.forEach((model) => model.dispose()));

  it.each([
    ['TINY, scrambled', TINY, true],
    [
      'C=4, d=2, stride on the 3×3, scrambled',
      { ...TINY, cardinality: 4, width: 2, strideOn: '3x3' },
      true,
    ],
    ['C=1 (ResNet), scrambled', { ...TINY, cardinality: 1, width: 4 }, true],
  ] as const)(
    '%s: forms (a) and (c) agree in every kind of block',
    async (_name, config, scrambled) => {
      const { model, graph } = built(config as ModelConfig, scrambled);
      models.push(model);
      const before = tf.memory().numTensors;
      // Projection blocks (stage 1 without stride, later stages with it) and an identity block.
      for (const [stage, block] of [
        [1, 1],
        [2, 1],
        [3, 2],
      ]) {
        const forms = await runBlockForms(model, graph, stage, block, { runs: 1 });
        expect(forms.paths).toBe(config.cardinality);
        expect(forms.pathWidth * forms.paths).toBe(forms.bottleneck);
        expect(forms.maxAbsOutput).toBeGreaterThan(0.01);
        expect(forms.maxAbsDiff).toBeLessThanOrEqual(1e-4);
        expect(forms.groupedMs).toBeGreaterThan(0);
        expect(forms.pathsMs).toBeGreaterThan(0);
      }
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('names the blocks there are when asked for one that is not', async () => {
    const { model, graph } = built(TINY, false);
    models.push(model);
    await expect(runBlockForms(model, graph, 5, 1)).rejects.toEqual(
      new InspectorError('NOT_FOUND', 'No stage 5: the model has stages 1–4.'),
    );
    await expect(runBlockForms(model, graph, 2, 9)).rejects.toEqual(
      new InspectorError('NOT_FOUND', 'No block 9 in stage 2: it has blocks 1–4.'),
    );
  });
});

describe('the seed model', () => {
  it('reconciles from its described graph; stage 1, block 1 as 32 paths agrees with the grouped convolution to 1e-4', async () => {
    const { model, graph } = built(DEFAULT_CONFIG, false);
    try {
      const forms = await runBlockForms(model, graph, 1, 1, { runs: 2 });
      expect(forms).toMatchObject({
        paths: 32,
        pathWidth: 4,
        bottleneck: 128,
        input: [56, 56, 64],
        output: [56, 56, 256],
        layers: { first: 'conv2d_1', grouped: 'conv2d_2', last: 'conv2d_3', shortcut: 'conv2d_4' },
        backend: 'wasm',
      });
      expect(forms.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      // The forms hold the same kernels and normalisations; form (a) has a bias per path.
      expect(forms.params.a.total - forms.params.c.total).toBe(31 * 256);
      expect(forms.params.b).toEqual(forms.params.c);
      // The engine's own description reconciles as the predicted one does.
      expect(paperReport(graph)?.reconciliation).toMatchObject({
        params: 44_177_704,
        macs: 7_969_996_800,
      });
    } finally {
      model.dispose();
    }
  });
});
