/**
 * Who may talk to the browser-mode server. The API and the WebSocket need the token (query,
 * `Authorization` header or the WebSocket subprotocol); the renderer's static files hold no secret
 * and need none, so the page never needs a cookie, which would reach every server on the same
 * host whatever its port. Every request must come from the page's own origin, to a loopback host
 * name unless remote access was asked for (a DNS-rebinding check on Host). Every part of the
 * request that is read here is parsed so that a malformed one is refused (400), never thrown.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_PARAM, TOKEN_PROTOCOL_PREFIX } from '../../shared/wire';
import { isLoopback } from './args';

/** The policy one server enforces. */
export interface AuthPolicy {
  token: string;
  /** Accept any Host header (the server was bound to a non-loopback address on purpose). */
  allowRemote: boolean;
}

/** A request target in origin form (`/path?query`), split without normalising the path. */
export interface RequestTarget {
  /** The path as sent, still percent-encoded: `/../x` must be refused, not folded to `/x`. */
  pathname: string;
  query: URLSearchParams;
}

/** What a request needs to pass. */
export type AuthNeed = 'token' | 'none';

/** The outcome of checking one request. */
export type AuthVerdict =
  { ok: true; target: RequestTarget } | { ok: false; status: 400 | 401 | 403; message: string };

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;
/** A Host header: a name or an IPv4 address, or an IPv6 address in brackets, and a port. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;

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

function headerToken(header: string | undefined): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** The token a WebSocket offered as its `token.<token>` subprotocol, if any. */
function protocolToken(header: string | undefined): string | undefined {
  for (const protocol of (header ?? '').split(',')) {
    const name = protocol.trim();
    if (name.startsWith(TOKEN_PROTOCOL_PREFIX)) {
      return name.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return undefined;
}

/**
 * Splits a request target; null unless it is in origin form (`/…`). An absolute URL, `*`, or a
 * target with spaces or a fragment is not one the app ever sends.
 */
export function parseTarget(url: string | undefined): RequestTarget | null {
  if (url === undefined || !/^\/[^\s#]*$/.test(url)) {
    return null;
  }
  const mark = url.indexOf('?');
  return mark < 0
    ? { pathname: url, query: new URLSearchParams() }
    : { pathname: url.slice(0, mark), query: new URLSearchParams(url.slice(mark + 1)) };
}

/** The host name of a Host header (brackets removed, lower case), or null when malformed. */
export function hostNameOf(host: string): string | null {
  const match = host.length <= 300 ? HOST_HEADER.exec(host) : null;
  if (!match || (match[2] !== undefined && Number(match[2]) > 65535)) {
    return null;
  }
  return match[1].toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

const shownValue = (value: string): string => JSON.stringify(value.slice(0, 80));

const WRONG_TOKEN =
  'Missing or wrong token: open the URL with ?token=… exactly as `npm run serve` printed it.';

/**
 * Checks the request target, Host, Origin and (when `need` is `token`) the token, in that order;
 * the first failure decides the status. Never throws.
 */
export function checkRequest(
  request: IncomingMessage,
  policy: AuthPolicy,
  need: AuthNeed = 'token',
): AuthVerdict {
  const target = parseTarget(request.url);
  if (target === null) {
    return {
      ok: false,
      status: 400,
      message: `The request target ${shownValue(request.url ?? '')} is not a path; ask for /… on this server.`,
    };
  }
  const host = request.headers.host ?? '';
  const name = hostNameOf(host);
  if (name === null) {
    return {
      ok: false,
      status: 400,
      message: `The Host header ${shownValue(host)} is not a host name with an optional port.`,
    };
  }
  // The same rule as `serve --host`: every address it binds without --allow-remote is reachable.
  if (!policy.allowRemote && !isLoopback(name)) {
    return {
      ok: false,
      status: 403,
      message: `Host ${shownValue(host)} is not a loopback name; start the server with --allow-remote to serve other hosts.`,
    };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
    return {
      ok: false,
      status: 403,
      message: `Requests from origin ${shownValue(origin)} are refused; open the app from the URL the server printed.`,
    };
  }
  if (need === 'none') {
    // A wrong token in a page's URL is still a mistake worth saying at once (an old URL).
    const fromQuery = target.query.get(TOKEN_PARAM);
    return fromQuery === null || sameToken(fromQuery, policy.token)
      ? { ok: true, target }
      : { ok: false, status: 401, message: WRONG_TOKEN };
  }
  const fromQuery = target.query.get(TOKEN_PARAM) ?? undefined;
  const given =
    fromQuery ??
    headerToken(request.headers.authorization) ??
    protocolToken(request.headers['sec-websocket-protocol']);
  return sameToken(given, policy.token)
    ? { ok: true, target }
    : { ok: false, status: 401, message: WRONG_TOKEN };
}
