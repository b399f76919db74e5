/**
 * The typed messages between a host's client and the engine it runs (an OS process of its own, or
 * a Web Worker in the window). Pure types: the engine side is engine/core/engine.ts `serveEngine`;
 * the clients are engine/node/client.ts and engine/window/client.ts.
 */
import type { ActivationOptions } from './api';
import type { BlockForms } from './blockForms';
import type { Result } from './errors';
import type { ModelConfig } from './modelConfig';
import type { ModelGraph } from './modelGraph';
import type { PredictOptions, Prediction } from './predict';
import type {
  ActivationMaps,
  BackendStatus,
  InputSource,
  ProfileEvent,
  ProfileRequest,
} from './profile';

/** Every call the worker answers: its arguments and the value of its result. */
export interface EngineCalls {
  backends: { args: []; value: BackendStatus[] };
  /** A model built from a config, or one opened from a file (named by its id). */
  describe: { args: [source: ModelConfig | { file: string }]; value: ModelGraph };
  /**
   * Opens a model file: `spec` is what the engine's host reads it from (ModelPaths in the engine
   * process, File objects in the window's engine).
   */
  openModel: { args: [spec: ModelFileSpec]; value: ModelGraph };
  /** The host names the run, so that a cancel can precede the run's start. */
  profile: { args: [request: ProfileRequest, runId: string]; value: { runId: string } };
  cancel: { args: [runId: string]; value: void };
  activations: {
    args: [runId: string, layerId: number, options: ActivationOptions];
    value: ActivationMaps;
  };
  /** One block of a config's model run as C separate paths and as one grouped convolution. */
  blockForms: { args: [config: ModelConfig, stage: number, block: number]; value: BlockForms };
  /** One input through a model (built from a config, or an opened file): its output, top classes. */
  predict: {
    args: [source: ModelConfig | { file: string }, input: InputSource, options: PredictOptions];
    value: Prediction;
  };
}

/**
 * The files of a model, as a host's client names them: paths on the engine's machine (the engine
 * process), or File objects (the window's engine). `names` gives a path the name a person chose
 * (an upload is stored under a name of the server's).
 */
export type ModelFileSpec =
  | { main: string; others?: string[]; names?: Record<string, string> }
  | { main: File; others?: File[] };

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

/** A message from the engine to the host. */
export type EngineWorkerMessage =
  /** The engine has loaded and listens. */
  | { kind: 'ready' }
  /** The engine process exits next; every message before this one has been sent. */
  | { kind: 'exiting' }
  /** Call `id` has arrived and starts now; sent before the call runs. */
  | { kind: 'accepted'; id: number }
  /** The engine's resident memory now and at its peak, reported every so often where it can tell. */
  | { kind: 'memory'; rssBytes: number; peakRssBytes: number }
  /** The outcome of call `id`. */
  | { kind: 'result'; id: number; result: Result<unknown> }
  /** A batch of profile events, in order. */
  | { kind: 'events'; events: ProfileEvent[] }
  /**
   * The engine is about to end: an error left its runtime unusable (a WebAssembly abort), or an
   * exception escaped (`uncaught`). The host starts a fresh engine for the next call.
   */
  | { kind: 'fatal'; reason: string; uncaught?: boolean };

/** What the host passes to a new engine. */
export interface EngineWorkerData {
  /** Honour `crash` messages (tests only). */
  testHooks: boolean;
}
