// The desktop app, end to end with Playwright's `_electron`. Runs where Electron's binary is
// installed and a display exists; elsewhere (as on machines that cannot download the binary)
// it is skipped with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';

function electronBinary(): string | undefined {
  const dir = path.join('node_modules', 'electron');
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    return undefined;
  }
  const binary = path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

const binary = electronBinary();
const display =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const skipReason = !binary
  ? "Electron's binary is not installed (node_modules/electron/dist is missing and cannot be downloaded here); `npm start` on a machine with network access fetches it."
  : !display
    ? 'No display (DISPLAY/WAYLAND_DISPLAY unset) for an Electron window; run under xvfb-run.'
    : undefined;

if (skipReason) {
  console.log(`electron.spec.ts skipped: ${skipReason}`);
}

test.describe('Electron', () => {
  test.skip(skipReason !== undefined, skipReason);
  let app: ElectronApplication;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    for (const args of [
      ['exec', '--', 'vite', 'build'],
      ['run', 'build:electron'],
    ]) {
      expect(spawnSync('npm', args, { stdio: 'inherit' }).status).toBe(0);
    }
    app = await electron.launch({ executablePath: binary, args: ['.'] });
  });
  test.afterAll(async () => {
    await app?.close();
  });

  test('opens a sandboxed, isolated window from app:// with the named API only', async () => {
    const page = await app.firstWindow();
    await expect(page).toHaveTitle(/ResNeXt Inspector/);
    expect(page.url()).toBe('app://inspector/index.html');
    const facts = await page.evaluate(() => {
      const scope = globalThis as unknown as Record<string, Record<string, unknown> | undefined>;
      return {
        require: typeof scope.require,
        process: typeof scope.process,
        ipcRenderer: typeof scope.inspector?.ipcRenderer,
        keys: Object.keys(scope.inspector ?? {}).sort(),
      };
    });
    expect(facts).toEqual({
      require: 'undefined',
      process: 'undefined',
      ipcRenderer: 'undefined',
      keys: [
        'activations',
        'appInfo',
        'backends',
        'cancel',
        'describe',
        'onMenu',
        'onProfileEvents',
        'profile',
        'saveFile',
      ],
    });
    const preferences = await app.evaluate(({ BrowserWindow }) =>
      (
        BrowserWindow.getAllWindows()[0].webContents as unknown as {
          getLastWebPreferences(): unknown;
        }
      ).getLastWebPreferences(),
    );
    expect(preferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
  });

  test('answers calls over IPC with envelopes, typed errors included', async () => {
    const page = await app.firstWindow();
    const [backends, bad] = await page.evaluate(async () => {
      const api = (
        globalThis as unknown as {
          inspector: Record<string, (...args: unknown[]) => Promise<unknown>>;
        }
      ).inspector;
      return [await api.backends(), await api.describe({ depth: 'deep' })];
    });
    expect(backends).toMatchObject({ ok: true });
    expect(bad).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: 'describe: config.depth must be one of 50, 101, 152, but got "deep".',
      },
    });
  });

  test('does not navigate away or open windows', async () => {
    const page = await app.firstWindow();
    const opened = await page.evaluate(() => {
      const scope = globalThis as unknown as {
        open(url: string): unknown;
        location: { href: string };
      };
      const popup = scope.open('https://example.com');
      scope.location.href = 'https://example.com';
      return popup === null;
    });
    expect(opened).toBe(true);
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://inspector/index.html');
    expect(app.windows()).toHaveLength(1);
  });
});
