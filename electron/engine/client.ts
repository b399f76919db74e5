/**
 * EngineClient: the host side of the engine worker. Spawns the worker on first use, pairs calls
 * with results, fans profile event batches out to listeners, and when the worker dies rejects
 * what was pending and ends every open run with an ENGINE_CRASHED error event; the next call
 * starts a fresh worker. Implements the engine part of InspectorApi, so the browser-mode server
 * and the Electron main process pass its calls straight through.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ActivationOptions } from '../../shared/api';
import { parseCall } from '../../shared/apiSchemas';
import type {
  EngineCalls,
  EngineHostMessage,
  EngineMethod,
  EngineWorkerData,
  EngineWorkerMessage,
} from '../../shared/engineProtocol';
import { InspectorError, toErrorInfo } from '../../shared/errors';
import { checkedConfig, type ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import type {
  ActivationMaps,
  BackendStatus,
  ProfileEvent,
  ProfileRequest,
} from '../../shared/profile';
import type { EngineService } from '../../shared/wire';
import { checkMemory, defaultBudget } from './memoryGuard';

/** Options of an EngineClient. */
export interface EngineClientOptions {
  /** The worker entry; defaults to worker.ts (from source, through tsx) or worker.js next to this module. */
  workerUrl?: URL;
  /** Node options of the worker. */
  execArgv?: string[];
  /** Let tests crash the worker on purpose (`crashForTest`). */
  testHooks?: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * How to start the worker. Built (.js): the worker.js next to this module. From source (tsx,
 * vitest): a tiny bootstrap that registers tsx's loader in the worker thread, then imports
 * worker.ts (`--import tsx` in a worker's execArgv does not reach its entry on Node 20).
 */
function defaultWorker(): { entry: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) {
    return { entry: new URL('./worker.js', import.meta.url), eval: false };
  }
  // `require.resolve` finds the CommonJS build; the ESM build sits beside it.
  const api = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const tsx = pathToFileURL(api).href;
  const worker = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`;
  // A data: URL entry is an ES module of its own; an eval entry would leak CommonJS globals.
  return { entry: new URL(`data:text/javascript,${encodeURIComponent(code)}`), eval: false };
}

/** The engine in a worker thread, behind the calls of InspectorApi. */
export class EngineClient implements EngineService {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly openRuns = new Set<string>();
  private readonly listeners = new Set<(events: ProfileEvent[]) => void>();
  private disposed = false;
  /** Why the worker said it must end, before it exits. */
  private fatalReason?: string;

  constructor(private readonly options: EngineClientOptions = {}) {}

  backends(): Promise<BackendStatus[]> {
    return this.call('backends', []);
  }

  describe(config: ModelConfig): Promise<ModelGraph> {
    return this.call('describe', [config]);
  }

  /**
   * Starts a run: checks the config and the memory budget here, at once and before anything is
   * built, then hands the run to the worker. Resolves with the run id before the run starts.
   */
  async profile(request: ProfileRequest): Promise<{ runId: string }> {
    const config = checkedConfig(request.config);
    if (!Number.isInteger(request.batch) || request.batch < 1) {
      throw new InspectorError(
        'INVALID_REQUEST',
        `batch must be a positive integer, but got ${request.batch}.`,
      );
    }
    checkMemory(config, request.batch, request.memoryBudgetBytes ?? defaultBudget(request.backend));
    // The memory guard speaks first (it names the estimate); then every field is checked.
    parseCall('profile', [{ ...request, config }]);
    const runId = `run-${randomUUID()}`;
    const started = await this.call('profile', [{ ...request, config }, runId]);
    // Its events come after the result: from here a crash must end the run with an event.
    this.openRuns.add(runId);
    return started;
  }

  cancel(runId: string): Promise<void> {
    return this.worker ? this.call('cancel', [runId]) : Promise.resolve();
  }

  activations(runId: string, layerId: number, options: ActivationOptions): Promise<ActivationMaps> {
    return this.call('activations', [runId, layerId, options]);
  }

  onProfileEvents(listener: (events: ProfileEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops the worker; pending calls are rejected and open runs end with an error. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    if (worker) {
      this.lost(worker, 'the engine was shut down');
      await worker.terminate();
    }
  }

  /** Test hook: makes the worker die by `process.exit`, an uncaught exception or a fatal abort. */
  crashForTest(how: 'exit' | 'throw' | 'abort'): void {
    this.worker?.postMessage({ kind: 'crash', how } satisfies EngineHostMessage);
  }

  /** Test hook: ends the worker from outside, as an out-of-memory kill would. */
  async terminateForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  private call<M extends EngineMethod>(
    method: M,
    args: EngineCalls[M]['args'],
  ): Promise<EngineCalls[M]['value']> {
    if (this.disposed) {
      return Promise.reject(new InspectorError('ENGINE_CRASHED', 'The engine has been shut down.'));
    }
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ kind: 'call', id, method, args } as EngineHostMessage);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) {
      return this.worker;
    }
    const data: EngineWorkerData = { testHooks: this.options.testHooks ?? false };
    const { workerUrl, execArgv } = this.options;
    const start = workerUrl ? { entry: workerUrl, eval: false } : defaultWorker();
    const worker = new Worker(start.entry, { eval: start.eval, execArgv, workerData: data });
    worker.on('message', (message: EngineWorkerMessage) => this.receive(message));
    worker.on('error', (error: Error & { code?: string }) => {
      const what =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'the engine ran out of memory'
          : `the engine crashed: ${error.message}`;
      this.lost(worker, what);
    });
    worker.on('exit', (code) => {
      const reason = this.fatalReason;
      this.lost(
        worker,
        reason ? `the engine failed: ${reason}` : `the engine exited with code ${code}`,
      );
    });
    this.worker = worker;
    return worker;
  }

  private receive(message: EngineWorkerMessage): void {
    if (message.kind === 'fatal') {
      this.fatalReason = message.reason;
    } else if (message.kind === 'result') {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (pending) {
        if (message.result.ok) {
          pending.resolve(message.result.value);
        } else {
          const { code, message: text } = message.result.error;
          pending.reject(new InspectorError(code, text));
        }
      }
    } else if (message.kind === 'events') {
      for (const event of message.events) {
        if (event.type === 'run-finished' || event.type === 'error') {
          this.openRuns.delete(event.runId);
        }
      }
      this.deliver(message.events);
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

  /** The worker is gone: fail what waited on it, end its runs, and let the next call start anew. */
  private lost(worker: Worker, what: string): void {
    if (this.worker !== worker) {
      return;
    }
    this.worker = undefined;
    this.fatalReason = undefined;
    const message = this.disposed
      ? `${what[0].toUpperCase()}${what.slice(1)}.`
      : `${what[0].toUpperCase()}${what.slice(1)}; it restarts on the next request.`;
    const error = new InspectorError('ENGINE_CRASHED', message);
    for (const pending of this.pending.values()) {
      pending.reject(error);
    }
    this.pending.clear();
    const events: ProfileEvent[] = [...this.openRuns].map((runId) => ({
      type: 'error',
      runId,
      error: error.toInfo(),
    }));
    this.openRuns.clear();
    if (events.length > 0) {
      this.deliver(events);
    }
  }
}
