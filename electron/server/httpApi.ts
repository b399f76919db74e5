/**
 * The HTTP API of browser mode: `POST /api/<call>` with a JSON array of arguments, answered with
 * a Result envelope; `POST /api/profile` then keeps the response open and streams the run's event
 * batches (NDJSON) until its last event, and a client that disconnects first cancels the run;
 * `POST /api/upload?name=<file name>` streams a file into the server's UploadStore.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { dispatchCall, FileNameSchema, type ApiHandlers } from '../../shared/apiSchemas';
import type { ErrorCode, Result } from '../../shared/errors';
import type { ProfileEvent } from '../../shared/profile';
import { HTTP_API_PREFIX } from '../../shared/wire';
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES, parseBoundedJson } from './jsonLimits';
import type { EventSink, RunRouter } from './runRouter';
import { UploadError, type UploadStore } from './uploads';

/** The call name of the upload endpoint, `POST /api/upload?name=…`. */
export const UPLOAD_CALL = 'upload';

/** What the API needs from its server. */
export interface ApiContext {
  handlers: ApiHandlers;
  router: RunRouter;
  uploads: UploadStore;
}

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

/** The HTTP status of an envelope. */
export function statusOf(result: Result<unknown>): number {
  return result.ok ? 200 : (STATUS[result.error.code] ?? 500);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(value));
}

const refusal = (message: string): Result<never> => ({
  ok: false,
  error: { code: 'INVALID_REQUEST', message },
});

/** Reads a body of at most MAX_MESSAGE_BYTES; null when it is longer (reading stops there). */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_MESSAGE_BYTES) {
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_MESSAGE_BYTES) {
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Answers a refused body and closes the connection: the rest of an oversized body is never
 * read, so the connection cannot carry another request.
 */
function refuseAndClose(response: ServerResponse, status: number, result: Result<never>): void {
  response.setHeader('Connection', 'close');
  sendJson(response, status, result);
}

/** Streams a started run's events until its last one; a client gone first cancels it. */
function streamRun(response: ServerResponse, runId: string, context: ApiContext): void {
  const sink: EventSink = {
    sendEvents: (events: ProfileEvent[]) => {
      if (response.writableEnded) {
        return;
      }
      response.write(`${JSON.stringify({ type: 'events', events })}\n`);
      if (events.some((event) => event.type === 'run-finished' || event.type === 'error')) {
        response.end();
      }
    },
  };
  response.on('close', () => {
    if (!response.writableFinished) {
      context.router.release(sink); // the client left before the run ended: nobody wants it
    }
  });
  context.router.claim(runId, sink);
}

async function serveUpload(
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
  uploads: UploadStore,
): Promise<void> {
  const name = v.safeParse(FileNameSchema, query.get('name') ?? '');
  if (!name.success) {
    refuseAndClose(
      response,
      400,
      refusal(
        `upload: the name query parameter ${name.issues[0].message}; send POST ${HTTP_API_PREFIX}${UPLOAD_CALL}?name=<file name>.`,
      ),
    );
    return;
  }
  const length = request.headers['content-length'];
  try {
    const info = await uploads.receive(
      request,
      name.output,
      length === undefined ? undefined : Number(length),
    );
    sendJson(response, 200, { ok: true, value: info });
  } catch (error) {
    if (!(error instanceof UploadError)) {
      throw error;
    }
    const code: ErrorCode = error.status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST';
    refuseAndClose(response, error.status, { ok: false, error: { code, message: error.message } });
  }
}

/** Serves `POST /api/<call>`; `query` is the request's query string. */
export async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  call: string,
  query: URLSearchParams,
  context: ApiContext,
): Promise<void> {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    response.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`Use POST ${HTTP_API_PREFIX}<call> with a JSON array of arguments.\n`);
    return;
  }
  if (call === UPLOAD_CALL) {
    await serveUpload(request, response, query, context.uploads);
    return;
  }
  const body = await readBody(request);
  if (body === null) {
    const limit = `${MAX_MESSAGE_BYTES / 2 ** 20} MiB`;
    refuseAndClose(
      response,
      413,
      refusal(
        `${call}: the body is larger than ${limit}; send files with POST ${HTTP_API_PREFIX}${UPLOAD_CALL}.`,
      ),
    );
    return;
  }
  const parsed = parseBoundedJson(body === '' ? '[]' : body);
  const result = parsed.ok
    ? await dispatchCall(context.handlers, call, parsed.value)
    : refusal(
        parsed.reason === 'depth'
          ? `${call}: the body may nest arrays and objects at most ${MAX_JSON_DEPTH} deep.`
          : `${call}: the body must be a JSON array of arguments.`,
      );
  if (call === 'profile' && result.ok) {
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8' });
    response.write(`${JSON.stringify(result)}\n`);
    streamRun(response, (result.value as { runId: string }).runId, context);
    return;
  }
  sendJson(response, statusOf(result), result);
}
