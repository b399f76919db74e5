/**
 * Writes a file all at once or not at all: the bytes go to a temporary file in the same folder,
 * which is flushed and then renamed over the target. A write that fails part way (a full disk, a
 * file-size limit) leaves an existing file as it was and no temporary file behind. Every file the
 * app saves goes through here: CLI outputs and traces, Electron's saveFile, benchmark results.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** The temporary file beside `file`: hidden, unique, and recognisably ours. */
function temporaryPath(file: string): string {
  const { dir, base } = path.parse(file);
  return path.join(dir, `.${base}.${randomBytes(6).toString('hex')}.partial`);
}

function existing(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

const bytesOf = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

/** The mode of the temporary file: the target's when it is replaced, else 0666 & umask. */
function checkedMode(file: string): number {
  const before = existing(file);
  if (before?.isDirectory()) {
    throw Object.assign(new Error(`EISDIR: ${file} is a folder`), { code: 'EISDIR' });
  }
  return before ? before.mode & 0o777 : 0o666;
}

/**
 * Replaces `file` with `data` atomically. Throws the error of the write (its `code` kept:
 * ENOSPC, EFBIG, EACCES, ENOENT, EISDIR); the target is then untouched.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const mode = checkedMode(file);
  const temporary = temporaryPath(file);
  const descriptor = openSync(temporary, 'wx', mode);
  let open = true;
  try {
    const bytes = bytesOf(data);
    for (let written = 0; written < bytes.byteLength;) {
      written += writeSync(descriptor, bytes, written, bytes.byteLength - written);
    }
    fsyncSync(descriptor);
    open = false;
    closeSync(descriptor);
    renameSync(temporary, file);
  } catch (error) {
    if (open) {
      closeSync(descriptor);
    }
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** writeFileAtomicSync without blocking the event loop (Electron's main process). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const mode = checkedMode(file);
  const temporary = temporaryPath(file);
  const handle = await open(temporary, 'wx', mode);
  let isOpen = true;
  try {
    await handle.writeFile(bytesOf(data));
    await handle.sync();
    isOpen = false;
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    if (isOpen) {
      await handle.close();
    }
    await rm(temporary, { force: true });
    throw error;
  }
}
