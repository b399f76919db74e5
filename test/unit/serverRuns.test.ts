// Runs started over HTTP and the engine's run bound (issue 13): `POST /api/profile` streams the
// run's events, and a client that disconnects cancels its run, a whole pass included, within a
// second; the engine takes at most MAX_OPEN_RUNS runs at once, from every caller together.
import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, MAX_OPEN_RUNS } from '../../engine/node/client';
import { startServer, type InspectorServer } from '../../electron/server/server';
import type { InspectorError } from '../../shared/errors';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import type { ProfileEvent, ProfileRequest } from '../../shared/profile';
import { scratch } from './contractTransports';
import { tinyRequest } from './engineFixtures';

const TOKEN = 'runs-test-token-0123456789abcdef';
let server: InspectorServer;
let engine: EngineClient;
const events: ProfileEvent[] = [];

beforeAll(async () => {
  engine = new EngineClient();
  engine.onProfileEvents((batch) => events.push(...batch));
  server = await startServer({
    engine,
    rendererDir: scratch(),
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    allowRemote: false,
  });
});
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

/** Starts `POST /api/profile` and calls `onLine` with each NDJSON line as it arrives. */
function startRun(
  request: ProfileRequest,
  onLine: (line: Record<string, unknown>) => void,
): ClientRequest {
  const call = httpRequest(
    {
      host: '127.0.0.1',
      port: server.port,
      path: '/api/profile',
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    },
    (response) => {
      let buffered = '';
      response.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        lines.filter(Boolean).forEach((line) => onLine(JSON.parse(line)));
      });
    },
  );
  call.on('error', () => undefined); // destroyed on purpose below
  call.end(JSON.stringify([request]));
  return call;
}

const lastEventOf = (runId: string): Promise<ProfileEvent> =>
  new Promise((resolve) => {
    const check = setInterval(() => {
      const last = events.find(
        (event) =>
          event.runId === runId && (event.type === 'error' || event.type === 'run-finished'),
      );
      if (last) {
        clearInterval(check);
        resolve(last);
      }
    }, 2);
  });

describe('POST /api/profile', () => {
  it('cancels the run when its client disconnects, inside a whole pass, within a second', async () => {
    // Whole passes of seconds each on 2 cores: the engine cannot stop inside one.
    const slow: ProfileRequest = {
      ...tinyRequest(),
      config: { ...DEFAULT_CONFIG, depth: 50, classes: 10 },
      batch: 8,
      mode: 'whole',
      warmup: 0,
      runs: 20,
    };
    let runId = '';
    const started = new Promise<void>((resolve) => {
      const call = startRun(slow, (line) => {
        if (line.ok === true) {
          runId = (line.value as { runId: string }).runId;
        }
        const batch = (line.events as ProfileEvent[] | undefined) ?? [];
        if (batch.some((event) => event.type === 'run-started')) {
          setTimeout(() => {
            call.destroy(); // the person pressed Ctrl-C in curl, inside the first pass
            resolve();
          }, 300);
        }
      });
    });
    await started;
    const leftAt = performance.now();
    const last = await lastEventOf(runId);
    expect(performance.now() - leftAt).toBeLessThan(1000);
    expect(last).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } });
    // The engine that was stopped for it is replaced: the next call works.
    expect((await engine.describe(tinyRequest().config!)).layers.length).toBeGreaterThan(0);
  });
});

describe('the engine run bound', () => {
  it(`refuses a run beyond ${MAX_OPEN_RUNS} queued or running, naming the bound`, async () => {
    const long = tinyRequest({ mode: 'whole', warmup: 0, runs: 1000 });
    const runIds = await Promise.all(
      Array.from({ length: MAX_OPEN_RUNS }, async () => (await engine.profile(long)).runId),
    );
    let refused: InspectorError | undefined;
    try {
      await engine.profile(long);
    } catch (error) {
      refused = error as InspectorError;
    }
    expect(refused?.code).toBe('INVALID_REQUEST');
    expect(refused?.message).toBe(
      `The engine has ${MAX_OPEN_RUNS} profile runs queued or running, the most it takes; wait for one to finish or cancel one.`,
    );
    await Promise.all(runIds.map((runId) => engine.cancel(runId)));
    await Promise.all(runIds.map(lastEventOf));
    // With the queue empty again, a run is taken.
    const { runId } = await engine.profile(tinyRequest({ warmup: 0, runs: 1 }));
    expect((await lastEventOf(runId)).type).toBe('run-finished');
  });
});
