// The paper view end to end in Chromium against browser mode and the real engine: Table 1 of the
// seed generated from its graph, the reconciliation landing exactly on 44,177,704, the first block
// of stage 1 run by the engine as 32 paths and as one grouped convolution agreeing to 1e-4; a
// block picked in the inspector shown as paths, folded then unfolded; the cardinality column and
// its filter; the Markdown and PNG exports.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

const TOKEN = process.env.INSPECTOR_TOKEN!;
const appUrl = `/?token=${TOKEN}`;

async function openDefault(page: Page): Promise<void> {
  await page.goto(appUrl);
  await expect(page.locator('.graph')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
}

const paperView = (page: Page) => page.getByRole('region', { name: 'Paper view' });

test('the paper view: Table 1, the reconciliation on 44,177,704, forms (a) and (c) agreeing', async ({
  page,
}) => {
  await openDefault(page);
  await page.getByRole('tab', { name: 'Paper' }).click();
  const view = paperView(page);
  const table = view.getByRole('table', { name: 'Table 1' });
  await expect(table.locator('tr[data-stage="conv2"] td.template')).toHaveText(
    '3×3 max pool, stride 2; [1×1, 128; 3×3, 128, C=32; 1×1, 256] × 3',
  );
  await expect(table.locator('tr[data-stage="conv4"] td.template')).toHaveText(
    '[1×1, 512; 3×3, 512, C=32; 1×1, 1024] × 23',
  );
  await expect(view.getByTestId('table1-params')).toHaveText('44,384,488');
  await expect(view.getByTestId('table1-macs')).toHaveText('7,507,574,784');
  const recon = view.getByRole('table', { name: 'Reconciliation' });
  await expect(recon.locator('tr[data-term="conv-bias"] td.num').first()).toHaveText('68,928');
  await expect(recon.locator('tr[data-term="bn-moving-statistics"] td.num').first()).toHaveText(
    '137,856',
  );
  await expect(recon.locator('tr[data-term="stride-placement"] td.num').nth(1)).toHaveText(
    '−462,422,016',
  );
  await expect(view.getByTestId('reconciled-params')).toHaveText('44,177,704');
  await expect(view.getByTestId('reconciled-macs')).toHaveText('7,969,996,800');
  await expect(view.getByTestId('lands')).toHaveText('lands exactly on 44,177,704');

  const run = view.getByTestId('forms-run');
  await expect(run).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const diff = Number(await view.getByTestId('max-abs-diff').textContent());
  expect(diff).toBeGreaterThanOrEqual(0);
  expect(diff).toBeLessThanOrEqual(1e-4);
  await expect(run).toContainText('≤ 0.0001: the same block');
  expect(parseFloat((await view.getByTestId('grouped-ms').textContent()) ?? '')).toBeGreaterThan(0);
  expect(parseFloat((await view.getByTestId('paths-ms').textContent()) ?? '')).toBeGreaterThan(0);
  await expect(view.getByTestId('fold-label')).toHaveText('4 of 32 paths shown … 28 more');
  // Forms (a) and (c) differ by 31 × 256 biases, the rest is equal.
  await expect(view.locator('[data-form="a"][data-row="total"]')).toHaveText('56,064');
  await expect(view.locator('[data-form="c"][data-row="total"]')).toHaveText('48,128');

  const [markdown] = await Promise.all([
    page.waitForEvent('download'),
    view.getByRole('button', { name: 'Markdown' }).click(),
  ]);
  expect(markdown.suggestedFilename()).toBe('resnext101_32x4d_paper.md');
  const text = readFileSync((await markdown.path())!, 'utf8');
  expect(text).toContain('| = in the reference’s convention | 44,177,704 | 7,969,996,800 |');
  expect(text).toContain('32 separate paths');
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    view.getByRole('button', { name: 'PNG' }).click(),
  ]);
  expect(png.suggestedFilename()).toBe('resnext101_32x4d_paper.png');
  const bytes = readFileSync((await png.path())!);
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(bytes.readUInt32BE(16)).toBeGreaterThan(1000);

  await view.getByRole('button', { name: 'Back to the graph' }).click();
  await expect(paperView(page)).toHaveCount(0);
});

test('a block picked in the inspector is shown as paths, and its fold unfolds', async ({
  page,
}) => {
  await openDefault(page);
  // The grouped 3×3 of stage 2, block 1: its cardinality, then its block.
  await page.getByRole('searchbox', { name: 'Search layers' }).fill('conv2d_12');
  await expect(page.getByTestId('inspector-name')).toHaveText('conv2d_12');
  await expect(page.getByTestId('inspector-cardinality')).toHaveText(
    'C = 32 groups × d = 8 channels',
  );
  await page.getByRole('button', { name: 'block 1', exact: true }).click();
  const inspector = page.getByLabel('Inspector');
  await inspector.getByRole('checkbox', { name: 'Grouped convs only' }).check();
  await expect(inspector.getByTestId('group-cardinality')).toHaveText(['32 × 8d']);
  await inspector.getByRole('button', { name: 'Show as paths' }).click();

  const view = paperView(page);
  const paths = view.getByTestId('paths-view');
  await expect(paths.getByRole('combobox', { name: 'Stage' })).toHaveValue('2');
  await expect(paths.getByRole('combobox', { name: 'Block' })).toHaveValue('1');
  await expect(paths).toContainText('Stride 2 on the first 1×1, as in the seed.');
  await expect(view.getByTestId('fold-label')).toHaveText('4 of 32 paths shown … 28 more');
  const formA = paths.getByRole('img', { name: 'Form (a): 32 parallel paths summed' });
  // The first 1×1 of each path carries the block's stride.
  await expect(formA.locator('text', { hasText: /^path \d+ · stride 2$/ })).toHaveCount(4);
  await expect(view.getByTestId('forms-run')).toHaveAttribute('data-state', 'done', {
    timeout: 60_000,
  });
  expect(Number(await view.getByTestId('max-abs-diff').textContent())).toBeLessThanOrEqual(1e-4);

  await formA.getByTestId('unfold-paths').click();
  await expect(view.getByTestId('fold-label')).toHaveCount(0);
  await expect(formA.locator('text', { hasText: /^path \d+ · stride 2$/ })).toHaveCount(32);
  await expect(paths).toContainText('all 32 paths shown');
});

test('the summary table shows cardinality and keeps grouped convs only on request', async ({
  page,
}) => {
  await openDefault(page);
  await expect(page.getByRole('columnheader', { name: 'Cardinality' })).toBeVisible();
  await page.getByRole('checkbox', { name: 'Grouped convs only' }).first().check();
  // ResNeXt-101 has one grouped 3×3 per block: 33.
  await expect(page.getByText('33 of 345 layers')).toBeVisible();
  await expect(page.locator('[data-layer="conv2d_2"] [role="gridcell"]').nth(6)).toHaveText(
    '32 × 4d',
  );
});
