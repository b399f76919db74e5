// The in-process profiler on the real tfjs runtime (a tiny ResNeXt) and on a slow synthetic
// runtime that makes batching and cancel latency measurable.
import { beforeAll, describe, expect, it } from 'vitest';
import { inputShapeOf } from '../../shared/modelConfig';
import { useBackend } from '../../engine/node/backends';
import { syntheticInput } from '../../engine/core/inputData';
import {
  EVENT_BATCH_MS,
  EventBatcher,
  layerTimings,
  median,
  percentile,
  runProfile,
} from '../../engine/core/profiler';
import type { LayerPassOptions, Runtime, RuntimeModel } from '../../engine/core/runtime';
import { tf } from '../../engine/core/tf';
import { TfjsRuntime, type TfjsModel } from '../../engine/core/tfjsRuntime';
import { Engine } from '../../engine/core/engine';
import type { EngineHost, RuntimeFactory } from '../../engine/core/host';
import { nodeHost } from '../../engine/node/host';
import type { BackendName, ProfileEvent, ProfileRequest } from '../../shared/profile';
import { TINY, tinyRequest as request } from './engineFixtures';

/** The Node host with one more runtime, serving a backend that tfjs does not. */
function withRuntime(backend: BackendName, factory: RuntimeFactory): EngineHost {
  const host = nodeHost();
  return {
    ...host,
    runtimeFactory: (name) => (name === backend ? factory : host.runtimeFactory(name)),
  };
}

/** Collects batches with their arrival times. */
function collector() {
  const batches: { at: number; events: ProfileEvent[] }[] = [];
  return {
    batches,
    emit: (events: ProfileEvent[]) => batches.push({ at: performance.now(), events }),
    events: () => batches.flatMap((batch) => batch.events),
  };
}

const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: a layer that keeps the thread, as a real kernel does
  }
};

/** A runtime whose layers each take `layerMs` of busy CPU, like a synchronous backend. */
function slowRuntime(
  layerCount: number,
  layerMs: number,
  backend: BackendName = 'cpu',
): Runtime<RuntimeModel, null> {
  return {
    name: 'slow',
    backend,
    liveLayerTimes: true,
    build: async (config) => ({ config, layerCount, layerNames: [] }),
    loadInput: () => null,
    releaseInput: () => undefined,
    runWhole: async () => {
      busy(layerMs * layerCount);
      return { totalMs: layerMs * layerCount, peakBytes: 1 };
    },
    runLayers: async (_model, _input, options: LayerPassOptions = {}) => {
      const start = performance.now();
      for (let layerId = 0; layerId < layerCount; layerId += 1) {
        if (options.checkpoint && (await options.checkpoint())) {
          return { totalMs: performance.now() - start, stopped: true };
        }
        const layerStart = performance.now();
        busy(layerMs);
        options.onLayer?.({ layerId, ms: performance.now() - layerStart });
      }
      return { totalMs: performance.now() - start, stopped: false };
    },
    memory: () => ({ tensors: 0, bytes: 0 }),
    release: () => undefined,
  };
}

describe('statistics helpers', () => {
  it('takes medians, nearest-rank percentiles and per-layer timings', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([5, 1], 50)).toBe(1);
    expect(
      layerTimings([
        [1, 10],
        [3, 30],
        [2, 20],
      ]),
    ).toEqual([
      { layerId: 0, medianMs: 2, p95Ms: 3, minMs: 1 },
      { layerId: 1, medianMs: 20, p95Ms: 30, minMs: 10 },
    ]);
  });

  it('batches events: at most one batch per interval unless told to send now', () => {
    const sent: ProfileEvent[][] = [];
    const batcher = new EventBatcher((events) => sent.push(events), 10_000);
    const event = (layerId: number): ProfileEvent => ({
      type: 'layer-finished',
      runId: 'r',
      pass: 0,
      layerId,
      ms: 1,
    });
    batcher.push(event(0));
    batcher.push(event(1));
    batcher.push(event(2));
    expect(sent.map((batch) => batch.length)).toEqual([1]);
    batcher.push(event(3), true);
    expect(sent.map((batch) => batch.length)).toEqual([1, 3]);
    batcher.flush();
    expect(sent).toHaveLength(2);
  });
});

describe('profiler on a slow runtime', () => {
  it('streams the first layer batch well before the pass ends, at most ~30 batches a second', async () => {
    const runtime = slowRuntime(60, 5);
    const model = await runtime.build(TINY);
    const sink = collector();
    const start = performance.now();
    const result = await runProfile(runtime, model, null, request({ warmup: 0, runs: 2 }), {
      runId: 'slow',
      emit: sink.emit,
      isCancelled: () => false,
    });
    expect(result).not.toBeNull();
    const firstLayers = sink.batches.find((batch) =>
      batch.events.some((e) => e.type === 'layer-finished'),
    );
    const firstPassEnd = sink.batches.find((batch) =>
      batch.events.some((e) => e.type === 'pass-finished'),
    );
    // A pass takes ~300 ms; its first layers must arrive within its first third.
    expect(firstPassEnd!.at - firstLayers!.at).toBeGreaterThan(200);
    const elapsed = (sink.batches.at(-1)!.at - start) / 1000;
    expect(sink.batches.length).toBeLessThanOrEqual(
      Math.ceil(elapsed * (1000 / EVENT_BATCH_MS)) + 3,
    );
    // Between run-started and the flush at the end of the timed passes, batches keep the interval.
    for (let i = 2; i < sink.batches.length - 2; i += 1) {
      expect(sink.batches[i].at - sink.batches[i - 1].at).toBeGreaterThanOrEqual(
        EVENT_BATCH_MS - 1,
      );
    }
  });

  it('stops within ~100 ms of a cancel, and its last event is CANCELLED', async () => {
    const runtime = slowRuntime(400, 5);
    const model = await runtime.build(TINY);
    const sink = collector();
    let cancelledAt = Infinity;
    setTimeout(() => (cancelledAt = performance.now()), 150);
    const result = await runProfile(runtime, model, null, request({ warmup: 0, runs: 3 }), {
      runId: 'stop',
      emit: sink.emit,
      isCancelled: () => performance.now() >= cancelledAt,
    });
    const stoppedAt = performance.now();
    expect(result).toBeNull();
    expect(stoppedAt - cancelledAt).toBeLessThan(100);
    const last = sink.events().at(-1);
    expect(last).toMatchObject({ type: 'error', runId: 'stop', error: { code: 'CANCELLED' } });
    expect(sink.events().filter((e) => e.type === 'layer-finished').length).toBeLessThan(400);
  });
});

describe('profiler on tfjs (tiny ResNeXt)', () => {
  let runtime: TfjsRuntime;
  let model: TfjsModel;

  beforeAll(async () => {
    runtime = new TfjsRuntime(await useBackend('wasm'));
    model = await runtime.build(TINY);
  });

  it('emits run-started, a layer event per layer per pass in order, pass events, then run-finished', async () => {
    const sink = collector();
    const input = runtime.loadInput(
      syntheticInput({ kind: 'random', seed: 1 }, inputShapeOf(TINY), 2),
    );
    const result = await runProfile(
      runtime,
      model,
      input,
      request({ batch: 2, warmup: 1, runs: 2 }),
      {
        runId: 'order',
        emit: sink.emit,
        isCancelled: () => false,
        cpuTimeMs: nodeHost().cpuTimeMs,
      },
    );
    runtime.releaseInput(input);
    const events = sink.events();
    const layers = model.layerCount;
    expect(events[0]).toMatchObject({
      type: 'run-started',
      runId: 'order',
      backend: 'wasm',
      layers,
      passes: { warmup: 1, timed: 2 },
    });
    expect(events.at(-1)?.type).toBe('run-finished');
    let cursor = 1;
    for (const pass of [-1, 0, 1]) {
      for (let layerId = 0; layerId < layers; layerId += 1) {
        expect(events[cursor]).toMatchObject({ type: 'layer-finished', pass, layerId });
        cursor += 1;
      }
      expect(events[cursor]).toMatchObject({ type: 'pass-finished', pass });
      cursor += 1;
    }
    expect(cursor).toBe(events.length - 1);
    expect(result).not.toBeNull();
    expect(result!.layers).toHaveLength(layers);
    expect(result!.layerMsByPass).toHaveLength(2);
    expect(result!.passesMs).toHaveLength(2);
    expect(result!.wholePassesMs).toHaveLength(2);
    // A single-threaded backend spends about its wall time on the CPU.
    expect(result!.cpuPassesMs).toHaveLength(2);
    expect(result!.cpuWholePassesMs).toHaveLength(2);
    expect(Math.min(...result!.cpuPassesMs!, ...result!.cpuWholePassesMs!)).toBeGreaterThan(0);
    expect(result!.wholeMedianMs).toBeGreaterThan(0);
    expect(result!.overheadRatio).toBeCloseTo(result!.perLayerMedianMs! / result!.wholeMedianMs, 6);
    expect(result!.peakBytes).toBeGreaterThan(model.layerCount);
    expect(runtime.memory().tensors).toBe(model.model.weights.length);
  });

  it('gives the same output layer by layer as model.predict', async () => {
    const batch = syntheticInput({ kind: 'random', seed: 7 }, inputShapeOf(TINY), 1);
    const input = runtime.loadInput(batch);
    let last: Float32Array | undefined;
    await runtime.runLayers(model, input, {
      withOutputs: (id) => id === model.layerCount - 1,
      onLayer: (record) => (last = record.output?.data ?? last),
    });
    const expected = tf.tidy(() => (model.model.predict(input) as tf.Tensor).dataSync());
    runtime.releaseInput(input);
    expect(Array.from(last!)).toEqual(Array.from(expected));
  });

  it('in whole mode times model.predict: pass events only', async () => {
    const sink = collector();
    const input = runtime.loadInput(syntheticInput({ kind: 'zeros' }, inputShapeOf(TINY), 1));
    const result = await runProfile(
      runtime,
      model,
      input,
      request({ mode: 'whole', warmup: 2, runs: 3 }),
      {
        runId: 'whole',
        emit: sink.emit,
        isCancelled: () => false,
      },
    );
    runtime.releaseInput(input);
    const types = sink.events().map((event) => event.type);
    expect(types).toEqual(['run-started', ...Array(5).fill('pass-finished'), 'run-finished']);
    expect(result).toMatchObject({
      mode: 'whole',
      layers: [],
      perLayerMedianMs: null,
      overheadRatio: null,
    });
    expect(result!.passesMs).toHaveLength(3);
  });

  it('cancels between layers and frees every tensor of the run', async () => {
    const baseline = tf.memory().numTensors;
    const sink = collector();
    let cancel = false;
    const input = runtime.loadInput(
      syntheticInput({ kind: 'random', seed: 3 }, inputShapeOf(TINY), 4),
    );
    const result = await runProfile(
      runtime,
      model,
      input,
      request({ batch: 4, warmup: 0, runs: 50 }),
      {
        runId: 'cancel',
        emit: (events) => {
          sink.emit(events);
          // Cancel in the middle of the second pass.
          cancel ||= events.some(
            (e) => e.type === 'layer-finished' && e.pass === 1 && e.layerId > 20,
          );
        },
        isCancelled: () => cancel,
      },
    );
    runtime.releaseInput(input);
    expect(result).toBeNull();
    const events = sink.events();
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      error: { code: 'CANCELLED', message: 'The profile run was cancelled.' },
    });
    expect(events.filter((e) => e.type === 'pass-finished').length).toBeLessThan(5);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('collects activation statistics for every layer in one extra pass', async () => {
    const sink = collector();
    const input = runtime.loadInput(
      syntheticInput({ kind: 'random', seed: 5 }, inputShapeOf(TINY), 1),
    );
    const result = await runProfile(
      runtime,
      model,
      input,
      request({ warmup: 0, runs: 1, stats: true }),
      {
        runId: 'stats',
        emit: sink.emit,
        isCancelled: () => false,
      },
    );
    runtime.releaseInput(input);
    expect(result!.stats!.map((stats) => stats.layerId)).toEqual([
      ...Array(model.layerCount).keys(),
    ]);
    expect(sink.events().filter((e) => e.type === 'layer-finished')).toHaveLength(model.layerCount);
  });
});

describe('the engine in process', () => {
  it('frees every tensor of a cancelled run, its input included', async () => {
    const events: ProfileEvent[] = [];
    let cancelRun = 'none yet';
    const ended = new Map<string, () => void>();
    const engine = new Engine(nodeHost(), (batch) => {
      events.push(...batch);
      for (const event of batch) {
        if (event.runId === cancelRun && event.type === 'layer-finished' && event.pass === 0) {
          void engine.cancel(event.runId);
        }
        if (event.type === 'run-finished' || event.type === 'error') {
          ended.get(event.runId)?.();
        }
      }
    });
    const run = async (runId: string, change: Partial<ProfileRequest>) => {
      const done = new Promise<void>((resolve) => ended.set(runId, resolve));
      await engine.profile(request(change), runId);
      await done;
    };
    await run('first', { warmup: 0, runs: 1 });
    const baseline = tf.memory().numTensors;
    cancelRun = 'second';
    await run('second', { batch: 3, warmup: 0, runs: 20 });
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      runId: 'second',
      error: { code: 'CANCELLED' },
    });
    expect(tf.memory().numTensors).toBe(baseline);
    engine.dispose();
  });

  it('profiles through a registered runtime for a backend tfjs does not serve', async () => {
    const events: ProfileEvent[] = [];
    let done = (): void => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const host = withRuntime('onnxruntime', async () => slowRuntime(12, 1, 'onnxruntime'));
    const engine = new Engine(host, (batch) => {
      events.push(...batch);
      if (batch.some((e) => e.type === 'run-finished' || e.type === 'error')) {
        done();
      }
    });
    await engine.profile(request({ backend: 'onnxruntime', warmup: 0, runs: 2 }), 'ort');
    await finished;
    expect(events[0]).toMatchObject({ type: 'run-started', backend: 'onnxruntime', layers: 12 });
    expect(events.filter((e) => e.type === 'layer-finished')).toHaveLength(24);
    engine.dispose();
  });

  it('reports a WebAssembly abort as ENGINE_CRASHED and asks to be restarted', async () => {
    const oom = slowRuntime(5, 1, 'onnxruntime-cuda');
    oom.runLayers = async () => {
      throw Object.assign(new Error('Aborted(OOM)'), { name: 'RuntimeError' });
    };
    const host = withRuntime('onnxruntime-cuda', async () => oom);
    const events: ProfileEvent[] = [];
    const fatal = new Promise<string>((resolve) => {
      const engine = new Engine(host, (batch) => events.push(...batch), { onFatal: resolve });
      void engine.profile(request({ backend: 'onnxruntime-cuda' }), 'oom');
    });
    expect(await fatal).toBe('Aborted(OOM)');
    expect(events.at(-1)).toEqual({
      type: 'error',
      runId: 'oom',
      error: {
        code: 'ENGINE_CRASHED',
        message:
          'The engine ran out of memory (Aborted(OOM)); lower the batch or the input size. It restarts on the next request.',
      },
    });
  });
});
