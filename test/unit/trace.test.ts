// The Chrome trace and the text report of a real run of a tiny ResNeXt.
import { inputShapeOf } from '../../shared/modelConfig';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/node/backends';
import { describeModel } from '../../engine/core/describe';
import { syntheticInput } from '../../engine/core/inputData';
import { runProfile } from '../../engine/core/profiler';
import { TfjsRuntime } from '../../engine/core/tfjsRuntime';
import type { ModelGraph } from '../../shared/modelGraph';
import { DEFAULT_PROFILE, type ProfileResult } from '../../shared/profile';
import { profileReport, stageOf, timeBy, typeOf } from '../../shared/profileReport';
import { profileTrace, type TraceFile } from '../../shared/trace';
import { TINY } from './engineFixtures';

let graph: ModelGraph;
let result: ProfileResult;

beforeAll(async () => {
  const runtime = new TfjsRuntime(await useBackend('wasm'));
  const model = await runtime.build(TINY);
  graph = describeModel(model.model, TINY);
  const input = runtime.loadInput(
    syntheticInput({ kind: 'random', seed: 1 }, inputShapeOf(TINY), 1),
  );
  const request = { ...DEFAULT_PROFILE, config: TINY, warmup: 1, runs: 2 };
  const run = await runProfile(runtime, model, input, request, {
    runId: 'trace',
    emit: () => undefined,
    isCancelled: () => false,
  });
  runtime.releaseInput(input);
  runtime.release(model);
  result = run!;
});

describe('profileTrace', () => {
  let trace: TraceFile;
  beforeAll(() => {
    // Through text, as a file would go.
    trace = JSON.parse(JSON.stringify(profileTrace(result, graph))) as TraceFile;
  });

  it('is a Trace Event JSON object with metadata', () => {
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    expect(trace.displayTimeUnit).toBe('ms');
    expect(trace.metadata).toMatchObject({
      backend: 'wasm',
      mode: 'per-layer',
      batch: 1,
      model: graph.name,
    });
    for (const event of trace.traceEvents) {
      expect(typeof event.name).toBe('string');
      expect(['X', 'M']).toContain(event.ph);
      expect(Number.isInteger(event.pid)).toBe(true);
      expect(Number.isInteger(event.tid)).toBe(true);
    }
  });

  it('has one named track per timed pass with one slice per layer, in order, with class, shape and MACs', () => {
    const names = trace.traceEvents.filter(
      (event) => event.ph === 'M' && event.name === 'thread_name',
    );
    expect(names.map((event) => event.args?.name)).toEqual([
      'pass 1 (layer by layer)',
      'pass 2 (layer by layer)',
      'whole passes (model.predict)',
    ]);
    for (const [pass, tid] of [
      [0, 1],
      [1, 2],
    ]) {
      const slices = trace.traceEvents.filter((event) => event.ph === 'X' && event.tid === tid);
      expect(slices.map((slice) => slice.name)).toEqual(graph.layers.map((layer) => layer.name));
      slices.forEach((slice, layerId) => {
        const layer = graph.layers[layerId];
        expect(slice.args).toMatchObject({ layerId, className: layer.className, macs: layer.macs });
        expect(slice.args?.outputShape).toBe(
          `(${layer.outputShape!.map((size) => size ?? 'None').join(', ')})`,
        );
        expect(slice.dur).toBeCloseTo(result.layerMsByPass![pass][layerId] * 1000, 2);
        if (layerId > 0) {
          const previous = slices[layerId - 1];
          expect(slice.ts!).toBeCloseTo(previous.ts! + previous.dur!, 2);
        }
      });
    }
    const whole = trace.traceEvents.filter((event) => event.ph === 'X' && event.tid === 1000);
    expect(whole.map((slice) => slice.name)).toEqual(['predict 1', 'predict 2']);
  });

  it('keeps the whole passes on their own track at the most timed passes a request allows (1000)', () => {
    const times = [0.5, 1.5];
    const many = profileTrace({
      ...result,
      layerMsByPass: Array.from({ length: 1000 }, () => times),
      wholePassesMs: [2],
    });
    const tracks = new Map<number, Set<string>>();
    for (const event of many.traceEvents.filter((each) => each.ph === 'X')) {
      tracks.set(event.tid, (tracks.get(event.tid) ?? new Set()).add(event.cat ?? ''));
    }
    expect(tracks.size).toBe(1001);
    expect([...tracks.values()].every((cats) => cats.size === 1)).toBe(true);
    const names = many.traceEvents.filter((event) => event.name === 'thread_name');
    expect(new Set(names.map((event) => event.tid)).size).toBe(names.length);
  });
});

describe('profileReport', () => {
  it('sums layer time by stage and by type, shares adding up to 1', () => {
    const stages = timeBy(result.layers, graph, stageOf);
    expect(stages.map((group) => group.group).sort()).toEqual([
      'head',
      'input',
      'stage 1',
      'stage 2',
      'stage 3',
      'stage 4',
      'stem',
    ]);
    expect(stages.reduce((sum, group) => sum + group.share, 0)).toBeCloseTo(1, 6);
    expect(stages.reduce((sum, group) => sum + group.layers, 0)).toBe(graph.layers.length);
    const types = timeBy(result.layers, graph, typeOf);
    expect(types.find((group) => group.group === 'Conv2D (grouped)')?.layers).toBe(16);
  });

  it('prints the backend and why, the totals, the 15 slowest layers and the groups', () => {
    const text = profileReport(result, graph, {
      requested: 'auto',
      backends: [
        { name: 'tensorflow', available: false, reason: '@tensorflow/tfjs-node is not installed' },
        { name: 'wasm', available: true, detail: 'SIMD on', preferred: true },
      ],
    });
    expect(text).toContain('Backend: wasm (SIMD on), picked automatically');
    expect(text).toContain('  tensorflow: not available, @tensorflow/tfjs-node is not installed');
    expect(text).toContain(
      `Whole pass (model.predict), median: ${result.wholeMedianMs.toFixed(result.wholeMedianMs < 10 ? 2 : 1)} ms`,
    );
    expect(text).toContain(`Overhead of per-layer timing: ×${result.overheadRatio!.toFixed(2)}`);
    const slowest = text.split('\n\n').find((section) => section.startsWith('15 slowest layers'))!;
    const rows = slowest.split('\n').slice(2);
    expect(rows).toHaveLength(15);
    const top = [...result.layers].sort((a, b) => b.medianMs - a.medianMs)[0];
    expect(rows[0]).toContain(graph.layers[top.layerId].name);
    expect(text).toContain('Time per stage\n');
    expect(text).toContain('Time per layer type\n');
  });

  it('summarises activation statistics: non-finite layers and the most zeros', () => {
    const entry = { min: 0, max: 1, mean: 0.5, std: 0.25, nanCount: 0, infCount: 0 };
    const text = profileReport(
      {
        ...result,
        stats: [
          { ...entry, layerId: 3, zeroFraction: 0.5 },
          { ...entry, layerId: 5, zeroFraction: 0.75, nanCount: 2 },
          { ...entry, layerId: 1, zeroFraction: 0 },
        ],
      },
      graph,
    );
    expect(text).toContain(
      `Activation statistics of 3 layers: NaN or Inf in ${graph.layers[5].name}\n`,
    );
    const rows = text.split('Most zeros (dead ReLUs):\n')[1].split('\n');
    expect(rows[0]).toMatch(
      new RegExp(`^    ${graph.layers[5].name} +75.0% zeros, mean 0.500, std 0.250$`),
    );
    expect(rows[1]).toContain(graph.layers[3].name);
  });

  it('says per-layer times need per-layer mode for a whole run', () => {
    const text = profileReport(
      { ...result, mode: 'whole', layers: [], perLayerMedianMs: null, overheadRatio: null },
      graph,
    );
    expect(text).toContain('Per-layer times need --mode per-layer.');
    expect(text).not.toContain('slowest');
  });
});
