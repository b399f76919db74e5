/**
 * Static files of the built renderer. A path resolves only inside the renderer folder: `..`
 * segments, encoded separators, NUL bytes and symbolic links that leave the folder are refused.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { safeRelativePath } from '../../shared/staticPath';

/** Content types of the files a Vite build produces. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type of a file name, by extension. */
export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL path (still percent-encoded, without the query) to a file under `root`, or null
 * when it is not a plain path inside it. `/` is `index.html`.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  const relative = safeRelativePath(urlPath);
  if (relative === null) {
    return null;
  }
  const base = path.resolve(root);
  const full = path.resolve(base, relative);
  return full.startsWith(base + path.sep) ? full : null;
}

/** The outcome of looking a file up: the real path inside root, or why not. */
export type StaticLookup =
  { ok: true; file: string; size: number } | { ok: false; status: 403 | 404 };

/** Resolves a URL path to an existing regular file whose real path is inside root. */
export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
  const candidate = resolveStaticPath(root, urlPath);
  if (candidate === null) {
    return { ok: false, status: 403 };
  }
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    if (!realFile.startsWith(realRoot + path.sep)) {
      return { ok: false, status: 403 };
    }
    const info = await stat(realFile);
    return info.isFile()
      ? { ok: true, file: realFile, size: info.size }
      : { ok: false, status: 404 };
  } catch {
    return { ok: false, status: 404 };
  }
}

/** Streams a looked-up file with its content type; HTML is never cached (it names the assets). */
export function sendFile(
  response: ServerResponse,
  file: string,
  size: number,
  headOnly: boolean,
): void {
  const type = contentType(file);
  response.writeHead(200, {
    'Content-Type': type,
    'Content-Length': size,
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  });
  if (headOnly) {
    response.end();
    return;
  }
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}
