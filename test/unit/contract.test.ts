// ONE contract suite, run against both transports over a real engine (ResNeXt-50 at 32×32×3,
// 10 classes): the browser-mode server through the renderer's WebSocket client, and the Electron
// IPC wrapper through the preload's API. Same calls, same answers, same typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectorApi } from '../../shared/api';
import { InspectorError } from '../../shared/errors';
import type { ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import { DEFAULT_PROFILE, type ProfileEvent, type ProfileRequest } from '../../shared/profile';
import { ipcTransport, websocketTransport, type Transport } from './contractTransports';

const SMALL: ModelConfig = {
  depth: 50,
  cardinality: 32,
  width: 4,
  inputSize: 32,
  channels: 3,
  classes: 10,
  strideOn: '1x1',
};
const RUN: ProfileRequest = { ...DEFAULT_PROFILE, config: SMALL, warmup: 0, runs: 1, stats: true };

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InspectorError);
    return { code: (error as InspectorError).code, message: (error as InspectorError).message };
  }
  throw new Error('expected the call to be refused');
}

/** Starts a run and collects its events until its last one. */
async function runToEnd(api: InspectorApi, request: ProfileRequest, cancelAfter?: number) {
  const events: ProfileEvent[] = [];
  let runId = '';
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const stop = api.onProfileEvents((batch) => {
    events.push(...batch);
    const mine = events.filter((event) => event.runId === runId);
    if (
      cancelAfter !== undefined &&
      mine.filter((e) => e.type === 'layer-finished').length >= cancelAfter
    ) {
      void api.cancel(runId);
    }
    if (mine.some((event) => event.type === 'run-finished' || event.type === 'error')) {
      done();
    }
  });
  ({ runId } = await api.profile(request));
  if (
    events.some(
      (event) => event.runId === runId && (event.type === 'run-finished' || event.type === 'error'),
    )
  ) {
    done();
  }
  await finished;
  stop();
  return { runId, events: events.filter((event) => event.runId === runId) };
}

const graphs = new Map<string, ModelGraph>();

describe.each([
  ['websocket', () => websocketTransport(7320)],
  ['ipc', () => ipcTransport()],
] as const)('contract over %s', (name, open) => {
  let transport: Transport;
  let api: InspectorApi;
  beforeAll(async () => {
    transport = await open();
    api = transport.api;
  });
  afterAll(() => transport?.close());

  it('backends: wasm and cpu available here, each reason or detail in words', async () => {
    const backends = await api.backends();
    expect(backends.map((backend) => backend.name)).toEqual([
      'tensorflow',
      'wasm',
      'cpu',
      'onnxruntime',
      'onnxruntime-cuda',
    ]);
    expect(backends.find((backend) => backend.name === 'wasm')).toMatchObject({ available: true });
    for (const backend of backends) {
      expect(backend.available ? backend.detail : backend.reason).toMatch(/\w+ \w+/);
    }
  });

  it('appInfo names the shell it runs in', async () => {
    const info = await api.appInfo();
    expect(info).toMatchObject({
      name: 'ResNeXt Inspector',
      version: '0.1.0',
      shell: name === 'ipc' ? 'electron' : 'browser',
    });
    expect(info.backends.length).toBe(5);
  });

  it('describe: the same graph over both transports, consistent with itself', async () => {
    const graph = await api.describe(SMALL);
    expect(graph.layers.every((layer, index) => layer.id === index)).toBe(true);
    expect(graph.totals.params).toBe(graph.layers.reduce((sum, layer) => sum + layer.params, 0));
    expect(graph.layers.at(-1)).toMatchObject({ className: 'Dense', outputShape: [null, 10] });
    expect(graph.config).toEqual(SMALL);
    graphs.set(name, graph);
    const other = graphs.get(name === 'ipc' ? 'websocket' : 'ipc');
    if (other) {
      expect(graph.totals).toEqual(other.totals);
      expect(
        graph.layers.map((layer) => [layer.className, layer.outputShape, layer.params]),
      ).toEqual(other.layers.map((layer) => [layer.className, layer.outputShape, layer.params]));
    }
  });

  it('profile streams its events in order, then activations reads a layer of that run', async () => {
    const { runId, events } = await runToEnd(api, RUN);
    expect(events[0]).toMatchObject({ type: 'run-started', runId, config: SMALL });
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'run-finished', runId });
    const layersTimed = events.filter(
      (event) => event.type === 'layer-finished' && event.pass === 0,
    );
    expect(layersTimed.length).toBeGreaterThan(100);
    const conv = graphs.get(name)!.layers.find((layer) => layer.className === 'Conv2D')!;
    const maps = await api.activations(runId, conv.id, { channels: 3 });
    expect(maps.stats.layerId).toBe(conv.id);
    expect(maps.maps).toHaveLength(3);
    expect(Buffer.from(maps.maps[0].base64, 'base64').length).toBe(
      maps.maps[0].width * maps.maps[0].height,
    );
  });

  it('blockForms runs a block as 32 paths and as one grouped convolution: they agree', async () => {
    const forms = await api.blockForms(SMALL, 1, 1);
    expect(forms).toMatchObject({
      stage: 1,
      block: 1,
      paths: 32,
      pathWidth: 4,
      input: [8, 8, 64],
      output: [8, 8, 256],
    });
    expect(forms.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(forms.maxAbsOutput).toBeGreaterThan(0);
    expect(forms.groupedMs).toBeGreaterThan(0);
    expect(forms.pathsMs).toBeGreaterThan(0);
    expect(await refusal(api.blockForms(SMALL, 2, 9))).toEqual({
      code: 'NOT_FOUND',
      message: 'No block 9 in stage 2: it has blocks 1–4.',
    });
  });

  it('predict: one input through the model, its whole output and its top classes', async () => {
    const prediction = await api.predict(SMALL, { kind: 'random', seed: 7 }, { top: 3 });
    expect(prediction.shape).toEqual([10]);
    expect(prediction.output).toHaveLength(10);
    // The softmax head: probabilities that sum to 1; top lists the three highest, highest first.
    expect(prediction.output.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
    const ranked = prediction.output
      .map((score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
    expect(prediction.top).toEqual(ranked);
    // More classes than the model has: all of them.
    expect((await api.predict(SMALL, { kind: 'zeros' }, { top: 50 })).top).toHaveLength(10);
    expect(await refusal(api.predict({ file: 'file-999' }, { kind: 'zeros' }, { top: 1 }))).toEqual(
      { code: 'NOT_FOUND', message: 'No model file file-999 is open; open the file again.' },
    );
  });

  it('cancel ends a run with a CANCELLED error event', async () => {
    const { events } = await runToEnd(api, { ...RUN, runs: 20, stats: false }, 5);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } });
    expect(events.some((event) => event.type === 'run-finished')).toBe(false);
  });

  it('typed errors from the engine keep their codes', async () => {
    expect(await refusal(api.activations('run-unknown', 1, { channels: 1 }))).toEqual({
      code: 'NOT_FOUND',
      message: 'No run run-unknown is kept; profile the model again.',
    });
    expect(
      (await refusal(api.profile({ ...RUN, config: { ...SMALL, inputSize: 2048 }, batch: 256 })))
        .code,
    ).toBe('MEMORY_BUDGET');
    // The case: batch 512 at 1024×1024 reaches the memory guard, which names both numbers.
    const refused = await refusal(
      api.profile({ ...RUN, config: { ...SMALL, inputSize: 1024 }, batch: 512 }),
    );
    expect(refused.code).toBe('MEMORY_BUDGET');
    expect(refused.message).toMatch(
      /^Batch 512 at 1024×1024 needs about [\d.]+ [GT]B .* above the memory budget of [\d.]+ [KMGT]?B/,
    );
  });

  it('malformed payloads get INVALID_REQUEST, and the transport keeps answering', async () => {
    const untyped = api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const cases: [string, unknown[], string][] = [
      [
        'describe',
        [{ ...SMALL, depth: '50' }],
        'describe: config.depth must be one of 50, 101, 152, but got "50".',
      ],
      ['describe', [{ ...SMALL, evil: true }], 'describe: unknown field "config.evil"; remove it.'],
      [
        'profile',
        [{ ...RUN, runs: 1e9 }],
        'profile: request.runs must be an integer from 1 to 1000, but got 1000000000.',
      ],
      [
        'cancel',
        ['r'.repeat(50_000)], // under the WebSocket's 64 KiB message limit
        'cancel: runId must be at most 128 characters long, but has 50000.',
      ],
      [
        'activations',
        ['run-1', 1.5, { channels: 1 }],
        'activations: layerId must be an integer from 0 to 1000000, but got 1.5.',
      ],
      ['blockForms', [SMALL, 0, 1], 'blockForms: stage must be an integer from 1 to 4, but got 0.'],
      [
        'saveFile',
        ['exe', 'MZ', 'a.exe'],
        'saveFile: kind must be one of "png", "svg", "txt", "csv", "json", "md", "trace", but got "exe".',
      ],
      [
        'saveFile',
        ['txt', 'x', '../escape.txt'],
        'saveFile: suggestedName must be a file name without folders, but got "../escape.txt".',
      ],
    ];
    for (const [call, args, message] of cases) {
      expect(await refusal(untyped[call](...args))).toEqual({ code: 'INVALID_REQUEST', message });
    }
    expect((await api.backends()).length).toBe(5);
  });

  it('saveFile of a valid file succeeds', async () => {
    expect(await api.saveFile('txt', 'Model: "resnext50"\n', 'summary.txt')).toMatchObject({
      saved: true,
    });
  });
});
