// The top classes of a run on an image, for the Activations view: the image (with its scale)
// through the run's model once more, as `predict` (the engine's whole-model pass, not the
// profiler's), asked once per run and kept, stale answers dropped.
import { toErrorInfo } from '../../../shared/errors';
import type { Prediction } from '../../../shared/predict';
import type { InputSource } from '../../../shared/profile';
import type { ProfileState, RunRecord } from '../state/profile.svelte';

/** How many classes the view lists. */
export const SHOWN_CLASSES = 5;

/** The prediction of one run, as far as it has got. */
export type RunPrediction =
  | { state: 'loading'; runId: string }
  | { state: 'done'; runId: string; prediction: Prediction }
  | { state: 'error'; runId: string; message: string };

/** Whether a run fed the model an image (the only input whose classes mean something). */
export function isImageInput(
  input: InputSource,
): input is Extract<InputSource, { kind: 'image' | 'upload' }> {
  return input.kind === 'image' || input.kind === 'upload';
}

/**
 * The run whose classes to show: the shown run when it ran on an image, else the latest finished
 * run on an image of the same model; null when there is none.
 */
export function imageRunFor(runs: readonly RunRecord[], shown: RunRecord | null): RunRecord | null {
  const finished = (run: RunRecord): boolean =>
    run.live.result !== null && isImageInput(run.request.input);
  if (shown && finished(shown)) {
    return shown;
  }
  const model = shown?.request.file ?? JSON.stringify(shown?.request.config);
  return (
    runs.find(
      (run) => finished(run) && (run.request.file ?? JSON.stringify(run.request.config)) === model,
    ) ?? null
  );
}

/** The predictions of a ProfileState's runs (see `topClassesFor`). */
export class TopClassesState {
  current = $state.raw<RunPrediction | null>(null);
  /** Every answer, by run: a cache, never read reactively (`current` carries the change). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #kept = new Map<string, RunPrediction>();

  constructor(readonly profile: ProfileState) {}

  /** Shows the run's classes, asking the engine the first time. */
  show(run: RunRecord | null): void {
    if (!run) {
      this.current = null;
      return;
    }
    const kept = this.#kept.get(run.id);
    if (kept) {
      this.current = kept;
      return;
    }
    const { request } = run;
    const source = request.file !== undefined ? { file: request.file } : request.config;
    if (!source) {
      return;
    }
    this.settle({ state: 'loading', runId: run.id });
    this.profile.inspector.api.predict(source, request.input, { top: SHOWN_CLASSES }).then(
      (prediction) => this.settle({ state: 'done', runId: run.id, prediction }),
      (error: unknown) =>
        this.settle({ state: 'error', runId: run.id, message: toErrorInfo(error).message }),
    );
  }

  private settle(outcome: RunPrediction): void {
    this.#kept.set(outcome.runId, outcome);
    // An answer for a run no longer shown is kept for later, not shown.
    if (
      this.current === null ||
      this.current.runId === outcome.runId ||
      outcome.state === 'loading'
    ) {
      this.current = outcome;
    }
  }
}

const states = new WeakMap<ProfileState, TopClassesState>();

/** The TopClassesState of a ProfileState, made on first use. */
export function topClassesFor(profile: ProfileState): TopClassesState {
  let state = states.get(profile);
  if (!state) {
    state = new TopClassesState(profile);
    states.set(profile, state);
  }
  return state;
}
