/**
 * The paths the desktop app opens models from (File › Open, a dropped file, the recent list):
 * absolute, an existing regular file, with a model file's extension, at most MAX_MODEL_BYTES. The
 * renderer names them, so main checks them before the engine reads anything.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InspectorError } from '../../shared/errors';

/** The model files the Open dialog offers. */
export const MODEL_FILTER = {
  name: 'Keras or TF.js model',
  extensions: ['h5', 'hdf5', 'keras', 'json'],
};

/** The largest model file the app opens (2 GB, as browser mode's upload limit). */
export const MAX_MODEL_BYTES = 2048 * 2 ** 20;

/** A checked model path, or INVALID_REQUEST / NOT_FOUND naming what is wrong. */
export async function checkedModelPath(filePath: string): Promise<string> {
  if (!path.isAbsolute(filePath)) {
    throw new InspectorError('INVALID_REQUEST', `openModel: ${filePath} is not an absolute path.`);
  }
  const extension = path.extname(filePath).slice(1).toLowerCase();
  if (!MODEL_FILTER.extensions.includes(extension)) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${path.basename(filePath)}: open a .h5, .hdf5 or .keras file, or a TF.js model.json.`,
    );
  }
  let info;
  try {
    info = await stat(filePath);
  } catch {
    throw new InspectorError(
      'NOT_FOUND',
      `${path.basename(filePath)}: no such file (was it moved?).`,
    );
  }
  if (!info.isFile()) {
    throw new InspectorError('INVALID_REQUEST', `${path.basename(filePath)}: it is not a file.`);
  }
  if (info.size > MAX_MODEL_BYTES) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `${path.basename(filePath)}: it is ${info.size} bytes, above the ${MAX_MODEL_BYTES} the app opens.`,
    );
  }
  return filePath;
}
