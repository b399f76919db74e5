/**
 * The model cache with the real ONNX Runtime: a second build of a config opens the cached export
 * and ORT's cached optimised graph without optimising again, computes the same outputs, maps the
 * same nodes to the same layers, and profiles; a damaged export is rebuilt.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../shared/profile';
import { runProfile } from '../../engine/core/profiler';
import { ModelCache } from '../../engine/node/onnx/modelCache';
import { createOrtRuntime, type OrtModel } from '../../engine/node/onnx/ortRuntime';
import { TINY } from './engineFixtures';

const root = mkdtempSync(join(tmpdir(), 'onnx-cache-runtime-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const INPUT = {
  shape: [1, 32, 32, 3] as const,
  data: Float32Array.from({ length: 32 * 32 * 3 }, (_, i) => Math.cos(i)),
};

describe('ONNX Runtime from the model cache', () => {
  it('runs the cached optimised graph as the freshly optimised one runs', async () => {
    const problems: string[] = [];
    const cache = new ModelCache(root, undefined, (message) => problems.push(message));
    const runtime = await createOrtRuntime('onnxruntime', { cache, threads: 1 });
    const models: OrtModel[] = [];
    try {
      models.push(await runtime.build(TINY));
      models.push(await runtime.build(TINY));
      const [fresh, cached] = models;
      expect([fresh.fromCache, fresh.optimizedFromCache]).toEqual([false, false]);
      expect([cached.fromCache, cached.optimizedFromCache]).toEqual([true, true]);
      expect(cached.mapping).toEqual(fresh.mapping);
      const outputs = await Promise.all(
        models.map(async (model) => {
          const input = runtime.loadInput(INPUT);
          const result = await model.session.run({ [model.inputName]: input.tensor });
          runtime.releaseInput(input);
          return Array.from(result[model.outputName].data as Float32Array);
        }),
      );
      expect(outputs[1]).toEqual(outputs[0]);
      const input = runtime.loadInput(INPUT);
      const result = await runProfile(
        runtime,
        cached,
        input,
        { ...DEFAULT_PROFILE, config: TINY, backend: 'onnxruntime', warmup: 1, runs: 1 },
        { runId: 'cached', emit: () => undefined, isCancelled: () => false },
      );
      runtime.releaseInput(input);
      expect(result?.layers).toHaveLength(cached.layerCount);
      expect(problems).toEqual([]);
    } finally {
      models.forEach((model) => runtime.release(model));
    }
  });

  it('builds a damaged export again, and says so', async () => {
    const problems: string[] = [];
    const cache = new ModelCache(root, undefined, (message) => problems.push(message));
    const runtime = await createOrtRuntime('onnxruntime', {
      cache,
      threads: 1,
      optimization: 'exact',
    });
    const path = cache.lookup(TINY)?.path as string;
    const bytes = readFileSync(path);
    bytes[bytes.length - 5000] ^= 0x55;
    writeFileSync(path, bytes);
    const model = await runtime.build(TINY);
    try {
      expect(model.fromCache).toBe(false);
      expect(problems).toEqual([
        'The cached ONNX model of resnext50_2x1d_32px_10cls does not match its hash; building it again.',
      ]);
      expect(cache.lookup(TINY)).toBeDefined();
    } finally {
      runtime.release(model);
    }
  });
});
