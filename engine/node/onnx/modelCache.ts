/**
 * The disk cache of exported ONNX models. Every build of a config draws the same seeded weights,
 * so its export is a function of the config, the weight seed and the code that builds and exports
 * it: a second ONNX Runtime profile of a config opens the cached file instead of building the tfjs
 * model again. Beside an export, the graph ORT optimised from it on this machine (its weights in a
 * file of their own): a session opens that in a tenth of a second, where optimising takes ~0.6 s.
 *
 * Entries live in a per-user cache folder (cacheFiles.ts), each file with a `.json` record of its
 * size and SHA-256 (and, for an export, the tables the runtime needs). Files are written under
 * temporary names and renamed into place, so a reader never sees half a file; a file that is
 * missing, short or of another hash is a miss, removed and rebuilt. After a store the least
 * recently used entries go until the folder fits its bound.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { configKey, configName, type ModelConfig } from '../../../shared/modelConfig';
import type { OnnxExportInfo } from '../../core/onnx/exporter';
import { OPSET } from '../../core/onnx/exporter';
import type { ByteSink } from '../../core/onnx/onnxStream';
import { FIRST_WEIGHT_SEED } from '../../core/resnext';
import { TFJS_VERSION } from '../../core/tf';
import {
  cacheGroups,
  cacheLimit,
  cacheRoot,
  clearCache,
  codeStamp,
  fileHash,
  statOf,
  tempName,
  trimCache,
} from './cacheFiles';
import { withFileSink } from './files';

export {
  CACHE_DIR_ENV,
  CACHE_LIMIT_ENV,
  DEFAULT_LIMIT_BYTES,
  cacheLimit,
  cacheRoot,
  codeStamp,
} from './cacheFiles';

/** Bumped when the records' layout changes. */
const FORMAT = 2;

/** What a record keeps of an export: everything the runtime needs without reading the file. */
export type StoredExport = OnnxExportInfo;

/** A file as its record names it. */
interface FileRecord {
  byteLength: number;
  sha256: string;
}

interface EntryRecord {
  format: number;
  key: string;
  config: ModelConfig;
  createdAt: string;
  /** Files by their part of the name: `onnx` (the export), or `onnx` and `weights` (optimised). */
  files: Record<string, FileRecord>;
  info?: StoredExport;
}

/** A cached export ready to open. */
export interface CachedExport {
  path: string;
  info: StoredExport;
}

/** ORT's optimised graph of an export, and the file its weights are in, beside it. */
export interface CachedGraph {
  graph: string;
  weights: string;
}

/** One entry as `cache info` lists it. */
export interface CacheEntrySummary {
  name: string;
  bytes: number;
  lastUsed: Date;
}

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

  /** An entry's path stem: the export's, or an optimised graph's (`variant`). */
  private stem(config: ModelConfig, variant?: string): { stem: string; key: string; base: string } {
    const key = this.keyOf(config);
    const base = `${configName(config)}-${key}`;
    return { stem: join(this.folder, variant ? `${base}.${variant}` : base), key, base };
  }

  /**
   * The record at `stem` if it and its files are whole (sizes; hashes of `hashed` parts too); a
   * damaged one is removed with its files, and reported.
   */
  private read(config: ModelConfig, stem: string, key: string, hashed: string[]) {
    const record = `${stem}.json`;
    if (!existsSync(record)) {
      return undefined;
    }
    const parts = ['onnx', 'weights'];
    const damaged = (why: string): undefined => {
      [record, ...parts.map((part) => `${stem}.${part}`)].forEach((file) =>
        rmSync(file, { force: true }),
      );
      this.onProblem(`The cached ONNX model of ${configName(config)} ${why}; building it again.`);
      return undefined;
    };
    let entry: EntryRecord;
    try {
      entry = JSON.parse(readFileSync(record, 'utf8')) as EntryRecord;
    } catch {
      return damaged('has an unreadable record');
    }
    if (entry.format !== FORMAT || entry.key !== key || typeof entry.files !== 'object') {
      return damaged('has a record of another version');
    }
    for (const [part, file] of Object.entries(entry.files)) {
      const size = statOf(`${stem}.${part}`)?.size;
      if (size === undefined) {
        return damaged('is missing its file');
      }
      if (size !== file.byteLength) {
        return damaged(`is ${size} bytes, not ${file.byteLength}`);
      }
      if (hashed.includes(part) && fileHash(`${stem}.${part}`) !== file.sha256) {
        return damaged('does not match its hash');
      }
    }
    const now = new Date();
    utimesSync(record, now, now);
    return entry;
  }

  /** A config's export if it is whole (hash-checked unless `hash` is false); else undefined. */
  lookup(config: ModelConfig, hash = true): CachedExport | undefined {
    const { stem, key } = this.stem(config);
    const entry = this.read(config, stem, key, hash ? ['onnx'] : []);
    return entry?.info ? { path: `${stem}.onnx`, info: entry.info } : undefined;
  }

  /** Whether a config's export (from `lookup(config, false)`) matches its hash; removed if not. */
  verify(config: ModelConfig): boolean {
    return this.lookup(config) !== undefined;
  }

  /** ORT's optimised graph of a config's export for `variant` (this machine), hash-checked. */
  optimized(config: ModelConfig, variant: string): CachedGraph | undefined {
    const { stem, key } = this.stem(config, variant);
    const entry = this.read(config, stem, key, ['onnx', 'weights']);
    return entry ? { graph: `${stem}.onnx`, weights: `${stem}.weights` } : undefined;
  }

  /** Writes a record, and moves `files` (part → a written file) into place before it. */
  private commit(
    config: ModelConfig,
    stem: string,
    key: string,
    files: Record<string, { path: string; sha256: string }>,
    info?: StoredExport,
  ): void {
    const record: EntryRecord = {
      format: FORMAT,
      key,
      config,
      createdAt: new Date().toISOString(),
      files: {},
      info,
    };
    for (const [part, file] of Object.entries(files)) {
      record.files[part] = { byteLength: statOf(file.path)?.size ?? -1, sha256: file.sha256 };
      if (file.path !== `${stem}.${part}`) {
        renameSync(file.path, `${stem}.${part}`);
      }
    }
    const recordTemp = tempName(`${stem}.json`);
    writeFileSync(recordTemp, JSON.stringify(record));
    renameSync(recordTemp, `${stem}.json`);
  }

  /**
   * Writes a config's export through `write` (which streams the file into the sink it is given)
   * under a temporary name, renames it into place with its record, and trims the cache.
   */
  store(config: ModelConfig, write: (sink: ByteSink) => StoredExport): CachedExport {
    const { stem, key, base } = this.stem(config);
    mkdirSync(this.folder, { recursive: true });
    const temp = tempName(`${stem}.onnx`);
    const hash = createHash('sha256');
    try {
      const info = withFileSink(temp, (sink) =>
        write((bytes) => {
          sink(bytes);
          hash.update(bytes);
        }),
      );
      this.commit(config, stem, key, { onnx: { path: temp, sha256: hash.digest('hex') } }, info);
      trimCache(this.folder, this.limitBytes, base);
      return { path: `${stem}.onnx`, info };
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /**
   * Has `save` write ORT's optimised graph of a config's export for `variant` into a temporary
   * folder (as `<graph>` with its weights in `<weightsName>` beside it, the name the graph refers
   * to), then moves both into place with their record; returns what `save` returned.
   */
  async storeOptimized<T>(
    config: ModelConfig,
    variant: string,
    save: (graph: string, weightsName: string) => Promise<T>,
  ): Promise<{ saved: T; files: CachedGraph }> {
    const { stem, key, base } = this.stem(config, variant);
    mkdirSync(this.folder, { recursive: true });
    const folder = mkdtempSync(`${stem}.tmp-`);
    const weightsName = `${base}.${variant}.weights`;
    try {
      const saved = await save(join(folder, 'graph.onnx'), weightsName);
      const written = (name: string) => ({
        path: join(folder, name),
        sha256: fileHash(join(folder, name)),
      });
      this.commit(config, stem, key, {
        weights: written(weightsName),
        onnx: written('graph.onnx'),
      });
      trimCache(this.folder, this.limitBytes, base);
      return { saved, files: { graph: `${stem}.onnx`, weights: `${stem}.weights` } };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }

  /** The entries, most recently used first, and their total size. */
  list(): { entries: CacheEntrySummary[]; totalBytes: number } {
    const entries = cacheGroups(this.folder)
      .sort((a, b) => b.lastUsed - a.lastUsed)
      .map((group) => ({
        name: group.base.replace(/-[0-9a-f]{20}$/, ''),
        bytes: group.bytes,
        lastUsed: new Date(group.lastUsed),
      }));
    return { entries, totalBytes: entries.reduce((sum, entry) => sum + entry.bytes, 0) };
  }

  /** Removes every entry (and any temporary file); returns how many entries and bytes went. */
  clear(): { entries: number; bytes: number } {
    return clearCache(this.folder);
  }
}
