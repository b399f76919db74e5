/**
 * tfjs's threaded WebAssembly module, loaded so that its threads can start from a bundle. tfjs
 * starts each thread with the text of the module's factory function (`factory.toString()`); once a
 * bundler has wrapped the module (CommonJS emulation, renamed variables), that text refers to names
 * that exist only in the bundle, and every thread dies on start. Here the module's original source
 * is loaded as a module of its own from a Blob, so its factory's text is tfjs's own. Vite's config
 * points tfjs's import of the module here (see vite.config.ts).
 */
import source from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

/**
 * The module caps its thread pool at half of `navigator.hardwareConcurrency` (it assumes two
 * hyper-threads a core), so a 2-core machine gets 1 thread whatever setThreadsCount asks. The
 * window's engine has a worker of its own and asks for as many threads as it wants (see
 * backends.ts), so the module is told twice the count: the cap becomes the reported cores (the
 * module's own limit of 8 still holds).
 */
const CORES_READ = 'return navigator["hardwareConcurrency"]';
if (!source.includes(CORES_READ)) {
  throw new Error(
    "tfjs's threaded wasm module no longer reads navigator.hardwareConcurrency as expected",
  );
}
const patched = source.replace(CORES_READ, 'return 2 * navigator["hardwareConcurrency"]');

const url = URL.createObjectURL(
  new Blob([`${patched}\nexport default WasmBackendModuleThreadedSimd;\n`], {
    type: 'text/javascript',
  }),
);
const loaded = (await import(/* @vite-ignore */ url)) as { default: unknown };
URL.revokeObjectURL(url);

export default loaded.default;
