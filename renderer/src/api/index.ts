/**
 * The renderer's one way to the API. `getApi()` picks the transport once, at start: the Electron
 * preload's `window.inspector` when present, else the browser-mode server that served the page
 * (WebSocket, with the token the page took from its URL). Calls return values or throw
 * InspectorError with the code and message; the rest of the renderer never knows which transport
 * it has.
 */
import { connectBrowser } from './browserTransport';
import { electronApi, preloadApi } from './electronTransport';
import { withWindowEngine, type WindowAwareApi } from './withWindowEngine';

export type { InspectorApi, MenuCommand } from '../../../shared/api';
export type { WindowAwareApi } from './withWindowEngine';
export { InspectorError } from '../../../shared/errors';

let chosen: Promise<WindowAwareApi> | undefined;

/** Which transport this page has: `electron` when the preload exposed its API. */
export function transportKind(): 'electron' | 'browser' {
  return preloadApi() ? 'electron' : 'browser';
}

/**
 * The API, connected once; a failed connection is retried on the next call. Runs on the window's
 * own backends go to its engine in a Web Worker; the rest to the engine process.
 */
export function getApi(): Promise<WindowAwareApi> {
  chosen ??= (async () =>
    withWindowEngine(electronApi() ?? (await connectBrowser(window))))().catch((error: unknown) => {
    chosen = undefined;
    throw error;
  });
  return chosen;
}
