/**
 * Who may talk to the browser-mode server: requests that carry the token (query, header or the
 * cookie set on the first visit), from the page's own origin, to a loopback host name unless
 * remote access was asked for. Jupyter's scheme, with a DNS-rebinding check on Host.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_PARAM } from '../../shared/wire';
import { isLoopback } from './args';

/** The policy one server enforces. */
export interface AuthPolicy {
  token: string;
  /** Accept any Host header (the server was bound to a non-loopback address on purpose). */
  allowRemote: boolean;
  /** The cookie that carries the token after the first visit. */
  cookieName: string;
}

/** The outcome of checking one request. */
export type AuthVerdict =
  { ok: true; tokenFromQuery: boolean } | { ok: false; status: 401 | 403; message: string };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

/** A fresh random token (32 bytes, hex), or the one in INSPECTOR_TOKEN when tests fix it. */
export function resolveToken(env: NodeJS.ProcessEnv = process.env): string {
  const fixed = env.INSPECTOR_TOKEN;
  if (fixed === undefined || fixed === '') {
    return randomBytes(32).toString('hex');
  }
  if (!TOKEN_PATTERN.test(fixed)) {
    throw new Error('INSPECTOR_TOKEN must be 16–256 letters, digits, "-" or "_".');
  }
  return fixed;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) {
    return false;
  }
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      return rest.join('=');
    }
  }
  return undefined;
}

function headerToken(header: string | undefined): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** The host name of a Host header without its port, e.g. `[::1]` or `localhost`. */
function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
}

/** Checks Host, Origin and token, in that order; the first failure decides the status. */
export function checkRequest(request: IncomingMessage, policy: AuthPolicy): AuthVerdict {
  const host = request.headers.host ?? '';
  // The same rule as `serve --host`: every address it binds without --allow-remote is reachable.
  const name = hostName(host)
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (!policy.allowRemote && !isLoopback(name)) {
    return {
      ok: false,
      status: 403,
      message: `Host "${host.slice(0, 80)}" is not a loopback name; start the server with --allow-remote to serve other hosts.`,
    };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    return {
      ok: false,
      status: 403,
      message: `Requests from origin "${origin.slice(0, 80)}" are refused; open the app from the URL the server printed.`,
    };
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const fromQuery = url.searchParams.get(TOKEN_PARAM) ?? undefined;
  if (sameToken(fromQuery, policy.token)) {
    return { ok: true, tokenFromQuery: true };
  }
  const other =
    headerToken(request.headers.authorization) ??
    cookieValue(request.headers.cookie, policy.cookieName);
  if (fromQuery === undefined && sameToken(other, policy.token)) {
    return { ok: true, tokenFromQuery: false };
  }
  return {
    ok: false,
    status: 401,
    message:
      'Missing or wrong token: open the URL with ?token=… exactly as `npm run serve` printed it.',
  };
}

/** The Set-Cookie header that lets later requests of this browser skip the token. */
export function tokenCookie(policy: AuthPolicy): string {
  return `${policy.cookieName}=${policy.token}; HttpOnly; SameSite=Strict; Path=/`;
}
