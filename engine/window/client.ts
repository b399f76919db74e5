/**
 * The window's side of its engine: starts the engine's Web Worker on first use, pairs calls with
 * results and fans profile events out. When the worker ends (a lost GPU device, an uncaught error)
 * the calls it had and the runs it was running end with ENGINE_CRASHED, and the next call starts a
 * fresh worker. It offers the engine calls the renderer routes here for the "In this window"
 * backends.
 */
import type { ActivationOptions } from '../../shared/api';
import type {
  EngineCallMessage,
  EngineCalls,
  EngineMethod,
  EngineWorkerMessage,
} from '../../shared/engineProtocol';
import { InspectorError } from '../../shared/errors';
import type { ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import type {
  ActivationMaps,
  BackendStatus,
  ProfileEvent,
  ProfileRequest,
} from '../../shared/profile';

/** The prefix of the ids of runs in the window's engine (the engine process's start `run-`). */
export const WINDOW_RUN_PREFIX = 'wrun-';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const startWorker = (): Worker =>
  new Worker(new URL('./worker.ts', import.meta.url), {
    type: 'module',
    name: 'ResNeXt Inspector window engine',
  });

/** The window's engine, behind the engine calls. */
export class WindowEngine {
  private worker?: Worker;
  /** Messages posted before the worker said it listens (a module worker may drop them). */
  private waiting?: EngineCallMessage[];
  private nextId = 1;
  private reason?: string;
  private readonly pending = new Map<number, Pending>();
  private readonly openRuns = new Set<string>();
  private readonly listeners = new Set<(events: ProfileEvent[]) => void>();

  constructor(private readonly createWorker: () => Worker = startWorker) {}

  backends(): Promise<BackendStatus[]> {
    return this.call('backends', []);
  }

  describe(source: ModelConfig | { file: string }): Promise<ModelGraph> {
    return this.call('describe', [source]);
  }

  /** Opens a model from files picked or dropped in the window. */
  openModel(main: File, others: File[] = []): Promise<ModelGraph> {
    return this.call('openModel', [{ main, others }]);
  }

  async profile(request: ProfileRequest): Promise<{ runId: string }> {
    const runId = `${WINDOW_RUN_PREFIX}${crypto.randomUUID()}`;
    const started = await this.call('profile', [request, runId]);
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

  /** Ends the worker; what waited on it fails. */
  dispose(): void {
    this.lost('the window was closed');
  }

  private call<M extends EngineMethod>(
    method: M,
    args: EngineCalls[M]['args'],
  ): Promise<EngineCalls[M]['value']> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message = { kind: 'call', id, method, args } as EngineCallMessage;
      if (this.waiting) {
        this.waiting.push(message);
      } else {
        worker.postMessage(message);
      }
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) {
      return this.worker;
    }
    const worker = this.createWorker();
    worker.addEventListener('message', (event: MessageEvent<EngineWorkerMessage>) =>
      this.receive(event.data),
    );
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.lost(
        `it failed: ${event.message || String(event.error ?? 'the worker could not start')}`,
      );
    });
    this.worker = worker;
    this.waiting = [];
    return worker;
  }

  private receive(message: EngineWorkerMessage): void {
    if (message.kind === 'ready') {
      // Its modules have loaded (one awaits at its top level) and it listens: send what waited.
      const waiting = this.waiting ?? [];
      this.waiting = undefined;
      waiting.forEach((call) => this.worker?.postMessage(call));
    } else if (message.kind === 'result') {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.result.ok) {
        pending?.resolve(message.result.value);
      } else {
        pending?.reject(
          new InspectorError(message.result.error.code, message.result.error.message),
        );
      }
    } else if (message.kind === 'events') {
      for (const event of message.events) {
        if (event.type === 'run-finished' || event.type === 'error') {
          this.openRuns.delete(event.runId);
        }
      }
      this.deliver(message.events);
    } else if (message.kind === 'fatal') {
      this.reason = message.reason;
    } else if (message.kind === 'exiting') {
      this.lost(this.reason ?? 'it ended');
    }
  }

  private deliver(events: ProfileEvent[]): void {
    for (const listener of this.listeners) {
      listener(events);
    }
  }

  /** The worker is gone: fail what waited on it and let the next call start a fresh one. */
  private lost(why: string): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.waiting = undefined;
    this.reason = undefined;
    const error = new InspectorError(
      'ENGINE_CRASHED',
      `The window's engine stopped (${why}); it starts afresh on the next run.`,
    );
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
