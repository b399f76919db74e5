// The profile state against a scripted API: events that arrive before `profile` resolves are
// kept, batches are applied once per animation frame, the graph and the table get the heat and
// the time columns, a cancel ends in idle, and the graph recolours at most every interval.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { InspectorApi } from '../../shared/api';
import type { ProfileEvent } from '../../shared/profile';
import { InspectorState } from '../../renderer/src/state/inspector.svelte';
import { HEAT_INTERVAL_MS, ProfileState } from '../../renderer/src/state/profile.svelte';
import { syntheticGraph } from './rendererFixtures';

const graph = syntheticGraph({ blocks: [3, 4, 6, 3] });
const layers = graph.layers.length;

/** An API whose events the test pushes by hand. */
function scriptedApi() {
  let listener: ((events: ProfileEvent[]) => void) | undefined;
  const cancelled: string[] = [];
  const api = {
    backends: async () => [],
    describe: async () => graph,
    profile: async () => {
      // The engine starts streaming before the call's answer arrives.
      listener?.([started('run-1')]);
      return { runId: 'run-1' };
    },
    cancel: async (runId: string) => {
      cancelled.push(runId);
    },
    activations: async () => {
      throw new Error('not used');
    },
    blockForms: async () => {
      throw new Error('not used');
    },
    predict: async () => {
      throw new Error('not used');
    },
    saveFile: async () => ({ saved: true }),
    openModel: async () => graph,
    chooseModelFile: async () => null,
    appInfo: async () => {
      throw new Error('not used');
    },
    onProfileEvents: (next: (events: ProfileEvent[]) => void) => {
      listener = next;
      return () => undefined;
    },
  } satisfies InspectorApi;
  return { api, cancelled, push: (events: ProfileEvent[]) => listener?.(events) };
}

const started = (runId: string): ProfileEvent => ({
  type: 'run-started',
  runId,
  backend: 'wasm',
  config: graph.config,
  mode: 'per-layer',
  passes: { warmup: 0, timed: 1 },
  layers,
});

const layerEvent = (layerId: number, ms = 1 + layerId / 10): ProfileEvent => ({
  type: 'layer-finished',
  runId: 'run-1',
  pass: 0,
  layerId,
  ms,
});

let frames: (() => void)[] = [];
let now = 0;

beforeEach(() => {
  frames = [];
  now = 0;
  vi.useFakeTimers();
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => frames.push(callback));
  vi.spyOn(performance, 'now').mockImplementation(() => now);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Runs the frame callbacks queued so far, as the browser would at its next frame. */
function frame(advanceMs = 16) {
  now += advanceMs;
  const due = frames;
  frames = [];
  due.forEach((callback) => callback());
  flushSync();
}

async function setup() {
  const scripted = scriptedApi();
  const inspector = new InspectorState(scripted.api);
  inspector.show(graph);
  const profile = new ProfileState(inspector);
  flushSync();
  await profile.start();
  return { ...scripted, inspector, profile };
}

describe('profile state', () => {
  it('keeps events that come before the run id, and applies batches once per frame', async () => {
    const { profile, push } = await setup();
    expect(profile.phase).toBe('running');
    push([layerEvent(0), layerEvent(1)]);
    push([layerEvent(2)]);
    expect(profile.progress).toBeNull();
    const versionBefore = profile.version;
    frame();
    // One frame, one update, however many batches arrived.
    expect(profile.version).toBe(versionBefore + 1);
    expect(profile.progress).toMatchObject({ layersDone: 3, layers, passCount: 1 });
    expect(profile.shown?.live.cursor).toBe(3);
  });

  it('gives the graph a heat and the table its time columns, then recolours at most every interval', async () => {
    const { profile, inspector, push } = await setup();
    push([layerEvent(0), layerEvent(1)]);
    frame(HEAT_INTERVAL_MS);
    expect(inspector.heat?.layers.size).toBe(2);
    expect(inspector.heat?.cursor).toBe(2);
    expect(inspector.extraColumns.map((column) => column.id)).toContain('median-ms');
    frame();
    push([layerEvent(2)]);
    frame(10);
    // Progress follows every frame, the heat waits for the interval.
    expect(profile.progress?.layersDone).toBe(3);
    expect(inspector.heat?.layers.size).toBe(2);
    now += HEAT_INTERVAL_MS;
    vi.advanceTimersByTime(HEAT_INTERVAL_MS);
    expect(inspector.heat?.layers.size).toBe(3);
  });

  it('a finished run shows medians, the whole table and no cursor', async () => {
    const { profile, inspector, push } = await setup();
    const times = graph.layers.map((layer) => 0.5 + layer.id / 100);
    push(graph.layers.map((layer) => layerEvent(layer.id, times[layer.id])));
    push([
      {
        type: 'run-finished',
        runId: 'run-1',
        result: {
          runId: 'run-1',
          backend: 'wasm',
          mode: 'per-layer',
          batch: 1,
          layers: times.map((ms, layerId) => ({ layerId, medianMs: ms, p95Ms: ms, minMs: ms })),
          perLayerMedianMs: times.reduce((a, b) => a + b, 0),
          wholeMedianMs: 10,
          overheadRatio: 1.1,
          passesMs: [11],
          firstPassMs: 20,
          peakBytes: 1,
          layerMsByPass: [times],
        },
      },
    ]);
    frame();
    expect(profile.phase).toBe('idle');
    expect(inspector.heat?.layers.size).toBe(layers);
    expect(inspector.heat?.cursor).toBeNull();
    const median = inspector.extraColumns.find((column) => column.id === 'median-ms')!;
    expect(Number(median.total!({ graph }))).toBeCloseTo(
      times.reduce((a, b) => a + b, 0),
      3,
    );
    expect(profile.legend?.ticks).toHaveLength(5);
  });

  it('cancel asks the engine, and the run’s CANCELLED error brings it back to idle', async () => {
    const { profile, push, cancelled } = await setup();
    push([layerEvent(0)]);
    frame();
    await profile.cancel();
    expect(cancelled).toEqual(['run-1']);
    expect(profile.phase).toBe('cancelling');
    push([
      {
        type: 'error',
        runId: 'run-1',
        error: { code: 'CANCELLED', message: 'The profile run was cancelled.' },
      },
    ]);
    frame();
    expect(profile.phase).toBe('idle');
    expect(profile.notice).toEqual({ kind: 'info', text: 'The run was cancelled.' });
    expect(profile.shown?.live.error?.code).toBe('CANCELLED');
  });
});
