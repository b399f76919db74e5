/**
 * The sandboxed preload: exposes the named API as `window.inspector` through the context bridge.
 * Bundled to one CJS file (dist/electron/preload.cjs); a sandboxed preload can require only
 * `electron` and a few built-ins.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createPreloadApi } from './api';

contextBridge.exposeInMainWorld('inspector', createPreloadApi(ipcRenderer, webUtils));
