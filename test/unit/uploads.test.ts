// Uploads of browser mode (issue 13): a body streams to a private file without being held whole,
// under a size limit (413, partial file removed) and a total quota; ids are random; files go when
// the server closes. Then `POST /api/upload` behind the token, and an image input that travels as
// an upload and runs on the real engine.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../engine/node/client';
import { startServer, type InspectorServer } from '../../electron/server/server';
import { UploadError, UploadStore } from '../../electron/server/uploads';
import type { ProfileEvent } from '../../shared/profile';
import { scratch } from './contractTransports';
import { tinyRequest } from './engineFixtures';

const MiB = 2 ** 20;

/** A readable of `total` bytes made chunk by chunk, so the test never holds them all either. */
function generated(total: number, chunk = 64 * 1024): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(chunk, total - sent);
      sent += size;
      this.push(Buffer.alloc(size, sent % 251));
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<UploadError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UploadError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected an UploadError');
}

describe('UploadStore', () => {
  it('streams a body to a private file under a random id, and removes it', async () => {
    const store = await UploadStore.create({ maxFileBytes: 8 * MiB, parent: scratch() });
    try {
      expect(statSync(store.folder).mode & 0o777).toBe(0o700);
      const first = await store.receive(
        Readable.from([Buffer.from('hello'), Buffer.from('!')]),
        'a.png',
      );
      const second = await store.receive(Readable.from([Buffer.from('x')]), 'a.png');
      expect(first).toMatchObject({ name: 'a.png', bytes: 6 });
      expect(first.id).toMatch(/^[0-9a-f]{32}$/);
      expect(second.id).not.toBe(first.id);
      const stored = store.get(first.id)!;
      expect(readFileSync(stored.path, 'utf8')).toBe('hello!');
      expect(path.dirname(stored.path)).toBe(store.folder);
      expect(statSync(stored.path).mode & 0o777).toBe(0o600);
      expect(store.get('../../etc/passwd')).toBeUndefined();
      await store.remove(first.id);
      expect(store.get(first.id)).toBeUndefined();
      expect(existsSync(stored.path)).toBe(false);
      expect(store.totalBytes).toBe(1);
    } finally {
      await store.close();
    }
    expect(existsSync(store.folder)).toBe(false);
  });

  it('refuses a body over the limit with 413 while it streams, leaving no partial file', async () => {
    const store = await UploadStore.create({ maxFileBytes: MiB, parent: scratch() });
    try {
      const error = await refusal(store.receive(generated(3 * MiB), 'big.png'));
      expect(error.status).toBe(413);
      expect(error.message).toBe(
        'big.png is larger than 1.0 MB, the most one upload may have; start the server with a larger --max-upload-mb to allow it.',
      );
      expect(readdirSync(store.folder)).toEqual([]);
      expect(store.totalBytes).toBe(0);
      // A declared length over the limit is refused before anything is read.
      const declared = await refusal(store.receive(generated(10), 'big.png', 2 * MiB));
      expect(declared.status).toBe(413);
    } finally {
      await store.close();
    }
  });

  it('keeps all uploads under a quota', async () => {
    const store = await UploadStore.create({
      maxFileBytes: MiB,
      maxTotalBytes: 2 * MiB,
      parent: scratch(),
    });
    try {
      await store.receive(generated(MiB), 'one.bin');
      await store.receive(generated(MiB), 'two.bin');
      const error = await refusal(store.receive(generated(10), 'three.bin'));
      expect(error.message).toBe(
        'Uploads on this server would go over their quota of 2.1 MB; restart the server to clear them.',
      );
      expect(readdirSync(store.folder)).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('never holds a body whole: the file grows on disk while the body is still arriving', async () => {
    const store = await UploadStore.create({ maxFileBytes: 64 * MiB, parent: scratch() });
    const onDisk = (): number =>
      readdirSync(store.folder).reduce(
        (sum, name) => sum + statSync(path.join(store.folder, name)).size,
        0,
      );
    let seenWhileSending = 0;
    let sent = 0;
    const body = new Readable({
      async read() {
        if (sent === 24 * MiB) {
          // Half way: what came so far must be in the file already, not in memory.
          for (let tries = 0; tries < 100 && onDisk() < 20 * MiB; tries += 1) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          seenWhileSending = onDisk();
        }
        if (sent >= 48 * MiB) {
          this.push(null);
          return;
        }
        sent += MiB;
        this.push(Buffer.alloc(MiB, 7));
      },
    });
    try {
      const info = await store.receive(body, 'model.bin');
      expect(info.bytes).toBe(48 * MiB);
      expect(statSync(store.get(info.id)!.path).size).toBe(48 * MiB);
    } finally {
      await store.close();
    }
    expect(seenWhileSending).toBeGreaterThanOrEqual(20 * MiB);
  });

  it('sweeps the folders of servers that died without removing theirs', async () => {
    const parent = scratch();
    const dead = path.join(parent, 'inspector-uploads-999999999-abc');
    mkdirSync(dead);
    writeFileSync(path.join(dead, 'f'), 'x');
    const store = await UploadStore.create({ maxFileBytes: MiB, parent });
    await store.close();
    expect(existsSync(dead)).toBe(false);
  });
});

const TOKEN = 'upload-test-token-0123456789';
let server: InspectorServer;
let engine: EngineClient;

type Reply = { status: number; body: string };

function post(target: string, body: Buffer | Readable, headers: Record<string, string> = {}) {
  return new Promise<Reply>((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: server.port, path: target, method: 'POST', headers },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    if (Buffer.isBuffer(body)) {
      request.end(body);
    } else {
      body.pipe(request);
    }
  });
}

const auth = { Authorization: `token ${TOKEN}` };

function gradientPng(size: number): Buffer {
  const image = new PNG({ width: size, height: size });
  image.data.fill(200);
  return PNG.sync.write(image);
}

describe('POST /api/upload and image inputs that travel as uploads', () => {
  beforeAll(async () => {
    engine = new EngineClient();
    server = await startServer({
      engine,
      rendererDir: scratch(),
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      allowRemote: false,
      maxUploadBytes: MiB,
    });
  });
  afterAll(async () => {
    await server?.close();
    await engine?.dispose();
  });

  it('needs the token, a file name, and a body within --max-upload-mb', async () => {
    expect((await post('/api/upload?name=a.png', Buffer.from('x'))).status).toBe(401);
    const noName = await post('/api/upload', Buffer.from('x'), auth);
    expect(noName.status).toBe(400);
    expect(JSON.parse(noName.body).error.message).toBe(
      'upload: the name query parameter must be at least 1 character long; send POST /api/upload?name=<file name>.',
    );
    const folder = await post('/api/upload?name=..%2Fx.png', Buffer.from('x'), auth);
    expect(JSON.parse(folder.body).error.message).toMatch(/must be a file name without folders/);
    const big = await post('/api/upload?name=big.png', Buffer.alloc(2 * MiB), auth);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message:
          'big.png is larger than 1.0 MB, the most one upload may have; start the server with a larger --max-upload-mb to allow it.',
      },
    });
  });

  it('runs a profile on an uploaded image, and names an unknown or empty upload', async () => {
    const png = gradientPng(40);
    const uploaded = await post('/api/upload?name=grey.png', png, auth);
    expect(uploaded.status).toBe(200);
    const { value } = JSON.parse(uploaded.body) as { value: { id: string; bytes: number } };
    expect(value).toMatchObject({ name: 'grey.png', bytes: png.length });

    const events: ProfileEvent[] = [];
    engine.onProfileEvents((batch) => events.push(...batch));
    const request = tinyRequest({ input: { kind: 'upload', id: value.id }, runs: 1, warmup: 0 });
    const started = await post('/api/profile', Buffer.from(JSON.stringify([request])), auth);
    expect(started.status).toBe(200);
    const lines = started.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const { runId } = lines[0].value as { runId: string };
    // The response streams the run's events and ends with its last one.
    const streamed = lines.slice(1).flatMap((line: { events: ProfileEvent[] }) => line.events);
    expect(streamed.at(-1)).toMatchObject({ type: 'run-finished', runId });
    expect(events.find((event) => event.type === 'run-finished')).toBeDefined();

    const unknown = tinyRequest({ input: { kind: 'upload', id: 'f'.repeat(32) } });
    const missing = await post('/api/profile', Buffer.from(JSON.stringify([unknown])), auth);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.message).toBe(
      `No upload ${'f'.repeat(32)} on this server (it restarted, or the id is wrong); upload the image again.`,
    );
    const empty = JSON.parse(
      (await post('/api/upload?name=empty.png', Buffer.alloc(0), auth)).body,
    );
    const emptyRun = tinyRequest({ input: { kind: 'upload', id: empty.value.id } });
    const refused = await post('/api/profile', Buffer.from(JSON.stringify([emptyRun])), auth);
    expect(JSON.parse(refused.body).error.message).toBe(
      'empty.png is empty (0 bytes); choose a PNG or JPEG image.',
    );
  });
});
