// End-to-end tests in Debian's Chromium (never a downloaded browser) against browser mode:
// `npm run serve` builds the renderer and serves it on a fixed test port with a known token
// (INSPECTOR_TOKEN; without it every start gets a random 32-byte token). Specs open
// `/?token=${process.env.INSPECTOR_TOKEN}` (see appUrl in test/e2e/security.spec.ts).
import { defineConfig } from '@playwright/test';

/** The port of the e2e server. */
const PORT = 7310;
// Set here so the web server and every worker see the same token.
process.env.INSPECTOR_TOKEN ??= 'e2e-fixed-token-for-tests-only-0123456789';

export default defineConfig({
  testDir: 'test/e2e',
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  // Two cores shared with the engine worker: one browser at a time.
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'on-first-retry',
    launchOptions: {
      // The system's Chromium, never a downloaded one (scripts/test.mjs checks it is there).
      executablePath: process.env.INSPECTOR_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium' }, testIgnore: /window.*\.spec\.ts$/ },
    {
      // The window's engine on a GPU: WebGPU on SwiftShader's Vulkan (in a dedicated worker) and
      // WebGL2 on SwiftShader. Correctness only: a software GPU's speed means nothing.
      name: 'window-gpu',
      testMatch: /window.*\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.INSPECTOR_CHROMIUM || '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--enable-unsafe-webgpu',
            '--enable-features=Vulkan',
            '--use-vulkan=swiftshader',
            '--use-angle=swiftshader',
            '--enable-unsafe-swiftshader',
          ],
        },
      },
    },
  ],
  webServer: {
    command: `npm run serve -- --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}/?token=${process.env.INSPECTOR_TOKEN}`,
    env: { INSPECTOR_TOKEN: process.env.INSPECTOR_TOKEN },
    reuseExistingServer: !process.env.CI,
    timeout: 240_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGINT', timeout: 5_000 },
  },
});
