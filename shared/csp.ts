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
  'script-src': "'self'",
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

/** The policy as a header value. */
export function contentSecurityPolicy(): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');
}
