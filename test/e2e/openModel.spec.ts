// Opening a person's own model end to end in Chromium against browser mode and the real engine:
// a real Keras .h5 by the Open button (uploaded, then opened by its upload id) and by a drop on
// the window, its graph, table and a profile with its own weights; a bad file's one message while
// the model shown stays; a model with layers of unknown class marked, its run refused with the
// engine's reason. The files are read from ../shared/fixtures/real, never copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const appUrl = `/?token=${process.env.INSPECTOR_TOKEN}`;
const REAL = path.resolve(import.meta.dirname, '../../../shared/fixtures/real');
const RESNET8 = path.join(REAL, 'keras-h5/mlcommons-tiny_pretrainedResnet.h5');
const WASTE = path.join(REAL, 'keras-h5/AIAnytime-waste-classifier_keras_model.h5');
const KEFFNET = path.join(REAL, 'keras-h5/kEffNetV1_JP35B14-mobilenet-CIFAR10-2-best_result.hdf5');

const graph = (page: Page) => page.locator('section.graph');
const picker = (page: Page) => page.locator('#model-preset');

async function openApp(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1500, height: 950 });
  await page.goto(appUrl);
  await expect(graph(page)).toHaveAttribute('data-layer-nodes', '345', { timeout: 120_000 });
  await expect(graph(page)).toHaveAttribute('data-ready', 'true', { timeout: 120_000 });
}

/** Opens files by the Open button's file input, as a person picking them would. */
async function openByButton(page: Page, files: string | string[]): Promise<void> {
  await page.getByTestId('open-model-input').setInputFiles(files);
}

/** Waits until the model file `name` is the one shown, with `layers` layer nodes drawn. */
async function shown(page: Page, name: string, layers: number): Promise<void> {
  await expect(picker(page).locator('option:checked')).toHaveText(name, { timeout: 120_000 });
  await expect(graph(page)).toHaveAttribute('data-layer-nodes', String(layers), {
    timeout: 120_000,
  });
  await expect(graph(page)).toHaveAttribute('data-ready', 'true');
}

/** Drops a file on the graph, as a drag from the desktop would. */
async function drop(page: Page, file: string): Promise<void> {
  const base64 = readFileSync(file).toString('base64');
  const transfer = await page.evaluateHandle(
    ([data, name]) => {
      const bytes = Uint8Array.from(atob(data), (character) => character.charCodeAt(0));
      // In the page, which has DataTransfer; the Node types this file is checked with do not.
      const { DataTransfer } = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: File): void } };
      };
      const dropped = new DataTransfer();
      dropped.items.add(new File([bytes], name));
      return dropped;
    },
    [base64, path.basename(file)] as const,
  );
  await graph(page).dispatchEvent('dragenter', { dataTransfer: transfer });
  await expect(page.getByTestId('drop-hint')).toBeVisible();
  await graph(page).dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.getByTestId('drop-hint')).toHaveCount(0);
}

test('a Keras .h5 opened by the Open button: its graph, its table, a profile with its weights', async ({
  page,
}) => {
  await openApp(page);
  await openByButton(page, RESNET8);
  await shown(page, 'mlcommons-tiny_pretrainedResnet.h5', 30);
  await expect(page.getByText('30 of 30 layers')).toBeVisible();
  await expect(page.locator('[data-total="params"]')).toHaveText('78,666');
  await expect(page.getByTestId('model-file-facts')).toContainText('Keras HDF5');

  await page.getByRole('tab', { name: 'Profile' }).click();
  for (const [name, value] of [
    ['warmup', '0'],
    ['runs', '1'],
  ]) {
    await page.locator(`.run-form input[name="${name}"]`).fill(value);
    await page.locator(`.run-form input[name="${name}"]`).dispatchEvent('change');
  }
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const panel = page.locator('.profile');
  await expect(panel).not.toHaveAttribute('data-shown-run', '', { timeout: 60_000 });
  await expect(panel).toHaveAttribute('data-phase', 'idle', { timeout: 120_000 });
  await expect(page.locator('.run-form [role="alert"]')).toHaveCount(0);
  // The table gained the run's time columns.
  await expect(page.getByRole('columnheader', { name: 'Median ms' })).toBeVisible();
});

test('a Keras .h5 dropped on the window opens, with its nested models as groups', async ({
  page,
}) => {
  await openApp(page);
  await drop(page, WASTE);
  await shown(page, 'AIAnytime-waste-classifier_keras_model.h5', 158);
  await expect(page.locator('[data-total="params"]')).toHaveText('538,708');
  // The Teachable Machine file nests a Functional model in a Sequential one, then a head.
  await page.getByRole('checkbox', { name: 'Group by top group' }).check();
  const headers = page.locator('.group-row .group-label');
  await expect(headers.first()).toHaveText('input');
  await expect(headers.nth(1)).toHaveText('sequential_1');
});

test("a bad file shows the engine's one message, and the model shown stays", async ({ page }) => {
  await openApp(page);
  await openByButton(page, RESNET8);
  await shown(page, 'mlcommons-tiny_pretrainedResnet.h5', 30);
  await page.getByTestId('open-model-input').setInputFiles({
    name: 'notes.h5',
    mimeType: 'text/plain',
    buffer: Buffer.from('these are notes, not a model\n'),
  });
  await expect(page.getByTestId('open-error')).toContainText(
    'That file could not be opened. notes.h5: it is plain text, not a Keras HDF5 model. Still showing mlcommons-tiny_pretrainedResnet.h5.',
  );
  await expect(picker(page).locator('option:checked')).toHaveText(
    'mlcommons-tiny_pretrainedResnet.h5',
  );
  await expect(graph(page)).toHaveAttribute('data-layer-nodes', '30');
  await expect(page.locator('[data-total="params"]')).toHaveText('78,666');
});

test('layers of unknown class are marked, and the run form says why it cannot run', async ({
  page,
}) => {
  await openApp(page);
  await openByButton(page, KEFFNET);
  await shown(page, 'kEffNetV1_JP35B14-mobilenet-CIFAR10-2-best_result.hdf5', 138);
  await page.getByRole('combobox', { name: 'Layer type' }).selectOption('InterleaveChannels');
  await expect(page.getByText('13 of 138 layers')).toBeVisible();
  await expect(page.getByTestId('unknown-class').first()).toHaveText('unknown class: not runnable');
  await expect(page.locator('.row.unknown').first()).toContainText('?');
  await page.getByRole('tab', { name: 'Profile' }).click();
  await expect(page.getByTestId('not-runnable')).toHaveText(
    /^Layer conv_pw_1_bn_group_interleaved is of class InterleaveChannels, which the engine does not know \(unknown class: not runnable\)/,
  );
  await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeDisabled();
});
