import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs backends are process-global; files run in separate forks, one at a time per core.
    pool: 'forks',
    // ONNX Runtime runs cache their exports: tests keep theirs out of the user's cache folder,
    // in a small one (a change to the sources makes every entry a new one).
    env: {
      INSPECTOR_CACHE_DIR: join(tmpdir(), 'resnext-inspector-test-cache'),
      INSPECTOR_CACHE_MAX_MB: '512',
    },
  },
});
