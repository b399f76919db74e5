// Security of browser mode, end to end in Chromium: the renderer has no Node, requests without
// the token or from a foreign origin are refused, traversal is refused, and malformed payloads
// get typed errors while the server keeps answering.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { expect, request, test } from '@playwright/test';

const TOKEN = process.env.INSPECTOR_TOKEN!;
/** The app's URL with its token; other specs can build theirs the same way. */
const appUrl = `/?token=${TOKEN}`;
const BASE = 'http://127.0.0.1:7310';

function raw(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: 7310, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

test('the renderer has no Node and no ipcRenderer, and loads under the CSP without violations', async ({
  page,
}) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) {
      violations.push(message.text());
    }
  });
  await page.goto(appUrl);
  await expect(page).toHaveTitle(/ResNeXt Inspector/);
  // The graph is drawn (cytoscape's canvases, its injected style) once the model is described.
  await page.locator('canvas').first().waitFor({ timeout: 90_000 });
  await page.waitForLoadState('networkidle');
  expect(violations).toEqual([]); // the app itself runs under the policy
  const globals = await page.evaluate(() => {
    const scope = globalThis as unknown as Record<string, { ipcRenderer?: unknown } | undefined>;
    return {
      require: typeof scope.require,
      process: typeof scope.process,
      inspectorIpc: typeof scope.inspector?.ipcRenderer,
      apiIpc: typeof scope.api?.ipcRenderer,
    };
  });
  expect(globals).toEqual({
    require: 'undefined',
    process: 'undefined',
    inspectorIpc: 'undefined',
    apiIpc: 'undefined',
  });
  // The CSP is enforced: an injected inline script does not run.
  await page.addScriptTag({ content: 'globalThis.injected = true;' }).catch(() => undefined);
  expect(
    await page.evaluate(() => (globalThis as Record<string, unknown>).injected),
  ).toBeUndefined();
  expect(violations.some((text) => text.includes('inline script'))).toBe(true);
  const csp = (await page.request.get(appUrl)).headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self'");
  // WebAssembly may compile ('wasm-unsafe-eval'); JavaScript may not be evaluated.
  expect(csp).not.toContain("'unsafe-eval'");
});

test('the API and the WebSocket need the token; the pages, which hold no secret, do not', async () => {
  const fresh = await request.newContext({ baseURL: BASE });
  for (const path of ['/ws', '/?token=wrong']) {
    expect((await fresh.get(path)).status(), path).toBe(401);
  }
  expect((await fresh.post('/api/backends', { data: [] })).status()).toBe(401);
  for (const path of ['/', '/index.html', appUrl]) {
    const reply = await fresh.get(path);
    expect(reply.status(), path).toBe(200);
    expect(reply.headers()['set-cookie'], path).toBeUndefined(); // the token never rides in a cookie
  }
  await fresh.dispose();
});

test('requests and WebSockets from a foreign origin are refused', async ({ page }) => {
  expect((await raw(appUrl, { Origin: 'http://evil.example' })).status).toBe(403);
  // A page on another origin (port 7311) that knows the token still cannot open the socket.
  const evil: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>evil</title>');
  });
  await new Promise<void>((resolve) => evil.listen(7311, '127.0.0.1', resolve));
  try {
    await page.goto('http://127.0.0.1:7311/');
    const outcome = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(url);
          socket.onopen = () => resolve('open');
          socket.onerror = () => resolve('refused');
        }),
      `ws://127.0.0.1:7310/ws?token=${TOKEN}`,
    );
    expect(outcome).toBe('refused');
    const fetched = await page.evaluate(async (url) => {
      try {
        return (await fetch(url, { method: 'POST', body: '[]' })).status;
      } catch {
        return 'blocked';
      }
    }, `${BASE}/api/backends?token=${TOKEN}`);
    expect(fetched).toBe('blocked'); // 403 without CORS headers: the page cannot even read it
  } finally {
    evil.close();
  }
});

test('path traversal is refused', async () => {
  for (const path of [
    '/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '/assets/..%2f..%2f..%2fpackage.json',
    '/..%5c..%5cpackage.json',
  ]) {
    const reply = await raw(path, { Authorization: `token ${TOKEN}` });
    expect(reply.status, path).toBe(403);
    expect(reply.body).not.toContain('"name": "resnext-inspector"');
  }
});

test('malformed payloads get typed errors and the server keeps answering', async ({ page }) => {
  await page.goto(appUrl);
  const replies = await page.evaluate(async (token) => {
    const socket = new WebSocket(`ws://127.0.0.1:7310/ws?token=${token}`);
    await new Promise((resolve) => (socket.onopen = resolve));
    const next = () =>
      new Promise<unknown>(
        (resolve) => (socket.onmessage = (event) => resolve(JSON.parse(event.data))),
      );
    const out: unknown[] = [];
    const messages = [
      'not json',
      JSON.stringify({ type: 'call', id: 1, call: 'describe', args: [{ depth: 'deep' }] }),
      JSON.stringify({
        type: 'call',
        id: 2,
        call: 'describe',
        args: [
          {
            depth: 50,
            cardinality: 32,
            width: 4,
            inputSize: 32,
            channels: 3,
            classes: 10,
            strideOn: '1x1',
            extra: 1,
          },
        ],
      }),
      JSON.stringify({ type: 'call', id: 3, call: 'cancel', args: ['x'.repeat(50_000)] }),
      JSON.stringify({ type: 'call', id: 4, call: 'require', args: ['child_process'] }),
      JSON.stringify({ type: 'call', id: 5, call: 'backends', args: [] }),
    ];
    for (const message of messages) {
      const reply = next();
      socket.send(message);
      out.push(await reply);
    }
    socket.close();
    return out;
  }, TOKEN);
  const errors = replies.slice(0, 5).map((reply) => {
    const message = reply as {
      type: string;
      error?: { code: string };
      result?: { ok: boolean; error?: { code: string } };
    };
    return message.type === 'error' ? message.error?.code : message.result?.error?.code;
  });
  expect(errors).toEqual([
    'INVALID_REQUEST',
    'INVALID_REQUEST',
    'INVALID_REQUEST',
    'INVALID_REQUEST',
    'INVALID_REQUEST',
  ]);
  expect(replies[1]).toMatchObject({
    result: {
      error: { message: 'describe: config.depth must be one of 50, 101, 152, but got "deep".' },
    },
  });
  expect(replies[5]).toMatchObject({ type: 'result', id: 5, result: { ok: true } });
  expect((await raw(appUrl)).status).toBe(200);
});
