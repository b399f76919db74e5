/**
 * The files of the model cache (modelCache.ts): where its folder is, what identifies the code that
 * made an entry, hashing, and the folder's entries as groups of files, listed, bounded and cleared.
 * An entry is every file named `<name>-<key>` followed by `.onnx`/`.json` (the export and its
 * record) or `.<variant>.onnx`/`.weights`/`.json` (ORT's optimised graph of it on one machine).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment variables: the cache folder, and its bound in MB. */
export const CACHE_DIR_ENV = 'INSPECTOR_CACHE_DIR';
export const CACHE_LIMIT_ENV = 'INSPECTOR_CACHE_MAX_MB';
/** The default bound: a dozen exports of the default model with their optimised graphs. */
export const DEFAULT_LIMIT_BYTES = 4 * 2 ** 30;
/** A temporary file older than this was left by a writer that died. */
const STALE_TEMP_MS = 60 * 60 * 1000;

declare const __INSPECTOR_SOURCE_HASH__: string | undefined;

type Env = Record<string, string | undefined>;

/**
 * The per-user cache folder: INSPECTOR_CACHE_DIR if set; else `$XDG_CACHE_HOME` or `~/.cache` on
 * Linux, `~/Library/Caches` on macOS and `%LOCALAPPDATA%` on Windows, with `resnext-inspector` in it.
 */
export function cacheRoot(env: Env = process.env, platform = process.platform, home = homedir()) {
  if (env[CACHE_DIR_ENV]) {
    return env[CACHE_DIR_ENV];
  }
  if (platform === 'darwin') {
    return join(home, 'Library', 'Caches', 'resnext-inspector');
  }
  if (platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'resnext-inspector', 'Cache');
  }
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'resnext-inspector');
}

/** The bound in bytes: INSPECTOR_CACHE_MAX_MB if it is a positive number, else the default. */
export function cacheLimit(env: Env = process.env): number {
  const asked = Number(env[CACHE_LIMIT_ENV]);
  return Number.isFinite(asked) && asked > 0 ? asked * 2 ** 20 : DEFAULT_LIMIT_BYTES;
}

let stamp: string | undefined;

/** The checkout this module runs from (source, or a bundle inside it), if its sources are there. */
function sourceRoot(): string | undefined {
  let folder = import.meta.url.startsWith('file:') ? dirname(fileURLToPath(import.meta.url)) : '';
  for (let depth = 0; folder && depth < 6; depth += 1) {
    if (existsSync(join(folder, 'engine', 'core')) && existsSync(join(folder, 'shared'))) {
      return folder;
    }
    folder = dirname(folder);
  }
  return undefined;
}

/**
 * What identifies the code that builds and exports a model. A bundle (the CLI's, the app's)
 * carries the hash of the sources it was built from; otherwise (tsx, the engine's development
 * bundle) the sources of the checkout are hashed here (~100 small files), so that an edited
 * exporter never opens an export of the old one.
 */
export function codeStamp(): string {
  if (typeof __INSPECTOR_SOURCE_HASH__ === 'string') {
    return __INSPECTOR_SOURCE_HASH__;
  }
  if (stamp === undefined) {
    const root = sourceRoot();
    const files: string[] = [];
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) {
          walk(path);
        } else if (entry.name.endsWith('.ts')) {
          files.push(path);
        }
      }
    };
    if (root) {
      walk(join(root, 'engine', 'core'));
      walk(join(root, 'shared'));
    }
    // As scripts/cli.mjs hashes them for its bundle: from source and bundled, one key.
    const hash = createHash('sha256');
    for (const file of files.sort()) {
      hash.update(relative(root as string, file)).update(readFileSync(file));
    }
    stamp = root ? hash.digest('hex').slice(0, 16) : 'unknown';
  }
  return stamp;
}

/** Reads a file's SHA-256 a megabyte at a time. */
export function fileHash(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      hash.update(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** A file's size and modification time, or undefined if another process has just removed it. */
export function statOf(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A unique temporary name beside `path`. */
export const tempName = (path: string): string =>
  `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/** Our names: an entry's base `<name>-<key>`, then what the file is, perhaps being written. */
const OURS =
  /^(.+-[0-9a-f]{20})(\.[\w-]+)?\.(onnx|json|weights)(\.tmp-.+)?$|^(.+-[0-9a-f]{20})\.[\w-]+\.tmp-.+$/;

/** One entry's files, its size and when it was last used (its newest record). */
export interface CacheGroup {
  base: string;
  files: string[];
  bytes: number;
  lastUsed: number;
}

/**
 * The folder's entries; what a writer that died left (a temporary file or folder, or a model
 * whose record never came) is removed once an hour old (younger, it may be being written).
 */
export function cacheGroups(folder: string, sweep = false): CacheGroup[] {
  const groups = new Map<string, CacheGroup>();
  const names = existsSync(folder) ? readdirSync(folder) : [];
  for (const name of names) {
    const match = OURS.exec(name);
    const path = join(folder, name);
    const stat = match ? statOf(path) : undefined;
    if (!match || !stat) {
      continue;
    }
    const base = match[1] ?? match[5];
    const record = name.replace(/\.(onnx|weights)$/, '.json');
    const pending = name.includes('.tmp-') || (match[3] !== 'json' && !names.includes(record));
    if (pending) {
      if (sweep && Date.now() - stat.mtimeMs > STALE_TEMP_MS) {
        rmSync(path, { recursive: true, force: true });
      }
      continue;
    }
    const group = groups.get(base) ?? { base, files: [], bytes: 0, lastUsed: 0 };
    group.files.push(path);
    group.bytes += stat.size;
    if (match[3] === 'json') {
      group.lastUsed = Math.max(group.lastUsed, stat.mtimeMs);
    }
    groups.set(base, group);
  }
  return [...groups.values()];
}

/**
 * Removes the least recently used entries until the folder fits `limitBytes`; the entry in use
 * (`keep`) stays even if alone too big.
 */
export function trimCache(folder: string, limitBytes: number, keep: string): void {
  const groups = cacheGroups(folder, true).sort((a, b) => a.lastUsed - b.lastUsed);
  let total = groups.reduce((sum, group) => sum + group.bytes, 0);
  for (const group of groups) {
    if (total <= limitBytes) {
      break;
    }
    if (group.base !== keep) {
      group.files.forEach((file) => rmSync(file, { force: true }));
      total -= group.bytes;
    }
  }
}

/** Removes every entry and temporary file of ours; returns how many entries and bytes went. */
export function clearCache(folder: string): { entries: number; bytes: number } {
  const groups = cacheGroups(folder);
  const bytes = groups.reduce((sum, group) => sum + group.bytes, 0);
  for (const name of existsSync(folder) ? readdirSync(folder) : []) {
    if (OURS.test(name)) {
      rmSync(join(folder, name), { recursive: true, force: true });
    }
  }
  return { entries: groups.length, bytes };
}
