// The window's side of its engine, with a scripted Worker: calls posted before the worker is
// ready wait for it, results pair with their calls, and a worker that ends (a lost GPU device,
// an uncaught error) fails what waited on it and its open runs, and the next call starts afresh.
import { describe, expect, it } from 'vitest';
import type { EngineCallMessage, EngineWorkerMessage } from '../../shared/engineProtocol';
import { DEFAULT_PROFILE, type ProfileEvent } from '../../shared/profile';
import { WindowEngine } from '../../engine/window/client';

/** A Worker that records what it is sent and answers as the test says. */
class ScriptedWorker extends EventTarget {
  readonly sent: EngineCallMessage[] = [];
  terminated = false;
  postMessage(message: EngineCallMessage): void {
    this.sent.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  say(message: EngineWorkerMessage): void {
    this.dispatchEvent(new MessageEvent('message', { data: message }));
  }
}

function setup() {
  const workers: ScriptedWorker[] = [];
  const engine = new WindowEngine(() => {
    const worker = new ScriptedWorker();
    workers.push(worker);
    return worker as unknown as Worker;
  });
  const events: ProfileEvent[] = [];
  engine.onProfileEvents((batch) => events.push(...batch));
  return { engine, workers, events };
}

const request = { ...DEFAULT_PROFILE, backend: 'window-wasm' as const };

describe('WindowEngine', () => {
  it('holds calls until the worker is ready, then pairs each result with its call', async () => {
    const { engine, workers } = setup();
    const backends = engine.backends();
    expect(workers).toHaveLength(1);
    expect(workers[0].sent).toEqual([]); // a module worker may drop messages sent before it listens
    workers[0].say({ kind: 'ready' });
    expect(workers[0].sent.map((call) => call.method)).toEqual(['backends']);
    const failing = engine.describe({ file: 'nope' });
    workers[0].say({
      kind: 'result',
      id: workers[0].sent[1].id,
      result: { ok: false, error: { code: 'NOT_FOUND', message: 'No model nope.' } },
    });
    workers[0].say({ kind: 'result', id: workers[0].sent[0].id, result: { ok: true, value: [] } });
    await expect(backends).resolves.toEqual([]);
    await expect(failing).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No model nope.' });
  });

  it('fails the calls and runs of a worker that ends, and starts a fresh one for the next call', async () => {
    const { engine, workers, events } = setup();
    const started = engine.profile(request);
    workers[0].say({ kind: 'ready' });
    const call = workers[0].sent[0];
    workers[0].say({ kind: 'result', id: call.id, result: { ok: true, value: { runId: 'x' } } });
    await started;
    const runId = (call.args as unknown[])[1] as string;
    expect(runId).toMatch(/^wrun-/);
    const waiting = engine.backends();
    workers[0].say({ kind: 'fatal', reason: 'the GPU device was lost (destroyed)' });
    workers[0].say({ kind: 'exiting' });
    const message =
      "The window's engine stopped (the GPU device was lost (destroyed)); it starts afresh on the next run.";
    await expect(waiting).rejects.toMatchObject({ code: 'ENGINE_CRASHED', message });
    expect(events).toEqual([{ type: 'error', runId, error: { code: 'ENGINE_CRASHED', message } }]);
    expect(workers[0].terminated).toBe(true);
    const again = engine.backends();
    expect(workers).toHaveLength(2);
    workers[1].say({ kind: 'ready' });
    workers[1].say({ kind: 'result', id: workers[1].sent[0].id, result: { ok: true, value: [] } });
    await expect(again).resolves.toEqual([]);
  });

  it('a worker that cannot start fails its calls with the reason', async () => {
    const { engine, workers } = setup();
    const waiting = engine.backends();
    workers[0].dispatchEvent(
      Object.assign(new Event('error', { cancelable: true }), {
        message: 'SyntaxError in worker.js',
      }),
    );
    await expect(waiting).rejects.toMatchObject({
      code: 'ENGINE_CRASHED',
      message:
        "The window's engine stopped (it failed: SyntaxError in worker.js); it starts afresh on the next run.",
    });
  });

  it('a finished run is no longer failed when the worker ends later', async () => {
    const { engine, workers, events } = setup();
    const started = engine.profile(request);
    workers[0].say({ kind: 'ready' });
    const call = workers[0].sent[0];
    const runId = (call.args as unknown[])[1] as string;
    workers[0].say({ kind: 'result', id: call.id, result: { ok: true, value: { runId } } });
    await started;
    workers[0].say({
      kind: 'events',
      events: [{ type: 'error', runId, error: { code: 'CANCELLED', message: 'Cancelled.' } }],
    });
    engine.dispose();
    expect(events.map((event) => event.type)).toEqual(['error']);
  });
});
