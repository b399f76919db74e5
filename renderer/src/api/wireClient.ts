/**
 * The InspectorApi over the browser-mode WebSocket, free of DOM types so Node tests can drive it
 * with the `ws` package: calls become `{type:'call', id, call, args}` messages, results come back
 * as envelopes under the same id, profile events arrive as batches. A dropped connection fails
 * the calls in flight; the next call reconnects.
 */
import type { ApiCall, InspectorApi } from '../../../shared/api';
import { InspectorError } from '../../../shared/errors';
import type { ProfileEvent } from '../../../shared/profile';
import {
  isResult,
  unwrapResult,
  type WireCall,
  type WireServerMessage,
} from '../../../shared/wire';

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
  let nextId = 1;
  let current: Promise<SocketLike> | undefined;

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
      for (const listener of listeners) {
        listener(message.events);
      }
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
    profile: (request) => call('profile', [request]) as ReturnType<InspectorApi['profile']>,
    cancel: (runId) => call('cancel', [runId]) as ReturnType<InspectorApi['cancel']>,
    activations: (runId, layerId, activationOptions) =>
      call('activations', [runId, layerId, activationOptions]) as ReturnType<
        InspectorApi['activations']
      >,
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
