// The renderer's WebSocket client against the real server: events of a run reach only the
// connection that started it, and a server that goes away fails calls with a message saying
// what to do, instead of leaving them hanging.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EngineClient } from '../../engine/node/client';
import { startServer, type InspectorServer } from '../../electron/server/server';
import type { ModelConfig } from '../../shared/modelConfig';
import { DEFAULT_PROFILE, type ProfileEvent } from '../../shared/profile';
import { connectWireClient, type SocketLike, type WireClient } from '../../shared/wireClient';
import { freePort } from './contractTransports';

let PORT = 7360;
const TOKEN = 'client-test-token-0123456789abcdef';
const SMALL: ModelConfig = {
  depth: 50,
  cardinality: 32,
  width: 4,
  inputSize: 32,
  channels: 3,
  classes: 10,
  strideOn: '1x1',
};

const connect = (): Promise<WireClient> =>
  connectWireClient({
    connect: () =>
      new WebSocket(`ws://127.0.0.1:${PORT}/ws?token=${TOKEN}`) as unknown as SocketLike,
    saveFile: async () => ({ saved: false }),
  });

let engine: EngineClient;
let server: InspectorServer;
const rendererDir = mkdtempSync(path.join(tmpdir(), 'inspector-client-'));
writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html>');
const start = () =>
  startServer({
    engine,
    rendererDir,
    host: '127.0.0.1',
    port: PORT,
    token: TOKEN,
    allowRemote: false,
  });

beforeAll(async () => {
  PORT = await freePort(7360);
  engine = new EngineClient();
  server = await start();
});
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

describe('WebSocket client and server', () => {
  it('delivers a run’s events only to the connection that started it', async () => {
    const [owner, other] = await Promise.all([connect(), connect()]);
    const seen: Record<string, ProfileEvent[]> = { owner: [], other: [] };
    other.api.onProfileEvents((events) => seen.other.push(...events));
    const finished = new Promise<void>((resolve) =>
      owner.api.onProfileEvents((events) => {
        seen.owner.push(...events);
        if (events.some((event) => event.type === 'run-finished' || event.type === 'error')) {
          resolve();
        }
      }),
    );
    const { runId } = await owner.api.profile({
      ...DEFAULT_PROFILE,
      config: SMALL,
      warmup: 0,
      runs: 1,
      mode: 'whole',
    });
    await finished;
    expect(seen.owner[0]).toMatchObject({ type: 'run-started', runId });
    expect(seen.owner.at(-1)).toMatchObject({ type: 'run-finished', runId });
    expect(seen.other).toEqual([]);
    owner.close();
    other.close();
  });

  it('ends a run in flight with an error event when the connection drops', async () => {
    const client = await connect();
    const seen: ProfileEvent[] = [];
    const ended = new Promise<void>((resolve) =>
      client.api.onProfileEvents((events) => {
        seen.push(...events);
        if (events.some((event) => event.type === 'run-finished' || event.type === 'error')) {
          resolve();
        }
      }),
    );
    const started = new Promise<void>((resolve) =>
      client.api.onProfileEvents((events) => {
        if (events.some((event) => event.type === 'run-started')) {
          resolve();
        }
      }),
    );
    const { runId } = await client.api.profile({
      ...DEFAULT_PROFILE,
      config: SMALL,
      warmup: 0,
      runs: 1000,
      mode: 'per-layer',
    });
    await started;
    await server.close();
    await ended;
    expect(seen.at(-1)).toEqual({
      type: 'error',
      runId,
      error: {
        code: 'INTERNAL',
        message:
          'Lost the connection to the inspector server: check that `npm run serve` is still running, then reload the page.',
      },
    });
    await engine.cancel(runId); // closing the server leaves the engine running
    server = await start();
    client.close();
  });

  it('fails a call in flight when the server goes away, and later calls with how to recover', async () => {
    const client = await connect();
    const inFlight = client.api.describe({ ...SMALL, depth: 152, inputSize: 224 });
    // The expectation holds the rejection before the close: it can come while the close is awaited.
    const lost = expect(inFlight).rejects.toMatchObject({
      code: 'INTERNAL',
      message:
        'Lost the connection to the inspector server: check that `npm run serve` is still running, then reload the page.',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await lost;
    await expect(client.api.backends()).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message:
        'Could not reach the inspector server: check that `npm run serve` is running and that the URL has its token.',
    });
    server = await start();
    expect((await client.api.backends()).length).toBe(5); // the next call reconnects
    client.close();
  });
});
