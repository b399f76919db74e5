// Which of the files a person picked or dropped is the model, and the recent files the model
// picker lists. Pure, so the open state machine (modelOpen.svelte.ts) and its tests share it.
import type { OpenModelSource } from '../../../shared/api';
import { InspectorError } from '../../../shared/errors';

/** What this module needs of a File. */
export interface FileLike {
  readonly name: string;
  readonly size: number;
}

/** The files of one model: the file to open and the rest (a TF.js model.json's shards). */
export interface ModelFiles<F extends FileLike> {
  main: F;
  others: F[];
}

const KERAS = /\.(h5|hdf5|keras)$/i;
const JSON_FILE = /\.json$/i;

/**
 * Picks the model among the files: a lone file is the model whatever its name (the engine reads
 * its bytes and says what it is); among several, the one `.json` (a TF.js model.json, the others
 * its weight shards), else the one Keras file. Two models at once, or none among several files, is
 * INVALID_REQUEST naming the files.
 */
export function pickModelFiles<F extends FileLike>(files: readonly F[]): ModelFiles<F> {
  if (files.length === 0) {
    throw new InspectorError('INVALID_REQUEST', 'No file was given; choose a model file.');
  }
  if (files.length === 1) {
    return { main: files[0], others: [] };
  }
  const json = files.filter((file) => JSON_FILE.test(file.name));
  const keras = files.filter((file) => KERAS.test(file.name));
  const names = (list: readonly F[]): string =>
    list.length <= 3
      ? list.map((file) => file.name).join(', ')
      : `${list
          .slice(0, 3)
          .map((file) => file.name)
          .join(', ')} and ${list.length - 3} more`;
  if (json.length === 1 && keras.length === 0) {
    return { main: json[0], others: files.filter((file) => file !== json[0]) };
  }
  if (json.length + keras.length > 1) {
    throw new InspectorError(
      'INVALID_REQUEST',
      `Open one model at a time: ${names([...json, ...keras])} are each a model file.`,
    );
  }
  if (keras.length === 1) {
    const rest = files.filter((file) => file !== keras[0]);
    throw new InspectorError(
      'INVALID_REQUEST',
      `${keras[0].name} holds its own weights; open it alone, without ${names(rest)}.`,
    );
  }
  throw new InspectorError(
    'INVALID_REQUEST',
    `None of ${names(files)} is a model file: open a Keras .h5, .hdf5 or .keras file, or a TF.js model.json with its weight shards.`,
  );
}

/** A model file opened before, as the picker lists it and opens it again. */
export interface RecentFile {
  /** What the person sees: the model file's name. */
  name: string;
  /** How to open it again: its path (the desktop app) or its uploads (browser mode). */
  source: OpenModelSource;
  /** Shards that came with it (browser mode), for the label. */
  shards?: number;
}

/** How many recent files the picker lists. */
export const MAX_RECENT = 8;

/** The key a recent file is the same as another by. */
export function recentKey(source: OpenModelSource): string {
  return source.kind === 'path'
    ? `path:${source.path}`
    : `upload:${source.main}:${(source.others ?? []).join(',')}`;
}

/** The list with `entry` first, once, at most MAX_RECENT long. */
export function withRecent(list: readonly RecentFile[], entry: RecentFile): RecentFile[] {
  const key = recentKey(entry.source);
  return [entry, ...list.filter((item) => recentKey(item.source) !== key)].slice(0, MAX_RECENT);
}

/** The list without `source`. */
export function withoutRecent(list: readonly RecentFile[], source: OpenModelSource): RecentFile[] {
  const key = recentKey(source);
  return list.filter((item) => recentKey(item.source) !== key);
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** Whether a stored value is a RecentFile (storage is the page's, but may hold anything). */
function isRecent(value: unknown): value is RecentFile {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { name, source } = value as { name?: unknown; source?: Partial<Record<string, unknown>> };
  if (!isString(name) || typeof source !== 'object' || source === null) {
    return false;
  }
  return source.kind === 'path'
    ? isString(source.path)
    : source.kind === 'upload' &&
        isString(source.main) &&
        (source.others === undefined ||
          (Array.isArray(source.others) && source.others.every(isString)));
}

/** Reads a recent list from storage; anything unreadable reads as empty. */
export function readRecent(
  storage: Pick<Storage, 'getItem'> | undefined,
  key: string,
): RecentFile[] {
  try {
    const parsed = JSON.parse(storage?.getItem(key) ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter(isRecent).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

/** Writes a recent list to storage; a full or disabled storage only loses the list. */
export function writeRecent(
  storage: Pick<Storage, 'setItem'> | undefined,
  key: string,
  list: readonly RecentFile[],
): void {
  try {
    storage?.setItem(key, JSON.stringify(list));
  } catch {
    // Storage off or full: the list lives for this page only.
  }
}

/**
 * The message for a recent upload the server no longer holds (it restarted, which clears its
 * uploads): the engine's NOT_FOUND names an upload id, which means nothing to a person.
 */
export function goneMessage(name: string): string {
  return `${name} is no longer on the server (it was restarted since the file was uploaded); open the file again.`;
}

/** The bytes of a size, short: `512 B`, `1.4 MB`, `2.1 GB`. */
export function sizeText(bytes: number): string {
  if (bytes < 1000) {
    return `${bytes} B`;
  }
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
