// Browser mode against hostile or careless clients (issue 13): request lines and headers that do
// not parse are refused with 400 and the server lives on (a malformed upgrade used to kill it);
// the worst message the size and depth limits allow stalls the event loop under 100 ms; a
// connection's queued runs are bounded. Over raw sockets, so nothing is normalised on the way.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_RUNS_PER_CONNECTION } from '../../electron/server/connection';
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from '../../electron/server/jsonLimits';
import { startServer, type InspectorServer } from '../../electron/server/server';
import type { ProfileEvent, ProfileRequest } from '../../shared/profile';
import { TOKEN_PROTOCOL_PREFIX, WS_PROTOCOL, type EngineService } from '../../shared/wire';
import { scratch } from './contractTransports';
import { tinyRequest } from './engineFixtures';

const TOKEN = 'hardening-test-token-0123456789';
let server: InspectorServer;
let port = 0;
const cancelled: string[] = [];
let nextRun = 0;

/** An engine whose runs never end by themselves: enough to fill queues without any compute. */
const engine = {
  backends: async () => [],
  describe: async () => {
    throw new Error('not used');
  },
  profile: async (_request: ProfileRequest) => ({ runId: `run-${(nextRun += 1)}` }),
  cancel: async (runId: string) => {
    cancelled.push(runId);
  },
  activations: async () => {
    throw new Error('not used');
  },
  onProfileEvents: (_listener: (events: ProfileEvent[]) => void) => () => undefined,
  dispose: () => undefined,
} as unknown as EngineService;

beforeAll(async () => {
  const rendererDir = scratch();
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>test</title>');
  server = await startServer({
    engine,
    rendererDir,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    allowRemote: false,
  });
  port = server.port;
});
afterAll(() => server?.close());

/** Writes raw bytes and resolves with everything the server answers before it closes (or 3 s). */
function exchange(raw: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, 3000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', done);
  });
}

const statusOf = (reply: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
const upgrade = (target: string, host = `127.0.0.1:${port}`, extra = ''): string =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
const plain = (target: string, host = `127.0.0.1:${port}`, extra = ''): string =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`;

describe('requests that do not parse', () => {
  it.each([
    ['an upgrade to an absolute URL that does not parse (killed the server)', upgrade('http://[')],
    [
      'an upgrade to a target with a token that is not a path',
      upgrade(`http://[/ws?token=${TOKEN}`),
    ],
    [
      'an upgrade whose Host hides another host',
      upgrade(`/ws?token=${TOKEN}`, 'localhost:80@evil.com'),
    ],
    ['an upgrade whose Host is a lone bracket', upgrade(`/ws?token=${TOKEN}`, '[')],
    ['an upgrade with an empty Host', upgrade(`/ws?token=${TOKEN}`, '')],
    ['an upgrade with a port past 65535', upgrade(`/ws?token=${TOKEN}`, 'localhost:99999')],
    ['a GET of an absolute URL that does not parse', plain('http://[')],
    ['a GET of *', plain('*')],
    ['a GET whose Host hides another host (was accepted)', plain('/', 'localhost:80@evil.com')],
    ['a GET whose Host has a path', plain('/', 'localhost/evil')],
    [
      'an API call whose Host hides another host',
      plain(`/api/backends?token=${TOKEN}`, 'localhost:80@evil.com'),
    ],
  ])('refuses %s with 400', async (_name, raw) => {
    const reply = await exchange(raw);
    expect(statusOf(reply), reply.slice(0, 200)).toBe(400);
  });

  it.each([
    [
      'a TLS hello',
      Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
    ],
    ['a request line of binary', Buffer.from('\x00\x01\x02 / HTTP/1.1\r\n\r\n', 'latin1')],
    [
      'a negative Content-Length',
      `POST /api/backends?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n`,
    ],
    ['a header without a colon', `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nnot a header\r\n\r\n`],
    [
      'a bad chunk size',
      `POST /api/backends?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    ],
  ])('answers %s with 400 (Node’s parser)', async (_name, raw) => {
    expect(statusOf(await exchange(raw))).toBe(400);
  });

  it('names the problem in the refusal', async () => {
    const target = await exchange(upgrade('http://['));
    expect(target).toContain(
      'The request target "http://[" is not a path; ask for /… on this server.',
    );
    const host = await exchange(plain('/', 'localhost:80@evil.com'));
    expect(host).toContain(
      'The Host header "localhost:80@evil.com" is not a host name with an optional port.',
    );
  });

  it('keeps serving after all of them: a page, an API call and a WebSocket', async () => {
    for (const raw of [upgrade('http://['), plain('http://['), upgrade('/ws', '[')]) {
      await exchange(raw);
    }
    expect(statusOf(await exchange(plain('/')))).toBe(200);
    const api = await exchange(
      `POST /api/cancel HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: token ${TOKEN}\r\n` +
        `Content-Length: 9\r\nConnection: close\r\n\r\n["run-1"]`,
    );
    expect(statusOf(api)).toBe(200);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, [
      WS_PROTOCOL,
      `${TOKEN_PROTOCOL_PREFIX}${TOKEN}`,
    ]);
    await new Promise((resolve, reject) => {
      socket.on('open', resolve);
      socket.on('error', reject);
    });
    expect(socket.protocol).toBe(WS_PROTOCOL); // the token is never echoed back
    socket.close();
  });
});

/** Opens an API WebSocket with the token in the URL (as scripts and the tests do). */
async function openSocket(): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${TOKEN}`);
  await new Promise((resolve, reject) => {
    socket.on('open', resolve);
    socket.on('error', reject);
  });
  return socket;
}

/** Sends one message and resolves with the next message the server answers. */
function ask(socket: WebSocket, data: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    socket.once('message', (reply) =>
      resolve(JSON.parse(String(reply)) as Record<string, unknown>),
    );
    socket.send(data);
  });
}

/** A message of exactly MAX_MESSAGE_BYTES: a head, a unit repeated, a tail. */
function worst(head: string, unit: string, tail: string): string {
  const room = MAX_MESSAGE_BYTES - head.length - tail.length;
  const body = unit.repeat(Math.floor(room / unit.length));
  return `${head}${body}${' '.repeat(room - body.length)}${tail}`;
}

function manyKeys(head: string, tail: string): string {
  const keys: string[] = [];
  let size = head.length + tail.length + 8;
  for (let i = 0; size < MAX_MESSAGE_BYTES - 16; i += 1) {
    const key = `"k${i}":0,`;
    keys.push(key);
    size += key.length;
  }
  return worst(`${head}${keys.join('')}`, ' ', `"z":0${tail}`);
}

describe('the worst message the limits allow', () => {
  const call = (name: string): string => `{"type":"call","id":1,"call":"${name}","args":[`;
  const nested = Math.floor(MAX_JSON_DEPTH / 2) - 2;
  it.each([
    ['nested past the depth limit', worst('', '[', '')],
    [
      'nested just within it',
      worst(call('describe'), `${'['.repeat(nested)}${']'.repeat(nested)},`, '0]}'),
    ],
    ['an object with as many keys as fit', manyKeys(`${call('describe')}{`, '}]}')],
    ['a request with as many keys as fit', manyKeys(`${call('profile')}{"input":{`, '}}]}')],
    ['an array of as many numbers as fit', worst(call('describe'), '1e308,', '0]}')],
    ['a string of escapes', worst(`${call('cancel')}"`, '\\u0041', '"]}')],
    ['objects in arrays', worst(call('describe'), '{"a":[{"b":[1]}]},', '0]}')],
  ])('%s is refused with a stall under 100 ms', async (_name, message) => {
    expect(message.length).toBe(MAX_MESSAGE_BYTES);
    const socket = await openSocket();
    await ask(socket, JSON.stringify({ type: 'call', id: 0, call: 'backends', args: [] })); // warm
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const reply = await ask(socket, message);
    delay.disable();
    socket.close();
    const error = (reply.error ?? (reply.result as { error?: unknown }).error) as { code: string };
    expect(error.code).toBe('INVALID_REQUEST');
    expect(delay.max / 1e6).toBeLessThan(100);
  });

  it('closes a connection whose message is one byte over the limit (1009)', async () => {
    const socket = await openSocket();
    const closed = new Promise<number>((resolve) => socket.on('close', resolve));
    socket.send(' '.repeat(MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
  });
});

describe('queued runs per connection', () => {
  it(`refuses a connection's run beyond ${MAX_RUNS_PER_CONNECTION} with a message naming the bound`, async () => {
    const socket = await openSocket();
    const profile = (id: number): string =>
      JSON.stringify({ type: 'call', id, call: 'profile', args: [tinyRequest()] });
    const replies = await Promise.all(
      Array.from(
        { length: MAX_RUNS_PER_CONNECTION + 1 },
        (_, id) =>
          new Promise<Record<string, unknown>>((resolve) => {
            const listen = (data: unknown): void => {
              const reply = JSON.parse(String(data)) as Record<string, unknown>;
              if (reply.id === id) {
                socket.off('message', listen);
                resolve(reply);
              }
            };
            socket.on('message', listen);
            socket.send(profile(id));
          }),
      ),
    );
    const outcomes = replies.map((reply) => (reply.result as { ok: boolean }).ok);
    expect(outcomes).toEqual([...Array(MAX_RUNS_PER_CONNECTION).fill(true), false]);
    expect(replies[MAX_RUNS_PER_CONNECTION].result).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: `This connection has ${MAX_RUNS_PER_CONNECTION} profile runs queued or running, the most it may have; wait for one to finish or cancel one.`,
      },
    });
    // Another connection has its own bound.
    const other = await openSocket();
    const reply = await ask(other, profile(99));
    expect((reply.result as { ok: boolean }).ok).toBe(true);
    // Closing a connection cancels its runs.
    const before = cancelled.length;
    socket.close();
    other.close();
    await expect.poll(() => cancelled.length - before).toBe(MAX_RUNS_PER_CONNECTION + 1);
  });
});
