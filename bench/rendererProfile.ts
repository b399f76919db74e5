// `npx tsx bench/rendererProfile.ts`: where the renderer's main thread spends its time from page
// load to the graph drawn. It serves a build of the renderer (build it unminified for readable
// names: `npx vite build --outDir /tmp/prof --minify false`), answers describe with the synthetic
// graph as `npm run bench:renderer` does, records a Chrome trace and a V8 CPU profile together, and
// prints the longest main-thread tasks by CPU time, each with the trace events inside it and the
// functions its CPU profile samples fall in (self time and total time). Not a benchmark: the
// profiler's sampling slows the page down; it answers "which code is in the long tasks".
// Flags: --dist DIR (default dist/renderer), --blocks 3,4,23,3, --top N (tasks, default 8),
// --json FILE (also write the raw trace and profile there), --screenshot FILE (the page once the
// graph is drawn, as a PNG).
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { DEFAULT_CONFIG } from '../shared/modelConfig';
import { graphJson, marks, serve } from './rendererPage';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 7461;
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const dist = path.resolve(flag('--dist') ?? path.join(ROOT, 'dist/renderer'));
const blocks = (flag('--blocks') ?? '3,4,23,3').split(',').map(Number);
const top = Number(flag('--top') ?? 8);

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const frameName = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? url.slice(url.lastIndexOf('/') + 1) : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
};

/** Self and total milliseconds per function over the samples in [from, to] (µs). */
function functionsIn(profile: CpuProfile, from: number, to: number) {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) {
      parent.set(child, node.id);
    }
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    time += profile.timeDeltas[i];
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (time < from || time > to) {
      continue;
    }
    const ms = next / 1000;
    const leaf = byId.get(profile.samples[i])!;
    self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const name = frameName(byId.get(id)!);
      if (!seen.has(name)) {
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + ms);
      }
    }
  }
  const sorted = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).filter(([name]) => !/^\((root|program|idle)\)/.test(name));
  return { self: sorted(self), total: sorted(total) };
}

async function main(): Promise<void> {
  graphJson(DEFAULT_CONFIG, blocks);
  const server = await serve(dist, PORT);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const events: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (event) => {
      events.push(...(event.value as unknown as TraceEvent[]));
    });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    await cdp.send('Profiler.start');
    await cdp.send('Tracing.start', {
      categories:
        'toplevel,devtools.timeline,disabled-by-default-devtools.timeline,v8,blink.user_timing',
      transferMode: 'ReportEvents',
    });
    const load = loadavg()[0];
    await page.goto(`http://127.0.0.1:${PORT}/?token=bench-${blocks.join('_')}-0-0123456789abcdef`);
    const mark = await marks(page);
    if (flag('--screenshot')) {
      await page.screenshot({ path: flag('--screenshot')! });
    }
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await complete;
    if (flag('--json')) {
      await writeFile(flag('--json')!, JSON.stringify({ events, profile }));
    }
    const threads = new Map<string, string>();
    for (const event of events) {
      if (event.name === 'thread_name') {
        threads.set(`${event.pid}:${event.tid}`, event.args?.name ?? '');
      }
    }
    const onMain = events.filter(
      (event) => threads.get(`${event.pid}:${event.tid}`) === 'CrRendererMain' && event.ph === 'X',
    );
    const tasks = onMain
      .filter((event) => event.name === 'RunTask')
      .sort((a, b) => (b.tdur ?? 0) - (a.tdur ?? 0));
    const navigation = onMain.reduce((min, event) => Math.min(min, event.ts), Infinity);
    console.log(
      `blocks ${blocks.join(',')}; marks (ms from navigation): ${Object.entries(mark)
        .map(([name, ms]) => `${name} ${Math.round(ms)}`)
        .join(', ')}; load ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
    );
    const overFifty = tasks.filter((task) => (task.tdur ?? 0) > 50_000).length;
    console.log(`main-thread tasks over 50 ms CPU: ${overFifty} of ${tasks.length}`);
    for (const task of tasks.slice(0, top)) {
      const end = task.ts + (task.dur ?? 0);
      const inside = onMain
        .filter((event) => event !== task && event.ts >= task.ts && event.ts < end)
        .filter((event) => (event.dur ?? 0) > 2000)
        .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
        .slice(0, 6)
        .map((event) => `${event.name} ${((event.dur ?? 0) / 1000).toFixed(0)}`);
      const { self, total } = functionsIn(profile, task.ts, end);
      const list = (entries: [string, number][]) =>
        entries
          .slice(0, 12)
          .map(([name, ms]) => `      ${ms.toFixed(1).padStart(7)} ms  ${name}`)
          .join('\n');
      console.log(
        `\ntask at ${((task.ts - navigation) / 1000).toFixed(0)} ms: wall ${((task.dur ?? 0) / 1000).toFixed(0)} ms, CPU ${((task.tdur ?? 0) / 1000).toFixed(0)} ms; events (ms): ${inside.join(', ')}` +
          `\n    self:\n${list(self)}\n    total:\n${list(total)}`,
      );
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
