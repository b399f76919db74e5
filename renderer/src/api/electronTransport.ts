/**
 * The InspectorApi over the Electron preload: `window.inspector` returns Result envelopes (a
 * thrown error would lose its code crossing the context bridge); this unwraps them into values
 * or thrown InspectorErrors.
 */
import type { ApiCall, InspectorApi } from '../../../shared/api';
import { InspectorError, toErrorInfo, type Result } from '../../../shared/errors';
import { unwrapResult, type PreloadApi } from '../../../shared/wire';

/** Wraps the preload's envelope API into the InspectorApi. */
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
    saveFile: (kind, data, suggestedName) =>
      call('saveFile', () => preload.saveFile(kind, data, suggestedName)),
    appInfo: () => call('appInfo', () => preload.appInfo()),
    onProfileEvents: (listener) => preload.onProfileEvents(listener),
    onMenu: (listener) => preload.onMenu(listener),
  };
}
