/**
 * Uploaded files of browser mode (images today, model files next): each request body is streamed
 * to a file of its own in a private temporary folder (mode 0700, files 0600) without ever being
 * held whole in memory, under a size limit per file and a quota over all of them. Files are named
 * by a random id, never by the name the client gave, and the folder goes when the server closes
 * (or, after a kill, at the next start).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '../../engine/core/memoryGuard';

/** What the client learns of an upload. */
export interface UploadInfo {
  /** The random id that names it in later calls. */
  id: string;
  /** The file name the client gave (shown in messages, never used as a path). */
  name: string;
  bytes: number;
}

/** An upload as the server uses it. */
export interface StoredUpload extends UploadInfo {
  /** Where its bytes are. */
  path: string;
}

/** The limits of a store. */
export interface UploadLimits {
  /** The most bytes one upload may have. */
  maxFileBytes: number;
  /** The most bytes all uploads together may have (default twice maxFileBytes). */
  maxTotalBytes?: number;
  /** Where the private folder goes (default the system's temporary folder). */
  parent?: string;
}

/** An upload refused or failed, with the HTTP status to answer and a message naming the limit. */
export class UploadError extends Error {
  override readonly name = 'UploadError';

  constructor(
    readonly status: 400 | 404 | 413 | 500 | 507,
    message: string,
  ) {
    super(message);
  }
}

const FOLDER_PREFIX = 'inspector-uploads-';
const ID_PATTERN = /^[0-9a-f]{32}$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes upload folders of servers that were killed before they could remove their own. */
async function sweepStale(parent: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  const stale = names.filter((name) => {
    const pid = Number(/^inspector-uploads-(\d+)-/.exec(name)?.[1]);
    return Number.isSafeInteger(pid) && pid !== process.pid && !processAlive(pid);
  });
  await Promise.all(
    stale.map((name) => rm(path.join(parent, name), { recursive: true, force: true })),
  );
}

/** Counts the bytes that pass and fails the stream as soon as they go over a limit. */
function byteCounter(onBytes: (count: number) => UploadError | undefined): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(onBytes(chunk.length) ?? null, chunk);
    },
  });
}

/** The uploads of one server. */
export class UploadStore {
  private readonly files = new Map<string, StoredUpload>();
  /** Bytes of finished uploads plus those still arriving. */
  private used = 0;
  private closed = false;
  readonly maxFileBytes: number;
  readonly maxTotalBytes: number;

  private constructor(
    readonly folder: string,
    limits: UploadLimits,
  ) {
    this.maxFileBytes = limits.maxFileBytes;
    this.maxTotalBytes = limits.maxTotalBytes ?? 2 * limits.maxFileBytes;
  }

  /** Makes the private folder (after sweeping those of dead servers). */
  static async create(limits: UploadLimits): Promise<UploadStore> {
    const parent = limits.parent ?? tmpdir();
    await sweepStale(parent);
    const folder = await mkdtemp(path.join(parent, `${FOLDER_PREFIX}${process.pid}-`));
    await chmod(folder, 0o700); // mkdtemp's default already; said here because it matters
    return new UploadStore(folder, limits);
  }

  /** Bytes held by all uploads, those still arriving included. */
  get totalBytes(): number {
    return this.used;
  }

  /**
   * Streams `body` to a new file. `declaredBytes` (a Content-Length) lets an upload that is too
   * big be refused before any of it is read. Throws UploadError; a refused or failed upload leaves
   * no file behind.
   */
  async receive(body: Readable, name: string, declaredBytes?: number): Promise<UploadInfo> {
    if (this.closed) {
      throw new UploadError(500, 'The server is closing; upload again once it runs.');
    }
    const tooBig = (bytes: number): UploadError | undefined => {
      if (bytes > this.maxFileBytes) {
        return new UploadError(
          413,
          `${name} is larger than ${formatBytes(this.maxFileBytes)}, the most one upload may have; start the server with a larger --max-upload-mb to allow it.`,
        );
      }
      return undefined;
    };
    const overQuota = (): UploadError =>
      new UploadError(
        413,
        `Uploads on this server would go over their quota of ${formatBytes(this.maxTotalBytes)}; restart the server to clear them.`,
      );
    if (declaredBytes !== undefined) {
      const refusal =
        tooBig(declaredBytes) ??
        (this.used + declaredBytes > this.maxTotalBytes ? overQuota() : undefined);
      if (refusal) {
        throw refusal;
      }
    }
    const id = randomBytes(16).toString('hex');
    const file = path.join(this.folder, id);
    let bytes = 0;
    const counter = byteCounter((count) => {
      bytes += count;
      this.used += count;
      return tooBig(bytes) ?? (this.used > this.maxTotalBytes ? overQuota() : undefined);
    });
    try {
      await pipeline(body, counter, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      this.used -= bytes;
      await unlink(file).catch(() => undefined);
      if (error instanceof UploadError) {
        throw error;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
        throw new UploadError(507, `The disk has no room for ${name} (${code}); free some space.`);
      }
      throw new UploadError(400, `The upload of ${name} did not arrive whole; send it again.`);
    }
    if (this.closed) {
      await unlink(file).catch(() => undefined);
      throw new UploadError(500, 'The server is closing; upload again once it runs.');
    }
    const stored: StoredUpload = { id, name, bytes, path: file };
    this.files.set(id, stored);
    return { id, name, bytes };
  }

  /** An upload by id, or undefined. */
  get(id: string): StoredUpload | undefined {
    return ID_PATTERN.test(id) ? this.files.get(id) : undefined;
  }

  /** Removes an upload and its file; an unknown id is nothing to do. */
  async remove(id: string): Promise<void> {
    const stored = this.get(id);
    if (!stored) {
      return;
    }
    this.files.delete(id);
    this.used -= stored.bytes;
    await unlink(stored.path).catch(() => undefined);
  }

  /** Removes every upload and the folder. */
  async close(): Promise<void> {
    this.closed = true;
    this.files.clear();
    this.used = 0;
    await rm(this.folder, { recursive: true, force: true });
  }
}
