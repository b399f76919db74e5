/**
 * The renderer's half of both transports, DOM-free so Node tests drive the very code the app
 * runs: the WebSocket client of browser mode (`connectWireClient`, over any WebSocket-like
 * socket), the unwrapping of the Electron preload's envelopes (`fromPreload`), and the
 * validation and decoding behind a browser download (`prepareDownload`).
 */
import type { ApiCall, InspectorApi, SaveFileKind, UploadedFile } from './api';
import { parseCall } from './apiSchemas';
import { InspectorError, toErrorInfo, type Result } from './errors';
import type { ProfileEvent } from './profile';
import {
  isResult,
  unwrapResult,
  type PreloadApi,
  type WireCall,
  type WireServerMessage,
} from './wire';
import { base64ToBytes } from './base64';

/** The part of a WebSocket the client uses (the browser's WebSocket and `ws` both fit). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/** What the client needs from its environment. */
export interface WireClientOptions {
  /** Opens a new socket to the server's `/ws` endpoint, token included. */
  connect(): SocketLike;
  /** Where `saveFile` goes: a download in the browser. */
  saveFile: InspectorApi['saveFile'];
}

/** A connected client: the API and a way to close it. */
export interface WireClient {
  api: InspectorApi;
  close(): void;
}

const OPEN = 1;
const LOST =
  'Lost the connection to the inspector server: check that `npm run serve` is still running, then reload the page.';
const UNREACHABLE =
  'Could not reach the inspector server: check that `npm run serve` is running and that the URL has its token.';

type Pending = { resolve(value: unknown): void; reject(error: unknown): void };

/** Connects once and resolves with the client, or rejects with an InspectorError. */
export async function connectWireClient(options: WireClientOptions): Promise<WireClient> {
  const pending = new Map<number, Pending>();
  const listeners = new Set<(events: ProfileEvent[]) => void>();
  /** Runs this client started whose last event has not come yet. */
  const openRuns = new Set<string>();
  let nextId = 1;
  let current: Promise<SocketLike> | undefined;

  const deliver = (events: ProfileEvent[]): void => {
    for (const listener of listeners) {
      listener(events);
    }
  };

  const onMessage = (data: unknown): void => {
    let message: WireServerMessage;
    try {
      message = JSON.parse(String(data)) as WireServerMessage;
    } catch {
      return;
    }
    if (message.type === 'result' && isResult(message.result)) {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      try {
        waiting?.resolve(unwrapResult(message.result));
      } catch (error) {
        waiting?.reject(error);
      }
    } else if (message.type === 'events' && Array.isArray(message.events)) {
      for (const event of message.events) {
        if (event.type === 'run-finished' || event.type === 'error') {
          openRuns.delete(event.runId);
        }
      }
      deliver(message.events);
    } else if (message.type === 'error') {
      console.warn(`Inspector server: ${message.error?.message}`);
    }
  };

  const open = (): Promise<SocketLike> =>
    new Promise((resolve, reject) => {
      const socket = options.connect();
      let opened = false;
      socket.addEventListener('open', () => {
        opened = true;
        resolve(socket);
      });
      socket.addEventListener('message', (event) => onMessage(event.data));
      socket.addEventListener('error', () => undefined);
      socket.addEventListener('close', () => {
        current = undefined;
        if (!opened) {
          reject(new InspectorError('UNAUTHORIZED', UNREACHABLE));
        }
        for (const waiting of pending.values()) {
          waiting.reject(new InspectorError('INTERNAL', LOST));
        }
        pending.clear();
        // The server cancels the runs of a closed connection: their last event will never come.
        const ended: ProfileEvent[] = [...openRuns].map((runId) => ({
          type: 'error',
          runId,
          error: { code: 'INTERNAL', message: LOST },
        }));
        openRuns.clear();
        if (ended.length > 0) {
          deliver(ended);
        }
      });
    });

  const socket = (): Promise<SocketLike> => {
    current ??= open().catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    return current;
  };

  const call = async (name: ApiCall, args: unknown[]): Promise<unknown> => {
    const live = await socket();
    if (live.readyState !== OPEN) {
      throw new InspectorError('INTERNAL', LOST);
    }
    const id = nextId++;
    const message: WireCall = { type: 'call', id, call: name, args };
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      live.send(JSON.stringify(message));
    });
  };

  await socket();
  const api: InspectorApi = {
    backends: () => call('backends', []) as ReturnType<InspectorApi['backends']>,
    describe: (config) => call('describe', [config]) as ReturnType<InspectorApi['describe']>,
    profile: async (request) => {
      const started = (await call('profile', [request])) as Awaited<
        ReturnType<InspectorApi['profile']>
      >;
      openRuns.add(started.runId);
      return started;
    },
    cancel: (runId) => call('cancel', [runId]) as ReturnType<InspectorApi['cancel']>,
    activations: (runId, layerId, activationOptions) =>
      call('activations', [runId, layerId, activationOptions]) as ReturnType<
        InspectorApi['activations']
      >,
    blockForms: (config, stage, block) =>
      call('blockForms', [config, stage, block]) as ReturnType<InspectorApi['blockForms']>,
    predict: (source, input, predictOptions) =>
      call('predict', [source, input, predictOptions]) as ReturnType<InspectorApi['predict']>,
    openModel: (source) => call('openModel', [source]) as ReturnType<InspectorApi['openModel']>,
    chooseModelFile: () =>
      call('chooseModelFile', []) as ReturnType<InspectorApi['chooseModelFile']>,
    saveFile: (kind, data, suggestedName) => options.saveFile(kind, data, suggestedName),
    appInfo: () => call('appInfo', []) as ReturnType<InspectorApi['appInfo']>,
    onProfileEvents: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    api,
    close: () => {
      void current?.then((live) => live.close());
    },
  };
}

/**
 * Wraps the preload's envelope API into the InspectorApi: a thrown error would lose its code
 * crossing the context bridge; an envelope keeps it.
 */
export function fromPreload(preload: PreloadApi): InspectorApi {
  const call = async <T>(name: ApiCall, invoke: () => Promise<Result<T>>): Promise<T> => {
    let result: Result<T>;
    try {
      result = await invoke();
    } catch (error) {
      const { message } = toErrorInfo(error);
      throw new InspectorError('INTERNAL', `${name}: ${message}`);
    }
    return unwrapResult(result);
  };
  return {
    backends: () => call('backends', () => preload.backends()),
    describe: (config) => call('describe', () => preload.describe(config)),
    profile: (request) => call('profile', () => preload.profile(request)),
    cancel: (runId) => call('cancel', () => preload.cancel(runId)),
    activations: (runId, layerId, options) =>
      call('activations', () => preload.activations(runId, layerId, options)),
    blockForms: (config, stage, block) =>
      call('blockForms', () => preload.blockForms(config, stage, block)),
    predict: (source, input, options) =>
      call('predict', () => preload.predict(source, input, options)),
    openModel: (source) => call('openModel', () => preload.openModel(source)),
    chooseModelFile: () => call('chooseModelFile', () => preload.chooseModelFile()),
    saveFile: (kind, data, suggestedName) =>
      call('saveFile', () => preload.saveFile(kind, data, suggestedName)),
    appInfo: () => call('appInfo', () => preload.appInfo()),
    onProfileEvents: (listener) => preload.onProfileEvents(listener),
    onMenu: (listener) => preload.onMenu(listener),
    pathForFile: (file) => preload.pathForFile(file),
  };
}

/** A file ready to become a Blob. */
export interface PreparedDownload {
  content: string | Uint8Array<ArrayBuffer>;
  type: string;
  name: string;
}

const MIME: Record<SaveFileKind, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  md: 'text/markdown',
  trace: 'application/json',
};

/** Validates a saveFile call (throws INVALID_REQUEST) and prepares its content. */
export function prepareDownload(
  kind: unknown,
  data: unknown,
  suggestedName: unknown,
): PreparedDownload {
  const { args } = parseCall('saveFile', [kind, data, suggestedName]) as {
    args: [SaveFileKind, string, string];
  };
  const [checkedKind, checkedData, name] = args;
  return {
    content: checkedKind === 'png' ? base64ToBytes(checkedData) : checkedData,
    type: MIME[checkedKind],
    name,
  };
}

/**
 * The value of an upload's reply (`POST /api/upload`), or an InspectorError with the server's
 * message, or one naming the file and the status when the reply is not an envelope.
 */
export function readUploadReply(status: number, text: string, name: string): UploadedFile {
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    reply = undefined;
  }
  if (!isResult(reply)) {
    throw new InspectorError(
      'INTERNAL',
      `The upload of ${name} failed (HTTP ${status}); check that \`npm run serve\` is running and try again.`,
    );
  }
  const value = unwrapResult(reply) as Partial<UploadedFile>;
  if (typeof value.id !== 'string' || typeof value.bytes !== 'number') {
    throw new InspectorError('INTERNAL', `The server's reply to the upload of ${name} has no id.`);
  }
  return { id: value.id, name: value.name ?? name, bytes: value.bytes };
}

/** The error of an upload whose connection dropped before any reply. */
export function uploadLost(name: string): InspectorError {
  return new InspectorError(
    'INTERNAL',
    `The upload of ${name} was cut off: the server refused it or stopped; check that \`npm run serve\` is running and try again.`,
  );
}
