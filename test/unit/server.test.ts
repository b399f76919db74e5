// Browser-mode server security and plumbing, over real sockets: token, Origin and Host checks on
// HTTP and WebSocket upgrades, path traversal, malformed messages, the HTTP API, no cookie.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EngineClient } from '../../engine/node/client';
import { MAX_MESSAGE_BYTES } from '../../electron/server/jsonLimits';
import { startServer, type InspectorServer } from '../../electron/server/server';
import { freePort } from './contractTransports';

let PORT = 7330;
const TOKEN = 'server-test-token-abcdef0123456789';
let BASE = '';

type Reply = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
};

/** One raw HTTP request: the path goes out exactly as written, no normalisation. */
function send(
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: PORT, path: rawPath, method, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const auth = { Authorization: `token ${TOKEN}` };

/** Opens a WebSocket; resolves with it open, or with the HTTP status that refused it. */
function openSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => resolve(socket));
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', () => resolve(-1));
  });
}

function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) =>
    socket.once('message', (data) => resolve(JSON.parse(String(data)))),
  );
}

let server: InspectorServer;
let engine: EngineClient;
let root: string;

beforeAll(async () => {
  PORT = await freePort(7330);
  BASE = `http://127.0.0.1:${PORT}`;
  root = mkdtempSync(path.join(tmpdir(), 'inspector-server-'));
  const renderer = path.join(root, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(
    path.join(renderer, 'index.html'),
    '<!doctype html><title>ResNeXt Inspector</title>',
  );
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(path.join(root, 'secret.txt'), 'SECRET');
  symlinkSync(path.join(root, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));
  engine = new EngineClient();
  server = await startServer({
    engine,
    rendererDir: renderer,
    host: '127.0.0.1',
    port: PORT,
    token: TOKEN,
    allowRemote: false,
  });
});
afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

describe('token', () => {
  it('prints a URL with the token', () => {
    expect(server.url).toBe(`${BASE}/?token=${TOKEN}`);
  });

  it('refuses the API and the WebSocket without the token or with a wrong one (401)', async () => {
    for (const target of ['/api/backends', `/api/backends?token=wrong`]) {
      const reply = await send(target, {}, 'POST', '[]');
      expect(reply.status, target).toBe(401);
      expect(reply.body).toBe(
        'Missing or wrong token: open the URL with ?token=… exactly as `npm run serve` printed it.\n',
      );
    }
    expect(
      (await send('/api/backends', { Authorization: 'token nope-nope-nope-nope' }, 'POST', '[]'))
        .status,
    ).toBe(401);
    expect((await send('/ws')).status).toBe(401);
    expect((await send('/api/backends', auth, 'POST', '[]')).status).toBe(200);
  });

  it('serves the pages and assets, which hold no secret, without a token and never sets a cookie', async () => {
    // A cookie would reach every server on 127.0.0.1, whatever its port: the page keeps the token.
    for (const target of ['/', '/index.html', '/assets/app.js', `/?token=${TOKEN}`]) {
      const reply = await send(target);
      expect(reply.status, target).toBe(200);
      expect(reply.headers['set-cookie'], target).toBeUndefined();
    }
    expect((await send('/assets/app.js')).headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    // An old URL (a token of an earlier start) is said at once, not after the page loads.
    expect((await send('/?token=wrong')).status).toBe(401);
  });

  it('sends the CSP without eval of JavaScript, isolation, and no referrer (the token is in the URL)', async () => {
    const reply = await send('/', auth);
    const csp = String(reply.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval' blob:;");
    // WebAssembly may compile; JavaScript may not be evaluated.
    expect(csp).not.toContain("'unsafe-eval'");
    expect(reply.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(reply.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect((await send('/assets/app.js')).headers['cross-origin-embedder-policy']).toBe(
      'require-corp',
    );
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-frame-options']).toBe('DENY');
  });
});

describe('Origin and Host', () => {
  it('refuses a foreign Origin with 403 even with the token', async () => {
    const reply = await send(`/?token=${TOKEN}`, { Origin: 'http://evil.example' });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('origin "http://evil.example" are refused');
    expect((await send(`/?token=${TOKEN}`, { Origin: BASE })).status).toBe(200);
  });

  it('refuses a non-loopback Host (DNS rebinding) with 403', async () => {
    const reply = await send(`/?token=${TOKEN}`, { Host: `evil.example:${PORT}` });
    expect(reply.status).toBe(403);
    expect((await send(`/?token=${TOKEN}`, { Host: `localhost:9999` })).status).toBe(200); // an SSH tunnel's port
  });

  it('accepts every loopback Host that `serve --host` accepts without --allow-remote', async () => {
    // `--host 127.0.0.2` needs no --allow-remote (args.ts), so its printed URL must work.
    for (const host of ['127.0.0.2', '127.1.2.3', 'LOCALHOST', '[::1]']) {
      expect((await send(`/?token=${TOKEN}`, { Host: `${host}:${PORT}` })).status).toBe(200);
    }
    expect(
      (await send(`/?token=${TOKEN}`, { Host: `127.0.0.1.evil.example:${PORT}` })).status,
    ).toBe(403);
  });

  it('refuses WebSocket upgrades without the token (401) or from a foreign origin (403)', async () => {
    expect(await openSocket(`ws://127.0.0.1:${PORT}/ws`)).toBe(401);
    expect(await openSocket(`ws://127.0.0.1:${PORT}/ws?token=wrong`)).toBe(401);
    expect(
      await openSocket(`ws://127.0.0.1:${PORT}/ws?token=${TOKEN}`, {
        Origin: 'http://evil.example',
      }),
    ).toBe(403);
    expect(await openSocket(`ws://127.0.0.1:${PORT}/elsewhere?token=${TOKEN}`)).toBe(404);
    const socket = await openSocket(`ws://127.0.0.1:${PORT}/ws?token=${TOKEN}`, { Origin: BASE });
    expect(socket).toBeInstanceOf(WebSocket);
    (socket as WebSocket).close();
  });
});

describe('static files', () => {
  it.each([
    '/../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
    '/%E0%A4%A',
    '/assets//app.js',
  ])('refuses %s with 403', async (target) => {
    const reply = await send(target, auth);
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('SECRET');
  });

  it('refuses a symbolic link that leaves the folder, and answers 404 for what is missing', async () => {
    expect((await send('/assets/link.txt', auth)).status).toBe(403);
    expect((await send('/assets/missing.js', auth)).status).toBe(404);
    expect((await send('/assets', auth)).status).toBe(404);
  });

  it('answers static writes with 405 and plain /ws GETs with 426', async () => {
    expect((await send('/index.html', auth, 'PUT', 'x')).status).toBe(405);
    expect((await send('/ws', auth)).status).toBe(426);
  });
});

describe('API over HTTP', () => {
  it('answers a call with a Result, typed errors with their status', async () => {
    const ok = await send(
      '/api/backends',
      { ...auth, 'Content-Type': 'application/json' },
      'POST',
      '[]',
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({
      ok: true,
      value: [
        { name: 'tensorflow' },
        { name: 'wasm' },
        { name: 'cpu' },
        { name: 'onnxruntime' },
        { name: 'onnxruntime-cuda' },
      ],
    });
    const bad = await send('/api/describe', auth, 'POST', '[{"depth":"deep"}]');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: 'describe: config.depth must be one of 50, 101, 152, but got "deep".',
      },
    });
    const notJson = await send('/api/backends', auth, 'POST', '{oops');
    expect(JSON.parse(notJson.body).error.code).toBe('INVALID_REQUEST');
    expect((await send('/api/backends', auth, 'GET')).status).toBe(405);
    const unknown = await send('/api/shutdown', auth, 'POST', '[]');
    expect(JSON.parse(unknown.body).error.message).toMatch(/^Unknown call "shutdown"/);
  });

  it('answers a request it understood but cannot carry out with 422, not a server error', async () => {
    const request = {
      config: {
        depth: 50,
        cardinality: 32,
        width: 4,
        inputSize: 1024,
        channels: 3,
        classes: 10,
        strideOn: '1x1',
      },
      backend: 'wasm',
      batch: 512,
      input: { kind: 'zeros' },
      warmup: 0,
      runs: 1,
      mode: 'whole',
      stats: false,
    };
    const refused = await send('/api/profile', auth, 'POST', JSON.stringify([request]));
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body).error.code).toBe('MEMORY_BUDGET');
  });
});

describe('API over WebSocket', () => {
  it('answers malformed messages with typed errors and keeps answering', async () => {
    const socket = (await openSocket(`ws://127.0.0.1:${PORT}/ws?token=${TOKEN}`)) as WebSocket;
    const malformed: [string | Buffer, string][] = [
      ['not json', 'A message must be JSON'],
      ['{"type":"call","id":"1","call":"backends","args":[]}', 'A message must be {"type":"call"'],
      ['{"type":"call","id":1,"call":"backends","args":[],"extra":1}', 'and nothing more'],
      ['[1,2,3]', 'A message must be {"type":"call"'],
      [Buffer.from([0, 1, 2]), 'Binary messages are not understood'],
    ];
    for (const [data, message] of malformed) {
      const reply = nextMessage(socket);
      socket.send(data, { binary: Buffer.isBuffer(data) });
      expect(await reply).toMatchObject({
        type: 'error',
        error: { code: 'INVALID_REQUEST', message: expect.stringContaining(message) },
      });
    }
    const bad = nextMessage(socket);
    socket.send(
      JSON.stringify({ type: 'call', id: 7, call: 'cancel', args: ['x'.repeat(50_000)] }),
    );
    expect(await bad).toEqual({
      type: 'result',
      id: 7,
      result: {
        ok: false,
        error: {
          code: 'INVALID_REQUEST',
          message: 'cancel: runId must be at most 128 characters long, but has 50000.',
        },
      },
    });
    const good = nextMessage(socket);
    socket.send(JSON.stringify({ type: 'call', id: 8, call: 'backends', args: [] }));
    expect(await good).toMatchObject({ type: 'result', id: 8, result: { ok: true } });
    socket.close();
  });

  it('closes a connection whose message exceeds the size limit, and still accepts new ones', async () => {
    const socket = (await openSocket(`ws://127.0.0.1:${PORT}/ws?token=${TOKEN}`)) as WebSocket;
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
    const again = await openSocket(`ws://127.0.0.1:${PORT}/ws?token=${TOKEN}`);
    expect(again).toBeInstanceOf(WebSocket);
    (again as WebSocket).close();
  });
});

describe('renderer not built', () => {
  it('answers 503 with how to build it', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'inspector-empty-'));
    const otherPort = await freePort(7350);
    const other = await startServer({
      engine,
      rendererDir: empty,
      host: '127.0.0.1',
      port: otherPort,
      token: TOKEN,
      allowRemote: false,
    });
    try {
      const reply = await new Promise<Reply>((resolve) => {
        httpRequest({ host: '127.0.0.1', port: otherPort, path: `/?token=${TOKEN}` }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        }).end();
      });
      expect(reply.status).toBe(503);
      expect(reply.body).toContain('run `npm run serve`, which builds it');
    } finally {
      await other.close();
    }
  });
});
