// `npm run bench:renderer`: the renderer's speed in Debian's Chromium, written to its section of
// docs/BENCHMARKS.md. It serves the built renderer (dist/renderer) under the app's CSP and answers
// the page's WebSocket itself with a ModelGraph computed by arithmetic (test/unit/rendererFixtures),
// so what is timed is the renderer alone, not the engine building a model. Measured, each as a
// median with its spread over runs, with the load average before and after:
//   - first render: from the graph's arrival (User Timing `inspector:graph-received`) to the frame
//     painted with everything in view (`inspector:graph-view-drawn`), the graph answering input;
//     and to the frame with every element the view draws (`inspector:graph-drawn`); described at
//     once (no head start) and after 2 s (the app had idle time first), in a fresh context each;
//   - the longest main-thread task from page load to the graph drawn (PerformanceObserver);
//   - collapsing and expanding a stage: from the click to the second frame after it is drawn;
//   - frames a second while dragging the view and while zooming with the wheel;
//   - the whole-graph PNG at 2× and an A3 poster at 2×, from the click to the file's bytes, with
//     the PNG encoded on the page (the app before) as the peer;
//   - a generated 10,015-layer variant (1,000 blocks) likewise.
// Flags: --no-build (use dist/renderer as it is), --runs N (cold renders per model, default 5),
// --print (print the section, leave docs/BENCHMARKS.md alone), --default-only (ResNeXt-101
// described at once, nothing else: for trying a change), --big-only (the 10,015-layer model only),
// --cold-only (with --big-only: first renders only, no interactions), --dist DIR (serve that build instead of building dist/renderer: to compare two builds in one
// session, as other work may rebuild dist/renderer meanwhile).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEFAULT_CONFIG } from '../shared/modelConfig';
import { writeSection } from './benchmarksFile';
import { section, spread, type Row, type Scenario } from './rendererReport';
import {
  exportPng,
  graphJson,
  framesDuring,
  longTasks,
  marks,
  openApp,
  pan,
  serve,
  toggle,
  zoom,
} from './rendererPage';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const distFlag = process.argv.indexOf('--dist');
const DIST =
  distFlag > 0 ? path.resolve(process.argv[distFlag + 1]) : path.join(ROOT, 'dist/renderer');
const DOC = path.join(ROOT, 'docs/BENCHMARKS.md');
const PORT = 7450;
const DEFAULT_BLOCKS = [3, 4, 23, 3];
const BIG_BLOCKS = [100, 300, 400, 200];
const LIMITS = {
  firstMs: 300,
  taskMs: 50,
  bigFirstMs: 2000,
  fps: 50,
  bigToggleMs: 100,
  pngMs: 2000,
};

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;

const load = (): number => loadavg()[0];

interface Cold {
  firstMs: number;
  allMs: number;
  layoutMs: number;
  loadToFirstMs: number;
  longestMs: number;
  longCount: number;
  longestCpuMs: number;
  overFiftyCpu: number;
  cpuToFirstMs: number;
  errors: string[];
}

async function coldRender(
  browser: Browser,
  blocks: readonly number[],
  delayMs: number,
): Promise<Cold & { page: Page }> {
  const {
    page,
    errors,
    tasks: traced,
  } = await openApp(browser, PORT, {
    blocks,
    delayMs,
    trace: true,
  });
  const mark = await marks(page);
  const tasks = await longTasks(page, 0, mark['graph-drawn']);
  const cpu = await traced();
  return {
    page,
    firstMs: mark['graph-view-drawn'] - mark['graph-received'],
    allMs: mark['graph-drawn'] - mark['graph-received'],
    layoutMs: mark['layout-done'] - mark['graph-received'],
    loadToFirstMs: mark['graph-view-drawn'],
    longestMs: tasks.longest,
    longCount: tasks.count,
    longestCpuMs: cpu?.longestCpuMs ?? NaN,
    overFiftyCpu: cpu?.overFiftyCpu ?? NaN,
    cpuToFirstMs: cpu?.cpuToFirstMs ?? NaN,
    errors,
  };
}

async function measureScenario(
  browser: Browser,
  label: string,
  blocks: readonly number[],
  options: { count: number; delayMs: number; group: string; big: boolean; interact: boolean },
): Promise<Scenario> {
  // The graph's arithmetic and JSON happen here, before the page asks for it.
  graphJson(DEFAULT_CONFIG, blocks);
  const loadBefore = load();
  const colds: Cold[] = [];
  const rows: Row[] = [];
  let last: Page | null = null;
  for (let run = 0; run < options.count; run += 1) {
    const cold = await coldRender(browser, blocks, options.delayMs);
    colds.push(cold);
    console.log(
      `${label} run ${run + 1}: first render ${Math.round(cold.firstMs)} ms (main-thread CPU ${Math.round(cold.cpuToFirstMs)} ms), all ${Math.round(cold.allMs)} ms, longest task ${Math.round(cold.longestMs)} ms (CPU ${Math.round(cold.longestCpuMs)} ms), over 50 ms CPU ${cold.overFiftyCpu} (load ${load().toFixed(1)})`,
    );
    if (run < options.count - 1 || !options.interact) {
      await cold.page.context().close();
    } else {
      last = cold.page;
    }
  }
  const first = options.big ? LIMITS.bigFirstMs : LIMITS.firstMs;
  rows.push(
    {
      measure: 'first render: everything in view drawn',
      value: spread(colds.map((c) => c.firstMs)),
      unit: 'ms',
      target: { limit: first, below: true },
    },
    {
      measure: 'the same, main-thread CPU time (a wait for a busy core not counted)',
      value: spread(colds.map((c) => c.cpuToFirstMs)),
      unit: 'ms',
    },
    {
      measure: 'every element drawn (the rest fills in off screen)',
      value: spread(colds.map((c) => c.allMs)),
      unit: 'ms',
    },
    {
      measure: 'of which layout (composed on the main thread, in slices)',
      value: spread(colds.map((c) => c.layoutMs)),
      unit: 'ms',
    },
    {
      measure: 'page load to first render',
      value: spread(colds.map((c) => c.loadToFirstMs)),
      unit: 'ms',
    },
    {
      measure: 'longest main-thread task, page load to all drawn (wall time)',
      value: spread(colds.map((c) => c.longestMs)),
      unit: 'ms',
      target: { limit: LIMITS.taskMs, below: true },
    },
    {
      measure: 'the same, its CPU time (a wait for a busy core not counted)',
      value: spread(colds.map((c) => c.longestCpuMs)),
      unit: 'ms',
      target: { limit: LIMITS.taskMs, below: true },
    },
    {
      measure: 'tasks over 50 ms: by wall time, by CPU time',
      value: `${spread(colds.map((c) => c.longCount)).median}, ${spread(colds.map((c) => c.overFiftyCpu)).median} (medians)`,
      unit: '',
    },
  );
  if (last) {
    rows.push(...(await interactions(last, options)));
    await last.context().close();
  }
  const errors = colds.flatMap((cold) => cold.errors);
  return {
    label,
    rows,
    loadBefore,
    loadAfter: load(),
    errors,
    firstMedian: spread(colds.map((c) => c.firstMs)).median,
  };
}

async function interactions(page: Page, options: { group: string; big: boolean }): Promise<Row[]> {
  const rows: Row[] = [];
  const collapse: number[] = [];
  const expand: number[] = [];
  const start = await page.evaluate<number>('performance.now()');
  for (let i = 0; i < 3; i += 1) {
    collapse.push(await toggle(page, options.group));
    await page.waitForTimeout(200);
    expand.push(await toggle(page, options.group));
    await page.waitForTimeout(200);
  }
  const tasks = await longTasks(page, start, await page.evaluate<number>('performance.now()'));
  const toggleTarget = options.big ? { limit: LIMITS.bigToggleMs, below: true } : undefined;
  const stage = options.group.replace('g:s', 'stage ');
  rows.push(
    { measure: `collapse ${stage}`, value: spread(collapse), unit: 'ms', target: toggleTarget },
    { measure: `expand ${stage} again`, value: spread(expand), unit: 'ms', target: toggleTarget },
    {
      measure: 'longest task while collapsing and expanding',
      value: `${Math.round(tasks.longest)} ms`,
      unit: '',
    },
  );
  const pans = [];
  const zooms = [];
  for (let i = 0; i < 3; i += 1) {
    pans.push(await framesDuring(page, () => pan(page, i % 2 === 0)));
    zooms.push(await framesDuring(page, () => zoom(page)));
  }
  const fpsTarget = { limit: LIMITS.fps, below: false };
  rows.push(
    {
      measure: 'frames a second while dragging the view',
      value: spread(pans.map((p) => p.fps)),
      unit: 'fps',
      target: fpsTarget,
    },
    {
      measure: 'slowest frames while dragging (95th percentile)',
      value: spread(pans.map((p) => p.p95)),
      unit: 'ms',
    },
    {
      measure: 'frames a second while zooming with the wheel',
      value: spread(zooms.map((z) => z.fps)),
      unit: 'fps',
      target: fpsTarget,
    },
    {
      measure: 'longest task while dragging and zooming',
      value: `${Math.round(Math.max(...pans.map((p) => p.longest), ...zooms.map((z) => z.longest)))} ms`,
      unit: '',
    },
  );
  if (!options.big) {
    rows.push(...(await exports(page)));
  } else {
    rows.push(
      ...(await webglPeer(
        page,
        pans.map((p) => p.fps),
      )),
    );
  }
  return rows;
}

/**
 * The same big graph with cytoscape's WebGL renderer, which the app picks where the GPU is
 * hardware: here it runs on SwiftShader, a software GPU, so this is the peer it is not used for.
 */
async function webglPeer(canvasPage: Page, canvasFps: number[]): Promise<Row[]> {
  const blocks = BIG_BLOCKS;
  const { page } = await openApp(canvasPage.context().browser()!, PORT, {
    blocks,
    delayMs: 0,
    storage: { 'inspector.graphRenderer': 'webgl' },
  });
  const mark = await marks(page);
  const renderer = await page.locator('.graph .canvas').getAttribute('data-renderer');
  const pans = [];
  for (let i = 0; i < 2; i += 1) {
    pans.push(await framesDuring(page, () => pan(page, i % 2 === 0)));
  }
  await page.context().close();
  const ratio = spread(pans.map((p) => p.fps)).median / spread(canvasFps).median;
  return [
    {
      measure: `first render with the WebGL renderer (${renderer}, SwiftShader; peer)`,
      value: `${Math.round(mark['graph-view-drawn'] - mark['graph-received'])} ms`,
      unit: '',
    },
    {
      measure: 'frames a second while dragging, WebGL renderer (peer)',
      value: spread(pans.map((p) => p.fps)),
      unit: 'fps',
    },
    {
      measure: 'WebGL ÷ canvas, frames a second dragging (medians)',
      value: `×${ratio.toFixed(2)}`,
      unit: '',
    },
  ];
}

async function exports(page: Page): Promise<Row[]> {
  const worker = [];
  const onPage = [];
  const poster = [];
  for (let i = 0; i < 3; i += 1) {
    worker.push(await exportPng(page, false));
    poster.push(await exportPng(page, true));
  }
  await page.evaluate("localStorage.setItem('inspector.pngEncoder', 'page')");
  for (let i = 0; i < 3; i += 1) {
    onPage.push(await exportPng(page, false));
  }
  await page.evaluate("localStorage.removeItem('inspector.pngEncoder')");
  const ms = (list: { ms: number }[]) => spread(list.map((entry) => entry.ms));
  const ratio = ms(worker).median / ms(onPage).median;
  const phases = worker[worker.length - 1].worker;
  return [
    {
      measure: `whole-graph PNG at 2× (${worker[0].size} px), painted and encoded in a worker`,
      value: ms(worker),
      unit: 'ms',
      target: { limit: LIMITS.pngMs, below: true },
    },
    {
      measure: 'the same PNG encoded on the page (the app before; peer)',
      value: ms(onPage),
      unit: 'ms',
    },
    { measure: 'worker ÷ page (medians)', value: `×${ratio.toFixed(2)}`, unit: '' },
    {
      measure: 'in the worker: paint, encode (last run)',
      value: phases ? `${Math.round(phases.paint)} ms, ${Math.round(phases.encode)} ms` : 'n/a',
      unit: '',
    },
    {
      measure: `A3 poster at 2× (${poster[0].size} px)`,
      value: ms(poster),
      unit: 'ms',
      target: { limit: LIMITS.pngMs, below: true },
    },
  ];
}

async function main(): Promise<void> {
  if (!args.includes('--no-build') && !args.includes('--dist')) {
    const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (build.status !== 0) {
      throw new Error('The renderer did not build; see the output above.');
    }
  }
  const server = await serve(DIST, PORT);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const common = { count: runs, group: 'g:s3', big: false };
    const results: Scenario[] = [];
    if (args.includes('--big-only')) {
      results.push(
        await measureScenario(browser, 'generated, 10,015 layers', BIG_BLOCKS, {
          count: Math.min(runs, 3),
          group: 'g:s3',
          big: true,
          delayMs: 0,
          interact: !args.includes('--cold-only'),
        }),
      );
    } else {
      results.push(
        await measureScenario(browser, 'ResNeXt-101, described at once', DEFAULT_BLOCKS, {
          ...common,
          delayMs: 0,
          interact: !args.includes('--default-only'),
        }),
      );
    }
    if (!args.includes('--default-only') && !args.includes('--big-only')) {
      results.push(
        await measureScenario(browser, 'ResNeXt-101, described after 2 s', DEFAULT_BLOCKS, {
          ...common,
          delayMs: 2000,
          interact: false,
        }),
        await measureScenario(browser, 'generated, 10,015 layers', BIG_BLOCKS, {
          count: Math.min(runs, 3),
          group: 'g:s3',
          big: true,
          delayMs: 0,
          interact: true,
        }),
      );
    }
    const text = section(results, `Chromium ${browser.version()}`, BIG_BLOCKS);
    if (args.includes('--print')) {
      console.log(`\n${text}`);
    } else {
      writeSection('renderer', text, DOC);
      console.log(`\n${text}\n\nWritten to ${path.relative(ROOT, DOC)}.`);
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
