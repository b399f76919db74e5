// The graph and the summary table, end to end in Chromium against browser mode and the real
// engine: the default ResNeXt-101 is described by tfjs, laid out by ELK in a worker and drawn by
// cytoscape. The graph view exposes what cytoscape draws as data attributes (visible layer nodes,
// cytoscape's own selection, the layout's size), which these tests read.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

const TOKEN = process.env.INSPECTOR_TOKEN!;
const appUrl = `/?token=${TOKEN}`;
const HOSTILE = '<img src=x onerror=alert(1)>';

async function openDefault(page: Page): Promise<void> {
  await page.goto(appUrl);
  await expect(page.locator('.graph')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
}

const graph = (page: Page) => page.locator('.graph');
const canvas = (page: Page) => page.locator('.graph .canvas');

test('the default model shows 345 layer nodes and the Keras totals', async ({ page }) => {
  await openDefault(page);
  await expect(graph(page)).toHaveAttribute('data-layer-nodes', '345');
  // 38 expanded groups: the stem, 4 stages, 33 blocks.
  await expect(graph(page)).toHaveAttribute('data-group-nodes', '38');
  await expect(page.locator('[data-total="params"]')).toHaveText('44,384,488');
  await expect(page.locator('[data-total="trainable"]')).toHaveText('44,246,632');
  await expect(page.locator('[data-total="non-trainable"]')).toHaveText('137,856');
  await expect(page.getByText('345 of 345 layers')).toBeVisible();
});

test('search finds conv2d_100, selects it and highlights it in the graph', async ({ page }) => {
  await openDefault(page);
  await page.locator('body').press('/');
  const search = page.getByRole('searchbox', { name: 'Search layers' });
  await expect(search).toBeFocused();
  await search.fill('conv2d_100');
  await expect(page.getByTestId('search-count')).toHaveText('1 / 1');
  await expect(page.getByTestId('inspector-name')).toHaveText('conv2d_100');
  const row = page.locator('[data-layer="conv2d_100"]');
  await expect(row).toHaveAttribute('aria-selected', 'true');
  const id = await row.getAttribute('data-layer-id');
  await expect(canvas(page)).toHaveAttribute('data-cy-selected', `l${id}`);
  // A regex finds more: ResNeXt-101 has 104 Conv2D layers, conv2d to conv2d_103. Esc clears.
  await search.fill('^conv2d_10\\d$');
  await expect(page.getByTestId('search-count')).toHaveText('1 / 4');
  await search.press('Escape');
  await expect(search).toHaveValue('');
});

test('collapsing stage 3 hides its layers and expanding brings them back', async ({ page }) => {
  await openDefault(page);
  const chip = page.locator('button[data-group="g:s3"]');
  await chip.click();
  await expect(chip).toHaveAttribute('aria-pressed', 'true');
  // Stage 3 of ResNeXt-101 holds 23 blocks of 10 layers plus a 2-layer projection shortcut.
  await expect(graph(page)).toHaveAttribute('data-layer-nodes', String(345 - 232));
  await expect(graph(page)).toHaveAttribute('data-collapsed', 'g:s3');
  // The stage is one node now; its 23 blocks are gone: 38 − 23 groups.
  await expect(graph(page)).toHaveAttribute('data-group-nodes', '15');
  await chip.click();
  await expect(graph(page)).toHaveAttribute('data-layer-nodes', '345');
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(graph(page)).toHaveAttribute('data-layer-nodes', '3');
});

test('selecting a table row selects its node, and arrow keys move the selection', async ({
  page,
}) => {
  await openDefault(page);
  await page.getByRole('searchbox', { name: 'Filter layers' }).fill('^conv2d_40$');
  const row = page.locator('[data-layer="conv2d_40"]');
  await row.click();
  const id = Number(await row.getAttribute('data-layer-id'));
  await expect(canvas(page)).toHaveAttribute('data-cy-selected', `l${id}`);
  await expect(page.getByTestId('inspector-name')).toHaveText('conv2d_40');
  await page.getByRole('searchbox', { name: 'Filter layers' }).fill('');
  await page.getByRole('grid', { name: 'Layers' }).press('ArrowDown');
  await expect(canvas(page)).toHaveAttribute('data-cy-selected', `l${id + 1}`);
  await expect(page.locator(`[data-layer-id="${id + 1}"]`)).toHaveAttribute(
    'aria-selected',
    'true',
  );
});

test('an exported PNG is a valid PNG of the graph, with its aspect', async ({ page }) => {
  await openDefault(page);
  const width = Number(await graph(page).getAttribute('data-graph-width'));
  const height = Number(await graph(page).getAttribute('data-graph-height'));
  await page.getByRole('button', { name: 'Export diagram…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export diagram' });
  await dialog.getByLabel('legend').uncheck();
  await dialog.getByLabel('Scale').selectOption('1');
  const plan = dialog.getByTestId('export-plan').locator('span[data-width]');
  await expect(plan).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Export PNG' }).click(),
  ]);
  const bytes = readFileSync((await download.path())!);
  expect(download.suggestedFilename()).toBe('resnext101_32x4d.png');
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  expect(bytes.subarray(bytes.length - 8, bytes.length - 4).toString('ascii')).toBe('IEND');
  const pngWidth = bytes.readUInt32BE(16);
  const pngHeight = bytes.readUInt32BE(20);
  expect(pngWidth).toBe(Number(await plan.getAttribute('data-width')));
  expect(pngHeight).toBe(Number(await plan.getAttribute('data-height')));
  // The scene is the layout plus a 16 px margin on every side.
  expect(pngWidth / pngHeight).toBeCloseTo((width + 32) / (height + 32), 2);
  expect(bytes.length).toBeGreaterThan(100_000);
});

test('a poster export wraps the graph into columns with the proportions of an A3 sheet', async ({
  page,
}) => {
  await openDefault(page);
  await page.getByRole('button', { name: 'Export diagram…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export diagram' });
  await dialog.getByLabel('Poster').check();
  await dialog.locator('#export-paper').selectOption('a3');
  await dialog.getByLabel('Scale').selectOption('1');
  const fit = dialog.getByTestId('poster-fit');
  await expect(fit).toContainText('A3');
  expect(Number(await fit.getAttribute('data-columns'))).toBeGreaterThan(2);
  const plan = dialog.getByTestId('export-plan').locator('span[data-width]');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Export PNG' }).click(),
  ]);
  const bytes = readFileSync((await download.path())!);
  expect(download.suggestedFilename()).toBe('resnext101_32x4d_poster_a3.png');
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  expect(width).toBe(Number(await plan.getAttribute('data-width')));
  expect(height).toBe(Number(await plan.getAttribute('data-height')));
  const ratio = Math.max(width, height) / Math.min(width, height);
  expect(ratio).toBeCloseTo(420 / 297, 2);
});

test('a layer named like markup is shown as text, never as markup', async ({ page }) => {
  const alerts: string[] = [];
  page.on('dialog', (dialog) => {
    alerts.push(dialog.message());
    void dialog.dismiss();
  });
  // Rename a layer in the engine's describe answer on its way to the page.
  await page.routeWebSocket(/\/ws/, (socket) => {
    const server = socket.connectToServer();
    const describeCalls = new Set<number>();
    socket.onMessage((message) => {
      const call = JSON.parse(String(message));
      if (call.call === 'describe') {
        describeCalls.add(call.id);
      }
      server.send(message);
    });
    server.onMessage((message) => {
      const reply = JSON.parse(String(message));
      if (reply.type === 'result' && describeCalls.has(reply.id) && reply.result.ok) {
        const layers = reply.result.value.layers as { name: string; inbound: string[] }[];
        const old = layers[1].name;
        layers[1].name = HOSTILE;
        for (const layer of layers) {
          layer.inbound = layer.inbound.map((name) => (name === old ? HOSTILE : name));
        }
        socket.send(JSON.stringify(reply));
        return;
      }
      socket.send(message);
    });
  });
  await openDefault(page);
  await page.getByRole('searchbox', { name: 'Search layers' }).fill('<img');
  await expect(page.getByTestId('search-count')).toHaveText('1 / 1');
  await expect(page.getByTestId('inspector-name')).toHaveText(HOSTILE);
  await expect(page.locator(`[data-layer="${HOSTILE}"]`)).toContainText(HOSTILE);
  expect(await page.locator('img').count()).toBe(0);
  await page.waitForTimeout(500);
  expect(alerts).toEqual([]);
});
