/**
 * The API the preload exposes as `window.inspector`: one function per named call, each invoking
 * its own channel and returning the Result envelope, plus the two event subscriptions. Never
 * `ipcRenderer` itself.
 */
import type { IpcRendererEvent } from 'electron';
import { API_CALLS, MENU_COMMANDS, type MenuCommand } from '../../shared/api';
import type { ProfileEvent } from '../../shared/profile';
import { IPC_MENU, IPC_PROFILE_EVENTS, ipcChannel, type PreloadApi } from '../../shared/wire';

/** The part of `ipcRenderer` the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
  removeListener(
    channel: string,
    listener: (event: IpcRendererEvent, ...args: unknown[]) => void,
  ): unknown;
}

function subscribe<T>(
  ipc: IpcRendererLike,
  channel: string,
  accept: (payload: unknown) => payload is T,
  listener: (payload: T) => void,
): () => void {
  const wrapped = (_event: IpcRendererEvent, payload: unknown): void => {
    if (accept(payload)) {
      listener(payload);
    }
  };
  ipc.on(channel, wrapped);
  return () => {
    ipc.removeListener(channel, wrapped);
  };
}

const isEvents = (payload: unknown): payload is ProfileEvent[] => Array.isArray(payload);
const isCommand = (payload: unknown): payload is MenuCommand =>
  (MENU_COMMANDS as readonly unknown[]).includes(payload);

/**
 * Builds the exposed API over an `ipcRenderer`, with `pathForFile` from Electron's `webUtils`
 * (a dropped file's path is read in the preload itself: no channel carries it).
 */
export function createPreloadApi(
  ipc: IpcRendererLike,
  webUtils: { getPathForFile(file: File): string },
): PreloadApi {
  const calls = Object.fromEntries(
    API_CALLS.map((call) => [call, (...args: unknown[]) => ipc.invoke(ipcChannel(call), ...args)]),
  ) as unknown as Omit<PreloadApi, 'onProfileEvents' | 'onMenu' | 'pathForFile'>;
  return Object.freeze({
    ...calls,
    // Only a File: webUtils throws on anything else, and the page must not learn why.
    pathForFile: (file: File) => (file instanceof File ? webUtils.getPathForFile(file) : ''),
    onProfileEvents: (listener: (events: ProfileEvent[]) => void) =>
      subscribe(ipc, IPC_PROFILE_EVENTS, isEvents, listener),
    onMenu: (listener: (command: MenuCommand) => void) =>
      subscribe(ipc, IPC_MENU, isCommand, listener),
  });
}
