// Opening a person's model file: from the Open button, a drop on the window, File › Open… or
// the recent list. In browser mode the files stream to the server first (with progress) and are
// opened by their upload ids; in Electron a file is opened by its path (a dropped File's path
// comes from the preload, the Open dialog's from main). While it opens, the model shown stays;
// a failure shows the engine's one message and the model shown still stays.
import type { OpenModelSource } from '../../../shared/api';
import { InspectorError, toErrorInfo } from '../../../shared/errors';
import type { InspectorState } from './inspector.svelte';
import {
  goneMessage,
  pickModelFiles,
  readRecent,
  recentKey,
  withoutRecent,
  withRecent,
  writeRecent,
  type RecentFile,
} from './modelFiles';

/** Where an open is. */
export type OpenPhase = 'idle' | 'uploading' | 'opening';

/** An upload in progress: the files, and the bytes sent of all of them. */
export interface UploadProgress {
  /** The model file's name. */
  name: string;
  /** How many files go up (the model and its shards). */
  files: number;
  sentBytes: number;
  totalBytes: number;
}

/** Where the desktop app keeps its recent paths (they stay valid across starts). */
const DESKTOP_KEY = 'recentModels';
/** Where browser mode keeps this tab's uploads (they last as long as the server). */
const BROWSER_KEY = 'recentUploads';

/** The opening of model files for one InspectorState (see `modelOpenFor`). */
export class ModelOpenState {
  phase = $state<OpenPhase>('idle');
  progress = $state.raw<UploadProgress | null>(null);
  /** The model file being opened, for the status line. */
  opening = $state<string | null>(null);
  recent = $state.raw<RecentFile[]>([]);
  /** The recent key of the file last opened (the picker lists it once, as the model shown). */
  shownKey = $state<string | null>(null);

  /** Whether files go up to a server (browser mode) or are opened by path (Electron). */
  readonly uploads: boolean;
  readonly #storage: Storage | undefined;
  readonly #key: string;

  constructor(
    readonly inspector: InspectorState,
    storage: { local?: Storage; session?: Storage } = {
      local: globalThis.localStorage,
      session: globalThis.sessionStorage,
    },
  ) {
    this.uploads = Boolean(inspector.api.uploadFile);
    this.#storage = this.uploads ? storage.session : storage.local;
    this.#key = this.uploads ? BROWSER_KEY : DESKTOP_KEY;
    this.recent = readRecent(this.#storage, this.#key);
  }

  /** Whether an open is under way (the Open button and the drop target wait). */
  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Opens the files a person picked or dropped. */
  async openFiles(files: readonly File[]): Promise<void> {
    if (this.busy) {
      return;
    }
    let picked;
    try {
      picked = pickModelFiles(files);
    } catch (error) {
      this.inspector.failOpen(toErrorInfo(error));
      return;
    }
    const { main, others } = picked;
    // A new attempt: the last one's message no longer applies.
    this.inspector.dismissError();
    if (!this.uploads) {
      let path: string;
      try {
        path = this.pathOf(main);
      } catch (error) {
        this.inspector.failOpen(toErrorInfo(error));
        return;
      }
      await this.open({ kind: 'path', path }, main.name, 0, picked);
      return;
    }
    const upload = this.inspector.api.uploadFile;
    if (!upload) {
      return;
    }
    const all = [main, ...others];
    const totalBytes = all.reduce((sum, file) => sum + file.size, 0);
    this.phase = 'uploading';
    this.progress = { name: main.name, files: all.length, sentBytes: 0, totalBytes };
    const ids: string[] = [];
    let before = 0;
    try {
      for (const file of all) {
        const uploaded = await upload(file, file.name, (sent) => {
          this.progress = {
            name: main.name,
            files: all.length,
            sentBytes: before + sent,
            totalBytes,
          };
        });
        before += file.size;
        ids.push(uploaded.id);
      }
    } catch (error) {
      this.phase = 'idle';
      this.progress = null;
      this.inspector.failOpen(toErrorInfo(error));
      return;
    }
    this.progress = null;
    const [mainId, ...otherIds] = ids;
    await this.open(
      { kind: 'upload', main: mainId, others: otherIds },
      main.name,
      others.length,
      picked,
    );
  }

  /** File › Open… and the Open button in Electron: main's Open dialog, then the file. */
  async choose(): Promise<void> {
    if (this.busy) {
      return;
    }
    let source: OpenModelSource | null;
    try {
      source = await this.inspector.api.chooseModelFile();
    } catch (error) {
      this.inspector.failOpen(toErrorInfo(error));
      return;
    }
    if (source?.kind === 'path') {
      await this.open(source, source.path.split(/[\\/]/).pop() ?? source.path);
    }
  }

  /** Opens a recent file again; one the server no longer holds leaves the list. */
  async reopen(entry: RecentFile): Promise<void> {
    await this.open(entry.source, entry.name, entry.shards);
  }

  /**
   * Opens a source; on success it becomes the first recent file. `files`, when the person picked
   * or dropped them here, are kept for the window's engine (a run on an "In this window" backend
   * opens the same model from them).
   */
  async open(
    source: OpenModelSource,
    name: string,
    shards = 0,
    files?: { main: File; others: File[] },
  ): Promise<void> {
    this.phase = 'opening';
    this.opening = name;
    try {
      const outcome = await this.inspector.openModel(source);
      const fileId = this.inspector.graph?.file?.id;
      if (outcome === 'opened' && files && fileId !== undefined) {
        this.inspector.api.rememberModelFiles?.(fileId, files.main, files.others);
      }
      if (outcome === 'opened') {
        this.shownKey = recentKey(source);
        this.remember(withRecent(this.recent, { name, source, ...(shards ? { shards } : {}) }));
      } else if (outcome === 'failed' && this.inspector.error?.code === 'NOT_FOUND') {
        // The file moved, or the server restarted: the entry would fail again.
        this.remember(withoutRecent(this.recent, source));
        if (source.kind === 'upload') {
          this.inspector.failOpen({ code: 'NOT_FOUND', message: goneMessage(name) });
        }
      }
    } finally {
      this.phase = 'idle';
      this.opening = null;
    }
  }

  /** The path of a File in Electron; one without (made in the page) cannot be opened by path. */
  private pathOf(file: File): string {
    const path = this.inspector.api.pathForFile?.(file) ?? '';
    if (path === '') {
      throw new InspectorError(
        'INVALID_REQUEST',
        `${file.name} has no path on this machine; open it with File › Open… instead.`,
      );
    }
    return path;
  }

  private remember(list: RecentFile[]): void {
    this.recent = list;
    writeRecent(this.#storage, this.#key, list);
  }
}

const states = new WeakMap<InspectorState, ModelOpenState>();

/** The ModelOpenState of an InspectorState, made on first use. */
export function modelOpenFor(inspector: InspectorState): ModelOpenState {
  let state = states.get(inspector);
  if (!state) {
    state = new ModelOpenState(inspector);
    states.set(inspector, state);
  }
  return state;
}
