// The profile experience end to end in Chromium against browser mode and the real engine: the
// graph takes heat colours while a run is still going, cancel returns to idle with the server
// still answering, the table's time column adds up to its total, the trace export parses, the
// feature-map grid shows the number of maps asked for, and a comparison has a Δ for every layer.
// Most run on a small config (ResNeXt-50, 32×32 input, 10 classes); one on the default model.
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { expect, test, type Page } from '@playwright/test';

const appUrl = `/?token=${process.env.INSPECTOR_TOKEN}`;
/** Layers of ResNeXt-50: 175. */
const SMALL_LAYERS = 175;
const DEFAULT_LAYERS = 345;

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

async function openProfile(
  page: Page,
  options: { warmup?: number; runs?: number; stats?: boolean } = {},
): Promise<void> {
  await page.getByRole('tab', { name: 'Profile' }).click();
  await page.getByRole('tab', { name: 'Run', exact: true }).click();
  await setField(page, 'warmup', String(options.warmup ?? 1));
  await setField(page, 'runs', String(options.runs ?? 2));
  await page.locator('.run-form input[name="stats"]').setChecked(options.stats ?? false);
}

const panel = (page: Page) => page.locator('.profile');

async function runToEnd(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(panel(page)).toHaveAttribute('data-phase', 'running', { timeout: 60_000 });
  await expect(panel(page)).toHaveAttribute('data-phase', 'idle', { timeout: 300_000 });
  await expect(page.locator('.run-form [role="alert"]')).toHaveCount(0);
}

// The heat scale's stops (HEAT_STOPS in renderer/src/graph/colors.ts) from the second on: the
// first is too close to a layer-type colour to tell apart.
const STOPS = [
  [0xfe, 0xd4, 0x7a],
  [0xf9, 0x8b, 0x3a],
  [0xdc, 0x3d, 0x3d],
  [0x8e, 0x14, 0x56],
];
// The scale sampled between its stops, as nodes are painted.
const RAMP = STOPS.slice(1)
  .flatMap((to, index) =>
    Array.from({ length: 20 }, (_, step) =>
      STOPS[index].map((from, channel) => Math.round(from + ((to[channel] - from) * step) / 20)),
    ),
  )
  .concat([STOPS[3]]);

/** Pixels of the graph canvas whose colour lies on the heat scale. */
async function heatPixels(page: Page): Promise<number> {
  const image = PNG.sync.read(await page.locator('section.graph .canvas').screenshot());
  let count = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i], image.data[i + 1], image.data[i + 2]];
    if (RAMP.some(([x, y, z]) => Math.abs(r - x) + Math.abs(g - y) + Math.abs(b - z) < 12)) {
      count += 1;
    }
  }
  return count;
}

/** A square PNG with a diagonal colour gradient, as an input image. */
function gradientPng(size: number): Buffer {
  const image = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const i = 4 * (y * size + x);
      image.data[i] = (255 * x) / size;
      image.data[i + 1] = (255 * y) / size;
      image.data[i + 2] = 128;
      image.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(image);
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

async function totalCell(page: Page, label: string): Promise<string> {
  const headers = await page.locator('.table [role="columnheader"]').allTextContents();
  const index = headers.findIndex((text) => text.trim().startsWith(label));
  return (await page.locator('.table .totals > *').nth(index).textContent())?.trim() ?? '';
}

test.describe('profile on a small model', () => {
  test.beforeEach(async ({ page }) => {
    await useSmallModel(page);
  });

  test('nodes take heat colours while the run is still going', async ({ page }) => {
    await openProfile(page, { warmup: 1, runs: 40 });
    const before = await heatPixels(page);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(panel(page)).toHaveAttribute('data-phase', 'running', { timeout: 60_000 });
    let during = 0;
    let stillRunning = false;
    for (let attempt = 0; attempt < 40 && during < before + 2000; attempt += 1) {
      during = await heatPixels(page);
      stillRunning = (await panel(page).getAttribute('data-phase')) === 'running';
      expect(stillRunning, 'the run ended before the graph changed colour').toBe(true);
    }
    expect(during).toBeGreaterThan(before + 2000);
    // The heat overlay's progress says where the run is.
    await expect(page.locator('.heat-overlay [role="progressbar"]')).toBeVisible();
    await expect(panel(page)).toHaveAttribute('data-phase', 'idle', { timeout: 300_000 });
    await expect(page.locator('.heat-overlay')).toContainText('Time per layer');
  });

  test('cancel mid-run returns the UI to idle and the server keeps answering', async ({ page }) => {
    await openProfile(page, { warmup: 0, runs: 500 });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(panel(page)).toHaveAttribute('data-phase', 'running', { timeout: 60_000 });
    await expect(page.locator('.run-form [role="progressbar"]')).toHaveAttribute(
      'data-pass',
      /^([3-9]|\d\d+)$/,
      { timeout: 60_000 },
    );
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(panel(page)).toHaveAttribute('data-phase', 'idle', { timeout: 5_000 });
    await expect(page.locator('.run-form')).toContainText('The run was cancelled.');
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled();
    await expect(page.locator('[data-run-id]').first()).toContainText('cancelled');
    // The server still answers: another run goes through to the end.
    await setField(page, 'runs', '1');
    await runToEnd(page);
    await expect(page.locator('[data-run-id]').first()).toContainText(/\d ms/);
  });

  test('the time column sums to the reported total; the trace export parses', async ({ page }) => {
    await openProfile(page, { runs: 3 });
    await runToEnd(page);
    const cells = await columnCells(page, 'Median ms');
    expect(cells.size).toBe(SMALL_LAYERS);
    const sum = [...cells.values()].reduce((total, text) => total + Number(text), 0);
    const total = Number(await totalCell(page, 'Median ms'));
    expect(total).toBeGreaterThan(0);
    expect(Math.abs(sum - total) / total).toBeLessThan(0.01);
    const shares = await columnCells(page, '% time');
    const shareSum = [...shares.values()].reduce((acc, text) => acc + Number.parseFloat(text), 0);
    expect(Math.abs(shareSum - 100)).toBeLessThan(1);

    await page.getByRole('tab', { name: 'Results' }).click();
    const reported = Number(await page.getByTestId('sum-of-medians').getAttribute('data-ms'));
    expect(Math.abs(reported - total) / total).toBeLessThan(0.01);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Trace (Perfetto)' }).click();
    const file = await (await download).path();
    const trace = JSON.parse(await readFile(file, 'utf8')) as {
      traceEvents: { ph: string; tid: number; name: string; dur?: number }[];
      displayTimeUnit: string;
    };
    expect(trace.displayTimeUnit).toBe('ms');
    const slices = trace.traceEvents.filter((event) => event.ph === 'X' && event.tid <= 3);
    expect(slices).toHaveLength(3 * SMALL_LAYERS);
    expect(slices[1].name).toBe('conv2d');
  });

  test('ONNX Runtime fast: the mode is named, fused layers say so, the median column sums to the total', async ({
    page,
  }) => {
    await openProfile(page, { runs: 3 });
    await page.locator('.run-form select[name="backend"]').selectOption('onnxruntime');
    await page.locator('.run-form select[name="onnx-mode"]').selectOption('fast');
    await expect(page.getByTestId('onnx-mode-help')).toContainText('fused');
    await runToEnd(page);
    await expect(page.locator('[data-run-id]').first()).toContainText('onnxruntime fast');
    const cells = await columnCells(page, 'Median ms');
    expect(cells.size).toBe(SMALL_LAYERS);
    const fused = [...cells.values()].filter((text) => text.startsWith('fused into '));
    const timed = [...cells.values()].filter((text) => !text.startsWith('fused into '));
    expect(fused.length).toBeGreaterThan(0);
    // A layer is fused into a convolution, never into another fused layer.
    expect(fused.every((text) => /^fused into conv2d(_\d+)?$/.test(text))).toBe(true);
    const sum = timed.reduce((total, text) => total + Number(text), 0);
    const total = Number(await totalCell(page, 'Median ms'));
    expect(total).toBeGreaterThan(0);
    expect(Math.abs(sum - total) / total).toBeLessThan(0.01);

    await page.getByRole('tab', { name: 'Results' }).click();
    await expect(page.getByTestId('runtime-line')).toHaveText(
      `ONNX Runtime, fast: ${timed.length} layers timed, ${fused.length} fused`,
    );
    const reported = Number(await page.getByTestId('sum-of-medians').getAttribute('data-ms'));
    expect(Math.abs(reported - total) / total).toBeLessThan(0.01);
  });

  test('the feature-map grid shows the number of maps asked for, for a chosen image', async ({
    page,
  }) => {
    // In browser mode the image travels as an upload (POST /api/upload), not in a WebSocket message.
    const uploads: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/upload')) {
        uploads.push(
          `${request.url()} ${request.headers().authorization ? 'with' : 'without'} token`,
        );
      }
    });
    await openProfile(page, { runs: 1, stats: true });
    await page.locator('.run-form input[type="file"]').setInputFiles({
      name: 'gradient.png',
      mimeType: 'image/png',
      buffer: gradientPng(48),
    });
    await expect(page.getByTestId('input-image')).toHaveText('gradient.png');
    await runToEnd(page);
    expect(uploads).toEqual([
      expect.stringMatching(/\/api\/upload\?name=gradient\.png with token$/),
    ]);
    // conv2d_1, the first 1×1 convolution of stage 1: 128 channels.
    await page.locator('.table .row[data-layer="conv2d_1"]').click();
    await page.getByRole('tab', { name: 'Activations' }).click();
    await expect(page.getByTestId('activation-stats')).toContainText('mean');
    for (const channels of ['32', '16']) {
      await page.locator('select[name="channels"]').selectOption(channels);
      await page.getByRole('button', { name: 'Show' }).click();
      await expect(page.getByTestId('feature-grid')).toHaveAttribute('data-count', channels);
      await expect(page.locator('[data-testid="feature-grid"] canvas')).toHaveCount(
        Number(channels),
      );
    }
    // The graph can be coloured by the statistics.
    await page.locator('select[name="heat-view"]').selectOption('zeros');
    await expect(page.locator('.heat-overlay')).toContainText('Zero fraction');
  });

  test('the compare view shows a Δ for every layer', async ({ page }) => {
    await openProfile(page, { warmup: 0, runs: 1 });
    await runToEnd(page);
    await setField(page, 'batch', '2');
    await runToEnd(page);
    await page.getByRole('tab', { name: 'Compare' }).click();
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const deltas = page.locator('ol.deltas li');
    await expect(deltas).toHaveCount(SMALL_LAYERS);
    const texts = await page.locator('ol.deltas .delta').allTextContents();
    expect(texts.every((text) => /^[+−]?\d+\.\d{3}$/.test(text.trim()))).toBe(true);
    const cells = await columnCells(page, 'Δ ms');
    expect(cells.size).toBe(SMALL_LAYERS);
    expect([...cells.values()].every((text) => /^[+−]?\d+\.\d{3}$/.test(text))).toBe(true);
    await expect(page.locator('.heat-overlay')).toContainText('Δ ms');
  });
});

test('the default model: live heat, at least 30 frames a second, columns that add up', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await openApp(page);
  await openProfile(page, { warmup: 1, runs: 3 });
  const before = await heatPixels(page);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(panel(page)).toHaveAttribute('data-phase', 'running', { timeout: 120_000 });
  await expect(page.locator('.heat-overlay')).toHaveAttribute(
    'data-heat-layers',
    /^([8-9]|\d\d+)$/,
    {
      timeout: 60_000,
    },
  );
  const during = await heatPixels(page);
  expect(await panel(page).getAttribute('data-phase')).toBe('running');
  // Frames while events stream in: requestAnimationFrame callbacks over two seconds.
  const fps = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const requestAnimationFrame = (
          globalThis as unknown as { requestAnimationFrame: (callback: () => void) => number }
        ).requestAnimationFrame;
        let frames = 0;
        const start = performance.now();
        const tick = () => {
          frames += 1;
          const elapsed = performance.now() - start;
          if (elapsed < 2000) {
            requestAnimationFrame(tick);
          } else {
            resolve((frames * 1000) / elapsed);
          }
        };
        requestAnimationFrame(tick);
      }),
  );
  const heatLayers = Number(await page.locator('.heat-overlay').getAttribute('data-heat-layers'));
  expect(await panel(page).getAttribute('data-phase'), 'frames measured during the run').toBe(
    'running',
  );
  console.log(
    `default model: ${fps.toFixed(1)} frames/s during the run, ${heatLayers} layers coloured`,
  );
  expect(fps).toBeGreaterThanOrEqual(30);
  expect(during).toBeGreaterThan(before + 2000);
  await expect(panel(page)).toHaveAttribute('data-phase', 'idle', { timeout: 400_000 });
  const cells = await columnCells(page, 'Median ms');
  expect(cells.size).toBe(DEFAULT_LAYERS);
  const sum = [...cells.values()].reduce((total, text) => total + Number(text), 0);
  const total = Number(await totalCell(page, 'Median ms'));
  expect(Math.abs(sum - total) / total).toBeLessThan(0.01);
});
