/**
 * The API with the window's engine beside the engine process: backends of both ("In this window"
 * and "Engine"), runs on a `window-…` backend started in the window's Web Worker and everything
 * else sent to the engine process as before; cancel and activations go where their run is, and
 * the two event streams are one. A model read from a file runs in the window when the window has
 * its files (picked or dropped here); an image sent to the server runs from the bytes kept here.
 */
import type { InspectorApi } from '../../../shared/api';
import { bytesToBase64 } from '../../../shared/base64';
import { InspectorError, toErrorInfo } from '../../../shared/errors';
import {
  isWindowBackend,
  WINDOW_BACKENDS,
  type BackendStatus,
  type InputSource,
  type ProfileRequest,
} from '../../../shared/profile';
import { WINDOW_RUN_PREFIX, WindowEngine } from '../../../engine/window/client';

/** The API, with what the window's engine needs to know of files opened here. */
export interface WindowAwareApi extends InspectorApi {
  rememberModelFiles(fileId: string, main: File, others: File[]): void;
}

/** Wraps an API (the preload's, or the browser transport's) with the window's engine. */
export function withWindowEngine(api: InspectorApi, engine = new WindowEngine()): WindowAwareApi {
  const files = new Map<string, { main: File; others: File[] }>();
  /** Engine-process file id → the same model opened in the window's engine. */
  const opened = new Map<string, Promise<string>>();
  const uploads = new Map<string, Blob>();

  const windowFile = (fileId: string): Promise<string> => {
    let found = opened.get(fileId);
    if (!found) {
      const picked = files.get(fileId);
      if (!picked) {
        throw new InspectorError(
          'BACKEND_UNAVAILABLE',
          "This window does not hold this model's files (it was opened by its path, or reopened from the recent list); open or drop its file again to run it on a backend in this window.",
        );
      }
      found = engine.openModel(picked.main, picked.others).then((graph) => graph.file?.id ?? '');
      found.catch(() => opened.delete(fileId));
      opened.set(fileId, found);
    }
    return found;
  };

  const windowInput = async (input: InputSource): Promise<InputSource> => {
    if (input.kind !== 'upload') {
      return input;
    }
    const blob = uploads.get(input.id);
    if (!blob) {
      throw new InspectorError(
        'NOT_FOUND',
        'The image was sent to the server only; choose it again to run it in this window.',
      );
    }
    const base64 = bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
    return { kind: 'image', base64, ...(input.fileName ? { fileName: input.fileName } : {}) };
  };

  const windowRequest = async (request: ProfileRequest): Promise<ProfileRequest> => ({
    ...request,
    ...(request.file === undefined ? {} : { file: await windowFile(request.file) }),
    input: await windowInput(request.input),
  });

  const windowBackends = async (): Promise<BackendStatus[]> => {
    try {
      // `auto` means the engine's first backend: the window's are chosen by name only.
      return (await engine.backends()).map(({ preferred: _preferred, ...status }) => status);
    } catch (error) {
      const reason = `the window's engine could not start: ${toErrorInfo(error).message}`;
      return WINDOW_BACKENDS.map((name) => ({ name, available: false, reason }));
    }
  };

  const isWindowRun = (runId: string): boolean => runId.startsWith(WINDOW_RUN_PREFIX);

  return {
    ...api,
    backends: async () => {
      const [own, window] = await Promise.all([api.backends(), windowBackends()]);
      return [...own, ...window];
    },
    profile: async (request) =>
      isWindowBackend(request.backend)
        ? engine.profile(await windowRequest(request))
        : api.profile(request),
    cancel: (runId) => (isWindowRun(runId) ? engine.cancel(runId) : api.cancel(runId)),
    activations: (runId, layerId, options) =>
      isWindowRun(runId)
        ? engine.activations(runId, layerId, options)
        : api.activations(runId, layerId, options),
    onProfileEvents: (listener) => {
      const stopEngine = api.onProfileEvents(listener);
      const stopWindow = engine.onProfileEvents(listener);
      return () => {
        stopEngine();
        stopWindow();
      };
    },
    ...(api.uploadFile
      ? {
          uploadFile: async (
            file: Blob,
            name: string,
            onProgress?: (sent: number, total: number) => void,
          ) => {
            const uploaded = await api.uploadFile!(file, name, onProgress);
            uploads.set(uploaded.id, file);
            return uploaded;
          },
        }
      : {}),
    rememberModelFiles: (fileId, main, others) => {
      files.set(fileId, { main, others });
    },
  };
}
