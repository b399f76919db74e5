// The page side of `npm run bench:renderer`: serving the built renderer under the app's CSP,
// answering its WebSocket with a graph computed by arithmetic, and the measurements taken in the page
// (User Timing marks, long tasks, frames while panning and zooming, exports). In-page code is
// passed as text: this file is type-checked as Node code, without the DOM.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { contentSecurityPolicy } from '../shared/csp';
import { TOKEN_PROTOCOL_PREFIX, WS_PATH, WS_PROTOCOL } from '../shared/wire';
import { configKey, type ModelConfig } from '../shared/modelConfig';
import { syntheticGraph } from '../test/unit/rendererFixtures';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

const graphs = new Map<string, string>();

/** The synthetic graph for a config and blocks, as JSON, made once (the bench's own arithmetic). */
export function graphJson(config: unknown, blocks: readonly number[]): string {
  const key = `${configKey(config as ModelConfig)}|${blocks.join(',')}`;
  let json = graphs.get(key);
  if (json === undefined) {
    json = JSON.stringify(syntheticGraph({ blocks, config: config as Partial<ModelConfig> }));
    graphs.set(key, json);
  }
  return json;
}

/** The page's token, which carries the blocks of the graph to describe and when to answer. */
const tokenFor = (blocks: readonly number[], delayMs: number): string =>
  `bench-${blocks.join('_')}-${delayMs}-0123456789abcdef`;

/**
 * Answers the app's WebSocket as browser mode's server does (a real socket, so the page receives
 * the 5 MB description of a 10,000-layer model as it would from the server): describe with the
 * synthetic graph the token names, backends with none, anything else with null.
 */
function answerSockets(server: Server): void {
  const sockets = new WebSocketServer({
    server,
    path: WS_PATH,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  sockets.on('connection', (socket, request) => {
    const offered = String(request.headers['sec-websocket-protocol'] ?? '');
    const token = offered
      .split(',')
      .map((entry) => entry.trim())
      .find((entry) => entry.startsWith(TOKEN_PROTOCOL_PREFIX))
      ?.slice(TOKEN_PROTOCOL_PREFIX.length);
    const [, blockText, delayText] = (token ?? '').split('-');
    const blocks = (blockText ?? '3_4_23_3').split('_').map(Number);
    const delayMs = Number(delayText) || 0;
    socket.on('message', (message) => {
      const call = JSON.parse(String(message)) as { id: number; call: string; args: unknown[] };
      const value =
        call.call === 'describe'
          ? graphJson(call.args[0], blocks)
          : call.call === 'backends'
            ? '[]'
            : 'null';
      const reply = `{"type":"result","id":${call.id},"result":{"ok":true,"value":${value}}}`;
      setTimeout(() => socket.send(reply), call.call === 'describe' ? delayMs : 0);
    });
  });
}

/** Serves the built renderer on 127.0.0.1 under the app's Content-Security-Policy. */
export function serve(root: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    const file = path.join(root, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    void readFile(file).then((body) => {
      response.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-security-policy': contentSecurityPolicy(),
      });
      response.end(body);
    });
  });
  answerSockets(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const OBSERVE_LONG_TASKS = `
  globalThis.longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      globalThis.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }
  }).observe({ type: 'longtask', buffered: true });`;

/** Options of a page: the graph's blocks, when describe answers, localStorage to set first. */
export interface OpenOptions {
  blocks: readonly number[];
  delayMs: number;
  storage?: Record<string, string>;
  /** Record a trace from navigation on, for the CPU time of each main-thread task. */
  trace?: boolean;
}

/** The main thread's tasks since navigation: the longest by wall time and by its own CPU time. */
export interface TaskTimes {
  longestWallMs: number;
  longestCpuMs: number;
  overFiftyCpu: number;
  /**
   * The main thread's CPU time from the graph's arrival to the first render (the tasks that
   * overlap the two marks, the one that received the graph whole): what a busy machine's waits
   * for a core do not inflate.
   */
  cpuToFirstMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** Opens the app in a fresh context (a first visit) or an old one (a reload). */
export async function openApp(
  where: Browser | BrowserContext,
  port: number,
  options: OpenOptions,
): Promise<{ page: Page; errors: string[]; tasks: () => Promise<TaskTimes | null> }> {
  const context =
    'newContext' in where
      ? await where.newContext({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true })
      : where;
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  await page.addInitScript(OBSERVE_LONG_TASKS);
  if (options.storage) {
    await page.addInitScript(
      `for (const [key, value] of Object.entries(${JSON.stringify(options.storage)})) localStorage.setItem(key, value);`,
    );
  }
  const tasks = options.trace ? await startTrace(page) : async () => null;
  await page.goto(`http://127.0.0.1:${port}/?token=${tokenFor(options.blocks, options.delayMs)}`);
  return { page, errors, tasks };
}

/**
 * Traces the page's top-level tasks; the function it returns stops the trace and reads it. On a
 * machine shared with other work a task's wall time includes waiting for a core; its CPU time
 * (the trace's thread duration) does not.
 */
async function startTrace(page: Page): Promise<() => Promise<TaskTimes>> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (event) => {
    events.push(...(event.value as unknown as TraceEvent[]));
  });
  await cdp.send('Tracing.start', {
    categories: 'toplevel,disabled-by-default-devtools.timeline,blink.user_timing',
    transferMode: 'ReportEvents',
  });
  return async () => {
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    const threads = new Map<string, string>();
    for (const event of events) {
      if (event.name === 'thread_name') {
        threads.set(`${event.pid}:${event.tid}`, event.args?.name ?? '');
      }
    }
    const main = events.filter(
      (event) =>
        event.ph === 'X' &&
        event.name === 'RunTask' &&
        threads.get(`${event.pid}:${event.tid}`) === 'CrRendererMain',
    );
    const cpu = main.map((event) => (event.tdur ?? 0) / 1000);
    const markAt = (name: string) =>
      events.find((event) => event.name === `inspector:${name}`)?.ts ?? NaN;
    const [received, viewDrawn] = [markAt('graph-received'), markAt('graph-view-drawn')];
    const toFirst = main.filter(
      (event) => event.ts + (event.dur ?? 0) > received && event.ts < viewDrawn,
    );
    return {
      cpuToFirstMs: toFirst.reduce((sum, event) => sum + (event.tdur ?? 0) / 1000, 0),
      longestWallMs: Math.max(0, ...main.map((event) => (event.dur ?? 0) / 1000)),
      longestCpuMs: Math.max(0, ...cpu),
      overFiftyCpu: cpu.filter((ms) => ms > 50).length,
    };
  };
}

const MARKS = ['graph-received', 'layout-done', 'graph-view-drawn', 'graph-drawn'];

/** The app's User Timing marks (ms from navigation), once the graph is drawn. */
export async function marks(page: Page): Promise<Record<string, number>> {
  // Polled from here: waitForFunction would evaluate text in the page, which the CSP forbids.
  const deadline = Date.now() + 180_000;
  while (
    !(await page.evaluate<boolean>(
      "performance.getEntriesByName('inspector:graph-drawn').length > 0",
    ))
  ) {
    if (Date.now() > deadline) {
      throw new Error('The graph was not drawn within 3 minutes.');
    }
    await page.waitForTimeout(50);
  }
  return page.evaluate<Record<string, number>>(`Object.fromEntries(${JSON.stringify(MARKS)}.map(
    (name) => [name, performance.getEntriesByName('inspector:' + name)[0]?.startTime ?? NaN]))`);
}

/** The longest task that overlaps [start, end] (0: none over 50 ms), and how many there were. */
export function longTasks(page: Page, start: number, end: number) {
  return page.evaluate<{ longest: number; count: number }>(`(() => {
    const tasks = globalThis.longTasks.filter(
      (task) => task.start + task.duration >= ${start} && task.start <= ${end});
    return { longest: Math.max(0, ...tasks.map((task) => task.duration)), count: tasks.length };
  })()`);
}

/** Clicks a section chip and waits for the drawing to catch up with it, then for two frames. */
export function toggle(page: Page, group: string): Promise<number> {
  return page.evaluate<number>(`(async () => {
    const graph = document.querySelector('.graph');
    const before = graph.dataset.drawn;
    const start = performance.now();
    document.querySelector('button[data-group="${group}"]').click();
    while (graph.dataset.drawn === before || graph.dataset.ready !== 'true') {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return performance.now() - start;
  })()`);
}

/** Frames the page painted while `act` ran: frames a second, the slowest frames, long tasks. */
export async function framesDuring(page: Page, act: () => Promise<void>) {
  await page.evaluate(`(() => {
    globalThis.frameTimes = [];
    globalThis.framesOn = true;
    const loop = (time) => {
      globalThis.frameTimes.push(time);
      if (globalThis.framesOn) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  })()`);
  const start = await page.evaluate<number>('performance.now()');
  await act();
  const end = await page.evaluate<number>('performance.now()');
  const times = await page.evaluate<number[]>(
    '(() => { globalThis.framesOn = false; return globalThis.frameTimes; })()',
  );
  const gaps = times
    .slice(1)
    .map((time, index) => time - times[index])
    .sort((a, b) => a - b);
  return {
    fps: ((times.length - 1) * 1000) / Math.max(1, times[times.length - 1] - times[0]),
    p95: gaps[Math.floor(gaps.length * 0.95)] ?? 0,
    ...(await longTasks(page, start, end)),
  };
}

/** Pans by dragging the canvas down a long way (the view moves up the graph), in 90 steps. */
export async function pan(page: Page, down = true): Promise<void> {
  const box = (await page.locator('.graph .canvas').boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, down ? y + 250 : y - 250);
  await page.mouse.down();
  await page.mouse.move(x + 20, down ? y - 250 : y + 250, { steps: 90 });
  await page.mouse.up();
}

/** Zooms out then in with the wheel over the canvas, 30 notches. */
export async function zoom(page: Page): Promise<void> {
  const box = (await page.locator('.graph .canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (const delta of [120, -120]) {
    for (let notch = 0; notch < 15; notch += 1) {
      await page.mouse.wheel(0, delta);
      await page.waitForTimeout(16);
    }
  }
}

/**
 * Exports the diagram through the dialog (PNG at 2×, the whole graph or an A3 poster) and returns
 * the time from the click to the file's bytes (the app's `inspector:export` measure), the size,
 * and the PNG worker's own phases.
 */
export async function exportPng(page: Page, poster: boolean) {
  await page.getByRole('button', { name: 'Export diagram…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export diagram' });
  if (poster) {
    await dialog.getByLabel('Poster').check();
    await dialog.locator('#export-paper').selectOption('a3');
  }
  await dialog.getByLabel('Scale').selectOption('2');
  const plan = dialog.getByTestId('export-plan').locator('span[data-width]');
  await plan.waitFor({ timeout: 60_000 });
  const size = `${await plan.getAttribute('data-width')} × ${await plan.getAttribute('data-height')}`;
  const [before, workers] = await page.evaluate<[number, number]>(
    "['inspector:export', 'inspector:png-worker'].map((name) => performance.getEntriesByName(name).length)",
  );
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 180_000 }),
    dialog.getByRole('button', { name: 'Export PNG' }).click(),
  ]);
  await download.path();
  const result = await page.evaluate<{
    ms: number;
    worker: Record<string, number> | null;
  }>(`(() => {
    const all = performance.getEntriesByName('inspector:export');
    const worker = performance.getEntriesByName('inspector:png-worker');
    return { ms: all[${before}].duration, worker: worker[${workers}]?.detail ?? null };
  })()`);
  await dialog.getByRole('button', { name: 'Close' }).click();
  return { ...result, size };
}
