// The window's engine end to end in Chromium with SwiftShader's GPU (the `window-gpu` project:
// WebGPU on SwiftShader's Vulkan, WebGL2 on SwiftShader) against browser mode: the run form lists
// the window's backends under their heading with the adapter, renderer or thread count; per-layer
// runs on window-webgl, window-webgpu and window-wasm colour the graph as layers arrive and finish
// with a GPU time column that is named in Results; cancel returns to idle; a window run compares
// with an engine run and exports as CSV and trace; ONNX Runtime Web on WebAssembly runs whole
// passes and refuses per-layer in the engine's words; a Chromium without WebGPU says why.
// One page on the small config (ResNeXt-50, 32×32 input, 10 classes) serves every test but the
// last: building the model once keeps the file inside a few minutes on two cores.
import { readFile } from 'node:fs/promises';
import { chromium, expect, test as base, type Browser, type Page } from '@playwright/test';

const appUrl = `/?token=${process.env.INSPECTOR_TOKEN}`;
/** Layers of ResNeXt-50. */
const SMALL_LAYERS = 175;
const DEFAULT_LAYERS = 345;
const WINDOW_BACKENDS = [
  'window-webgpu',
  'window-webgl',
  'window-wasm',
  'window-onnxruntime-webgpu',
  'window-onnxruntime-wasm',
];
/** ORT Web's refusal of a per-layer run on WebAssembly (engine/window/ortWeb.ts beginPasses). */
const ORT_WASM_PER_LAYER =
  'ONNX Runtime Web on WebAssembly has no profiler the window can read: it times whole passes only; choose the whole mode.';

async function openApp(page: Page, layers = DEFAULT_LAYERS): Promise<void> {
  await page.setViewportSize({ width: 1500, height: 950 });
  await page.goto(appUrl);
  await page
    .locator(`section.graph[data-ready="true"][data-layer-nodes="${layers}"]`)
    .waitFor({ timeout: 120_000 });
}

async function useSmallModel(page: Page): Promise<void> {
  await openApp(page);
  await page.getByRole('button', { name: 'Configure' }).click();
  await page.locator('#cfg-depth').selectOption('50');
  await page.locator('#cfg-inputSize').fill('32');
  await page.locator('#cfg-classes').fill('10');
  await page.getByRole('button', { name: 'Build' }).click();
  await page
    .locator(`section.graph[data-ready="true"][data-layer-nodes="${SMALL_LAYERS}"]`)
    .waitFor({ timeout: 120_000 });
}

async function setField(page: Page, name: string, value: string): Promise<void> {
  const input = page.locator(`.run-form input[name="${name}"]`);
  await input.fill(value);
  await input.dispatchEvent('change');
}

interface RunOptions {
  backend: string;
  mode?: 'per-layer' | 'whole';
  warmup?: number;
  runs?: number;
}

/** The Run tab with a backend, mode and pass counts chosen; no activation statistics. */
async function prepareRun(page: Page, options: RunOptions): Promise<void> {
  await page.getByRole('tab', { name: 'Profile' }).click();
  await page.getByRole('tab', { name: 'Run', exact: true }).click();
  await expect(panel(page)).toHaveAttribute('data-phase', 'idle');
  await page.locator('.run-form select[name="backend"]').selectOption(options.backend);
  await page.locator('.run-form select[name="mode"]').selectOption(options.mode ?? 'per-layer');
  await setField(page, 'warmup', String(options.warmup ?? 0));
  await setField(page, 'runs', String(options.runs ?? 1));
  await page.locator('.run-form input[name="stats"]').setChecked(false);
}

const panel = (page: Page) => page.locator('.profile');

async function startRun(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(panel(page)).toHaveAttribute('data-phase', 'running', { timeout: 60_000 });
}

async function runToEnd(page: Page): Promise<void> {
  await startRun(page);
  await expect(panel(page)).toHaveAttribute('data-phase', 'idle', { timeout: 120_000 });
  await expect(page.locator('.run-form [role="alert"]')).toHaveCount(0);
}

/** RFC 4180 CSV text as rows of fields (quoted fields may hold commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) {
    rows.push([...row, field]);
  }
  return rows;
}

/** The newest run in the list: its id and summary. */
async function latestRun(page: Page): Promise<{ id: string; text: string }> {
  const button = page.locator('[data-run-id]').first();
  return {
    id: (await button.getAttribute('data-run-id')) ?? '',
    text: ((await button.textContent()) ?? '').trim(),
  };
}

/** Every layer's text in a table column, scrolling the virtualised table from top to bottom. */
async function columnCells(page: Page, label: string): Promise<Map<number, string>> {
  const headers = await page.locator('.table [role="columnheader"]').allTextContents();
  const index = headers.findIndex((text) => text.trim().startsWith(label));
  expect(index, `column ${label}`).toBeGreaterThanOrEqual(0);
  const body = page.locator('.table [role="grid"]');
  await body.evaluate((element) => (element.scrollTop = 0));
  const cells = new Map<number, string>();
  for (let step = 0; step < 200; step += 1) {
    const rows = await body.evaluate((element, column) => {
      return [...element.querySelectorAll('.row[data-layer-id]')].map((row) => [
        Number(row.getAttribute('data-layer-id')),
        row.querySelectorAll('[role="gridcell"]')[column]?.textContent?.trim() ?? '',
      ]);
    }, index);
    rows.forEach(([id, text]) => cells.set(id as number, text as string));
    const done = await body.evaluate((element) => {
      const before = element.scrollTop;
      element.scrollTop += element.clientHeight / 2;
      return element.scrollTop === before;
    });
    if (done) {
      break;
    }
    await page.waitForTimeout(30);
  }
  return cells;
}

async function headerLabels(page: Page): Promise<string[]> {
  return (await page.locator('.table [role="columnheader"]').allTextContents()).map((text) =>
    text.trim(),
  );
}

async function totalCell(page: Page, label: string): Promise<string> {
  const headers = await headerLabels(page);
  const index = headers.findIndex((text) => text.startsWith(label));
  return (await page.locator('.table .totals > *').nth(index).textContent())?.trim() ?? '';
}

/**
 * A per-layer run started on a backend, with its layer events watched as they come: layers are
 * coloured on the graph (the heat overlay counts them) while the run is still going.
 */
async function perLayerRunColoursLive(page: Page, backend: string): Promise<void> {
  // One timed pass: with the cold first pass, one pass for the peak and one whole pass beside it,
  // that is 2 layer-by-layer and 2 whole passes on SwiftShader.
  await prepareRun(page, { backend, warmup: 0, runs: 1 });
  const started = Date.now();
  await startRun(page);
  const overlay = page.locator('.heat-overlay');
  // Layers coloured while the run is going, not all at its end.
  await expect(overlay).toHaveAttribute('data-heat-layers', /^[1-9]\d*$/, { timeout: 90_000 });
  const coloured = Number(await overlay.getAttribute('data-heat-layers'));
  const phase = await panel(page).getAttribute('data-phase');
  expect(phase, `${backend}: layers coloured only once the run ended`).toBe('running');
  expect(coloured).toBeGreaterThan(0);
  // SwiftShader compiles a shader per new kernel shape in the first pass: most of the run.
  await expect(panel(page)).toHaveAttribute('data-phase', 'idle', { timeout: 450_000 });
  console.log(`${backend} per-layer run: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await expect(page.locator('.run-form [role="alert"]')).toHaveCount(0);
  await expect(overlay).toHaveAttribute('data-heat-layers', String(SMALL_LAYERS));
  const run = await latestRun(page);
  expect(run.id).toMatch(/^wrun-/);
  expect(run.text).toContain(`${backend} · batch 1 · per-layer`);
  expect(run.text).toMatch(/\d ms/);
}

/** The median column sums to the table's total and to Results' sum of medians. */
async function mediansAddUp(page: Page): Promise<number> {
  const cells = await columnCells(page, 'Median ms');
  expect(cells.size).toBe(SMALL_LAYERS);
  const sum = [...cells.values()].reduce((total, text) => total + Number(text), 0);
  const total = Number(await totalCell(page, 'Median ms'));
  expect(total).toBeGreaterThan(0);
  expect(Math.abs(sum - total) / total).toBeLessThan(0.01);
  await page.getByRole('tab', { name: 'Results' }).click();
  const reported = Number(await page.getByTestId('sum-of-medians').getAttribute('data-ms'));
  expect(Math.abs(reported - total) / total).toBeLessThan(0.01);
  return total;
}

/** A GPU ms column right of the wall-time median, a time for every layer, and how it was taken. */
async function gpuColumnBesideWallTime(page: Page): Promise<void> {
  const headers = await headerLabels(page);
  const median = headers.findIndex((text) => text.startsWith('Median ms'));
  expect(headers[median + 1]).toMatch(/^GPU ms/);
  const gpu = await columnCells(page, 'GPU ms');
  expect(gpu.size).toBe(SMALL_LAYERS);
  expect([...gpu.values()].every((text) => /^\d+\.\d+$/.test(text))).toBe(true);
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(page.getByTestId('gpu-timing')).toHaveText(
    /^(GPU time of each layer's kernels from (WebGPU timestamp|WebGL timer) queries, beside wall time|This GPU offers no timer queries: layers are timed by wall clock, with a sync after each)$/,
  );
  await expect(page.getByTestId('whole-median')).toHaveText(/\d/);
}

// One page, built once on the small config, for every test that runs in the GPU-enabled Chromium;
// a worker that failed a test starts afresh with a page of its own.
const test = base.extend<object, { app: Page }>({
  app: [
    async ({ browser }, use, workerInfo) => {
      const context = await browser.newContext({ baseURL: workerInfo.project.use.baseURL });
      const page = await context.newPage();
      await useSmallModel(page);
      await use(page);
      await context.close();
    },
    { scope: 'worker', timeout: 240_000 },
  ],
});

test('the run form lists the window backends under their heading, each naming its device', async ({
  app: page,
}) => {
  await page.getByRole('tab', { name: 'Profile' }).click();
  await page.getByRole('tab', { name: 'Run', exact: true }).click();
  const select = page.locator('.run-form select[name="backend"]');
  const groups = await select.locator('optgroup').evaluateAll((elements) =>
    elements.map((group) => ({
      label: group.getAttribute('label'),
      values: [...group.querySelectorAll('option')].map((option) => option.value),
    })),
  );
  expect(groups.map((group) => group.label)).toEqual(['In this window', 'Engine']);
  expect(groups[0].values).toEqual(WINDOW_BACKENDS);
  expect(groups[1].values).toContain('wasm');
  expect(groups[1].values.some((value) => value.startsWith('window-'))).toBe(false);

  const windowList = page.getByRole('list', { name: 'Backends: In this window' });
  const detail = async (name: string) => {
    const item = windowList.locator('li', { has: page.locator('strong', { hasText: name }) });
    await expect(item).toHaveCount(1);
    const text = ((await item.first().textContent()) ?? '').trim().replace(/\s+/g, ' ');
    console.log(`  ${text}`);
    return text;
  };
  // SwiftShader's Vulkan serves WebGPU here, and SwiftShader's GL serves WebGL2 through ANGLE.
  expect(await detail('window-webgpu')).toMatch(
    /^window-webgpu WebGPU: .*swiftshader.*; (timestamp queries|no timestamp queries: wall clock per layer)$/,
  );
  expect(await detail('window-webgl')).toMatch(
    /^window-webgl WebGL2: .*SwiftShader.*; (disjoint timer queries|no timer queries: wall clock per layer)$/,
  );
  // Node's types here: the page's globals are read as plain properties.
  const { cores, isolated } = await page.evaluate(() => {
    const page = globalThis as unknown as {
      navigator: { hardwareConcurrency: number };
      crossOriginIsolated: boolean;
    };
    return { cores: page.navigator.hardwareConcurrency, isolated: page.crossOriginIsolated };
  });
  expect(isolated, 'browser mode serves COOP/COEP').toBe(true);
  const wasmDetail = await detail('window-wasm');
  const threads = Number(/, (\d+) threads?/.exec(wasmDetail)?.[1]);
  expect(wasmDetail).toContain('SIMD on');
  // Every core computes: tfjs's default of half of them is overridden in the window's worker.
  expect(threads).toBe(Math.max(1, cores));
  if (cores >= 2) {
    expect(threads).toBeGreaterThanOrEqual(2);
  }
  expect(await detail('window-onnxruntime-webgpu')).toMatch(/onnxruntime-web .+, WebGPU provider/);
  expect(await detail('window-onnxruntime-wasm')).toMatch(
    new RegExp(`onnxruntime-web .+, WebAssembly provider, ${Math.max(1, cores)} threads?`),
  );
  // Where each heading's backends run, in words: browser mode may be a remote server.
  await expect(page.locator('.run-form h4.backend-group').first()).toContainText(
    'run on the computer showing this page',
  );
  await expect(page.locator('.run-form h4.backend-group').nth(1)).toContainText(
    'run on the server that serves this page',
  );
  // Every window backend can be chosen here: none is disabled.
  const disabled = await select
    .locator('optgroup[label="In this window"] option[disabled]')
    .count();
  expect(disabled).toBe(0);
});

test('window-webgl per layer: live heat, a GPU time column, medians that add up', async ({
  app: page,
}) => {
  test.setTimeout(300_000);
  await perLayerRunColoursLive(page, 'window-webgl');
  await gpuColumnBesideWallTime(page);
  await page.getByRole('tab', { name: 'Run', exact: true }).click();
  await mediansAddUp(page);
  await expect(page.getByTestId('runtime-line')).toHaveText(
    `TensorFlow.js webgl (this window): ${SMALL_LAYERS} layers timed`,
  );
});

test('window-webgpu per layer: live heat, a GPU time column, medians that add up', async ({
  app: page,
}) => {
  test.setTimeout(480_000);
  await perLayerRunColoursLive(page, 'window-webgpu');
  await gpuColumnBesideWallTime(page);
  await mediansAddUp(page);
  await expect(page.getByTestId('runtime-line')).toHaveText(
    `TensorFlow.js webgpu (this window): ${SMALL_LAYERS} layers timed`,
  );
});

test('window-wasm per layer: every layer timed, no GPU column', async ({ app: page }) => {
  await perLayerRunColoursLive(page, 'window-wasm');
  expect((await headerLabels(page)).some((text) => text.startsWith('GPU ms'))).toBe(false);
  await mediansAddUp(page);
  await expect(page.getByTestId('gpu-timing')).toHaveCount(0);
});

test('cancel mid-run of a window run returns to idle; the next window run works', async ({
  app: page,
}) => {
  await prepareRun(page, { backend: 'window-wasm', warmup: 0, runs: 500 });
  await startRun(page);
  await expect(page.locator('.run-form [role="progressbar"]')).toHaveAttribute(
    'data-pass',
    /^([2-9]|\d\d+)$/,
    { timeout: 60_000 },
  );
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel(page)).toHaveAttribute('data-phase', 'idle', { timeout: 10_000 });
  await expect(page.locator('.run-form')).toContainText('The run was cancelled.');
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
  const cancelled = await latestRun(page);
  expect(cancelled.id).toMatch(/^wrun-/);
  expect(cancelled.text).toContain('cancelled');
  await setField(page, 'runs', '1');
  await runToEnd(page);
  const next = await latestRun(page);
  expect(next.id).toMatch(/^wrun-/);
  expect(next.id).not.toBe(cancelled.id);
  expect(next.text).toMatch(/window-wasm · batch 1 · per-layer · [\d.]+ ms/);
});

test('a window run compares with an engine run; its CSV and trace exports parse', async ({
  app: page,
}) => {
  await prepareRun(page, { backend: 'window-wasm' });
  await runToEnd(page);
  const windowRun = await latestRun(page);
  expect(windowRun.id).toMatch(/^wrun-/);
  await prepareRun(page, { backend: 'wasm' });
  await runToEnd(page);
  const engineRun = await latestRun(page);
  expect(engineRun.id).toMatch(/^run-/);

  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.locator('select[name="compare-a"]').selectOption(windowRun.id);
  await page.locator('select[name="compare-b"]').selectOption(engineRun.id);
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.locator('ol.deltas li')).toHaveCount(SMALL_LAYERS);
  const texts = await page.locator('ol.deltas .delta').allTextContents();
  expect(texts.every((text) => /^[+−]?\d+\.\d{3}$/.test(text.trim()))).toBe(true);
  const cells = await columnCells(page, 'Δ ms');
  expect(cells.size).toBe(SMALL_LAYERS);
  expect([...cells.values()].every((text) => /^[+−]?\d+\.\d{3}$/.test(text))).toBe(true);
  await expect(page.getByTestId('compare-summary')).toContainText('Sum of layer medians');

  // The window run's exports.
  await page.getByRole('tab', { name: 'Run', exact: true }).click();
  await page.locator(`[data-run-id="${windowRun.id}"]`).click();
  await page.getByRole('tab', { name: 'Results' }).click();
  await expect(page.getByTestId('runtime-line')).toHaveText(
    `TensorFlow.js wasm (this window): ${SMALL_LAYERS} layers timed`,
  );
  const total = Number(await page.getByTestId('sum-of-medians').getAttribute('data-ms'));
  const csvDownload = page.waitForEvent('download');
  const exports = page.getByRole('region', { name: 'Totals' });
  await exports.getByRole('button', { name: 'CSV', exact: true }).click();
  const csv = parseCsv(await readFile(await (await csvDownload).path(), 'utf8'));
  const header = csv[0];
  expect(header.slice(0, 3)).toEqual(['layer_id', 'name', 'class']);
  expect(csv).toHaveLength(SMALL_LAYERS + 1);
  const rows = csv.slice(1);
  expect(rows.every((row) => row.length === header.length)).toBe(true);
  expect(rows.map((row) => Number(row[0]))).toEqual([...Array(SMALL_LAYERS).keys()]);
  const median = header.indexOf('median_ms');
  const csvSum = rows.reduce((sum, row) => sum + Number(row[median]), 0);
  expect(Number.isFinite(csvSum)).toBe(true);
  expect(Math.abs(csvSum - total) / total).toBeLessThan(0.01);

  const traceDownload = page.waitForEvent('download');
  await exports.getByRole('button', { name: 'Trace (Perfetto)' }).click();
  const trace = JSON.parse(await readFile(await (await traceDownload).path(), 'utf8')) as {
    traceEvents: { ph: string; tid: number; name: string; dur?: number }[];
    displayTimeUnit: string;
  };
  expect(trace.displayTimeUnit).toBe('ms');
  // One timed pass: a slice per layer.
  const slices = trace.traceEvents.filter((event) => event.ph === 'X' && event.tid <= 3);
  expect(slices).toHaveLength(SMALL_LAYERS);
  expect(slices[1].name).toBe('conv2d');
});

test('window-onnxruntime-wasm: a whole pass has a total; per layer is refused in one line', async ({
  app: page,
}) => {
  await prepareRun(page, { backend: 'window-onnxruntime-wasm', mode: 'whole', warmup: 1 });
  await runToEnd(page);
  const run = await latestRun(page);
  expect(run.id).toMatch(/^wrun-/);
  expect(run.text).toMatch(/window-onnxruntime-wasm fast · batch 1 · whole · [\d.]+ ms/);
  await page.getByRole('tab', { name: 'Results' }).click();
  const whole = (await page.getByTestId('whole-median').textContent()) ?? '';
  expect(Number.parseFloat(whole)).toBeGreaterThan(0);
  await expect(page.getByTestId('runtime-line')).toHaveText(
    'ONNX Runtime Web (WebAssembly, this window), fast',
  );

  await prepareRun(page, { backend: 'window-onnxruntime-wasm', mode: 'per-layer' });
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page.locator('.run-form [role="alert"]')).toHaveText(ORT_WASM_PER_LAYER, {
    timeout: 60_000,
  });
  await expect(panel(page)).toHaveAttribute('data-phase', 'idle');
});

test('a Chromium without WebGPU shows the WebGPU backends unavailable, with the reason', async ({
  baseURL,
}) => {
  // Launched here without the WebGPU switches the window-gpu project passes.
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: process.env.INSPECTOR_CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    const page = await browser.newPage({ baseURL });
    await page.setViewportSize({ width: 1500, height: 950 });
    await page.goto(appUrl);
    await page.getByRole('tab', { name: 'Profile' }).click();
    await page.getByRole('tab', { name: 'Run', exact: true }).click();
    const select = page.locator('.run-form select[name="backend"]');
    for (const name of ['window-webgpu', 'window-onnxruntime-webgpu']) {
      const option = select.locator(`option[value="${name}"]`);
      await expect(option).toBeDisabled();
      await expect(option).toHaveText(`${name} — unavailable`);
      const item = page
        .getByRole('list', { name: 'Backends: In this window' })
        .locator('li', { has: page.locator('strong', { hasText: name }) });
      const text = ((await item.first().textContent()) ?? '').replace(name, '').trim();
      console.log(`  ${name}: ${text}`);
      // One line that says why, not a stack.
      expect(text).not.toContain('\n');
      expect(text).toMatch(/WebGPU/);
      expect(text.length).toBeGreaterThan(20);
    }
    // The rest of the window's engine still runs here.
    await expect(select.locator('option[value="window-wasm"]')).toBeEnabled();
  } finally {
    await browser?.close();
  }
});
