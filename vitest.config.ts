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
    // ONNX Runtime runs cache their exports: tests keep theirs out of the user's cache folder.
    env: { INSPECTOR_CACHE_DIR: join(tmpdir(), 'resnext-inspector-test-cache') },
  },
});
