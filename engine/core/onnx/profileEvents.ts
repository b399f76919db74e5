/**
 * ONNX Runtime's profiler output as runs: a Chrome-trace array of events, one `model_run`
 * (category `Session`) per run and one `<node>_kernel_time` (category `Node`) per node executed,
 * times in microseconds. Portable: the events are handed in one at a time (ORT writes one per
 * line), so a host reads its file (Node) or string (a browser) without holding all of it.
 */

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

interface Kernel {
  ts: number;
  ms: number;
  node: string;
  arenaBytes: number;
}

const KERNEL_SUFFIX = '_kernel_time';

/** Collects the runs of a profile from its events, in any order; keeps only what runs need. */
export class ProfileCollector {
  private readonly sessions: { start: number; end: number }[] = [];
  private readonly kernels: Kernel[] = [];

  /** Takes one event; anything but a run or a node's kernel time is ignored. */
  add(value: unknown): void {
    const event = value as TraceEvent | null;
    if (event?.cat === 'Session' && event.name === 'model_run') {
      const start = event.ts ?? 0;
      this.sessions.push({ start, end: start + (event.dur ?? 0) });
    } else if (event?.cat === 'Node' && event.name?.endsWith(KERNEL_SUFFIX)) {
      const held = Number(event.args?.mem_arena_held ?? 0);
      this.kernels.push({
        ts: event.ts ?? 0,
        ms: (event.dur ?? 0) / 1000,
        node: event.name.slice(0, -KERNEL_SUFFIX.length),
        arenaBytes: Number.isFinite(held) ? held : 0,
      });
    }
  }

  /** The runs in the order they ran, each with the kernels that ran inside it. */
  runs(): ProfiledRun[] {
    const sessions = [...this.sessions].sort((a, b) => a.start - b.start);
    const kernels = [...this.kernels].sort((a, b) => a.ts - b.ts);
    const runs: ProfiledRun[] = sessions.map((run) => ({
      totalMs: (run.end - run.start) / 1000,
      nodeMs: new Map(),
      arenaBytes: 0,
    }));
    let index = 0;
    for (const kernel of kernels) {
      while (index < sessions.length && kernel.ts > sessions[index].end) {
        index += 1;
      }
      if (index >= sessions.length) {
        break;
      }
      if (kernel.ts < sessions[index].start) {
        continue; // between runs (session start-up): no run's time
      }
      const run = runs[index];
      run.nodeMs.set(kernel.node, (run.nodeMs.get(kernel.node) ?? 0) + kernel.ms);
      run.arenaBytes = Math.max(run.arenaBytes, kernel.arenaBytes);
    }
    return runs;
  }
}

/** Splits a whole profile's events into runs, in the order they ran. */
export function parseProfile(events: unknown): ProfiledRun[] {
  if (!Array.isArray(events)) {
    throw new Error('An ONNX Runtime profile must be a JSON array of events.');
  }
  const collector = new ProfileCollector();
  events.forEach((event) => collector.add(event));
  return collector.runs();
}

/**
 * One line of ORT's profile file: an event (`{…},` or the last `{…}`), or undefined for the
 * brackets around them and blank lines. Throws on anything else, so a caller can fall back to
 * reading the file whole.
 */
export function parseProfileLine(line: string): unknown {
  const text = line.trim().replace(/,$/, '');
  if (text === '' || text === '[' || text === ']') {
    return undefined;
  }
  if (!text.startsWith('{')) {
    throw new Error(`Not one event per line: ${text.slice(0, 40)}`);
  }
  return JSON.parse(text);
}
