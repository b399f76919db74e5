// The memory guard: its estimate against built models and a measured peak, and its refusal.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/node/backends';
import { syntheticInput } from '../../engine/core/inputData';
import {
  checkMemory,
  defaultBudget,
  estimateMemory,
  formatBytes,
  WASM_HEAP_BYTES,
} from '../../engine/core/memoryGuard';
import { tf } from '../../engine/core/tf';
import { TfjsRuntime } from '../../engine/core/tfjsRuntime';
import { Engine } from '../../engine/core/engine';
import { nodeHost } from '../../engine/node/host';
import { InspectorError } from '../../shared/errors';
import { DEFAULT_CONFIG, inputShapeOf } from '../../shared/modelConfig';
import { DEFAULT_PROFILE } from '../../shared/profile';
import { TINY } from './engineFixtures';

let runtime: TfjsRuntime;
beforeAll(async () => {
  runtime = new TfjsRuntime(await useBackend('wasm'));
});

describe('estimateMemory', () => {
  it('counts the parameters of the seed model without building it', () => {
    const estimate = estimateMemory(DEFAULT_CONFIG, 1);
    expect(estimate.params).toBe(44_384_488);
    expect(estimate.weightBytes).toBe(44_384_488 * 4);
  });

  it.each([
    ['tiny', TINY],
    [
      'ResNet baseline, stride on 3×3',
      { ...TINY, cardinality: 1, width: 4, strideOn: '3x3' as const, classes: 3 },
    ],
    [
      'depth 101, 4×2d, odd input',
      { ...TINY, depth: 101 as const, cardinality: 4, width: 2, inputSize: 45, channels: 1 },
    ],
  ])('counts the parameters of the built model (%s)', async (_name, config) => {
    const model = await runtime.build(config);
    try {
      expect(estimateMemory(config, 1).params).toBe(model.model.countParams());
    } finally {
      runtime.release(model);
    }
  });

  it('estimates the activations of a pass within a factor of two of the measured peak', async () => {
    const config = { ...TINY, inputSize: 128 };
    const batch = 4;
    const model = await runtime.build(config);
    const input = runtime.loadInput(
      syntheticInput({ kind: 'random', seed: 1 }, inputShapeOf(config), batch),
    );
    try {
      const before = tf.memory().numBytes;
      const { peakBytes } = await runtime.runWhole(model, input, { measurePeak: true });
      const measured = peakBytes! - before;
      const { activationBytes } = estimateMemory(config, batch);
      expect(activationBytes / measured).toBeGreaterThan(0.5);
      expect(activationBytes / measured).toBeLessThan(2);
    } finally {
      runtime.releaseInput(input);
      runtime.release(model);
    }
  });

  it('grows with the batch and the input size', () => {
    const one = estimateMemory(DEFAULT_CONFIG, 1);
    const eight = estimateMemory(DEFAULT_CONFIG, 8);
    expect(eight.activationBytes).toBe(8 * one.activationBytes);
    expect(eight.weightBytes).toBe(one.weightBytes);
    expect(
      estimateMemory({ ...DEFAULT_CONFIG, inputSize: 448 }, 1).activationBytes,
    ).toBeGreaterThan(3.9 * one.activationBytes);
  });
});

describe('checkMemory and the budget', () => {
  it('caps the default budget at half the free memory, and at the wasm heap on wasm', () => {
    expect(defaultBudget('cpu', 8e9)).toBe(4e9);
    expect(defaultBudget('wasm', 8e9)).toBe(4e9);
    expect(defaultBudget('wasm', 64e9)).toBe(WASM_HEAP_BYTES);
    expect(defaultBudget('tensorflow', 64e9)).toBe(32e9);
  });

  it('writes bytes in words', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(193_000_000)).toBe('193 MB');
    expect(formatBytes(1_234_000_000)).toBe('1.2 GB');
  });

  it('passes a run under the budget and refuses one above it with the estimate and the budget', () => {
    expect(checkMemory(TINY, 1, 1e9).totalBytes).toBeLessThan(1e9);
    const estimate = estimateMemory(DEFAULT_CONFIG, 64);
    let error: unknown;
    try {
      checkMemory(DEFAULT_CONFIG, 64, 1e9);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InspectorError);
    expect((error as InspectorError).code).toBe('MEMORY_BUDGET');
    expect((error as InspectorError).message).toBe(
      `Batch 64 at 224×224 needs about ${formatBytes(estimate.totalBytes)} (weights 178 MB, ` +
        `activations ${formatBytes(estimate.activationBytes)}, the runtime's copies and scratch ` +
        `${formatBytes(estimate.runtimeBytes!)}), above the memory budget of 1.0 GB; ` +
        'lower the batch or the input size, or raise the budget.',
    );
  });

  it('refuses batch 512 at 1024×1024 in the engine at once, allocating nothing', () => {
    const events: unknown[] = [];
    const engine = new Engine(nodeHost(), (batch) => events.push(...batch));
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const start = performance.now();
    const request = {
      ...DEFAULT_PROFILE,
      config: { ...DEFAULT_CONFIG, inputSize: 1024 },
      batch: 512,
    };
    const needs = formatBytes(estimateMemory(request.config, 512).totalBytes);
    expect(needs).toMatch(/ GB$/);
    expect(() => engine.profile(request, 'run-huge')).toThrow(
      new RegExp(
        `^Batch 512 at 1024×1024 needs about ${needs} .* above the memory budget of [\\d.]+ [MG]B;`,
      ),
    );
    expect(performance.now() - start).toBeLessThan(200);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    expect(events).toEqual([]);
  });
});
