/**
 * The disk cache of exported ONNX models. Every build of a config draws the same seeded weights,
 * so its export is a function of the config, the weight seed and the code that builds and exports
 * it: a second ONNX Runtime profile of a config opens the cached file instead of building the tfjs
 * model again. Entries live in a per-user cache folder (cacheRoot), each as `<name>-<key>.onnx`
 * and its `.json` record (the export's tables, the file's size and SHA-256). Files are written to
 * a temporary name and renamed into place, so a reader never sees half a file; a record whose file
 * is missing, short or of another hash is a miss, removed and rebuilt. The folder is bounded: after
 * a store, the least recently used entries go until it fits.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configKey, configName, type ModelConfig } from '../../../shared/modelConfig';
import type { OnnxExportInfo } from '../../core/onnx/exporter';
import { OPSET } from '../../core/onnx/exporter';
import type { ByteSink } from '../../core/onnx/onnxStream';
import { FIRST_WEIGHT_SEED } from '../../core/resnext';
import { TFJS_VERSION } from '../../core/tf';
import { withFileSink } from './files';

/** Environment variables: the cache folder, and its bound in MB. */
export const CACHE_DIR_ENV = 'INSPECTOR_CACHE_DIR';
export const CACHE_LIMIT_ENV = 'INSPECTOR_CACHE_MAX_MB';
/** The default bound: eleven exports of the default model (178 MB each). */
export const DEFAULT_LIMIT_BYTES = 2 * 2 ** 30;
/** Bumped when the record's layout changes. */
const FORMAT = 1;
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

/** What a record keeps of an export: everything the runtime needs without reading the file. */
export type StoredExport = OnnxExportInfo;

interface EntryRecord {
  format: number;
  key: string;
  config: ModelConfig;
  byteLength: number;
  sha256: string;
  createdAt: string;
  info: StoredExport;
}

/** A cached export ready to open. */
export interface CachedExport {
  path: string;
  info: StoredExport;
}

/** One entry as `cache info` lists it. */
export interface CacheEntrySummary {
  name: string;
  bytes: number;
  lastUsed: Date;
}

/** Reads a file's SHA-256 a megabyte at a time. */
function fileHash(path: string): string {
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
function statOf(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

const tempName = (path: string): string =>
  `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/** The cache of exported models in one folder; see the file's comment. */
export class ModelCache {
  readonly folder: string;

  constructor(
    root: string = cacheRoot(),
    readonly limitBytes: number = cacheLimit(),
    /** Told when an entry was found damaged (and removed). */
    private readonly onProblem: (message: string) => void = (message) => console.warn(message),
  ) {
    this.folder = join(root, 'onnx');
  }

  /** The key of a config's export: the config, the weight seed, the opset and the code. */
  keyOf(config: ModelConfig): string {
    const identity = JSON.stringify({
      format: FORMAT,
      config: configKey(config),
      weightSeed: FIRST_WEIGHT_SEED,
      opset: OPSET,
      tfjs: TFJS_VERSION,
      code: codeStamp(),
    });
    return createHash('sha256').update(identity).digest('hex').slice(0, 20);
  }

  private paths(config: ModelConfig): { onnx: string; record: string; key: string } {
    const key = this.keyOf(config);
    const base = join(this.folder, `${configName(config)}-${key}`);
    return { onnx: `${base}.onnx`, record: `${base}.json`, key };
  }

  /** The whole entry of a config, or undefined; a damaged entry is removed (and reported). */
  lookup(config: ModelConfig): CachedExport | undefined {
    const { onnx, record, key } = this.paths(config);
    if (!existsSync(record)) {
      return undefined;
    }
    const damaged = (why: string): undefined => {
      rmSync(onnx, { force: true });
      rmSync(record, { force: true });
      this.onProblem(`The cached ONNX model of ${configName(config)} ${why}; building it again.`);
      return undefined;
    };
    let entry: EntryRecord;
    try {
      entry = JSON.parse(readFileSync(record, 'utf8')) as EntryRecord;
    } catch {
      return damaged('has an unreadable record');
    }
    if (entry.format !== FORMAT || entry.key !== key || typeof entry.sha256 !== 'string') {
      return damaged('has a record of another version');
    }
    const size = statOf(onnx)?.size;
    if (size === undefined) {
      return damaged('is missing its file');
    }
    if (size !== entry.byteLength) {
      return damaged(`is ${size} bytes, not ${entry.byteLength}`);
    }
    if (fileHash(onnx) !== entry.sha256) {
      return damaged('does not match its hash');
    }
    const now = new Date();
    utimesSync(record, now, now);
    return { path: onnx, info: entry.info };
  }

  /**
   * Writes a config's export through `write` (which streams the file into the sink it is given)
   * under a temporary name, renames it into place with its record, and trims the cache.
   */
  store(config: ModelConfig, write: (sink: ByteSink) => StoredExport): CachedExport {
    const { onnx, record, key } = this.paths(config);
    mkdirSync(this.folder, { recursive: true });
    const temp = tempName(onnx);
    const hash = createHash('sha256');
    let info: StoredExport;
    try {
      info = withFileSink(temp, (sink) =>
        write((bytes) => {
          sink(bytes);
          hash.update(bytes);
        }),
      );
      renameSync(temp, onnx);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    const entry: EntryRecord = {
      format: FORMAT,
      key,
      config,
      byteLength: statSync(onnx).size,
      sha256: hash.digest('hex'),
      createdAt: new Date().toISOString(),
      info,
    };
    const recordTemp = tempName(record);
    writeFileSync(recordTemp, JSON.stringify(entry));
    renameSync(recordTemp, record);
    this.trim(new Set([onnx, record]));
    return { path: onnx, info };
  }

  /** The entries, most recently used first, and their total size. */
  list(): { entries: CacheEntrySummary[]; totalBytes: number } {
    const entries: CacheEntrySummary[] = [];
    let totalBytes = 0;
    for (const name of this.names()) {
      const path = join(this.folder, name);
      const stat = statOf(path);
      totalBytes += stat?.size ?? 0;
      if (stat && name.endsWith('.json')) {
        entries.push({
          name: name.replace(/-[0-9a-f]+\.json$/, ''),
          bytes: stat.size + (statOf(path.replace(/\.json$/, '.onnx'))?.size ?? 0),
          lastUsed: new Date(stat.mtimeMs),
        });
      }
    }
    entries.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime());
    return { entries, totalBytes };
  }

  /** Removes every entry (and any temporary file); returns how many entries and bytes went. */
  clear(): { entries: number; bytes: number } {
    const { entries, totalBytes } = this.list();
    for (const name of this.names()) {
      rmSync(join(this.folder, name), { force: true });
    }
    return { entries: entries.length, bytes: totalBytes };
  }

  /** Our files in the folder (records, models, temporary files); nothing else is touched. */
  private names(): string[] {
    if (!existsSync(this.folder)) {
      return [];
    }
    return readdirSync(this.folder).filter((name) => /\.(onnx|json)(\.tmp-.+)?$/.test(name));
  }

  /**
   * Removes what a dead writer left and orphaned files, then the least recently used entries
   * until the folder fits its bound; the entry just stored (`keep`) stays even if alone too big.
   */
  private trim(keep: ReadonlySet<string>): void {
    const now = Date.now();
    const entries: { files: string[]; bytes: number; used: number }[] = [];
    for (const name of this.names()) {
      const path = join(this.folder, name);
      const stat = statOf(path);
      if (!stat || keep.has(path)) {
        continue;
      }
      // A temporary file, or a model whose record never came: its writer died (or is writing
      // still, if it is recent).
      const orphan =
        name.includes('.tmp-') ||
        (name.endsWith('.onnx') && !existsSync(path.replace(/\.onnx$/, '.json')));
      if (orphan) {
        if (now - stat.mtimeMs > STALE_TEMP_MS) {
          rmSync(path, { force: true });
        }
      } else if (name.endsWith('.json')) {
        const onnx = path.replace(/\.json$/, '.onnx');
        const bytes = stat.size + (statOf(onnx)?.size ?? 0);
        entries.push({ files: [path, onnx], bytes, used: stat.mtimeMs });
      }
    }
    const kept = [...keep].reduce((sum, path) => sum + (statOf(path)?.size ?? 0), 0);
    let total = kept + entries.reduce((sum, entry) => sum + entry.bytes, 0);
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (total <= this.limitBytes) {
        break;
      }
      entry.files.forEach((file) => rmSync(file, { force: true }));
      total -= entry.bytes;
    }
  }
}
