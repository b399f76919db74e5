// EngineClient against the real engine process: calls, streamed events, cancel, crash recovery
// and the memory guard, on a tiny ResNeXt.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineClient } from '../../engine/node/client';
import type { InspectorError } from '../../shared/errors';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import type { ProfileEvent } from '../../shared/profile';
import { TINY, tinyRequest as request } from './engineFixtures';

let client: EngineClient | undefined;
afterEach(async () => {
  await client?.dispose();
  client = undefined;
});

/** Records events by run and resolves when a run's last event (run-finished or error) arrives. */
function watch(engine: EngineClient) {
  const byRun = new Map<string, ProfileEvent[]>();
  const waiting = new Map<string, (events: ProfileEvent[]) => void>();
  const batches: ProfileEvent[][] = [];
  engine.onProfileEvents((events) => {
    batches.push(events);
    for (const event of events) {
      const list = byRun.get(event.runId) ?? [];
      list.push(event);
      byRun.set(event.runId, list);
      if (event.type === 'run-finished' || event.type === 'error') {
        waiting.get(event.runId)?.(list);
      }
    }
  });
  return {
    batches,
    events: (runId: string) => byRun.get(runId) ?? [],
    /** The run's events once its last one has arrived. */
    end: (runId: string) =>
      new Promise<ProfileEvent[]>((resolve) => {
        const list = byRun.get(runId);
        if (list?.some((e) => e.type === 'run-finished' || e.type === 'error')) {
          resolve(list);
        } else {
          waiting.set(runId, resolve);
        }
      }),
    /** Resolves when a layer event of a timed pass has arrived for the run. */
    firstTimedLayer: (runId: string) =>
      new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (byRun.get(runId)?.some((e) => e.type === 'layer-finished' && e.pass >= 0)) {
            clearInterval(check);
            resolve();
          }
        }, 2);
      }),
  };
}

const rejection = async (promise: Promise<unknown>): Promise<InspectorError> => {
  try {
    await promise;
  } catch (error) {
    return error as InspectorError;
  }
  throw new Error('expected a rejection');
};

describe('EngineClient', () => {
  it('lists backends and describes a model with weight statistics', async () => {
    client = new EngineClient();
    const backends = await client.backends();
    expect(backends.map((backend) => backend.name)).toEqual([
      'tensorflow',
      'wasm',
      'cpu',
      'onnxruntime',
      'onnxruntime-cuda',
    ]);
    expect(backends.find((backend) => backend.preferred)?.available).toBe(true);
    const graph = await client.describe(TINY);
    expect(graph.layers).toHaveLength(175);
    expect(graph.layers[1].weights?.map((weight) => weight.name)).toEqual(['kernel', 'bias']);
    const error = await rejection(client.describe({ ...TINY, depth: 34 as 50 }));
    expect(error.code).toBe('INVALID_CONFIG');
  });

  it('profiles layer by layer with streamed events, then answers activations', async () => {
    client = new EngineClient();
    const runs = watch(client);
    let known = '';
    const knownAtEachBatch: boolean[] = [];
    client.onProfileEvents(() => knownAtEachBatch.push(known !== ''));
    const { runId } = await client.profile(request({ warmup: 1, runs: 2, stats: true }));
    known = runId;
    const events = await runs.end(runId);
    // The call resolves before the run's first event arrives.
    expect(knownAtEachBatch.length).toBeGreaterThan(0);
    expect(knownAtEachBatch.every(Boolean)).toBe(true);
    const layers = (events[0] as Extract<ProfileEvent, { type: 'run-started' }>).layers;
    expect(layers).toBe(175);
    expect(events.filter((e) => e.type === 'layer-finished')).toHaveLength(layers * 3);
    expect(events.filter((e) => e.type === 'pass-finished').map((e) => e.pass)).toEqual([-1, 0, 1]);
    const last = events.at(-1);
    expect(last?.type).toBe('run-finished');
    if (last?.type === 'run-finished') {
      expect(last.result.stats).toHaveLength(layers);
      expect(last.result.layers).toHaveLength(layers);
    }
    // The conv stem output (16×16×64 at input 32): four channels, each scaled to 0–255.
    const maps = await client.activations(runId, 1, { channels: 4 });
    expect(maps.maps.map((map) => [map.channel, map.width, map.height])).toEqual([
      [0, 16, 16],
      [1, 16, 16],
      [2, 16, 16],
      [3, 16, 16],
    ]);
    const bytes = Buffer.from(maps.maps[0].base64, 'base64');
    expect(bytes).toHaveLength(256);
    expect(Math.min(...bytes)).toBe(0);
    expect(Math.max(...bytes)).toBe(255);
    expect((await rejection(client.activations('run-unknown', 1, { channels: 1 }))).code).toBe(
      'NOT_FOUND',
    );
    // Another model replaces the run's: its activations are gone.
    await client.describe({ ...TINY, classes: 5 });
    const replaced = await rejection(client.activations(runId, 1, { channels: 1 }));
    expect(replaced.code).toBe('NOT_FOUND');
    expect(replaced.message).toBe(
      `The model of run ${runId} has been replaced by another one; profile again to see its activations.`,
    );
  });

  it('cancels a run: its last event is CANCELLED, and the engine runs the next one', async () => {
    client = new EngineClient();
    const runs = watch(client);
    await client.backends();
    const { runId } = await client.profile(request({ batch: 4, warmup: 0, runs: 200 }));
    await runs.firstTimedLayer(runId);
    // Backends were probed once: the answer does not wait for the run.
    const asked = performance.now();
    expect((await client.backends()).length).toBe(5);
    expect(performance.now() - asked).toBeLessThan(500);
    const cancelledAt = performance.now();
    await client.cancel(runId);
    const events = await runs.end(runId);
    expect(performance.now() - cancelledAt).toBeLessThan(1000);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } });
    expect(events.filter((e) => e.type === 'pass-finished').length).toBeLessThan(200);
    const next = await client.profile(request({ mode: 'whole', warmup: 0, runs: 1 }));
    expect((await runs.end(next.runId)).at(-1)?.type).toBe('run-finished');
  });

  for (const how of ['exit', 'throw', 'abort', 'terminate'] as const) {
    it(`reports an engine killed by ${how} as ENGINE_CRASHED and starts a fresh one`, async () => {
      client = new EngineClient({ testHooks: true });
      const runs = watch(client);
      const { runId } = await client.profile(request({ warmup: 0, runs: 500 }));
      await runs.firstTimedLayer(runId);
      if (how === 'terminate') {
        await client.terminateForTest();
      } else {
        client.crashForTest(how);
      }
      const events = await runs.end(runId);
      const last = events.at(-1);
      expect(last).toMatchObject({ type: 'error', error: { code: 'ENGINE_CRASHED' } });
      const message = last?.type === 'error' ? last.error.message : '';
      expect(message).toMatch(
        {
          throw: /^The engine crashed: Test hook: the engine threw on purpose/,
          abort: /^The engine failed: Aborted\(OOM\)/,
          exit: /^The engine exited with code 3/,
          terminate: /^The engine was killed \(SIGKILL\)/,
        }[how],
      );
      expect(message).toMatch(/it restarts on the next request\.$/);
      const backends = await client.backends();
      expect(backends.some((backend) => backend.available)).toBe(true);
    });
  }

  it('rejects calls the engine had accepted when it dies', async () => {
    client = new EngineClient({ testHooks: true });
    const runs = watch(client);
    const { runId } = await client.profile(request({ warmup: 0, runs: 500 }));
    await runs.firstTimedLayer(runId);
    // Queued behind the run, so still pending when the worker dies.
    const describing = client.describe(TINY);
    client.crashForTest('exit');
    const error = await rejection(describing);
    expect(error.code).toBe('ENGINE_CRASHED');
    expect((await client.describe(TINY)).layers).toHaveLength(175);
  });

  it('refuses batch 512 at 1024×1024 at once, giving the estimate and the budget', async () => {
    client = new EngineClient();
    const start = performance.now();
    const error = await rejection(
      client.profile(request({ config: { ...DEFAULT_CONFIG, inputSize: 1024 }, batch: 512 })),
    );
    expect(performance.now() - start).toBeLessThan(200);
    expect(error.code).toBe('MEMORY_BUDGET');
    const invalid = await rejection(client.profile(request({ runs: 0 })));
    expect(invalid.code).toBe('INVALID_REQUEST');
    expect(invalid.message).toMatch(/^profile: request\.runs /);
    expect(error.message).toMatch(
      /^Batch 512 at 1024×1024 needs about [\d.]+ [GT]B .* above the memory budget of [\d.]+ [MG]B;/,
    );
  });
});

describe('the engine process', () => {
  it('runs in an OS process of its own whose command line names it', async () => {
    client = new EngineClient();
    await client.backends();
    const pid = client.pid;
    expect(pid).toBeDefined();
    expect(pid).not.toBe(process.pid);
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    expect(commandLine).toContain('--resnext-inspector-engine');
    expect(commandLine).toMatch(/--max-old-space-size=\d+/);
  });

  it('killed with kill -9 mid-run: the run ends ENGINE_CRASHED and requests sent meanwhile go to a fresh engine', async () => {
    client = new EngineClient();
    const runs = watch(client);
    const { runId } = await client.profile(request({ warmup: 0, runs: 500 }));
    await runs.firstTimedLayer(runId);
    const dead = client.pid!;
    process.kill(dead, 'SIGKILL');
    // Sent before the client has seen the exit: none may fail for having gone to the dying engine.
    const asked = [
      client.describe(TINY),
      client.backends(),
      client.describe(TINY),
      client.backends(),
    ];
    const answers = await Promise.allSettled(asked);
    expect(answers.map((answer) => answer.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(client.pid).not.toBe(dead);
    const last = (await runs.end(runId)).at(-1);
    expect(last).toMatchObject({
      type: 'error',
      error: {
        code: 'ENGINE_CRASHED',
        message: 'The engine was killed (SIGKILL); it restarts on the next request.',
      },
    });
  });

  it('stops an engine that goes over its memory cap; the next request gets a fresh one', async () => {
    let overCap = false;
    client = new EngineClient({
      capBytes: 2 * 2 ** 30,
      readRss: () => (overCap ? 3 * 2 ** 30 : 2 ** 28),
    });
    const runs = watch(client);
    const { runId } = await client.profile(request({ warmup: 0, runs: 500 }));
    await runs.firstTimedLayer(runId);
    overCap = true;
    const last = (await runs.end(runId)).at(-1);
    expect(last).toMatchObject({ type: 'error', error: { code: 'ENGINE_CRASHED' } });
    expect(last?.type === 'error' && last.error.message).toBe(
      'The engine went over its memory cap (3.2 GB of 2.1 GB); lower the batch or the input size; it restarts on the next request.',
    );
    overCap = false;
    expect((await client.describe(TINY)).layers).toHaveLength(175);
  });

  it('cancels a whole pass it cannot interrupt within a second, and a queued run still runs', async () => {
    client = new EngineClient();
    const runs = watch(client);
    // Whole passes of a few seconds each: the engine cannot stop inside one.
    const slow = request({
      config: { ...DEFAULT_CONFIG, depth: 50, classes: 10 },
      batch: 8,
      mode: 'whole',
      warmup: 0,
      runs: 20,
    });
    const { runId } = await client.profile(slow);
    const queued = await client.profile(request({ mode: 'whole', warmup: 0, runs: 1 }));
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (runs.events(runId).some((event) => event.type === 'run-started')) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // inside the first pass
    const cancelledAt = performance.now();
    void client.cancel(runId);
    const events = await runs.end(runId);
    expect(performance.now() - cancelledAt).toBeLessThan(1000);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } });
    expect((await runs.end(queued.runId)).at(-1)?.type).toBe('run-finished');
  });
});
