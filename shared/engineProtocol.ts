/**
 * The typed messages between a host (EngineClient) and the engine worker. Pure types: the host
 * side lives in electron/engine/client.ts, the worker side in electron/engine/worker.ts.
 */
import type { ActivationOptions } from './api';
import type { Result } from './errors';
import type { ModelConfig } from './modelConfig';
import type { ModelGraph } from './modelGraph';
import type { ActivationMaps, BackendStatus, ProfileEvent, ProfileRequest } from './profile';

/** Every call the worker answers: its arguments and the value of its result. */
export interface EngineCalls {
  backends: { args: []; value: BackendStatus[] };
  describe: { args: [config: ModelConfig]; value: ModelGraph };
  /** The host names the run, so that a cancel can precede the run's start. */
  profile: { args: [request: ProfileRequest, runId: string]; value: { runId: string } };
  cancel: { args: [runId: string]; value: void };
  activations: {
    args: [runId: string, layerId: number, options: ActivationOptions];
    value: ActivationMaps;
  };
}

/** The name of a worker call. */
export type EngineMethod = keyof EngineCalls;

/** A call from the host; `id` pairs it with its result. */
export type EngineCallMessage = {
  [M in EngineMethod]: { kind: 'call'; id: number; method: M; args: EngineCalls[M]['args'] };
}[EngineMethod];

/**
 * A test hook: makes the worker die, by `process.exit`, by an uncaught exception, or as after a
 * fatal WebAssembly abort (out of memory).
 */
export interface EngineCrashMessage {
  kind: 'crash';
  how: 'exit' | 'throw' | 'abort';
}

/** A message from the host to the worker. */
export type EngineHostMessage = EngineCallMessage | EngineCrashMessage;

/** A message from the worker to the host. */
export type EngineWorkerMessage =
  /** The worker has loaded and listens. */
  | { kind: 'ready' }
  /** The outcome of call `id`. */
  | { kind: 'result'; id: number; result: Result<unknown> }
  /** A batch of profile events, in order. */
  | { kind: 'events'; events: ProfileEvent[] }
  /** An error left the runtime unusable; the worker exits next and should be restarted. */
  | { kind: 'fatal'; reason: string };

/** What the host passes to a new worker. */
export interface EngineWorkerData {
  /** Honour `crash` messages (tests only). */
  testHooks: boolean;
}
