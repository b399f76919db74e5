// The profile view on ONNX Runtime's `fast` mode: layers fused into a conv show "fused into …",
// count 0 in every sum (the median column still adds up to its total), take their conv's colour
// on the heat map, show Δ n/a when compared with a tfjs run; the run names its runtime and mode,
// and the form sends onnxMode only to an ONNX Runtime backend.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { InspectorApi } from '../../shared/api';
import type { LayerTiming, ProfileEvent, ProfileRequest } from '../../shared/profile';
import { buildHierarchy } from '../../renderer/src/graph/hierarchy';
import { compareRuns, groupSums, slowest, timingTable } from '../../renderer/src/profile/aggregate';
import { compareColumns, timeColumns } from '../../renderer/src/profile/columns';
import { timingsCsv } from '../../renderer/src/profile/exports';
import { formatMs } from '../../renderer/src/profile/format';
import { LiveRun } from '../../renderer/src/profile/liveRun';
import { runtimeLine } from '../../renderer/src/profile/runText';
import { compareView, timeView } from '../../renderer/src/profile/views';
import { InspectorState } from '../../renderer/src/state/inspector.svelte';
import { ProfileState, type RunRecord } from '../../renderer/src/state/profile.svelte';
import { syntheticGraph } from './rendererFixtures';

const graph = syntheticGraph({ blocks: [3, 4, 6, 3] });
const hierarchy = buildHierarchy(graph);
const context = { graph };
const FUSABLE = new Set(['BatchNormalization', 'Activation', 'ReLU', 'Add']);

/** As ORT `fast` reports: BN, ReLU and Add fused into the conv before them, with 0 ms. */
function ortTimings(fusedMs = 0): LayerTiming[] {
  let conv: number | undefined;
  return graph.layers.map((layer) => {
    if (layer.className === 'Conv2D') {
      conv = layer.id;
    }
    if (FUSABLE.has(layer.className) && conv !== undefined) {
      return {
        layerId: layer.id,
        medianMs: fusedMs,
        p95Ms: fusedMs,
        minMs: fusedMs,
        fusedInto: conv,
      };
    }
    const ms = 0.05 + (layer.id % 7) / 10;
    return { layerId: layer.id, medianMs: ms, p95Ms: ms * 1.2, minMs: ms * 0.9 };
  });
}
const ort = ortTimings();
const fused = ort.filter((timing) => timing.fusedInto !== undefined);
const tfjs: LayerTiming[] = graph.layers.map((layer) => {
  const ms = 0.1 + (layer.id % 5) / 8;
  return { layerId: layer.id, medianMs: ms, p95Ms: ms, minMs: ms };
});

describe('fused layers in the time columns', () => {
  it('the fixture fuses BN, ReLU and Add layers into convs', () => {
    expect(fused.length).toBeGreaterThan(50);
    expect(fused.every((timing) => graph.layers[timing.fusedInto!].className === 'Conv2D')).toBe(
      true,
    );
  });

  it('show "fused into <conv>" instead of a time, and the median column sums to the total', () => {
    const table = timingTable(ort, graph, 1);
    const median = timeColumns(table).find((column) => column.id === 'median-ms')!;
    const p95 = timeColumns(table).find((column) => column.id === 'p95-ms')!;
    const one = fused[0];
    const layer = graph.layers[one.layerId];
    expect(median.text(layer, context)).toBe(`fused into ${graph.layers[one.fusedInto!].name}`);
    expect(p95.text(layer, context)).toBe('');
    const cells = graph.layers
      .map((entry) => median.text(entry, context))
      .filter((text) => !text.startsWith('fused'))
      .map(Number);
    const total = Number(median.total!(context));
    expect(Math.abs(cells.reduce((a, b) => a + b, 0) - total) / total).toBeLessThan(0.01);
    expect(table.fusedCount).toBe(fused.length);
    expect(table.timedCount).toBe(graph.layers.length - fused.length);
  });

  it('a fused layer that carries a time anyway is not counted twice', () => {
    const table = timingTable(ortTimings(5), graph, 1);
    const ownTotal = ort.reduce((sum, timing) => sum + timing.medianMs, 0);
    expect(table.totalMs).toBeCloseTo(ownTotal, 9);
    const shares = [...table.rows.values()].reduce((sum, row) => sum + row.share, 0);
    expect(shares).toBeCloseTo(1, 9);
    expect(slowest(ortTimings(5), 10).every((timing) => timing.fusedInto === undefined)).toBe(true);
  });

  it('the CSV names the conv a layer was fused into', () => {
    const csv = timingsCsv(
      {
        runId: 'r',
        backend: 'onnxruntime',
        mode: 'per-layer',
        batch: 1,
        layers: ort,
        perLayerMedianMs: 1,
        wholeMedianMs: 1,
        overheadRatio: 1,
        passesMs: [1],
        firstPassMs: 1,
        peakBytes: 0,
        onnxMode: 'fast',
      },
      graph,
    );
    const row = csv.split('\n')[fused[0].layerId + 1].split(',');
    expect(row.at(-1)).toBe(graph.layers[fused[0].fusedInto!].name);
  });
});

describe('fused layers on the heat map', () => {
  it('take the colour of their conv; collapsed groups sum without them', () => {
    const output = timeView({ graph, hierarchy, timings: ort, batch: 1 });
    const layers = output.heat!.layers;
    for (const timing of fused) {
      expect(layers.get(timing.layerId)).toBe(layers.get(timing.fusedInto!));
    }
    expect(output.legend?.note).toContain(`${fused.length} fused layers`);
    const own = groupSums(new Map(ort.map((t) => [t.layerId, t.medianMs])), hierarchy);
    const stage = [...hierarchy.groups.values()].find((group) => group.kind === 'stage')!;
    expect(output.heat!.groupText?.get(stage.id)).toContain(formatMs(own.get(stage.id)!));
    // A fused layer that still carries 5 ms changes no sum and no colour.
    const loud = timeView({ graph, hierarchy, timings: ortTimings(5), batch: 1 });
    expect([...loud.heat!.groups!]).toEqual([...output.heat!.groups!]);
    expect([...loud.heat!.layers]).toEqual([...layers]);
  });
});

describe('compare a tfjs run with an ORT run', () => {
  it('gives every layer a row, Δ n/a on fused layers, and totals that still add up', () => {
    const comparison = compareRuns({ graph, layers: tfjs }, { graph, layers: ortTimings(5) });
    expect(comparison.ok).toBe(true);
    if (!comparison.ok) {
      return;
    }
    expect(comparison.deltas).toHaveLength(graph.layers.length);
    const sumB = comparison.deltas.reduce((sum, delta) => sum + delta.bMs, 0);
    expect(sumB).toBeCloseTo(comparison.bTotalMs, 9);
    expect(comparison.bTotalMs).toBeCloseTo(
      ort.reduce((sum, timing) => sum + timing.medianMs, 0),
      9,
    );
    const names = graph.layers.map((layer) => layer.name);
    const delta = compareColumns(comparison.deltas, { a: 'A', b: 'B' }, names).find(
      (column) => column.id === 'compare-delta',
    )!;
    const layer = graph.layers[fused[0].layerId];
    expect(delta.text(layer, context)).toBe('n/a (fused)');
    const columns = compareColumns(comparison.deltas, { a: 'A', b: 'B' }, names);
    const b = columns.find((column) => column.id === 'compare-b')!;
    const relative = columns.find((column) => column.id === 'compare-relative')!;
    expect(b.text(layer, context)).toBe('fused');
    expect(relative.text(layer, context)).toBe(`in ${names[fused[0].fusedInto!]}`);
    const conv = graph.layers[fused[0].fusedInto!];
    expect(delta.text(conv, context)).toMatch(/^[+−]?\d/);
    const view = compareView({
      graph,
      hierarchy,
      a: { graph, layers: tfjs, label: 'A' },
      b: { graph, layers: ort, label: 'B' },
    });
    expect(view.heat!.layers.has(fused[0].layerId)).toBe(false);
    expect(view.heat!.layers.has(conv.id)).toBe(true);
    expect(view.legend?.note).toContain('Δ n/a');
  });
});

describe('live ORT events', () => {
  it('layers handed over after their passes have finished keep their times, and progress never goes back', () => {
    const live = new LiveRun('late');
    const layers = graph.layers.slice(0, 3).map((layer) => layer.id);
    live.apply([
      {
        type: 'run-started',
        runId: 'late',
        backend: 'onnxruntime',
        config: graph.config,
        mode: 'per-layer',
        passes: { warmup: 1, timed: 2 },
        layers: graph.layers.length,
        liveLayers: false,
        onnxMode: 'exact',
      },
      { type: 'pass-finished', runId: 'late', pass: -1, totalMs: 9 },
      { type: 'pass-finished', runId: 'late', pass: 0, totalMs: 5 },
      { type: 'pass-finished', runId: 'late', pass: 1, totalMs: 4 },
    ]);
    const seen: number[] = [];
    for (const pass of [-1, 0, 1]) {
      live.apply(
        layers.map((layerId): ProfileEvent => ({
          type: 'layer-finished',
          runId: 'late',
          pass,
          layerId,
          ms: pass + 2 + layerId,
        })),
      );
      seen.push(live.progress.passNumber);
    }
    expect(seen).toEqual([3, 3, 3]);
    expect(live.progress.passesDone).toBe(3);
    expect(live.progress.warming).toBe(false);
    // The two timed passes' times are kept per layer; the warm-up's only as the latest.
    expect(live.timed.get(layers[0])).toEqual([layers[0] + 2, layers[0] + 3]);
  });

  it('keeps liveLayers, the mode and fusedInto, and times fused layers as 0', () => {
    const live = new LiveRun('r');
    const start: ProfileEvent = {
      type: 'run-started',
      runId: 'r',
      backend: 'onnxruntime',
      config: graph.config,
      mode: 'per-layer',
      passes: { warmup: 0, timed: 1 },
      layers: graph.layers.length,
      liveLayers: false,
      onnxMode: 'fast',
    };
    const waiting = new LiveRun('r');
    waiting.apply([start]);
    // No layer is known to be running while ORT runs a pass: no execution cursor.
    expect(waiting.cursor).toBeNull();
    const tfStart = new LiveRun('r');
    tfStart.apply([{ ...start, backend: 'wasm', liveLayers: true, onnxMode: undefined }]);
    expect(tfStart.cursor).toBe(0);
    live.apply([
      {
        type: 'run-started',
        runId: 'r',
        backend: 'onnxruntime',
        config: graph.config,
        mode: 'per-layer',
        passes: { warmup: 0, timed: 1 },
        layers: graph.layers.length,
        liveLayers: false,
        onnxMode: 'fast',
      },
      ...ort.map((timing): ProfileEvent => ({
        type: 'layer-finished',
        runId: 'r',
        pass: 0,
        layerId: timing.layerId,
        ms: timing.medianMs,
        ...(timing.fusedInto === undefined ? {} : { fusedInto: timing.fusedInto }),
      })),
    ]);
    expect(live.liveLayers).toBe(false);
    expect(live.onnxMode).toBe('fast');
    const soFar = live.timingsSoFar();
    expect(soFar.filter((timing) => timing.fusedInto !== undefined)).toHaveLength(fused.length);
    const run = { request: { backend: 'onnxruntime' }, live } as unknown as RunRecord;
    expect(runtimeLine(run, soFar)).toBe(
      `ONNX Runtime, fast: ${graph.layers.length - fused.length} layers timed, ${fused.length} fused`,
    );
    const tf = new LiveRun('t');
    const tfRun = { request: { backend: 'wasm' }, live: tf } as unknown as RunRecord;
    expect(runtimeLine(tfRun, tfjs)).toBe(
      `TensorFlow.js wasm: ${graph.layers.length} layers timed`,
    );
  });
});

describe('the run form', () => {
  afterEach(() => vi.unstubAllGlobals());

  async function requestFor(backend: ProfileRequest['backend']): Promise<ProfileRequest> {
    vi.stubGlobal('requestAnimationFrame', () => 0);
    const sent: ProfileRequest[] = [];
    const api = {
      backends: async () => [],
      describe: async () => graph,
      profile: async (request: ProfileRequest) => {
        sent.push(request);
        return { runId: `run-${sent.length}` };
      },
      cancel: async () => undefined,
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
      onProfileEvents: () => () => undefined,
    } satisfies InspectorApi;
    const inspector = new InspectorState(api);
    inspector.show(graph);
    const profile = new ProfileState(inspector);
    flushSync();
    profile.form.backend = backend;
    profile.form.onnxMode = 'exact';
    await profile.start();
    return sent[0];
  }

  it('sends onnxMode to an ONNX Runtime backend only', async () => {
    expect((await requestFor('onnxruntime')).onnxMode).toBe('exact');
    expect('onnxMode' in (await requestFor('wasm'))).toBe(false);
    expect('onnxMode' in (await requestFor('auto'))).toBe(false);
  });
});
