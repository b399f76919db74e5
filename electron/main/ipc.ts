/**
 * The one wrapper every IPC handler goes through (after VS Code's `validatedIpcMain`): it checks
 * that the sender is our own top frame on app://, validates the payload against the call's
 * schema, runs the handler and answers with a Result envelope. Nothing else is registered.
 */
import type { IpcMainInvokeEvent } from 'electron';
import { API_CALLS } from '../../shared/api';
import { dispatchCall, type ApiHandlers } from '../../shared/apiSchemas';
import type { Result } from '../../shared/errors';
import { IPC_PROFILE_EVENTS, ipcChannel, type EngineService } from '../../shared/wire';

/** The origin the renderer is loaded from. */
export const APP_ORIGIN = 'app://inspector';

/** The part of `ipcMain` the wrapper uses. */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown,
  ): void;
  removeHandler(channel: string): void;
}

/** The sender facts the check reads. */
type SenderFrame = { url: string; parent: unknown } | null | undefined;

/** Whether a call comes from the top frame of our own renderer. */
export function isAppSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame as SenderFrame;
  if (!frame || frame.parent !== null) {
    return false;
  }
  try {
    // URL.origin is "null" for custom schemes in Node; compare scheme and host instead.
    const url = new URL(frame.url);
    return `${url.protocol}//${url.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

const REFUSED: Result<never> = {
  ok: false,
  error: {
    code: 'UNAUTHORIZED',
    message: 'IPC calls are accepted only from the app’s own window.',
  },
};

/** Registers a validated handler per call; returns a function that removes them all. */
export function registerApiHandlers(
  ipcMain: IpcMainLike,
  handlers: ApiHandlers,
  isTrusted: (event: IpcMainInvokeEvent) => boolean = isAppSender,
): () => void {
  for (const call of API_CALLS) {
    ipcMain.handle(ipcChannel(call), (event, ...args) =>
      isTrusted(event) ? dispatchCall(handlers, call, args) : REFUSED,
    );
  }
  return () => {
    for (const call of API_CALLS) {
      ipcMain.removeHandler(ipcChannel(call));
    }
  };
}

/** Sends the engine's profile event batches to the renderer; returns the unsubscribe function. */
export function forwardProfileEvents(
  engine: Pick<EngineService, 'onProfileEvents'>,
  send: (channel: string, payload: unknown) => void,
): () => void {
  return engine.onProfileEvents((events) => send(IPC_PROFILE_EVENTS, events));
}

/**
 * The runs the window started whose last event has not come. A window that closes (the app stays
 * open on macOS) or whose renderer dies mid-run cancels them, rather than leaving the engine busy
 * with runs nobody watches and the next window's calls queued behind them.
 */
export function windowRuns(engine: Pick<EngineService, 'cancel' | 'onProfileEvents'>): {
  /** Wraps the profile handler so that the runs it starts are remembered. */
  track(profile: ApiHandlers['profile']): ApiHandlers['profile'];
  /** Cancels every remembered run. */
  cancelAll(): void;
} {
  const open = new Set<string>();
  engine.onProfileEvents((events) => {
    for (const event of events) {
      if (event.type === 'run-finished' || event.type === 'error') {
        open.delete(event.runId);
      }
    }
  });
  return {
    track: (profile) => async (request) => {
      const started = await profile(request);
      open.add(started.runId);
      return started;
    },
    cancelAll: () => {
      for (const runId of open) {
        engine.cancel(runId).catch(() => undefined);
      }
      open.clear();
    },
  };
}
