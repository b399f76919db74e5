/**
 * What crosses the two transports besides the API types: the browser-mode WebSocket messages,
 * the shape the Electron preload exposes, the IPC channel names, and the engine service both
 * shells drive. Calls carry `Result` envelopes; `unwrapResult` turns one back into a value or a
 * thrown InspectorError on the renderer side.
 */
import type { ApiCall, InspectorApi, MenuCommand } from './api';
import { InspectorError, isErrorCode, type ApiErrorInfo, type Result } from './errors';
import type { ProfileEvent } from './profile';
import type { ModelFileSpec } from './engineProtocol';
import type { ModelGraph } from './modelGraph';

/** The path of the browser-mode WebSocket endpoint. */
export const WS_PATH = '/ws';
/** The path prefix of the browser-mode HTTP API: `POST /api/<call>` with the argument array. */
export const HTTP_API_PREFIX = '/api/';
/** The query parameter that carries the browser-mode token. */
export const TOKEN_PARAM = 'token';
/**
 * The WebSocket subprotocol of the API. The page offers it with a second one,
 * `TOKEN_PROTOCOL_PREFIX + token`, which carries the token (a browser cannot set headers on a
 * WebSocket); the server answers with this one only, never echoing the token.
 */
export const WS_PROTOCOL = 'resnext-inspector';
/** The prefix of the subprotocol that carries the token; the token's characters all fit in one. */
export const TOKEN_PROTOCOL_PREFIX = 'token.';

/** A call from the browser to the server; `id` pairs it with its result. */
export interface WireCall {
  type: 'call';
  id: number;
  call: ApiCall;
  args: unknown[];
}

/** Messages from the server to the browser. */
export type WireServerMessage =
  /** The outcome of the call with the same id. */
  | { type: 'result'; id: number; result: Result<unknown> }
  /** Profile events of runs this connection started, in order. */
  | { type: 'events'; events: ProfileEvent[] }
  /** A message the server could not even read (not JSON, no id); the connection stays open. */
  | { type: 'error'; error: ApiErrorInfo };

/** The value type of a call. */
export type CallValue<K extends ApiCall> = Awaited<ReturnType<InspectorApi[K]>>;

/** What the Electron preload exposes as `window.inspector`: the calls return envelopes. */
export type PreloadApi = {
  [K in ApiCall]: (...args: Parameters<InspectorApi[K]>) => Promise<Result<CallValue<K>>>;
} & {
  onProfileEvents(listener: (events: ProfileEvent[]) => void): () => void;
  onMenu(listener: (command: MenuCommand) => void): () => void;
  /** The path of a dropped or picked File (webUtils.getPathForFile), '' for one made in the page. */
  pathForFile(file: File): string;
};

/** The IPC channel of a call. */
export const ipcChannel = (call: ApiCall): string => `inspector:${call}`;
/** The IPC channel main sends profile event batches on. */
export const IPC_PROFILE_EVENTS = 'inspector:profile-events';
/** The IPC channel main sends menu commands on. */
export const IPC_MENU = 'inspector:menu';

/**
 * The engine as both shells use it: the InspectorApi calls it implements, opening a model file
 * by the paths the engine reads (the shell turns a renderer's source into them), and disposal.
 */
export type EngineService = Pick<
  InspectorApi,
  | 'backends'
  | 'describe'
  | 'profile'
  | 'cancel'
  | 'activations'
  | 'blockForms'
  | 'predict'
  | 'onProfileEvents'
> & {
  openModel(spec: ModelFileSpec): Promise<ModelGraph>;
  dispose(): void | Promise<void>;
};

/** Returns the value of an envelope, or throws its error as an InspectorError. */
export function unwrapResult<T>(result: Result<T>): T {
  if (result.ok) {
    return result.value;
  }
  const { code, message } = result.error;
  throw new InspectorError(isErrorCode(code) ? code : 'INTERNAL', message);
}

/** Whether an untrusted value looks like a Result envelope. */
export function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  if (record.ok === true) {
    return true;
  }
  const error = record.error as Record<string, unknown> | undefined;
  return (
    record.ok === false &&
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'string' &&
    typeof error.message === 'string'
  );
}
