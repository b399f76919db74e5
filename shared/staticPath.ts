/**
 * The one rule for mapping a URL path to a file of the built renderer, shared by the browser-mode
 * server and Electron's app:// protocol: a plain relative path, or nothing.
 */

/**
 * Turns a URL path (still percent-encoded, without query) into a relative POSIX path inside the
 * renderer folder, or null when it is not a plain path: `..` or `.` segments, backslashes, NUL,
 * empty segments and bad percent-encoding are refused. `/` is `index.html`.
 */
export function safeRelativePath(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded)) {
    return null;
  }
  if (decoded === '/') {
    return 'index.html';
  }
  const segments = decoded.slice(1).split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return null;
  }
  return segments.join('/');
}
