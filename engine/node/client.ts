/**
 * EngineClient: the host side of the engine process. Starts the process on first use, pairs calls
 * with results, fans profile event batches out to listeners. The process is disposable:
 * - when it dies (a crash, kill -9, going over its memory cap), calls it had not yet accepted are
 *   sent to a fresh process, runs it had not yet started are started there, and the rest end with
 *   ENGINE_CRASHED; nothing is ever sent to a process known to be dying;
 * - a cancelled run that does not stop within a moment (a whole pass, an ONNX Runtime pass) is
 *   ended by killing the process, which the next call replaces.
 * Implements the engine part of InspectorApi, so the browser-mode server, the CLI and the Electron
 * main process pass its calls straight through.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ActivationOptions } from '../../shared/api';
import { parseCall } from '../../shared/apiSchemas';
import type { BlockForms } from '../../shared/blockForms';
import type {
  ModelFileSpec,
  EngineCallMessage,
  EngineCalls,
  EngineHostMessage,
  EngineMethod,
  EngineWorkerMessage,
} from '../../shared/engineProtocol';
import { InspectorError, toErrorInfo } from '../../shared/errors';
import { checkedConfig, type ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import type { PredictOptions, Prediction } from '../../shared/predict';
import type {
  ActivationMaps,
  BackendStatus,
  InputSource,
  ProfileEvent,
  ProfileRequest,
} from '../../shared/profile';
import type { EngineService } from '../../shared/wire';
import { checkMemory, formatBytes } from '../core/memoryGuard';
import { engineMemoryCap, nodeBudget } from './memory';
import { removeTempFoldersOf } from './onnx/ortProfile';
import { forkSpawner, type EngineChild, type EngineSpawner } from './spawn';

/** Options of an EngineClient. */
export interface EngineClientOptions {
  /** How to start the engine process; default `child_process.fork` of engine/node/process.ts. */
  spawner?: EngineSpawner;
  /** Let tests crash the engine on purpose (`crashForTest`). */
  testHooks?: boolean;
  /** The engine's memory cap in bytes; default engineMemoryCap(). */
  capBytes?: number;
  /** How long a cancelled run may take to stop before its process is killed (default 500 ms). */
  cancelGraceMs?: number;
  /** Reads a process's resident bytes; default /proc on Linux, else the engine's own reports. */
  readRss?: (pid: number) => number | undefined;
}

interface Pending {
  message: EngineCallMessage;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Whether the engine has acknowledged it: from then on it may have caused a death. */
  accepted: boolean;
  /** Times it was sent again to a fresh engine. */
  replays: number;
}

interface OpenRun {
  request: ProfileRequest;
  /** Whether its run-started event has arrived: a run not yet started can move to a fresh engine. */
  started: boolean;
  cancelTimer?: ReturnType<typeof setTimeout>;
}

/** One engine process and what is known of it. */
interface Live {
  child: EngineChild;
  /** Why it is ending, when we know better than its exit code (its own report, our kill). */
  reason?: string;
  /** A run whose cancel killed it: that run ends CANCELLED, not ENGINE_CRASHED. */
  cancelledRun?: string;
  /** Its resident bytes as it last reported them. */
  reportedRss: number;
  /** Its peak resident bytes as it last reported them. */
  peakRss: number;
  watchdog?: ReturnType<typeof setInterval>;
}

/** How often the client checks the engine's memory against its cap. */
const WATCHDOG_MS = 250;
/** How many times a call the engine never accepted is sent again. */
const MAX_REPLAYS = 2;

/** Profile runs the engine may have queued or running at once, over every caller. */
export const MAX_OPEN_RUNS = 16;

/** Resident bytes of a process from /proc (Linux); undefined where there is no /proc. */
export function procRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kilobytes === undefined ? undefined : Number(kilobytes) * 1024;
  } catch {
    return undefined;
  }
}

const capitalised = (text: string): string => `${text[0].toUpperCase()}${text.slice(1)}`;

/** The engine in a process of its own, behind the calls of InspectorApi. */
export class EngineClient implements EngineService {
  private live?: Live;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly openRuns = new Map<string, OpenRun>();
  /** `profile` calls sent whose run is not yet in openRuns. */
  private startingRuns = 0;
  private readonly listeners = new Set<(events: ProfileEvent[]) => void>();
  private disposed = false;
  private readonly spawner: EngineSpawner;
  private readonly capBytes: number;

  constructor(private readonly options: EngineClientOptions = {}) {
    this.spawner = options.spawner ?? forkSpawner();
    this.capBytes = options.capBytes ?? engineMemoryCap();
  }

  /** The engine process's peak resident bytes as it last reported them (benchmarks). */
  get enginePeakRss(): number {
    return this.live?.peakRss ?? 0;
  }

  /** The engine process's id, when one is running (tests, diagnostics). */
  get pid(): number | undefined {
    return this.live?.child.pid;
  }

  backends(): Promise<BackendStatus[]> {
    return this.call('backends', []);
  }

  /** Describes a model built from a config, or an opened file's model (`{ file: id }`). */
  describe(source: ModelConfig | { file: string }): Promise<ModelGraph> {
    return this.call('describe', [source]);
  }

  /** Opens a model file from paths on this machine and describes it. */
  openModel(spec: ModelFileSpec): Promise<ModelGraph> {
    return this.call('openModel', [spec]);
  }

  /**
   * Starts a run: checks the config and the memory budget here, at once and before anything is
   * built, then hands the run to the engine. Resolves with the run id before the run starts.
   */
  async profile(request: ProfileRequest): Promise<{ runId: string }> {
    if (!Number.isInteger(request.batch) || request.batch < 1) {
      throw new InspectorError(
        'INVALID_REQUEST',
        `batch must be a positive integer, but got ${request.batch}.`,
      );
    }
    // A model read from a file is estimated by the engine, which holds its description.
    const checked: ProfileRequest =
      request.file === undefined ? { ...request, config: checkedConfig(request.config) } : request;
    if (checked.config) {
      const budget = request.memoryBudgetBytes ?? nodeBudget(request.backend, this.capBytes);
      checkMemory(checked.config, request.batch, budget);
    }
    // The memory guard speaks first (it names the estimate); then every field is checked.
    parseCall('profile', [checked]);
    if (this.openRuns.size + this.startingRuns >= MAX_OPEN_RUNS) {
      throw new InspectorError(
        'INVALID_REQUEST',
        `The engine has ${MAX_OPEN_RUNS} profile runs queued or running, the most it takes; wait for one to finish or cancel one.`,
      );
    }
    const runId = `run-${randomUUID()}`;
    this.startingRuns += 1;
    let started: { runId: string };
    try {
      started = await this.call('profile', [checked, runId]);
    } finally {
      this.startingRuns -= 1;
    }
    // Its events come after the result: from here a death must end the run with an event.
    this.openRuns.set(runId, { request: checked, started: false });
    return started;
  }

  /**
   * Stops a run. The engine stops between layers; a run still going after the grace period (a
   * whole pass, an ONNX Runtime pass) is stopped by killing the engine process.
   */
  async cancel(runId: string): Promise<void> {
    const live = this.live;
    if (!live) {
      return;
    }
    const run = this.openRuns.get(runId);
    if (run && !run.cancelTimer) {
      run.cancelTimer = setTimeout(() => {
        if (this.live === live && this.openRuns.get(runId)?.started) {
          live.cancelledRun = runId;
          this.kill(live, 'the engine was stopped to cancel a run');
        }
      }, this.options.cancelGraceMs ?? 500);
      run.cancelTimer.unref?.();
    }
    await this.call('cancel', [runId]);
  }

  activations(runId: string, layerId: number, options: ActivationOptions): Promise<ActivationMaps> {
    return this.call('activations', [runId, layerId, options]);
  }

  blockForms(config: ModelConfig, stage: number, block: number): Promise<BlockForms> {
    return this.call('blockForms', [config, stage, block]);
  }

  /** One input through a model: its whole output and top classes. */
  predict(
    source: ModelConfig | { file: string },
    input: InputSource,
    options: PredictOptions,
  ): Promise<Prediction> {
    return this.call('predict', [source, input, options]);
  }

  onProfileEvents(listener: (events: ProfileEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops the engine; pending calls are rejected and open runs end with an error. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const live = this.live;
    if (live) {
      const exited = new Promise<void>((resolve) => live.child.onExit(() => resolve()));
      this.kill(live, 'the engine was shut down');
      await exited;
    }
  }

  /** Test hook: makes the engine die by `process.exit`, an uncaught exception or a fatal abort. */
  crashForTest(how: 'exit' | 'throw' | 'abort'): void {
    this.live?.child.send({ kind: 'crash', how } satisfies EngineHostMessage);
  }

  /** Test hook: kills the engine process from outside, as an out-of-memory killer would. */
  async terminateForTest(): Promise<void> {
    const pid = this.live?.child.pid;
    if (pid !== undefined) {
      const exited = new Promise<void>((resolve) => this.live?.child.onExit(() => resolve()));
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  }

  private call<M extends EngineMethod>(
    method: M,
    args: EngineCalls[M]['args'],
  ): Promise<EngineCalls[M]['value']> {
    if (this.disposed) {
      return Promise.reject(new InspectorError('ENGINE_CRASHED', 'The engine has been shut down.'));
    }
    const id = this.nextId++;
    const message = { kind: 'call', id, method, args } as EngineCallMessage;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        message,
        resolve: resolve as (value: unknown) => void,
        reject,
        accepted: false,
        replays: 0,
      });
      this.ensureEngine().child.send(message);
    });
  }

  private ensureEngine(): Live {
    if (this.live) {
      return this.live;
    }
    const child = this.spawner({
      testHooks: this.options.testHooks ?? false,
      capBytes: this.capBytes,
    });
    const live: Live = { child, reportedRss: 0, peakRss: 0 };
    child.onMessage((message) => this.receive(live, message));
    child.onExit((code, signal) => this.lost(live, code, signal));
    live.watchdog = setInterval(() => this.checkMemory(live), WATCHDOG_MS);
    live.watchdog.unref?.();
    this.live = live;
    return live;
  }

  /** Kills an engine process; what waited on it is settled when it has exited. */
  private kill(live: Live, reason: string): void {
    live.reason ??= reason;
    if (this.live === live) {
      // From now on calls go to a fresh engine, never to this dying one.
      this.live = undefined;
    }
    live.child.kill();
  }

  private checkMemory(live: Live): void {
    const pid = live.child.pid;
    const read = this.options.readRss ?? procRss;
    const rss = (pid === undefined ? undefined : read(pid)) ?? live.reportedRss;
    if (rss > this.capBytes) {
      this.kill(
        live,
        `the engine went over its memory cap (${formatBytes(rss)} of ${formatBytes(this.capBytes)}); lower the batch or the input size`,
      );
    }
  }

  private receive(live: Live, message: EngineWorkerMessage): void {
    switch (message.kind) {
      case 'accepted': {
        const pending = this.pending.get(message.id);
        if (pending) {
          pending.accepted = true;
        }
        return;
      }
      case 'memory':
        live.reportedRss = message.rssBytes;
        live.peakRss = message.peakRssBytes;
        return;
      case 'fatal':
        live.reason ??= `the engine ${message.uncaught ? 'crashed' : 'failed'}: ${message.reason}`;
        return;
      case 'result':
        this.settle(message.id, message.result);
        return;
      case 'events':
        this.track(message.events);
        this.deliver(message.events);
        return;
      default:
        return;
    }
  }

  private settle(id: number, result: Extract<EngineWorkerMessage, { kind: 'result' }>['result']) {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (!pending) {
      return;
    }
    if (result.ok) {
      pending.resolve(result.value);
    } else {
      pending.reject(new InspectorError(result.error.code, result.error.message));
    }
  }

  private track(events: readonly ProfileEvent[]): void {
    for (const event of events) {
      const run = this.openRuns.get(event.runId);
      if (!run) {
        continue;
      }
      if (event.type === 'run-started') {
        run.started = true;
      } else if (event.type === 'run-finished' || event.type === 'error') {
        clearTimeout(run.cancelTimer);
        this.openRuns.delete(event.runId);
      }
    }
  }

  private deliver(events: ProfileEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (error) {
        // A listener's bug must not stop the others or the engine.
        console.error('A profile event listener threw:', toErrorInfo(error).message);
      }
    }
  }

  /**
   * An engine process has exited: calls it never accepted and runs it never started go to a fresh
   * one; the rest fail with ENGINE_CRASHED (a cancelled run with CANCELLED).
   */
  private lost(live: Live, code: number | null, signal: string | null): void {
    clearInterval(live.watchdog);
    if (live.child.pid !== undefined) {
      // An engine stopped by SIGKILL (dispose, a cancel, the memory cap) cannot remove its
      // temporary files (ONNX Runtime's optimised graph, profiles): its client does.
      removeTempFoldersOf(live.child.pid);
    }
    if (this.live === live) {
      this.live = undefined;
    }
    const what =
      live.reason ??
      (signal ? `the engine was killed (${signal})` : `the engine exited with code ${code}`);
    const message = this.disposed
      ? `${capitalised(what)}.`
      : `${capitalised(what)}; it restarts on the next request.`;
    const error = new InspectorError('ENGINE_CRASHED', message);
    const again: Pending[] = [];
    for (const [id, pending] of this.pending) {
      if (!this.disposed && !pending.accepted && pending.replays < MAX_REPLAYS) {
        again.push(pending);
      } else {
        this.pending.delete(id);
        pending.reject(error);
      }
    }
    const ended: ProfileEvent[] = [];
    const restart: [string, OpenRun][] = [];
    const cancelled = new InspectorError('CANCELLED', 'The profile run was cancelled.');
    for (const [runId, run] of this.openRuns) {
      clearTimeout(run.cancelTimer);
      this.openRuns.delete(runId);
      if (runId === live.cancelledRun || (!run.started && run.cancelTimer)) {
        ended.push({ type: 'error', runId, error: cancelled.toInfo() });
      } else if (!run.started && !this.disposed) {
        restart.push([runId, run]);
      } else {
        ended.push({ type: 'error', runId, error: error.toInfo() });
      }
    }
    if (ended.length > 0) {
      this.deliver(ended);
    }
    this.resend(again, restart);
  }

  /** Sends calls and runs that a dead engine never began to a fresh one. */
  private resend(calls: Pending[], runs: [string, OpenRun][]): void {
    if (calls.length === 0 && runs.length === 0) {
      return;
    }
    const fresh = this.ensureEngine();
    for (const pending of calls) {
      pending.replays += 1;
      fresh.child.send(pending.message);
    }
    for (const [runId, run] of runs) {
      // Its call was answered already: the run only needs starting, under the same id. It is open
      // again once the fresh engine has taken it; if that fails, the run ends with the failure.
      const id = this.nextId++;
      const message = {
        kind: 'call',
        id,
        method: 'profile',
        args: [run.request, runId],
      } as EngineCallMessage;
      this.pending.set(id, {
        message,
        resolve: () => this.openRuns.set(runId, { request: run.request, started: false }),
        reject: (failure) => this.deliver([{ type: 'error', runId, error: toErrorInfo(failure) }]),
        accepted: false,
        replays: 0,
      });
      fresh.child.send(message);
    }
  }
}
