// Per-layer timing on a GPU with timer queries: a layer's wall time ends when its values are
// ready, not when the GPU's timer queries for it can be read (WebGL answers them frames later,
// which once made the layer sum ×16 the whole pass); the queries' kernel time is kept beside it.
// The GPU is stood in for by the wasm backend, whose `time` is made to answer its query late.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticInput } from '../../engine/core/inputData';
import { tf } from '../../engine/core/tf';
import { TfjsRuntime } from '../../engine/core/tfjsRuntime';
import { useBackend } from '../../engine/node/backends';
import { inputShapeOf } from '../../shared/modelConfig';
import { TINY } from './engineFixtures';

const QUERY_DELAY_MS = 60;
type Timer = (f: () => void) => Promise<tf.TimingInfo>;
let restore: (() => void) | undefined;

beforeAll(async () => {
  await useBackend('wasm');
  const backend = tf.backend() as unknown as { time: Timer };
  const time = backend.time.bind(backend);
  // Runs the layer at once, as a GPU backend does, and answers its timer query late.
  backend.time = (f) => {
    const timing = time(f);
    return new Promise((resolve) => setTimeout(() => resolve(timing), QUERY_DELAY_MS));
  };
  restore = () => void (backend.time = time);
});

afterAll(() => restore?.());

describe('a GPU runtime with timer queries, layer by layer', () => {
  it('times each layer to its values, not to its timer query, and keeps the kernel time', async () => {
    const runtime = new TfjsRuntime('window-webgl', { gpuTimer: 'disjoint-timer-query' });
    const model = await runtime.build(TINY);
    const input = runtime.loadInput(
      syntheticInput({ kind: 'random', seed: 3 }, inputShapeOf(TINY), 1),
    );
    const layers: { ms: number; gpuMs?: number }[] = [];
    try {
      await runtime.runLayers(model, input, {
        onLayer: ({ ms, gpuMs }) => void layers.push({ ms, gpuMs }),
      });
    } finally {
      runtime.releaseInput(input);
      model.model.dispose();
    }
    const timed = layers.slice(1); // the input layer runs nothing
    expect(timed.length).toBeGreaterThan(100);
    expect(timed.every((layer) => typeof layer.gpuMs === 'number')).toBe(true);
    // Every query answers 60 ms late: wall times that waited for it would all be at least that.
    // (A few layers may take that long by themselves on a loaded machine.)
    const waited = timed.filter((layer) => layer.ms >= QUERY_DELAY_MS);
    expect(waited.length).toBeLessThan(timed.length / 4);
  });
});
