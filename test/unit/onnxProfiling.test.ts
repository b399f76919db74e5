/**
 * One profiling session for many passes, checked against a stand-in for onnxruntime-node whose
 * runs each take a known, different time: every pass's layers get the times of that pass's own
 * run (not a neighbour's, with whole passes interleaved), whole passes run unprofiled, a profile
 * is read every `runsPerProfile` runs, an interrupted run's held passes are dropped, a second
 * build of a config comes from the model cache, and a cache that cannot be written costs only
 * the next run its build.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PROFILE, type ProfileEvent, type ProfileRequest } from '../../shared/profile';
import { readGraph } from '../../engine/core/onnx/onnxStream';
import { runProfile } from '../../engine/core/profiler';
import { withFileSource } from '../../engine/node/onnx/files';
import { ModelCache } from '../../engine/node/onnx/modelCache';
import type { OrtModule } from '../../engine/node/onnx/ortLoader';
import { OrtRuntime, type OrtModel } from '../../engine/node/onnx/ortRuntime';
import { TINY } from './engineFixtures';

const root = mkdtempSync(join(tmpdir(), 'onnx-profiling-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every `run` on any fake session, in order; run k's nodes each take k + 1 ms. */
let globalRuns = 0;
const sessions: FakeSession[] = [];

class FakeSession {
  readonly inputNames = ['input_1'];
  readonly outputNames = ['dense/softmax'];
  readonly nodes: string[];
  readonly profiling: boolean;
  /** Global run indices of the runs made while profiling, and of all runs. */
  readonly profiledRuns: number[] = [];
  readonly runs: number[] = [];
  private lines: string[] = [];
  private clock = 1000;
  released = false;

  constructor(
    path: string,
    readonly options: Record<string, unknown>,
  ) {
    this.nodes = withFileSource(path, (source) => readGraph(source).nodes.map((n) => n.name));
    this.profiling = options.enableProfiling === true;
    if (typeof options.optimizedModelFilePath === 'string') {
      // As ORT does: the graph where asked, its weights in the file it names, beside it.
      copyFileSync(path, options.optimizedModelFilePath);
      const extra = options.extra as { session: Record<string, string> };
      const weights = extra.session.optimized_model_external_initializers_file_name;
      writeFileSync(join(dirname(options.optimizedModelFilePath), weights), 'weights');
    }
  }

  async run(): Promise<Record<string, never>> {
    if (this.released) {
      throw new Error('run on a released session');
    }
    const index = globalRuns++;
    this.runs.push(index);
    if (this.profiling) {
      this.profiledRuns.push(index);
      const start = this.clock;
      for (const node of this.nodes) {
        const event = { cat: 'Node', name: `${node}_kernel_time`, ts: this.clock, dur: 0 };
        event.dur = (index + 1) * 1000;
        this.lines.push(JSON.stringify(event));
        this.clock += event.dur + 1;
      }
      const run = { cat: 'Session', name: 'model_run', ts: start, dur: this.clock - start };
      this.lines.push(JSON.stringify(run));
      this.clock += 100;
    }
    return {};
  }

  endProfiling(): void {
    if (this.profiling && !this.released) {
      const file = `${String(this.options.profileFilePrefix)}_2026-12-02_00-00-00.json`;
      writeFileSync(file, `[\n${this.lines.join(',\n')}\n]\n`);
      (this as { profiling: boolean }).profiling = false;
    }
  }

  async release(): Promise<void> {
    this.released = true;
  }
}

const fakeOrt = {
  env: { versions: { node: '0.0.0-fake', common: '0.0.0-fake' } },
  InferenceSession: {
    create: async (path: string, options: Record<string, unknown>) => {
      const session = new FakeSession(path, options);
      sessions.push(session);
      return session;
    },
  },
  Tensor: class {
    constructor(
      readonly type: string,
      readonly data: Float32Array,
      readonly dims: number[],
    ) {}
    dispose(): void {}
  },
} as unknown as OrtModule;

const INPUT = { shape: [1, 32, 32, 3] as const, data: new Float32Array(32 * 32 * 3) };
const cache = new ModelCache(join(root, 'cache'));

async function profile(
  runtime: OrtRuntime,
  model: OrtModel,
  change: Partial<ProfileRequest>,
  cancelAfterRuns = Infinity,
): Promise<{ events: ProfileEvent[]; firstRun: number }> {
  const events: ProfileEvent[] = [];
  const firstRun = globalRuns;
  const input = runtime.loadInput(INPUT);
  await runProfile(
    runtime,
    model,
    input,
    { ...DEFAULT_PROFILE, config: TINY, backend: 'onnxruntime', ...change },
    {
      runId: 'r',
      emit: (batch) => events.push(...batch),
      // Events come in batches; the runs made so far tell where the run is at once.
      isCancelled: () => globalRuns - firstRun >= cancelAfterRuns,
    },
  );
  runtime.releaseInput(input);
  return { events, firstRun };
}

/** The ms of layer 0 (the input's transpose, one node) in each pass's events, by pass. */
function inputLayerMs(events: ProfileEvent[]): Map<number, number> {
  const byPass = new Map<number, number>();
  for (const event of events) {
    if (event.type === 'layer-finished' && event.layerId === 0) {
      expect(byPass.has(event.pass)).toBe(false);
      byPass.set(event.pass, event.ms);
    }
  }
  return byPass;
}

describe('one profiling session for many passes', () => {
  const runtime = new OrtRuntime('onnxruntime', fakeOrt, { optimization: 'exact', cache });
  let model: OrtModel;

  it('gives each pass the times of its own run, with whole passes between, from one session', async () => {
    model = await runtime.build(TINY);
    expect(model.fromCache).toBe(false);
    const { events, firstRun } = await profile(runtime, model, { warmup: 1, runs: 3 });
    expect(events.at(-1)?.type).toBe('run-finished');
    // Runs in order: layer pass −1, the peak's whole pass, then a layer and a whole pass per timed pass.
    const expected = new Map([-1, 0, 1, 2].map((pass) => [pass, firstRun + 2 * (pass + 1) + 1]));
    expect(inputLayerMs(events)).toEqual(expected);
    for (const pass of expected.keys()) {
      const layers = events.filter((e) => e.type === 'layer-finished' && e.pass === pass);
      expect(layers.map((e) => (e.type === 'layer-finished' ? e.layerId : -1))).toEqual(
        model.layerNames.map((_, id) => id),
      );
    }
    const lastPassFinished = events.findLastIndex((e) => e.type === 'pass-finished');
    const firstLayer = events.findIndex((e) => e.type === 'layer-finished');
    expect(firstLayer).toBeGreaterThan(lastPassFinished);
    expect(model.profilingSessions).toBe(1);
    const result = events.at(-1) as Extract<ProfileEvent, { type: 'run-finished' }>;
    expect(result.result.layers[0].medianMs).toBe(expected.get(1));
  });

  it('opens one fresh profiling session for the next run, and runs whole passes unprofiled', async () => {
    const before = sessions.length;
    const whole = await profile(runtime, model, { warmup: 1, runs: 2, mode: 'whole' });
    expect(whole.events.at(-1)?.type).toBe('run-finished');
    expect(sessions.flatMap((session) => session.profiledRuns)).not.toContain(whole.firstRun);
    expect(sessions.length).toBe(before);
    const { events, firstRun } = await profile(runtime, model, { warmup: 0, runs: 2 });
    expect(sessions.length).toBe(before + 1);
    expect(sessions.at(-1)?.profiling).toBe(false);
    expect(model.profilingSessions).toBe(2);
    expect(inputLayerMs(events)).toEqual(
      new Map([
        [0, firstRun + 1],
        [1, firstRun + 4],
      ]),
    );
  });

  it('reads the profile every runsPerProfile runs, each pass still getting its own times', async () => {
    const often = new OrtRuntime('onnxruntime', fakeOrt, {
      optimization: 'fast',
      cache,
      runsPerProfile: 3,
    });
    const cached = await often.build(TINY);
    expect(cached.fromCache).toBe(true);
    const { events, firstRun } = await profile(often, cached, { warmup: 1, runs: 4 });
    const expected = new Map([-1, 0, 1, 2, 3].map((pass) => [pass, firstRun + 2 * (pass + 1) + 1]));
    expect(inputLayerMs(events)).toEqual(expected);
    // 10 runs, 3 to a profile: layers of early passes arrive before later passes finish.
    expect(cached.profilingSessions).toBe(4);
    const passFinished = (pass: number): number =>
      events.findIndex((e) => e.type === 'pass-finished' && e.pass === pass);
    const layerOf = (pass: number): number =>
      events.findIndex((e) => e.type === 'layer-finished' && e.pass === pass);
    expect(layerOf(-1)).toBeLessThan(passFinished(1));
    often.release(cached);
  });

  it("opens the cached optimised graph as it is, and checks the export's hash only when it opens it", async () => {
    const again = new OrtRuntime('onnxruntime', fakeOrt, { optimization: 'fast', cache });
    const created = sessions.length;
    const cached = await again.build(TINY);
    const first = sessions[created];
    expect(cached.optimizedFromCache).toBe(true);
    expect(first.options.graphOptimizationLevel).toBe('disabled');
    expect(first.options.optimizedModelFilePath).toBeUndefined();
    // Linked into the model's folder: the cache may evict its files while the model runs.
    expect(cached.optimizedPath.startsWith(cached.folder)).toBe(true);
    expect(cached.verifyExport).toBeTypeOf('function');
    const { events } = await profile(again, cached, { warmup: 0, runs: 1 });
    expect(events.at(-1)?.type).toBe('run-finished');
    again.release(cached);
  });

  it('runs on when the cache cannot be written, from an export of its own, and says so', async () => {
    const blocked = join(root, 'not-a-folder');
    writeFileSync(blocked, 'a file where the cache folder would be');
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((text: string) => {
      warnings.push(text);
    });
    try {
      const unwritable = new OrtRuntime('onnxruntime', fakeOrt, {
        optimization: 'exact',
        cache: new ModelCache(blocked),
      });
      const own = await unwritable.build(TINY);
      expect(own.fromCache).toBe(false);
      expect(warnings).toEqual([
        `The export could not be kept in ${join(blocked, 'onnx')} (ENOTDIR); it is used for this run only.`,
      ]);
      expect(own.onnxPath.startsWith(own.folder)).toBe(true);
      const { events } = await profile(unwritable, own, { warmup: 0, runs: 1 });
      expect(events.at(-1)?.type).toBe('run-finished');
      unwritable.release(own);
      expect(existsSync(own.folder)).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });

  it('drops the passes of a cancelled run; the next run gets its own times', async () => {
    // Cancelled after pass 0's layer, peak and whole runs and pass 1's layer run.
    const cancelled = await profile(runtime, model, { warmup: 0, runs: 5 }, 4);
    expect(cancelled.events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } });
    expect(cancelled.events.some((e) => e.type === 'layer-finished')).toBe(false);
    const { events, firstRun } = await profile(runtime, model, { warmup: 0, runs: 1 });
    expect(inputLayerMs(events)).toEqual(new Map([[0, firstRun + 1]]));
    runtime.release(model);
  });
});
