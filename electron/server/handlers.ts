/**
 * The browser-mode implementation of every call: engine calls pass through to the engine;
 * `appInfo` answers here; `saveFile` is the browser's job (a download), so the server refuses it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AppInfo } from '../../shared/api';
import type { ApiHandlers } from '../../shared/apiSchemas';
import { InspectorError } from '../../shared/errors';
import type { EngineService } from '../../shared/wire';
import { resolveInputSource, resolveUploadInput, uploadedModel } from './uploadInput';
import type { UploadStore } from './uploads';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Name and version of this app, from its package.json. */
export function appPackage(): { name: string; version: string } {
  const url = new URL('../../package.json', import.meta.url);
  const json = JSON.parse(readFileSync(url, 'utf8')) as {
    productName?: string;
    name: string;
    version: string;
  };
  return { name: json.productName ?? json.name, version: json.version };
}

/** The handlers of the browser-mode server, driving one engine; uploads resolve image inputs. */
export function serverHandlers(engine: EngineService, uploads: UploadStore): ApiHandlers {
  const app = appPackage();
  return {
    backends: () => engine.backends(),
    describe: (config) => engine.describe(config),
    profile: async (request) => engine.profile(await resolveUploadInput(request, uploads)),
    cancel: (runId) => engine.cancel(runId),
    activations: (runId, layerId, options) => engine.activations(runId, layerId, options),
    blockForms: (config, stage, block) => engine.blockForms(config, stage, block),
    predict: async (source, input, options) =>
      engine.predict(source, await resolveInputSource(input, uploads), options),
    openModel: (source) => engine.openModel(uploadedModel(source, uploads)),
    chooseModelFile: async () => {
      throw new InspectorError(
        'INVALID_REQUEST',
        'chooseModelFile: in browser mode the page picks files and uploads them; use openModel with their upload ids.',
      );
    },
    saveFile: async () => {
      throw new InspectorError(
        'INVALID_REQUEST',
        'saveFile: in browser mode the browser downloads the file; the server writes no files.',
      );
    },
    appInfo: async (): Promise<AppInfo> => {
      const tfjs = packageVersion('@tensorflow/tfjs');
      return {
        ...app,
        shell: 'browser',
        platform: `${process.platform} ${process.arch}`,
        versions: { node: process.versions.node, ...(tfjs ? { tfjs } : {}) },
        backends: await engine.backends(),
      };
    },
  };
}
