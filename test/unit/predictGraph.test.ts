// The graph the renderer predicts from a config (shared/predictGraph, laid out while the engine
// builds the model) against the engine's own description of the built model, layer by layer.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/node/backends';
import { describeModel } from '../../engine/core/describe';
import { buildResNeXt } from '../../engine/core/resnext';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import { predictGraph } from '../../shared/predictGraph';

const CONFIGS: [string, ModelConfig][] = [
  [
    'ResNeXt-50 2×1d',
    { ...DEFAULT_CONFIG, depth: 50, cardinality: 2, width: 1, inputSize: 32, classes: 10 },
  ],
  [
    'ResNet-50 baseline, stride on 3×3, odd input, 1 channel',
    {
      ...DEFAULT_CONFIG,
      depth: 50,
      cardinality: 1,
      width: 2,
      inputSize: 45,
      channels: 1,
      classes: 7,
      strideOn: '3x3',
    },
  ],
];

beforeAll(async () => {
  await useBackend('cpu');
});

describe('predictGraph', () => {
  it.each(CONFIGS)('%s: the same graph as the engine describes', (_, config) => {
    const model = buildResNeXt(config);
    try {
      const described = describeModel(model, config);
      const predicted = predictGraph(config);
      expect(predicted.totals).toEqual(described.totals);
      expect(predicted.layers).toEqual(described.layers);
      expect(predicted.name).toBe(described.name);
    } finally {
      model.dispose();
    }
  });
});
