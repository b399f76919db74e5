// Which view the graph and the table show, from the profile state's choices: the shown run by
// time, efficiency or an activation statistic, or the difference of two runs. Pure.
import type { ModelGraph } from '../../../shared/modelGraph';
import type { LayerTiming } from '../../../shared/profile';
import type { Hierarchy } from '../graph/hierarchy';
import type { RunRecord } from '../state/profile.svelte';
import { sameLayers } from './aggregate';
import {
  compareView,
  gmacsView,
  statView,
  timeView,
  type HeatView,
  type ViewOutput,
} from './views';

/** The timings of a run: final medians, or so far. */
export function runTimings(run: RunRecord): LayerTiming[] {
  return run.live.result ? run.live.result.layers : run.live.timingsSoFar();
}

/** The state a view is chosen from. */
export interface ViewChoice {
  graph: ModelGraph | null;
  hierarchy: Hierarchy | null;
  view: HeatView;
  runs: readonly RunRecord[];
  shownId: string | null;
  compareA: string | null;
  compareB: string | null;
}

const EMPTY: ViewOutput = { heat: null, columns: [], legend: null };

/** The heat, columns and legend of the chosen view on the graph shown now. */
export function viewFor(choice: ViewChoice): ViewOutput {
  const { graph, hierarchy, view, runs } = choice;
  if (!graph || view === 'off') {
    return EMPTY;
  }
  if (view === 'compare') {
    const a = runs.find((run) => run.id === choice.compareA);
    const b = runs.find((run) => run.id === choice.compareB);
    if (!a || !b) {
      return { ...EMPTY, message: 'Pick two finished runs to compare.' };
    }
    return compareView({
      graph,
      hierarchy,
      a: { graph: a.graph, layers: runTimings(a), label: `A ${a.label}` },
      b: { graph: b.graph, layers: runTimings(b), label: `B ${b.label}` },
    });
  }
  const run = runs.find((entry) => entry.id === choice.shownId);
  if (!run) {
    return EMPTY;
  }
  if (!sameLayers(run.graph, graph)) {
    return {
      ...EMPTY,
      message: `Run ${run.label} profiled another model: load ${run.graph.name} to see it on the graph.`,
    };
  }
  const timings = runTimings(run);
  const batch = run.request.batch;
  if (view === 'time') {
    const running = !run.live.ended;
    return timeView({
      graph,
      hierarchy,
      timings,
      live: running ? run.live.latest : undefined,
      batch,
      cursor: running ? run.live.cursor : null,
    });
  }
  if (view === 'gmacs') {
    return gmacsView(graph, timings, batch);
  }
  return statView(graph, run.live.result?.stats, view, timings, batch);
}
