/**
 * ONNX Runtime's profile files and the temporary folders they (and the optimised graphs) live in.
 * A profile is read a line at a time (ORT writes one event per line) into the portable collector
 * of engine/core/onnx/profileEvents.ts, and removed once read. A folder is named after the engine
 * process that made it, so that whoever outlives that process (its client, or the next engine to
 * start) can remove what it left: an engine killed with SIGKILL runs no exit handler.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import {
  parseProfile,
  parseProfileLine,
  ProfileCollector,
  type ProfiledRun,
} from '../../core/onnx/profileEvents';

export type { ProfiledRun } from '../../core/onnx/profileEvents';

/** The runs of one profile file, read a megabyte at a time. */
export function readProfileFile(path: string): ProfiledRun[] {
  const collector = new ProfileCollector();
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    // A chunk may end inside a character; the decoder keeps its first bytes for the next one.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      const text = rest + (read === 0 ? decoder.end() : decoder.write(chunk.subarray(0, read)));
      const lines = text.split('\n');
      rest = read === 0 ? '' : (lines.pop() ?? '');
      lines.forEach((line) => collector.add(parseProfileLine(line)));
      if (read === 0) {
        return collector.runs();
      }
    }
  } catch (error) {
    if (error instanceof SyntaxError || /one event per line/.test(String(error))) {
      // Not ORT's usual layout: read it whole.
      return parseProfile(JSON.parse(readFileSync(path, 'utf8')));
    }
    throw error;
  } finally {
    closeSync(fd);
  }
}

/** Whether a file is a profile ORT wrote for `prefix` (it appends `_<date>_<time>.json`). */
const isProfileOf = (file: string, prefix: string): boolean =>
  file.startsWith(`${prefix}_`) && file.endsWith('.json');

/** Reads and removes the profile files of `prefix` in `folder`; returns their runs. */
export function takeProfile(folder: string, prefix: string): ProfiledRun[] {
  const files = readdirSync(folder).filter((file) => isProfileOf(file, prefix));
  if (files.length === 0) {
    throw new Error(`ONNX Runtime wrote no profile in ${folder}.`);
  }
  const runs: ProfiledRun[] = [];
  for (const file of files.sort()) {
    const path = join(folder, file);
    try {
      runs.push(...readProfileFile(path));
    } finally {
      rmSync(path, { force: true });
    }
  }
  return runs;
}

/** Removes the profile files that start with `prefix` in `folder`, unread. */
export function removeProfiles(folder: string, prefix: string): void {
  for (const file of readdirSync(folder)) {
    if (isProfileOf(file, prefix)) {
      rmSync(join(folder, file), { force: true });
    }
  }
}

const PREFIX = 'resnext-ort-';
const folders = new Set<string>();
let started = false;

/** Whether a process is alive (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process id a temporary folder's name carries, if it is one of ours. */
function ownerOf(name: string): number | undefined {
  const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Removes the folders whose owner `doomed` picks; returns their names. */
function removeFolders(parent: string, doomed: (pid: number) => boolean): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = ownerOf(name);
    if (pid !== undefined && doomed(pid)) {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Removes the folders of processes that are gone, at the first start of an engine: a crashed or
 * killed engine whose client could not clean up leaves its folder until then.
 */
export function sweepTempFolders(parent = tmpdir()): string[] {
  return removeFolders(parent, (pid) => pid !== process.pid && !isAlive(pid));
}

/**
 * Removes the folders of one engine process that has exited; its client calls this, since an
 * engine stopped with SIGKILL (the CLI's end, a cancel, the memory cap) cannot clean up itself.
 */
export function removeTempFoldersOf(pid: number, parent = tmpdir()): string[] {
  return pid === process.pid ? [] : removeFolders(parent, (owner) => owner === pid);
}

/**
 * A fresh temporary folder for profiles and optimised graphs, named after this process; removed by
 * `removeTempFolder`, at exit, or by the next start's sweep.
 */
export function makeTempFolder(): string {
  if (!started) {
    started = true;
    sweepTempFolders();
    process.once('exit', () =>
      folders.forEach((path) => rmSync(path, { recursive: true, force: true })),
    );
  }
  const folder = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  folders.add(folder);
  return folder;
}

/** Removes a temporary folder and everything in it. */
export function removeTempFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  folders.delete(folder);
}
