/**
 * The renderer's one way to the API. `getApi()` picks the transport once, at start: the Electron
 * preload's `window.inspector` when present, else the browser-mode server that served the page.
 * Calls return values or throw InspectorError with the code and message.
 */
import type { InspectorApi } from '../../../shared/api';
import type { PreloadApi } from '../../../shared/wire';
import { connectBrowser } from './browserTransport';
import { fromPreload } from './electronTransport';

export type { InspectorApi } from '../../../shared/api';
export { InspectorError } from '../../../shared/errors';

let chosen: Promise<InspectorApi> | undefined;

/** Which transport this page has: `electron` when the preload exposed its API. */
export function transportKind(): 'electron' | 'browser' {
  return (window as { inspector?: PreloadApi }).inspector ? 'electron' : 'browser';
}

/** The API, connected once; a failed connection is retried on the next call. */
export function getApi(): Promise<InspectorApi> {
  chosen ??= (async () => {
    const preload = (window as { inspector?: PreloadApi }).inspector;
    return preload ? fromPreload(preload) : connectBrowser(window.location);
  })().catch((error: unknown) => {
    chosen = undefined;
    throw error;
  });
  return chosen;
}
