/**
 * The Content-Security-Policy of the renderer, the same in Electron (app:// responses) and in
 * browser mode (HTTP responses). No `unsafe-eval`, no inline scripts, nothing from other origins.
 */

/**
 * SHA-256 of the one `<style>` element cytoscape injects
 * (`.__________cytoscape_container { position: relative; }`), so it may apply without
 * allowing inline style elements in general.
 */
export const CYTOSCAPE_STYLE_HASH = 'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8=';

/** The policy's directives, in order. */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = Object.freeze({
  'default-src': "'none'",
  // WebAssembly (tfjs, ONNX Runtime Web, h5wasm in the window's engine) compiles under
  // 'wasm-unsafe-eval', which allows no eval of JavaScript. blob: lets tfjs's threaded wasm start
  // its threads (their script is a Blob the page's own code makes; no other origin can).
  'script-src': "'self' 'wasm-unsafe-eval' blob:",
  'style-src': `'self' '${CYTOSCAPE_STYLE_HASH}'`,
  // Svelte's `style:` directives and cytoscape set style attributes; elements stay hash-only.
  'style-src-attr': "'unsafe-inline'",
  'img-src': "'self' data: blob:",
  'font-src': "'self'",
  // 'self' covers same-origin ws:// in browser mode.
  'connect-src': "'self'",
  'worker-src': "'self' blob:",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
  'object-src': "'none'",
});

/**
 * Cross-origin isolation, on every response of the app (browser mode and Electron's app://): with
 * it `crossOriginIsolated` is true, SharedArrayBuffer exists, and WebAssembly gets its threads.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** The policy as a header value. */
export function contentSecurityPolicy(): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}
