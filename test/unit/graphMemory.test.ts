// The memory guard of a described model (one read from a file): never below the calibrated
// estimate of a built config for the same network (which memoryCalibration.test.ts holds above
// measured heaps); and the largest single tensor of a run, which a GPU must hold in one buffer or
// texture: the window's engine refuses a run whose largest tensor exceeds the adapter's limit.
import { describe, expect, it } from 'vitest';
import { graphMemory, largestTensorBytes } from '../../engine/core/graphMemory';
import { estimateMemory } from '../../engine/core/memoryGuard';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import { predictGraph } from '../../shared/predictGraph';

const FLOAT = 4;
const graph = predictGraph(DEFAULT_CONFIG);

describe('largestTensorBytes', () => {
  it("at batch 1 is ResNeXt-101's largest kernel: a 1×1 convolution of stage 4", () => {
    const heaviest = Math.max(...graph.layers.map((layer) => layer.params));
    // 1024 → 2048 channels (the projection shortcut), with its bias.
    expect(heaviest).toBe(1024 * 2048 + 2048);
    expect(largestTensorBytes(graph, 1)).toBe(heaviest * FLOAT);
  });

  it('at a large batch is the grouped convolutions’ per-group intermediate, which grows with the batch', () => {
    // Stage 1's grouped 3×3: 56×56 positions, 128 input channels, 128 / 32 = 4 filters a group.
    const intermediate = 56 * 56 * 128 * 4;
    expect(largestTensorBytes(graph, 64)).toBe(64 * intermediate * FLOAT);
    expect(largestTensorBytes(graph, 128)).toBe(2 * largestTensorBytes(graph, 64));
  });

  it('grows with the input size', () => {
    const big = predictGraph({ ...DEFAULT_CONFIG, inputSize: 448 });
    expect(largestTensorBytes(big, 64)).toBe(4 * largestTensorBytes(graph, 64));
  });
});

describe('graphMemory', () => {
  it.each([
    [50, 1],
    [101, 1],
    [101, 8],
    [152, 32],
  ] as const)(
    'ResNeXt-%i at batch %i described as a file model is estimated at least as the built config',
    (depth, batch) => {
      const config = { ...DEFAULT_CONFIG, depth };
      const described = graphMemory(predictGraph(config), batch, Infinity);
      const built = estimateMemory(config, batch);
      expect(described.weightBytes).toBe(built.weightBytes);
      expect(described.totalBytes).toBeGreaterThanOrEqual(built.totalBytes);
      // And not wildly above it: a guard that refuses what fits is a defect too.
      expect(described.totalBytes).toBeLessThan(1.25 * built.totalBytes);
    },
  );

  it("refuses above the budget, naming the file and the estimate's parts", () => {
    const graph = {
      ...predictGraph(DEFAULT_CONFIG),
      file: { id: 'f', fileName: 'mine.h5', format: 'keras-h5' as const, bytes: 1 },
    };
    expect(() => graphMemory(graph, 64, 2 ** 30)).toThrow(
      /^Batch 64 of mine\.h5 needs about [\d.]+ GB \(weights 178 MB, activations [\d.]+ GB, the runtime's copies and margin [\d.]+ MB\), above the memory budget of 1\.1 GB; lower the batch, or raise the budget\.$/,
    );
  });
});
