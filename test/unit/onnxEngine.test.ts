/**
 * ONNX Runtime through the engine, as the app and the CLI use it: `--backend onnxruntime` in both
 * modes, fused layers in the events and the result, activations of an ORT run, and the listing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import {
  DEFAULT_PROFILE,
  type OnnxMode,
  type ProfileEvent,
  type ProfileResult,
} from '../../shared/profile';
import { Engine } from '../../engine/core/engine';
import { nodeHost } from '../../engine/node/host';

const config: ModelConfig = { ...DEFAULT_CONFIG, depth: 50, inputSize: 32, classes: 10 };
const events: ProfileEvent[] = [];
const engine = new Engine(nodeHost(), (batch) => events.push(...batch));
afterAll(() => engine.dispose());

async function finished(runId: string): Promise<ProfileEvent[]> {
  for (;;) {
    const mine = events.filter((event) => event.runId === runId);
    if (mine.some((event) => event.type === 'run-finished' || event.type === 'error')) {
      return mine;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function profile(runId: string, onnxMode: OnnxMode): Promise<ProfileEvent[]> {
  await engine.profile(
    { ...DEFAULT_PROFILE, config, backend: 'onnxruntime', onnxMode, warmup: 1, runs: 2 },
    runId,
  );
  return finished(runId);
}

describe('the engine on ONNX Runtime', () => {
  it('lists ONNX Runtime after the tfjs backends', async () => {
    const names = (await engine.backends()).map((status) => status.name);
    expect(names.slice(-2)).toEqual(['onnxruntime', 'onnxruntime-cuda']);
  });

  it('fast: says so, hands each pass its layers, and marks fused layers', async () => {
    const runEvents = await profile('ort-fast', 'fast');
    const started = runEvents[0];
    expect(started).toMatchObject({
      type: 'run-started',
      backend: 'onnxruntime',
      liveLayers: false,
      onnxMode: 'fast',
    });
    const fused = runEvents.filter((e) => e.type === 'layer-finished' && e.fusedInto !== undefined);
    expect(fused.length).toBeGreaterThan(0);
    const last = runEvents.at(-1);
    expect(last?.type).toBe('run-finished');
    const result = (last as { result: ProfileResult }).result;
    expect(result.onnxMode).toBe('fast');
    const fusedLayers = result.layers.filter((timing) => timing.fusedInto !== undefined);
    expect(fusedLayers.length).toBeGreaterThan(0);
    for (const timing of fusedLayers) {
      expect(result.layers[timing.fusedInto as number].fusedInto).toBeUndefined();
    }
    // The stem conv's output through the outputs session: 16×16×64 at input 32.
    const maps = await engine.activations('ort-fast', 1, { channels: 2 });
    expect(maps.maps.map((map) => [map.width, map.height])).toEqual([
      [16, 16],
      [16, 16],
    ]);
  });

  it('exact: every layer timed, nothing fused', async () => {
    const runEvents = await profile('ort-exact', 'exact');
    const last = runEvents.at(-1);
    expect(last?.type).toBe('run-finished');
    const result = (last as { result: ProfileResult }).result;
    expect(result.onnxMode).toBe('exact');
    expect(result.layers).toHaveLength(175);
    expect(result.layers.every((timing) => timing.fusedInto === undefined)).toBe(true);
    expect(runEvents.filter((e) => e.type === 'layer-finished')).toHaveLength(175 * 3);
  });

  it('describes the model it runs (the same weights)', async () => {
    const graph = await engine.describe(config);
    expect(graph.layers).toHaveLength(175);
  });
});
