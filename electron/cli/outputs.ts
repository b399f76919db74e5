/**
 * Files a CLI command writes (`export --out`, `profile --trace`): the path is checked before any
 * work (a model build, a run), so that a typo costs nothing, and the file is written atomically
 * (engine/node/atomicWrite.ts), so that a failed write leaves an existing file as it was.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { InspectorError } from '../../shared/errors';
import { writeFileAtomicSync } from '../../engine/node/atomicWrite';
import { UsageError } from './args';

/** Checks that `--<flag> <value>` names a file that can be written; returns its absolute path. */
export function checkOutputPath(flag: string, value: string): string {
  if (/[/\\]$/.test(value) || value === '.' || value === '..') {
    throw new UsageError(`--${flag} ${value} names a folder; give a file name.`);
  }
  const file = path.resolve(value);
  const folder = path.dirname(file);
  let folderIsOne = false;
  try {
    folderIsOne = statSync(folder).isDirectory();
  } catch {
    folderIsOne = false;
  }
  if (!folderIsOne) {
    throw new UsageError(`--${flag} ${value}: there is no folder ${folder}; pick another path.`);
  }
  try {
    if (statSync(file).isDirectory()) {
      throw new UsageError(`--${flag} ${value} is a folder; give a file name.`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      throw error;
    }
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(
      `--${flag} ${value}: the folder ${folder} is not writable; pick another path.`,
    );
  }
  return file;
}

/** Writes an output file all at once; a failure names the file and why, and changes nothing. */
export function writeOutput(flag: string, file: string, data: string | Uint8Array): void {
  try {
    writeFileAtomicSync(file, data);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InspectorError(
      'INVALID_REQUEST',
      `Could not write ${file} (${reason}); nothing was changed there. Free some space or pick another --${flag}.`,
    );
  }
}
