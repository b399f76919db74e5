/**
 * The Electron implementation of every call: engine calls pass through to the engine (in a
 * worker), `saveFile` shows a save dialog and writes the file, `appInfo` answers from the app.
 */
import type {
  OpenDialogOptions,
  OpenDialogReturnValue,
  SaveDialogOptions,
  SaveDialogReturnValue,
} from 'electron';
import { checkedModelPath, MODEL_FILTER } from './modelPath';
import type { AppInfo, SaveFileKind } from '../../shared/api';
import type { ApiHandlers } from '../../shared/apiSchemas';
import { InspectorError } from '../../shared/errors';
import type { EngineService } from '../../shared/wire';

/** What the handlers need from Electron and the file system (injected, so tests can drive them). */
export interface MainDeps {
  engine: EngineService;
  showSaveDialog(options: SaveDialogOptions): Promise<SaveDialogReturnValue>;
  /** The Open dialog (absent in tests that do not open files). */
  showOpenDialog?(options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  app: { name: string; version: string; versions: Record<string, string> };
}

const FILTERS: Record<SaveFileKind, { name: string; extensions: string[] }> = {
  png: { name: 'PNG image', extensions: ['png'] },
  svg: { name: 'SVG image', extensions: ['svg'] },
  txt: { name: 'Text', extensions: ['txt'] },
  csv: { name: 'CSV', extensions: ['csv'] },
  json: { name: 'JSON', extensions: ['json'] },
  md: { name: 'Markdown', extensions: ['md'] },
  trace: { name: 'Chrome/Perfetto trace', extensions: ['json'] },
};

/** The handlers of the Electron main process. */
export function mainHandlers(deps: MainDeps): ApiHandlers {
  const { engine } = deps;
  return {
    backends: () => engine.backends(),
    describe: (config) => engine.describe(config),
    profile: (request) => engine.profile(request),
    cancel: (runId) => engine.cancel(runId),
    activations: (runId, layerId, options) => engine.activations(runId, layerId, options),
    blockForms: (config, stage, block) => engine.blockForms(config, stage, block),
    predict: (source, input, options) => engine.predict(source, input, options),
    openModel: async (source) => {
      if (source.kind !== 'path') {
        throw new InspectorError(
          'INVALID_REQUEST',
          'openModel: the desktop app opens files by path; uploads are for browser mode.',
        );
      }
      return engine.openModel({ main: await checkedModelPath(source.path) });
    },
    chooseModelFile: async () => {
      if (!deps.showOpenDialog) {
        throw new InspectorError('INTERNAL', 'chooseModelFile: this app has no Open dialog.');
      }
      const choice = await deps.showOpenDialog({
        title: 'Open a model',
        filters: [MODEL_FILTER],
        properties: ['openFile'],
      });
      const path = choice.canceled ? undefined : choice.filePaths[0];
      return path ? { kind: 'path', path } : null;
    },
    saveFile: async (kind, data, suggestedName) => {
      const choice = await deps.showSaveDialog({
        defaultPath: suggestedName,
        filters: [FILTERS[kind]],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      if (choice.canceled || !choice.filePath) {
        return { saved: false };
      }
      try {
        await deps.writeFile(choice.filePath, kind === 'png' ? Buffer.from(data, 'base64') : data);
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new InspectorError(
          'INTERNAL',
          `Could not write ${choice.filePath} (${reason}); choose another folder.`,
        );
      }
      return { saved: true, path: choice.filePath };
    },
    appInfo: async (): Promise<AppInfo> => ({
      name: deps.app.name,
      version: deps.app.version,
      shell: 'electron',
      platform: `${process.platform} ${process.arch}`,
      versions: deps.app.versions,
      backends: await engine.backends(),
    }),
  };
}
