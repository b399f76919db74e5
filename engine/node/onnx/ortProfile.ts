/**
 * Reading ONNX Runtime's profiler output: a Chrome-trace JSON array of events, one `model_run`
 * (category `Session`) per run and one `<node>_kernel_time` (category `Node`) per node executed,
 * times in microseconds. Files live in a temporary folder of ours and are removed once read.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One run in a profile: its wall time and each node's kernel time, in milliseconds. */
export interface ProfiledRun {
  totalMs: number;
  /** Node name → milliseconds (summed if the node ran more than once in the run). */
  nodeMs: Map<string, number>;
  /** The most bytes ORT's CPU arena held during the run, when its events say (`mem_arena_held`). */
  arenaBytes: number;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { mem_arena_held?: string | number };
}

const KERNEL_SUFFIX = '_kernel_time';

/** Splits a profile's events into runs, in the order they ran. */
export function parseProfile(events: unknown): ProfiledRun[] {
  if (!Array.isArray(events)) {
    throw new Error('An ONNX Runtime profile must be a JSON array of events.');
  }
  const list = events as TraceEvent[];
  const runs = list
    .filter((event) => event.cat === 'Session' && event.name === 'model_run')
    .map((event) => ({
      start: event.ts ?? 0,
      end: (event.ts ?? 0) + (event.dur ?? 0),
      dur: event.dur ?? 0,
    }))
    .sort((a, b) => a.start - b.start);
  const parsed: ProfiledRun[] = runs.map((run) => ({
    totalMs: run.dur / 1000,
    nodeMs: new Map(),
    arenaBytes: 0,
  }));
  for (const event of list) {
    if (event.cat !== 'Node' || !event.name?.endsWith(KERNEL_SUFFIX)) {
      continue;
    }
    const ts = event.ts ?? 0;
    const index = runs.findIndex((run) => ts >= run.start && ts <= run.end);
    if (index < 0) {
      continue;
    }
    const node = event.name.slice(0, -KERNEL_SUFFIX.length);
    const run = parsed[index];
    run.nodeMs.set(node, (run.nodeMs.get(node) ?? 0) + (event.dur ?? 0) / 1000);
    const held = Number(event.args?.mem_arena_held ?? 0);
    run.arenaBytes = Math.max(run.arenaBytes, Number.isFinite(held) ? held : 0);
  }
  return parsed;
}

/** Reads and removes the profile files that start with `prefix` in `folder`; returns their runs. */
export function takeProfile(folder: string, prefix: string): ProfiledRun[] {
  const files = readdirSync(folder).filter(
    (file) => file.startsWith(prefix) && file.endsWith('.json'),
  );
  if (files.length === 0) {
    throw new Error(`ONNX Runtime wrote no profile in ${folder}.`);
  }
  const runs: ProfiledRun[] = [];
  for (const file of files.sort()) {
    const path = join(folder, file);
    try {
      runs.push(...parseProfile(JSON.parse(readFileSync(path, 'utf8'))));
    } finally {
      rmSync(path, { force: true });
    }
  }
  return runs;
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

/**
 * Removes the folders of processes that are gone. An engine in a worker thread is terminated
 * with its process, without running exit handlers, so its folder outlives it until the next start.
 */
export function sweepTempFolders(parent = tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (match && Number(match[1]) !== process.pid && !isAlive(Number(match[1]))) {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
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
