/**
 * Electron: the API the sandboxed preload exposed as `window.inspector`, unwrapped into the
 * InspectorApi (values, or thrown InspectorErrors with their codes).
 */
import type { InspectorApi } from '../../../shared/api';
import type { PreloadApi } from '../../../shared/wire';
import { fromPreload } from '../../../shared/wireClient';

/** The preload's API, when this page runs in the Electron window. */
export function preloadApi(): PreloadApi | undefined {
  return (window as { inspector?: PreloadApi }).inspector;
}

/** The InspectorApi over the preload, or undefined outside Electron. */
export function electronApi(): InspectorApi | undefined {
  const preload = preloadApi();
  return preload ? fromPreload(preload) : undefined;
}
