// Builds the renderer (renderer/ → dist/renderer). `base: './'` keeps every URL relative, so the
// same build loads under Electron's app:// scheme and under the browser-mode server.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./renderer', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  resolve: {
    alias: [
      {
        // tfjs's threaded wasm module, loaded so that its threads can start (see the module).
        find: /^\.\.\/wasm-out\/tfjs-backend-wasm-threaded-simd\.js$/,
        replacement: fileURLToPath(new URL('./engine/window/tfjsWasmThreaded.ts', import.meta.url)),
      },
    ],
  },
  // The window's engine is a module worker that loads its backends (ONNX Runtime Web) on demand.
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    // elkjs's worker is 1.6 MB on its own; it loads in a worker, off the first paint.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: fileURLToPath(new URL('./renderer/index.html', import.meta.url)),
    },
  },
  server: {
    host: '127.0.0.1',
    // The dev page reads fixtures from test/ and shared/ outside the renderer root.
    fs: { allow: [fileURLToPath(new URL('.', import.meta.url))] },
  },
});
