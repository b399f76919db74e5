/**
 * tfjs's threaded WebAssembly module, loaded so that its threads can start from a bundle. tfjs
 * starts each thread with the text of the module's factory function (`factory.toString()`); once a
 * bundler has wrapped the module (CommonJS emulation, renamed variables), that text refers to names
 * that exist only in the bundle, and every thread dies on start. Here the module's original source
 * is loaded as a module of its own from a Blob, so its factory's text is tfjs's own. Vite's config
 * points tfjs's import of the module here (see vite.config.ts).
 */
import source from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

const url = URL.createObjectURL(
  new Blob([`${source}\nexport default WasmBackendModuleThreadedSimd;\n`], {
    type: 'text/javascript',
  }),
);
const loaded = (await import(/* @vite-ignore */ url)) as { default: unknown };
URL.revokeObjectURL(url);

export default loaded.default;
