// The profile runs of this session: the form, the run in progress (its events applied at most
// once per animation frame, so 345 layers × 30 batches a second never cost more than a frame),
// the recent runs kept for comparison, and what the graph and the table show for them.
import { untrack } from 'svelte';
import { toErrorInfo } from '../../../shared/errors';
import { graphStem, type ModelGraph } from '../../../shared/modelGraph';
import type { ModelConfig } from '../../../shared/modelConfig';
import {
  DEFAULT_PROFILE,
  type ActivationMaps,
  type BackendName,
  type BackendStatus,
  type InputSource,
  type OnnxMode,
  ONNX_BACKENDS,
  type ProfileEvent,
  type ProfileMode,
  type ProfileRequest,
} from '../../../shared/profile';
import { buildHierarchy, type Hierarchy } from '../graph/hierarchy';
import type { InspectorState } from './inspector.svelte';
import { LiveRun, type LiveProgress } from '../profile/liveRun';
import { traceJson } from '../profile/exports';
import type { HeatLegend } from '../profile/heat';
import type { HeatView, ViewOutput } from '../profile/views';
import { viewFor } from '../profile/viewFor';

/** The choices of the profile form. */
export interface ProfileForm {
  backend: BackendName | 'auto';
  batch: number;
  warmup: number;
  runs: number;
  mode: ProfileMode;
  stats: boolean;
  input: InputSource;
  /** ONNX Runtime backends only: `fast` or `exact`. */
  onnxMode: OnnxMode;
}

/** One run of this session. */
export interface RunRecord {
  id: string;
  /** 1, 2, … in the order the runs started. */
  number: number;
  /** `#2 wasm · batch 1`. */
  label: string;
  request: ProfileRequest;
  graph: ModelGraph;
  hierarchy: Hierarchy;
  live: LiveRun;
  startedAt: number;
  endedAt?: number;
}

/** Where the profile panel is. */
export type ProfilePhase = 'idle' | 'starting' | 'running' | 'cancelling';

/**
 * The shortest interval between two recolourings of the graph while a run streams. A recolouring
 * that changes no box touches only the nodes whose paint or text changed (measured on
 * ResNeXt-101, expanded: ~5 ms of script, ~40 ms from the change to the next frame), so ten a
 * second leave most of each second to the frames.
 */
export const HEAT_INTERVAL_MS = 100;
/** How many times its measured cost a recolouring waits before the next: a third of the time. */
const HEAT_COST_FACTOR = 3;
/** Runs kept in the session. */
export const MAX_RUNS = 8;
/** After a cancel, how long to wait for the run's last event before showing idle anyway. */
const CANCEL_GRACE_MS = 5000;

/** The profile state of the app; one per InspectorState (see `profileStateFor`). */
export class ProfileState {
  form = $state<ProfileForm>({
    ...DEFAULT_PROFILE,
    input: { kind: 'random', seed: 42 },
    onnxMode: 'fast',
  });
  backends = $state.raw<BackendStatus[]>([]);
  runs = $state.raw<RunRecord[]>([]);
  phase = $state<ProfilePhase>('idle');
  notice = $state.raw<{ kind: 'error' | 'info'; text: string } | null>(null);
  /** The run the graph, the table and the results show. */
  shownId = $state<string | null>(null);
  view = $state<HeatView>('time');
  compareA = $state<string | null>(null);
  compareB = $state<string | null>(null);
  progress = $state.raw<LiveProgress | null>(null);
  elapsedMs = $state(0);
  /** Bumped whenever run data changes, for views that read a run's (non-reactive) LiveRun. */
  version = $state(0);
  output = $state.raw<ViewOutput>({ heat: null, columns: [], legend: null });
  maps = $state.raw<{ runId: string; layerId: number; value: ActivationMaps } | null>(null);
  mapsError = $state<string | null>(null);
  mapsLoading = $state(false);

  readonly shown = $derived(this.runs.find((run) => run.id === this.shownId) ?? null);
  readonly active = $derived(this.phase === 'running' || this.phase === 'cancelling');
  readonly legend = $derived<HeatLegend | null>(this.output.legend);

  #queue: ProfileEvent[] = [];
  #scheduled = false;
  #orphans: ProfileEvent[] = [];
  #activeId: string | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #cancelTimer: ReturnType<typeof setTimeout> | undefined;
  #count = 0;
  #lastRefresh = -Infinity;
  #refreshCost = 0;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly inspector: InspectorState) {
    inspector.api.onProfileEvents((events) => this.enqueue(events));
    inspector.api.backends().then(
      (list) => (this.backends = list),
      () => undefined,
    );
    // A new graph (another model) resets the heat; show the view again on it.
    $effect.root(() => {
      $effect(() => {
        void inspector.graph;
        untrack(() => this.refresh());
      });
    });
  }

  /** Starts a run of the model on the graph now, with the form's choices. */
  async start(): Promise<void> {
    const graph = this.inspector.graph;
    if (!graph || this.phase !== 'idle') {
      return;
    }
    const { onnxMode, ...form } = $state.snapshot(this.form);
    // A model opened from a file is named by its id; a built one by its config.
    const request: ProfileRequest = graph.file
      ? { ...form, file: graph.file.id }
      : { ...form, config: { ...(graph.config as ModelConfig) } };
    if (form.backend !== 'auto' && ONNX_BACKENDS.includes(form.backend)) {
      request.onnxMode = onnxMode;
    }
    this.phase = 'starting';
    this.notice = null;
    try {
      const { runId } = await this.inspector.api.profile(request);
      const number = ++this.#count;
      const run: RunRecord = {
        id: runId,
        number,
        label: `#${number}`,
        request,
        graph,
        hierarchy: this.inspector.hierarchy ?? buildHierarchy(graph),
        live: new LiveRun(runId),
        startedAt: performance.now(),
      };
      this.#activeId = runId;
      this.runs = [run, ...this.runs].slice(0, MAX_RUNS);
      this.shownId = runId;
      this.view = 'time';
      this.phase = 'running';
      this.elapsedMs = 0;
      this.#timer = setInterval(() => (this.elapsedMs = performance.now() - run.startedAt), 100);
      const early = this.#orphans.filter((event) => event.runId === runId);
      this.#orphans = this.#orphans.filter((event) => event.runId !== runId);
      this.enqueue(early);
    } catch (error) {
      this.phase = 'idle';
      this.notice = { kind: 'error', text: toErrorInfo(error).message };
    }
  }

  /** Asks the engine to stop the run; the UI is idle once its last event arrives. */
  async cancel(): Promise<void> {
    const runId = this.#activeId;
    if (!runId || this.phase !== 'running') {
      return;
    }
    this.phase = 'cancelling';
    this.#cancelTimer = setTimeout(() => this.finish('The run was cancelled.'), CANCEL_GRACE_MS);
    try {
      await this.inspector.api.cancel(runId);
    } catch (error) {
      this.finish(toErrorInfo(error).message);
    }
  }

  /** Queues a batch of events; they are applied at the next animation frame. */
  enqueue(events: readonly ProfileEvent[]): void {
    if (events.length === 0) {
      return;
    }
    this.#queue.push(...events);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // A hidden page gets no frames; the timeout keeps a background run moving.
      const timeout = setTimeout(() => this.flush(), 250);
      requestAnimationFrame(() => {
        clearTimeout(timeout);
        this.flush();
      });
    }
  }

  /** Applies every queued event in one go, then updates the views once. */
  flush(): void {
    if (!this.#scheduled) {
      return;
    }
    this.#scheduled = false;
    const events = this.#queue;
    this.#queue = [];
    const runs = this.runs;
    const byId = { get: (id: string) => runs.find((run) => run.id === id) };
    const touched: string[] = [];
    for (const event of events) {
      const run = byId.get(event.runId);
      if (run) {
        touched.push(run.id);
        run.live.apply([event]);
      } else if (this.#orphans.length < 50_000) {
        this.#orphans.push(event);
      }
    }
    const active = this.#activeId ? byId.get(this.#activeId) : undefined;
    if (active) {
      touched.push(active.id);
      this.progress = { ...active.live.progress };
      if (active.live.ended) {
        active.endedAt = performance.now();
        const error = active.live.error;
        this.finish(
          error ? (error.code === 'CANCELLED' ? 'The run was cancelled.' : error.message) : null,
          error?.code === 'CANCELLED' ? 'info' : 'error',
        );
      }
    }
    // New record objects for the runs that changed, so every view derived from them updates.
    this.runs = this.runs.map((run) => (touched.includes(run.id) ? { ...run } : run));
    this.version += 1;
    this.refreshSoon(active !== undefined && !active.live.ended);
  }

  /**
   * Recolouring the graph redraws every node (tens of ms for 345 layers on a slow machine), so
   * while a run streams the graph and the table follow at most every HEAT_INTERVAL_MS; the
   * progress bar follows every frame. The last update of a run is never dropped.
   */
  private refreshSoon(streaming: boolean): void {
    // Adaptive: what the last recolouring cost (up to the frame after it, so an upper bound),
    // three times over, so it takes under a third of the main thread however slow the machine.
    const interval = Math.min(
      1000,
      Math.max(HEAT_INTERVAL_MS, HEAT_COST_FACTOR * this.#refreshCost),
    );
    const wait = this.#lastRefresh + interval - performance.now();
    if (!streaming || wait <= 0) {
      clearTimeout(this.#refreshTimer);
      this.#refreshTimer = undefined;
      this.refresh();
    } else {
      this.#refreshTimer ??= setTimeout(() => {
        this.#refreshTimer = undefined;
        this.refresh();
      }, wait);
    }
  }

  private finish(message: string | null, kind: 'error' | 'info' = 'info'): void {
    clearInterval(this.#timer);
    clearTimeout(this.#cancelTimer);
    const active = this.runs.find((run) => run.id === this.#activeId);
    if (active) {
      this.elapsedMs = (active.endedAt ?? performance.now()) - active.startedAt;
    }
    this.#activeId = null;
    this.phase = 'idle';
    this.notice = message ? { kind, text: message } : null;
    if (active && !active.live.result) {
      // A failed or cancelled run keeps what it measured, but is not offered for comparison.
      this.runs = [...this.runs];
    }
    this.refresh();
  }

  /** Shows a run on the graph and the table. */
  showRun(id: string): void {
    this.shownId = id;
    if (this.view === 'compare') {
      this.view = 'time';
    }
    this.refresh();
  }

  setView(view: HeatView): void {
    this.view = view;
    this.refresh();
  }

  /** Picks the two runs to compare (A is the baseline) and shows the difference. */
  setCompare(a: string | null, b: string | null): void {
    this.compareA = a;
    this.compareB = b;
    this.view = 'compare';
    this.refresh();
  }

  /** Recomputes the heat, the columns and the legend, and hands them to the graph and the table. */
  refresh(): void {
    const started = performance.now();
    this.#lastRefresh = started;
    // Svelte applies the change to the views before the next frame: the gap is what it cost.
    requestAnimationFrame(() => {
      this.#refreshCost = performance.now() - started;
      performance.measure('inspector:heat-refresh', { start: started });
    });
    const output = viewFor({
      graph: this.inspector.graph,
      hierarchy: this.inspector.hierarchy,
      view: this.view,
      runs: this.runs,
      shownId: this.shownId,
      compareA: this.compareA,
      compareB: this.compareB,
    });
    this.output = output;
    this.inspector.heat = output.heat;
    this.inspector.extraColumns = output.columns;
  }

  /** The menu's Heat Map: layer types when a profile view is on, else time. */
  toggleHeat(): void {
    this.setView(this.view === 'off' ? 'time' : 'off');
  }

  /** The menu's Export Trace: the shown run's Chrome trace, as the CLI writes it. */
  async exportTrace(): Promise<void> {
    const run = this.shown;
    if (!run?.live.result) {
      this.notice = { kind: 'info', text: 'Profile the model first: a finished run has a trace.' };
      return;
    }
    const name = `${graphStem(run.graph)}_profile_${run.number}.trace.json`;
    try {
      await this.inspector.api.saveFile('trace', traceJson(run.live.result, run.graph), name);
    } catch (error) {
      this.notice = { kind: 'error', text: toErrorInfo(error).message };
    }
  }

  /** Loads a layer's statistics and first feature maps from the shown run. */
  async loadMaps(layerId: number, channels: number): Promise<void> {
    const run = this.shown;
    if (!run || !run.live.result) {
      return;
    }
    this.mapsLoading = true;
    this.mapsError = null;
    try {
      const value = await this.inspector.api.activations(run.id, layerId, { channels });
      this.maps = { runId: run.id, layerId, value };
    } catch (error) {
      this.maps = null;
      this.mapsError = toErrorInfo(error).message;
    } finally {
      this.mapsLoading = false;
    }
  }
}

const states = new WeakMap<InspectorState, ProfileState>();

/** The one ProfileState of an InspectorState, made on first use; it outlives the panel. */
export function profileStateFor(inspector: InspectorState): ProfileState {
  let state = states.get(inspector);
  if (!state) {
    state = new ProfileState(inspector);
    states.set(inspector, state);
  }
  return state;
}
