/**
 * The app:// protocol that serves the built renderer in Electron. Only host `inspector`, only
 * plain paths, only files whose real path is inside the renderer folder; every response carries
 * the CSP. Pure enough (Request in, Response out) to test in Node.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { contentSecurityPolicy, ISOLATION_HEADERS } from '../../shared/csp';
import { safeRelativePath } from '../../shared/staticPath';

/** The scheme and host of the renderer. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'inspector';

/** The privileges app:// is registered with (before `ready`). */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

const refuse = (status: 403 | 404): Response =>
  new Response(status === 403 ? 'Forbidden path.' : 'Not found.', {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });

/** Answers one app:// request from the files under `rendererDir`. */
export async function appResponse(requestUrl: string, rendererDir: string): Promise<Response> {
  // Read the raw path: URL parsing would fold `..` and `%2e%2e` away rather than refuse them.
  const match = /^app:\/\/inspector(\/[^?#]*)?(?:[?#].*)?$/i.exec(requestUrl);
  if (!match) {
    return refuse(403);
  }
  const relative = safeRelativePath(match[1] ?? '/');
  if (relative === null) {
    return refuse(403);
  }
  try {
    const root = await realpath(rendererDir);
    const file = await realpath(path.join(root, relative));
    if (!file.startsWith(root + path.sep)) {
      return refuse(403);
    }
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Security-Policy': contentSecurityPolicy(),
        'X-Content-Type-Options': 'nosniff',
        ...ISOLATION_HEADERS,
      },
    });
  } catch {
    return refuse(404);
  }
}
