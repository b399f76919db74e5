/**
 * The browser-mode server: the built renderer over HTTP, the API over WebSocket (`/ws`) and over
 * `POST /api/<call>`, all behind the token, the Origin check and the Host check of auth.ts.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { dispatchCall, type ApiHandlers } from '../../shared/apiSchemas';
import { contentSecurityPolicy } from '../../shared/csp';
import type { ErrorCode } from '../../shared/errors';
import { HTTP_API_PREFIX, TOKEN_PARAM, WS_PATH, type EngineService } from '../../shared/wire';
import { checkRequest, tokenCookie, type AuthPolicy } from './auth';
import { serveConnection } from './connection';
import { serverHandlers } from './handlers';
import { RunRouter, type EventSink } from './runRouter';
import { lookupStatic, sendFile } from './static';

/** The largest message or request body the API accepts (48 MiB). */
export const MAX_BODY_BYTES = 48 * 1024 * 1024;

/** How to start a server. */
export interface ServerOptions {
  engine: EngineService;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  allowRemote: boolean;
  /** Replaces the default handlers (tests). */
  handlers?: ApiHandlers;
}

/** A running server. */
export interface InspectorServer {
  /** The URL to open, with the token. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': contentSecurityPolicy(),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  INVALID_CONFIG: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  // The request was understood but cannot be carried out as asked: a client error, not ours.
  CANCELLED: 409,
  BACKEND_UNAVAILABLE: 422,
  MEMORY_BUDGET: 422,
  // The engine died and restarts on the next call: try again.
  ENGINE_CRASHED: 503,
};

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}

const NOT_BUILT =
  'The renderer is not built (dist/renderer/index.html is missing): run `npm run serve`, which builds it, or `npx vite build`.';

async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  call: string,
  context: { handlers: ApiHandlers; router: RunRouter },
): Promise<void> {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    sendText(response, 405, `Use POST ${HTTP_API_PREFIX}<call> with a JSON array of arguments.`);
    return;
  }
  const body = await readBody(request);
  let args: unknown;
  try {
    args = body === null ? undefined : JSON.parse(body === '' ? '[]' : body);
  } catch {
    args = undefined;
  }
  const result =
    args === undefined
      ? {
          ok: false as const,
          error: {
            code: 'INVALID_REQUEST' as const,
            message: `${call}: the body must be a JSON array of arguments under ${MAX_BODY_BYTES / 2 ** 20} MiB.`,
          },
        }
      : await dispatchCall(context.handlers, call, args);
  if (call === 'profile' && result.ok) {
    const discard: EventSink = { sendEvents: () => undefined };
    context.router.claim((result.value as { runId: string }).runId, discard);
  }
  const status = result.ok ? 200 : (STATUS[result.error.code] ?? 500);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(result));
}

async function serveRequest(
  request: IncomingMessage,
  response: ServerResponse,
  context: { options: ServerOptions; policy: AuthPolicy; handlers: ApiHandlers; router: RunRouter },
): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    response.setHeader(name, value);
  }
  const verdict = checkRequest(request, context.policy);
  if (!verdict.ok) {
    sendText(response, verdict.status, verdict.message);
    return;
  }
  if (verdict.tokenFromQuery) {
    response.setHeader('Set-Cookie', tokenCookie(context.policy));
  }
  // The raw path, not URL's normalised one: `/../x` must be refused, not quietly folded to `/x`.
  const pathname = (request.url ?? '/').split('?')[0];
  if (pathname.startsWith(HTTP_API_PREFIX)) {
    await serveApi(request, response, pathname.slice(HTTP_API_PREFIX.length), context);
    return;
  }
  if (pathname === WS_PATH) {
    sendText(response, 426, `${WS_PATH} speaks WebSocket only.`);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendText(response, 405, 'Static files are read with GET.');
    return;
  }
  if (!existsSync(path.join(context.options.rendererDir, 'index.html'))) {
    sendText(response, 503, NOT_BUILT);
    return;
  }
  const found = await lookupStatic(context.options.rendererDir, pathname);
  if (!found.ok) {
    sendText(response, found.status, found.status === 403 ? 'Forbidden path.' : 'Not found.');
    return;
  }
  sendFile(response, found.file, found.size, request.method === 'HEAD');
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`,
  );
}

/** Starts a server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<InspectorServer> {
  const handlers = options.handlers ?? serverHandlers(options.engine);
  const router = new RunRouter(options.engine);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  const http = createServer();
  const policy: AuthPolicy = {
    token: options.token,
    allowRemote: options.allowRemote,
    cookieName: 'inspector-token',
  };
  const context = { options, policy, handlers, router };

  http.on('request', (request, response) => {
    serveRequest(request, response, context).catch(() => {
      if (!response.headersSent) {
        sendText(response, 500, 'Internal server error.');
      } else {
        response.destroy();
      }
    });
  });
  http.on('upgrade', (request, socket, head) => {
    const verdict = checkRequest(request, policy);
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (!verdict.ok) {
      refuseUpgrade(socket, verdict.status, verdict.message);
    } else if (pathname !== WS_PATH) {
      refuseUpgrade(socket, 404, `WebSocket connections go to ${WS_PATH}.`);
    } else {
      wss.handleUpgrade(request, socket, head, (ws) => serveConnection(ws, handlers, router));
    }
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  policy.cookieName = `inspector-token-${port}`;
  return {
    url: `http://${shownHost}:${port}/?${TOKEN_PARAM}=${options.token}`,
    port,
    close: async () => {
      router.dispose();
      for (const client of wss.clients) {
        client.terminate();
      }
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
