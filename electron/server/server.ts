/**
 * The browser-mode server: the built renderer over HTTP, the API over WebSocket (`/ws`) and over
 * `POST /api/<call>` (httpApi.ts), uploads into a private folder (uploads.ts), all behind the
 * Origin and Host checks of auth.ts, and the API and WebSocket behind the token too. A request
 * that cannot even be parsed is answered 400; nothing a client sends can throw out of a handler.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ApiHandlers } from '../../shared/apiSchemas';
import { contentSecurityPolicy, ISOLATION_HEADERS } from '../../shared/csp';
import {
  HTTP_API_PREFIX,
  TOKEN_PARAM,
  WS_PATH,
  WS_PROTOCOL,
  type EngineService,
} from '../../shared/wire';
import { checkRequest, parseTarget, type AuthPolicy } from './auth';
import { serveConnection } from './connection';
import { serverHandlers } from './handlers';
import { serveApi, type ApiContext } from './httpApi';
import { MAX_MESSAGE_BYTES } from './jsonLimits';
import { RunRouter } from './runRouter';
import { lookupStatic, sendFile } from './static';
import { DEFAULT_MAX_UPLOAD_MB } from './args';
import { UploadStore } from './uploads';

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
  /** The most bytes one upload may have (default DEFAULT_MAX_UPLOAD_MB MiB). */
  maxUploadBytes?: number;
  /** The most bytes all uploads together may have (default twice maxUploadBytes). */
  uploadQuotaBytes?: number;
  /** Replaces the default handlers (tests). */
  handlers?: (uploads: UploadStore) => ApiHandlers;
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
  ...ISOLATION_HEADERS,
};

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}

const NOT_BUILT =
  'The renderer is not built (dist/renderer/index.html is missing): run `npm run serve`, which builds it, or `npx vite build`.';

async function serveRequest(
  request: IncomingMessage,
  response: ServerResponse,
  context: ApiContext & { options: ServerOptions; policy: AuthPolicy },
): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    response.setHeader(name, value);
  }
  const verdict = checkRequest(request, context.policy, needOf(request));
  if (!verdict.ok) {
    sendText(response, verdict.status, verdict.message);
    return;
  }
  // The raw path, not URL's normalised one: `/../x` must be refused, not quietly folded to `/x`.
  const { pathname, query } = verdict.target;
  if (pathname.startsWith(HTTP_API_PREFIX)) {
    const call = pathname.slice(HTTP_API_PREFIX.length);
    await serveApi(request, response, call, query, context);
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

/**
 * The API and the WebSocket need the token; the renderer's static files hold no secret, so a page
 * (re)loads without one and keeps its token in the page, never in a cookie.
 */
function needOf(request: IncomingMessage): 'token' | 'none' {
  const target = parseTarget(request.url);
  return target && !target.pathname.startsWith(HTTP_API_PREFIX) && target.pathname !== WS_PATH
    ? 'none'
    : 'token';
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = REASONS[status] ?? 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`,
  );
}

/** Starts a server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<InspectorServer> {
  const maxFileBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_MB * 2 ** 20;
  const uploads = await UploadStore.create({
    maxFileBytes,
    maxTotalBytes: options.uploadQuotaBytes,
  });
  const handlers = (options.handlers ?? ((store) => serverHandlers(options.engine, store)))(
    uploads,
  );
  const router = new RunRouter(options.engine);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // The page offers the app's protocol and a second one carrying the token: answer the first.
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  const http = createServer();
  const policy: AuthPolicy = { token: options.token, allowRemote: options.allowRemote };
  const context = { options, policy, handlers, router, uploads };

  http.on('request', (request, response) => {
    serveRequest(request, response, context).catch(() => {
      if (!response.headersSent) {
        sendText(response, 500, 'Internal server error.');
      } else {
        response.destroy();
      }
    });
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const verdict = checkRequest(request, policy);
      if (!verdict.ok) {
        refuseUpgrade(socket, verdict.status, verdict.message);
      } else if (verdict.target.pathname !== WS_PATH) {
        refuseUpgrade(socket, 404, `WebSocket connections go to ${WS_PATH}.`);
      } else {
        wss.handleUpgrade(request, socket, head, (ws) => serveConnection(ws, handlers, router));
      }
    } catch {
      // Nothing a client sends may stop the server: whatever could not be read is refused.
      refuseUpgrade(socket, 400, 'The upgrade request could not be read.');
    }
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
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
      await uploads.close();
    },
  };
}
