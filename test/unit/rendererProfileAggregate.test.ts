// Pure sums of the profile view: time columns that add up to their total, collapsed stage and
// block times, compare deltas, block series and outliers, live event handling, CSV and trace.
import { describe, expect, it } from 'vitest';
import type { LayerTiming, ProfileEvent, ProfileResult } from '../../shared/profile';
import { buildHierarchy } from '../../renderer/src/graph/hierarchy';
import {
  blockSeries,
  compareRuns,
  gmacs,
  groupSums,
  outliers,
  slowest,
  timingTable,
} from '../../renderer/src/profile/aggregate';
import { timeColumns, compareColumns } from '../../renderer/src/profile/columns';
import { timingsCsv, traceJson } from '../../renderer/src/profile/exports';
import { csvField } from '../../shared/csv';
import { LiveRun } from '../../renderer/src/profile/liveRun';
import { compareView, gmacsView, statView, timeView } from '../../renderer/src/profile/views';
import { syntheticGraph } from './rendererFixtures';

const graph = syntheticGraph({ blocks: [3, 4, 23, 3] });
const hierarchy = buildHierarchy(graph);
// Times with many decimals, spread over four decades, as a real run's are.
const timings: LayerTiming[] = graph.layers.map((layer) => {
  const ms = 0.0123 + ((layer.id * 7919) % 1000) / 37.3;
  return { layerId: layer.id, medianMs: ms, p95Ms: ms * 1.1, minMs: ms * 0.9 };
});
const context = { graph };

describe('time columns', () => {
  const table = timingTable(timings, graph, 1);
  const columns = timeColumns(table);
  const column = (id: string) => columns.find((entry) => entry.id === id)!;

  it('the median cells, as shown, sum to the total row within 1%', () => {
    const cells = graph.layers.map((layer) => Number(column('median-ms').text(layer, context)));
    const total = Number(column('median-ms').total!(context));
    const sum = cells.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - total) / total).toBeLessThan(0.01);
    expect(total).toBeCloseTo(
      timings.reduce((a, b) => a + b.medianMs, 0),
      2,
    );
  });

  it('shares sum to 100% and the cumulative share ends at 100%', () => {
    const shares = [...table.rows.values()].reduce((sum, row) => sum + row.share, 0);
    expect(shares).toBeCloseTo(1, 10);
    expect(table.rows.get(graph.layers.length - 1)!.cumulative).toBeCloseTo(1, 10);
    const cumulative = [...table.rows.values()].map((row) => row.cumulative);
    expect(cumulative.every((value, index) => index === 0 || value >= cumulative[index - 1])).toBe(
      true,
    );
    expect(column('time-share').total!(context)).toBe('100.00 %');
  });

  it('GMAC/s is MACs × batch over time, only for layers with MACs', () => {
    expect(gmacs(2e9, 1, 1000)).toBeCloseTo(2, 12);
    expect(gmacs(1e9, 8, 500)).toBeCloseTo(16, 12);
    expect(gmacs(0, 1, 1)).toBeUndefined();
    const conv = graph.layers.find((layer) => layer.macs > 0)!;
    expect(table.rows.get(conv.id)!.gmacs).toBeCloseTo(
      conv.macs / (timings[conv.id].medianMs * 1e6),
      9,
    );
    const relu = graph.layers.find((layer) => layer.className === 'Activation')!;
    expect(column('gmacs').text(relu, context)).toBe('');
  });

  it('the slowest layers come first', () => {
    const top = slowest(timings, 5);
    expect(top).toHaveLength(5);
    expect(top[0].medianMs).toBe(Math.max(...timings.map((timing) => timing.medianMs)));
    expect(
      top.every((timing, index) => index === 0 || timing.medianMs <= top[index - 1].medianMs),
    ).toBe(true);
  });
});

describe('collapsed stage and block times', () => {
  const values = new Map(timings.map((timing) => [timing.layerId, timing.medianMs]));
  const sums = groupSums(values, hierarchy);
  const total = timings.reduce((a, b) => a + b.medianMs, 0);

  it('a stage sums its blocks; stem, stages and the rest sum to the total', () => {
    for (const stage of [1, 2, 3, 4]) {
      const blocks = [...hierarchy.groups.values()].filter(
        (group) => group.kind === 'block' && group.parent === `g:s${stage}`,
      );
      const blockSum = blocks.reduce((sum, group) => sum + sums.get(group.id)!, 0);
      expect(sums.get(`g:s${stage}`)).toBeCloseTo(blockSum, 9);
    }
    const outside = graph.layers
      .filter((layer) => hierarchy.chains[layer.id].length === 0)
      .reduce((sum, layer) => sum + values.get(layer.id)!, 0);
    const grouped = ['g:stem', 'g:s1', 'g:s2', 'g:s3', 'g:s4'].reduce(
      (sum, id) => sum + sums.get(id)!,
      0,
    );
    expect(grouped + outside).toBeCloseTo(total, 9);
  });

  it('the time view writes each collapsed group its summed time', () => {
    const view = timeView({ graph, hierarchy, timings, batch: 1 });
    expect(view.heat!.groupText!.get('g:s3')).toMatch(
      new RegExp(`^${sums.get('g:s3')!.toFixed(0)}`),
    );
    expect(view.legend!.ticks).toHaveLength(5);
  });

  it('block series: one point per block, 23 in stage 3, with params and MACs', () => {
    const series = blockSeries(hierarchy, values);
    expect(series.map((stage) => stage.blocks.length)).toEqual([3, 4, 23, 3]);
    expect(series[2].blocks[0].ms).toBeCloseTo(sums.get('g:s3b1')!, 9);
    // The first block of a stage has the projection shortcut: more parameters than the second.
    expect(series[2].blocks[0].params).toBeGreaterThan(series[2].blocks[1].params);
    expect(blockSeries(hierarchy, null)[0].blocks[0].ms).toBeUndefined();
  });

  it('outliers stand out from a series of near-equal blocks', () => {
    expect(outliers([10, 10.2, 9.9, 10.1, 30, 10])).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
    ]);
    expect(outliers([5, 5, 5, 5]).some(Boolean)).toBe(false);
    expect(outliers([1, 1.01, 1.02, 0.99]).some(Boolean)).toBe(false);
  });
});

describe('compare', () => {
  const faster = timings.map((timing) => ({ ...timing, medianMs: timing.medianMs * 0.5 }));

  it('gives a Δ for every layer, b − a, and totals', () => {
    const result = compareRuns({ graph, layers: timings }, { graph, layers: faster });
    expect(result.ok).toBe(true);
    if (!result.ok) {
      return;
    }
    expect(result.deltas).toHaveLength(graph.layers.length);
    for (const delta of result.deltas) {
      expect(delta.deltaMs).toBeCloseTo(-timings[delta.layerId].medianMs * 0.5, 12);
      expect(delta.relative).toBeCloseTo(-0.5, 12);
    }
    expect(result.bTotalMs).toBeCloseTo(result.aTotalMs / 2, 9);
  });

  it('refuses runs of different models, and runs without per-layer times, in words', () => {
    const small = syntheticGraph({ blocks: [3, 4, 6, 3] });
    const other = compareRuns(
      { graph, layers: timings },
      { graph: small, layers: timings.slice(0, small.layers.length) },
    );
    expect(other).toEqual({
      ok: false,
      message: `The runs profiled different models (${graph.layers.length} and ${small.layers.length} layers): pick two runs of models with the same layers.`,
    });
    const whole = compareRuns({ graph, layers: [] }, { graph, layers: timings });
    expect(whole.ok).toBe(false);
  });

  it('the compare view colours every layer on the diverging scale and adds Δ columns', () => {
    const view = compareView({
      graph,
      hierarchy,
      a: { graph, layers: timings, label: 'A' },
      b: { graph, layers: faster, label: 'B' },
    });
    expect(view.heat!.layers.size).toBe(graph.layers.length);
    expect([...view.heat!.layers.values()].every((value) => value <= 0.5)).toBe(true);
    const delta = view.columns.find((column) => column.id === 'compare-delta')!;
    expect(graph.layers.every((layer) => delta.text(layer, context).startsWith('−'))).toBe(true);
    const columns = compareColumns([], { a: 'A', b: 'B' });
    expect(columns.map((column) => column.label)).toEqual(['A ms', 'B ms', 'Δ ms', 'Δ %']);
  });
});

describe('efficiency view', () => {
  it('colours only layers with MACs, the most efficient hottest', () => {
    const view = gmacsView(graph, timings, 1);
    const withMacs = graph.layers.filter((layer) => layer.macs > 0);
    expect(view.heat!.layers.size).toBe(withMacs.length);
    const rates = withMacs.map((layer) => ({
      id: layer.id,
      rate: layer.macs / (timings[layer.id].medianMs * 1e6),
    }));
    const best = rates.reduce((a, b) => (a.rate >= b.rate ? a : b));
    expect(view.heat!.layers.get(best.id)).toBe(1);
    expect(view.legend!.ticks[0].label).toBe('0.0');
  });
});

describe('activation statistics view', () => {
  it('flags NaN/Inf layers and scales the zero fraction 0–1', () => {
    const stats = graph.layers.map((layer) => ({
      layerId: layer.id,
      min: 0,
      max: 1,
      mean: layer.id / 10,
      std: 1,
      zeroFraction: layer.id % 2 === 0 ? 0.5 : 0,
      nanCount: layer.id === 7 ? 3 : 0,
      infCount: 0,
    }));
    const view = statView(graph, stats, 'zeros', timings, 1);
    expect(view.heat!.flagged).toEqual(new Set([7]));
    expect(view.heat!.layers.get(2)).toBe(0.5);
    expect(view.legend!.note).toBe('1 layers with NaN or Inf, in red');
    expect(statView(graph, undefined, 'mean', timings, 1).message).toMatch(
      /no activation statistics/,
    );
  });
});

describe('live run', () => {
  const runId = 'r1';
  const started: ProfileEvent = {
    type: 'run-started',
    runId,
    backend: 'wasm',
    config: graph.config,
    mode: 'per-layer',
    passes: { warmup: 1, timed: 2 },
    layers: 4,
  };
  const layer = (pass: number, layerId: number, ms: number): ProfileEvent => ({
    type: 'layer-finished',
    runId,
    pass,
    layerId,
    ms,
  });

  it('tracks pass k of N, layers done, the cursor and the latest times', () => {
    const live = new LiveRun(runId);
    live.apply([started, layer(-1, 0, 5), layer(-1, 1, 6)]);
    expect(live.progress).toMatchObject({
      passNumber: 1,
      passCount: 3,
      warming: true,
      layersDone: 2,
    });
    expect(live.cursor).toBe(2);
    expect(live.timingsSoFar().map((timing) => timing.medianMs)).toEqual([5, 6]);
    live.apply([
      layer(-1, 2, 1),
      layer(-1, 3, 1),
      { type: 'pass-finished', runId, pass: -1, totalMs: 13 },
    ]);
    expect(live.progress).toMatchObject({
      passNumber: 2,
      passesDone: 1,
      warming: false,
      layersDone: 0,
    });
    expect(live.cursor).toBe(0);
    live.apply([layer(0, 0, 2), layer(0, 1, 4), { ...layer(0, 0, 99), runId: 'other' }]);
    expect(live.latest.get(0)).toBe(2);
    live.apply([
      layer(0, 2, 1),
      layer(0, 3, 1),
      { type: 'pass-finished', runId, pass: 0, totalMs: 8 },
    ]);
    live.apply([layer(1, 0, 4), layer(1, 1, 8)]);
    // Timed passes only: the warm-up's 5 ms is not in the median.
    expect(live.timingsSoFar()[0]).toEqual({ layerId: 0, medianMs: 3, p95Ms: 4, minMs: 2 });
    expect(live.progress).toMatchObject({ passNumber: 3, layersDone: 2 });
    expect(live.ended).toBe(false);
  });

  it('ends on run-finished or an error, with no cursor', () => {
    const live = new LiveRun(runId);
    live.apply([started, layer(-1, 0, 5)]);
    live.apply([
      {
        type: 'error',
        runId,
        error: { code: 'CANCELLED', message: 'The profile run was cancelled.' },
      },
    ]);
    expect(live.ended).toBe(true);
    expect(live.cursor).toBeNull();
    expect(live.error?.code).toBe('CANCELLED');
  });
});

describe('exports', () => {
  const result: ProfileResult = {
    runId: 'r1',
    backend: 'wasm',
    mode: 'per-layer',
    batch: 1,
    layers: timings,
    perLayerMedianMs: 100,
    wholeMedianMs: 95,
    overheadRatio: 100 / 95,
    passesMs: [100],
    firstPassMs: 300,
    peakBytes: 1e8,
    layerMsByPass: [timings.map((timing) => timing.medianMs)],
    wholePassesMs: [95],
  };

  it('CSV: a header and one row per layer, untrusted names quoted and defused', () => {
    const lines = timingsCsv(result, graph).trim().split('\n');
    expect(lines[0]).toBe(
      'layer_id,name,class,path,output_shape,params,macs,median_ms,p95_ms,min_ms,share,cumulative_share,gmac_per_s,fused_into',
    );
    expect(lines).toHaveLength(graph.layers.length + 1);
    expect(lines[2].startsWith(`1,${graph.layers[1].name},`)).toBe(true);
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('=HYPERLINK(1)')).toBe("'=HYPERLINK(1)");
    expect(csvField(-1.5)).toBe('-1.5');
  });

  it('trace: parses, one slice per layer per pass, named after the layer', () => {
    const trace = JSON.parse(traceJson(result, graph)) as {
      traceEvents: { ph: string; name: string; tid: number; dur?: number }[];
    };
    const slices = trace.traceEvents.filter((event) => event.ph === 'X' && event.tid === 1);
    expect(slices).toHaveLength(graph.layers.length);
    expect(slices[3].name).toBe(graph.layers[3].name);
  });
});
