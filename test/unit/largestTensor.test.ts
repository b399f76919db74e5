// The largest single tensor of a run, which a GPU must hold in one buffer or texture: the window's
// engine refuses a run whose largest tensor exceeds the adapter's limit before allocating it.
import { describe, expect, it } from 'vitest';
import { largestTensorBytes } from '../../engine/core/graphMemory';
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
