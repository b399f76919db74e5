/**
 * The one API between the renderer and whatever serves it: the Electron preload (IPC) or the
 * browser-mode server (HTTP + WebSocket). The renderer sees only `InspectorApi`; the transports
 * carry `Result` envelopes and turn them back into values or thrown `InspectorError`s.
 */
import type { BlockForms } from './blockForms';
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

/** What `saveFile` is saving; picks the dialog's filter and the default extension. */
export type SaveFileKind = 'png' | 'svg' | 'txt' | 'csv' | 'json' | 'md' | 'trace';

/** Facts about the running app. */
export interface AppInfo {
  name: string;
  version: string;
  /** `electron` or `browser`. */
  shell: 'electron' | 'browser';
  /** e.g. `linux x64`. */
  platform: string;
  /** Versions of the runtimes that matter: node, tfjs, electron, chrome. */
  versions: Record<string, string>;
  backends: BackendStatus[];
}

/**
 * A model file to open, as the renderer names it: a path on this machine (the desktop app: from
 * File › Open, a dropped file or the recent list), or files uploaded to the browser-mode server
 * (`uploadFile` ids: the main file, and a TF.js model.json's weight shards).
 */
export type OpenModelSource =
  { kind: 'path'; path: string } | { kind: 'upload'; main: string; others?: string[] };

/** Options of an activations request. */
export interface ActivationOptions {
  /** How many channels to return as images, 1–64. */
  channels: number;
}

/** The named calls and the event stream the renderer may use; nothing else crosses. */
export interface InspectorApi {
  backends(): Promise<BackendStatus[]>;
  /**
   * Builds (or reuses) the model for a config and describes it, or describes a model opened from
   * a file (`{ file: id }`); weights carry statistics.
   */
  describe(source: ModelConfig | { file: string }): Promise<ModelGraph>;
  /** Opens a Keras `.h5`/`.keras` or TF.js `model.json` with its weights and describes it. */
  openModel(source: OpenModelSource): Promise<ModelGraph>;
  /**
   * Shows the desktop app's Open dialog; resolves with the chosen file, or null when none was
   * chosen. In browser mode the page picks files itself and the server refuses this call.
   */
  chooseModelFile(): Promise<OpenModelSource | null>;
  /** Starts a profile run; its events arrive through `onProfileEvents`. */
  profile(request: ProfileRequest): Promise<{ runId: string }>;
  /** Stops a run between layers; its last event is an error with code CANCELLED. */
  cancel(runId: string): Promise<void>;
  /** One layer's activation statistics and first channels, from a run made with stats. */
  activations(runId: string, layerId: number, options: ActivationOptions): Promise<ActivationMaps>;
  /**
   * Runs one block of a config's model (the described one: same weights) in the paper's form (a),
   * C separate paths, and form (c), one grouped convolution, on the same input; compares and times them.
   */
  blockForms(config: ModelConfig, stage: number, block: number): Promise<BlockForms>;
  /**
   * Runs one input (an image, with its scale) through a model, built from a config or opened from
   * a file (`{ file: id }`), and returns its whole output and its `top` classes; refused with
   * NOT_RUNNABLE, as a profile is, for a model that cannot run.
   */
  predict(
    source: ModelConfig | { file: string },
    input: InputSource,
    options: PredictOptions,
  ): Promise<Prediction>;
  /** Saves a file: a save dialog in Electron, a download in the browser. `data` is text or base64 for png. */
  saveFile(
    kind: SaveFileKind,
    data: string,
    suggestedName: string,
  ): Promise<{ saved: boolean; path?: string }>;
  appInfo(): Promise<AppInfo>;
  /** Subscribes to profile events, delivered in batches; returns the unsubscribe function. */
  onProfileEvents(listener: (events: ProfileEvent[]) => void): () => void;
  /**
   * Subscribes to the application menu's commands; returns the unsubscribe function. Present only
   * in Electron, where there is a menu; absent in browser mode.
   */
  onMenu?(listener: (command: MenuCommand) => void): () => void;
  /**
   * Streams a file to the server that served the page (`POST /api/upload`), reporting progress;
   * resolves with the id that later calls name it by (an image input `{ kind: 'upload', id }`).
   * Present only in browser mode; in Electron the files are sent themselves.
   */
  uploadFile?(
    file: Blob,
    name: string,
    onProgress?: (sentBytes: number, totalBytes: number) => void,
  ): Promise<UploadedFile>;
  /**
   * The path on this machine of a File the person dropped or picked (Electron's
   * `webUtils.getPathForFile`, called in the preload; no IPC), or '' for a File made in the page.
   * Present only in Electron.
   */
  pathForFile?(file: File): string;
  /**
   * Keeps the Files a model was opened from in this window (its id is `ModelFileInfo.id`), so that
   * the window's own engine can open the same model for a run on an "In this window" backend.
   * Present where the window has an engine (renderer/src/api/withWindowEngine.ts).
   */
  rememberModelFiles?(fileId: string, main: File, others: File[]): void;
}

/** A file the browser-mode server holds after `uploadFile`. */
export interface UploadedFile {
  /** The random id later calls name it by. */
  id: string;
  /** The name it was sent with. */
  name: string;
  bytes: number;
}

/** The commands of the Electron application menu, as the renderer receives them. */
export const MENU_COMMANDS = [
  'file-open',
  'export-png',
  'export-svg',
  'export-summary',
  'export-trace',
  'view-fit',
  'view-collapse-all',
  'view-expand-all',
  'view-heat-map',
  'help-about',
  'help-backends',
] as const;

/** One command of the application menu. */
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** The names of the request/response calls of InspectorApi. */
export const API_CALLS = [
  'backends',
  'describe',
  'openModel',
  'chooseModelFile',
  'profile',
  'cancel',
  'activations',
  'blockForms',
  'predict',
  'saveFile',
  'appInfo',
] as const satisfies readonly (keyof InspectorApi)[];

/** One of the request/response calls. */
export type ApiCall = (typeof API_CALLS)[number];
