// What the graph and the table show for a profile view: the heat (time, an activation statistic,
// or the difference of two runs), the table's extra columns and the legend. Pure, from run data.
import type { ModelGraph } from '../../../shared/modelGraph';
import type { ActivationStats, LayerTiming } from '../../../shared/profile';
import type { Hierarchy } from '../graph/hierarchy';
import type { Heat } from '../graph/viewModel';
import type { TableColumn } from '../components/SummaryTable/columns';
import {
  compareRuns,
  gmacs,
  groupSums,
  sameLayers,
  timingTable,
  type ComparedRun,
} from './aggregate';
import { compareColumns, statColumns, timeColumns } from './columns';
import { formatMs, statText } from './format';
import {
  buildHeat,
  divergingScale,
  linearScale,
  logScale,
  scaleTicks,
  signedMsNumber,
  timeLegend,
  type HeatLegend,
  type Scale,
} from './heat';
import { HEAT_STOPS } from '../graph/colors';

/** What colours the graph. */
export type HeatView = 'time' | 'gmacs' | 'mean' | 'std' | 'zeros' | 'compare' | 'off';

/** The labels of the views, for the chooser. */
export const VIEW_LABELS: Record<HeatView, string> = {
  time: 'Time',
  gmacs: 'GMAC/s (efficiency)',
  mean: 'Activation mean',
  std: 'Activation std',
  zeros: 'Zero fraction (dead ReLUs)',
  compare: 'Compare two runs (Δ ms)',
  off: 'Layer types',
};

/** What a view puts on screen. */
export interface ViewOutput {
  heat: Heat | null;
  columns: TableColumn[];
  legend: HeatLegend | null;
  /** Why the view shows nothing, in words. */
  message?: string;
}

const EMPTY: ViewOutput = { heat: null, columns: [], legend: null };

/** The input of a time view. */
export interface TimeViewInput {
  graph: ModelGraph;
  hierarchy: Hierarchy | null;
  /** Per-layer timings (final, or so far). */
  timings: readonly LayerTiming[];
  /** While running: the latest ms per layer, which colours the graph before any median exists. */
  live?: ReadonlyMap<number, number>;
  batch: number;
  cursor?: number | null;
}

/** Time: a log heat of each layer's time, summed times on collapsed groups, the time columns. */
export function timeView(input: TimeViewInput): ViewOutput {
  const fused = fusedMap(input.timings);
  const values = new Map<number, number>();
  for (const [id, ms] of input.live ??
    input.timings.map((timing) => [timing.layerId, timing.medianMs] as const)) {
    values.set(id, fused.has(id) ? 0 : ms);
  }
  const scale = logScale(values.values());
  const table = timingTable(input.timings, input.graph, input.batch);
  const columns = timeColumns(table);
  if (!scale) {
    return { ...EMPTY, columns, heat: cursorOnly(input.cursor) };
  }
  const total = [...values.values()].reduce((sum, ms) => sum + ms, 0);
  // Sums count each fused layer as 0 (its time is in its conv's); the graph paints it as its conv.
  const groupValues = input.hierarchy ? groupSums(values, input.hierarchy) : undefined;
  const heat = buildHeat({
    values: paintFused(values, fused),
    scale,
    hierarchy: input.hierarchy,
    groupValues,
    groupText: (_id, ms) => `${formatMs(ms)} · ${total > 0 ? ((ms / total) * 100).toFixed(1) : 0}%`,
    cursor: input.cursor,
  });
  const legend = timeLegend(scale);
  if (table.fusedCount > 0) {
    legend.note = `${table.fusedCount} fused layers take the colour of the layer they run in`;
  }
  return { heat, columns, legend };
}

/** ONNX Runtime `fast` mode: each fused layer → the layer it was fused into. */
export function fusedMap(timings: readonly LayerTiming[]): Map<number, number> {
  const fused = new Map<number, number>();
  for (const timing of timings) {
    if (timing.fusedInto !== undefined) {
      fused.set(timing.layerId, timing.fusedInto);
    }
  }
  return fused;
}

/** The values to paint: a fused layer takes the value of the layer it was fused into. */
export function paintFused(
  values: ReadonlyMap<number, number>,
  fused: ReadonlyMap<number, number>,
): Map<number, number> {
  const painted = new Map(values);
  for (const [id, into] of fused) {
    const value = values.get(into);
    if (value === undefined) {
      painted.delete(id);
    } else {
      painted.set(id, value);
    }
  }
  return painted;
}

const cursorOnly = (cursor: number | null | undefined): Heat | null =>
  cursor === undefined || cursor === null ? null : { layers: new Map(), cursor };

/** The statistic a stat view reads. */
export type StatKey = 'mean' | 'std' | 'zeros';

const statValue = (stats: ActivationStats, key: StatKey): number =>
  key === 'zeros' ? stats.zeroFraction : stats[key];

/** An activation statistic on a linear scale; layers with NaN or Inf in red. */
export function statView(
  graph: ModelGraph,
  stats: readonly ActivationStats[] | undefined,
  key: StatKey,
  timings: readonly LayerTiming[],
  batch: number,
): ViewOutput {
  if (!stats || stats.length === 0) {
    return {
      ...EMPTY,
      message: 'This run has no activation statistics: tick "Activation statistics" and run again.',
    };
  }
  const values = new Map(stats.map((entry) => [entry.layerId, statValue(entry, key)]));
  const flagged = new Set(
    stats.filter((entry) => entry.nanCount + entry.infCount > 0).map((entry) => entry.layerId),
  );
  const scale: Scale | null =
    key === 'zeros'
      ? { kind: 'linear', lo: 0, hi: 1, stops: HEAT_STOPS }
      : linearScale(values.values());
  const columns = [...statColumns(stats), ...timeColumns(timingTable(timings, graph, batch))];
  if (!scale) {
    return { ...EMPTY, columns, message: 'Every layer has a NaN or infinite statistic.' };
  }
  const heat = buildHeat({ values, scale, hierarchy: null, flagged });
  const label =
    key === 'zeros'
      ? (value: number) => `${(value * 100).toFixed(0)}%`
      : (value: number) => statText(value);
  const legend: HeatLegend = {
    title: VIEW_LABELS[key],
    shortTitle: { mean: 'Activation mean', std: 'Activation std', zeros: 'Zero fraction' }[key],
    stops: scale.stops,
    ticks: scaleTicks(scale, label),
    note: flagged.size > 0 ? `${flagged.size} layers with NaN or Inf, in red` : undefined,
  };
  return { heat, columns, legend };
}

/** Two runs to compare, with their labels. */
export interface CompareInput {
  graph: ModelGraph;
  hierarchy: Hierarchy | null;
  a: ComparedRun & { label: string };
  b: ComparedRun & { label: string };
}

/** The difference B − A per layer on a diverging scale, summed on collapsed groups. */
export function compareView(input: CompareInput): ViewOutput {
  const comparison = compareRuns(input.a, input.b);
  if (!comparison.ok) {
    return { ...EMPTY, message: comparison.message };
  }
  if (!sameLayers(input.a.graph, input.graph)) {
    return {
      ...EMPTY,
      message:
        'The graph shows another model than the compared runs: load their model to see the difference on it.',
    };
  }
  const values = new Map(comparison.deltas.map((delta) => [delta.layerId, delta.deltaMs]));
  const fused = comparison.deltas.filter((delta) => delta.fusedInto !== undefined);
  // A fused layer's own Δ means nothing (its time is in its conv's): it keeps its type colour.
  const painted = new Map(values);
  fused.forEach((delta) => painted.delete(delta.layerId));
  const scale = divergingScale(painted.values());
  const names = input.graph.layers.map((layer) => layer.name);
  const columns = compareColumns(comparison.deltas, { a: input.a.label, b: input.b.label }, names);
  if (!scale) {
    return { ...EMPTY, columns };
  }
  const heat = buildHeat({
    values: painted,
    scale,
    hierarchy: input.hierarchy,
    groupValues: input.hierarchy ? groupSums(values, input.hierarchy) : undefined,
    groupText: (_id, ms) => `Δ ${signedMsNumber(ms)} ms`,
  });
  const fusedNote =
    fused.length > 0
      ? ` · ${fused.length} fused layers: Δ n/a (their time is in their conv's)`
      : '';
  const legend: HeatLegend = {
    title: `Δ ms (${input.b.label} − ${input.a.label})`,
    shortTitle: 'Δ ms (B − A)',
    stops: scale.stops,
    ticks: scaleTicks(scale, signedMsNumber),
    note: `blue: B faster · red: B slower${fusedNote}`,
  };
  return { heat, columns, legend };
}

/**
 * Achieved GMAC/s of every layer with MACs (convolutions and the dense head): where the backend
 * turns arithmetic into time well, and where it does not. Layers without MACs keep their colour.
 */
export function gmacsView(
  graph: ModelGraph,
  timings: readonly LayerTiming[],
  batch: number,
): ViewOutput {
  const values = new Map<number, number>();
  for (const timing of timings) {
    const rate = gmacs(graph.layers[timing.layerId]?.macs ?? 0, batch, timing.medianMs);
    if (rate !== undefined) {
      values.set(timing.layerId, rate);
    }
  }
  const columns = timeColumns(timingTable(timings, graph, batch));
  const scale = linearScale(values.values());
  if (!scale) {
    return { ...EMPTY, columns, message: 'No timed layer has MACs: run in per-layer mode.' };
  }
  const heat = buildHeat({ values, scale: { ...scale, lo: 0 }, hierarchy: null });
  const legend: HeatLegend = {
    title: 'Achieved GMAC/s (MACs × batch ÷ time)',
    shortTitle: 'GMAC/s',
    stops: scale.stops,
    ticks: scaleTicks({ ...scale, lo: 0 }, (value) => value.toFixed(1)),
    note: 'layers without MACs keep their type colour',
  };
  return { heat, columns, legend };
}
