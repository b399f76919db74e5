// Pure sums over a profile: the time columns of the table (median, p95, share, cumulative share,
// GMAC/s), collapsed stage and block totals, the slowest layers, the difference of two runs and
// the per-block series of a stage.
import type { LayerInfo, ModelGraph } from '../../../shared/modelGraph';
import type { LayerTiming } from '../../../shared/profile';
import type { Hierarchy } from '../graph/hierarchy';

/** The time columns of one layer. */
export interface TimingRow {
  layerId: number;
  medianMs: number;
  p95Ms: number;
  /** Share of the sum of all medians, 0–1. */
  share: number;
  /** Share of the layers up to and including this one, in execution order. */
  cumulative: number;
  /** Multiply-accumulates per second in G, where the layer has MACs. */
  gmacs?: number;
  /** ONNX Runtime `fast` mode: the layer this one was fused into (its time is counted there). */
  fusedInto?: number;
  /** Median GPU time of the layer's kernels (a GPU backend with timer queries). */
  gpuMs?: number;
}

/** The time columns of a whole run. */
export interface TimingTable {
  rows: ReadonlyMap<number, TimingRow>;
  /** The sum of the layer medians: what the median column adds up to (fused layers count 0). */
  totalMs: number;
  /** Layers timed themselves, and layers fused into another (ONNX Runtime `fast`). */
  timedCount: number;
  fusedCount: number;
  /** Layer names by id, for "fused into conv2d_12". */
  names: readonly string[];
  /** Whether layers carry GPU times (a GPU backend with timer queries). */
  gpuTimed: boolean;
}

/** A layer's own median: 0 for a layer fused into another, whose time is counted there. */
export const ownMs = (timing: LayerTiming): number =>
  timing.fusedInto === undefined ? timing.medianMs : 0;

/** Achieved GMAC/s of a layer at a batch size: its MACs × batch over its time. */
export function gmacs(macs: number, batch: number, ms: number): number | undefined {
  return macs > 0 && ms > 0 ? (macs * batch) / (ms * 1e6) : undefined;
}

/** The time columns of every timed layer, shares and cumulative shares in execution order. */
export function timingTable(
  timings: readonly LayerTiming[],
  graph: ModelGraph,
  batch: number,
): TimingTable {
  const ordered = [...timings].sort((a, b) => a.layerId - b.layerId);
  const totalMs = ordered.reduce((sum, timing) => sum + ownMs(timing), 0);
  const rows = new Map<number, TimingRow>();
  let running = 0;
  let fusedCount = 0;
  for (const timing of ordered) {
    const ms = ownMs(timing);
    running += ms;
    const macs = graph.layers[timing.layerId]?.macs ?? 0;
    const row: TimingRow = {
      layerId: timing.layerId,
      medianMs: ms,
      p95Ms: timing.fusedInto === undefined ? timing.p95Ms : 0,
      share: totalMs > 0 ? ms / totalMs : 0,
      cumulative: totalMs > 0 ? running / totalMs : 0,
      gmacs: gmacs(macs, batch, ms),
      ...(timing.gpuMedianMs === undefined ? {} : { gpuMs: timing.gpuMedianMs }),
    };
    if (timing.fusedInto !== undefined) {
      row.fusedInto = timing.fusedInto;
      fusedCount += 1;
    }
    rows.set(timing.layerId, row);
  }
  const names = graph.layers.map((layer) => layer.name);
  const gpuTimed = ordered.some((timing) => timing.gpuMedianMs !== undefined);
  return { rows, totalMs, timedCount: ordered.length - fusedCount, fusedCount, names, gpuTimed };
}

/** Sums per-layer values over every group (stem, stage, block) of a hierarchy. */
export function groupSums(
  values: ReadonlyMap<number, number>,
  hierarchy: Hierarchy,
): Map<string, number> {
  const sums = new Map<string, number>();
  for (const group of hierarchy.groups.values()) {
    let sum = 0;
    let any = false;
    for (const id of group.layerIds) {
      const value = values.get(id);
      if (value !== undefined && Number.isFinite(value)) {
        sum += value;
        any = true;
      }
    }
    if (any) {
      sums.set(group.id, sum);
    }
  }
  return sums;
}

/** The `count` slowest layers, slowest first. */
export function slowest(timings: readonly LayerTiming[], count: number): LayerTiming[] {
  return [...timings]
    .filter((timing) => timing.fusedInto === undefined)
    .sort((a, b) => b.medianMs - a.medianMs)
    .slice(0, count);
}

/** One layer's difference between two runs. */
export interface LayerDelta {
  layerId: number;
  aMs: number;
  bMs: number;
  /** b − a. */
  deltaMs: number;
  /** (b − a) ÷ a; NaN when a is 0. */
  relative: number;
  /**
   * The layer was fused into another in A or B (ONNX Runtime `fast`): its own Δ means nothing
   * (its time is in that layer's), so views show n/a; it still counts in the totals.
   */
  fusedInto?: number;
}

/** The run data a comparison needs. */
export interface ComparedRun {
  graph: ModelGraph;
  layers: readonly LayerTiming[];
}

/** A comparison, or why the two runs cannot be compared layer by layer. */
export type Comparison =
  | { ok: true; deltas: LayerDelta[]; aTotalMs: number; bTotalMs: number }
  | { ok: false; message: string };

/** Whether two graphs have the same layers in the same order (names may differ per build). */
export function sameLayers(a: ModelGraph, b: ModelGraph): boolean {
  return (
    a.layers.length === b.layers.length &&
    a.layers.every((layer, index) => layer.className === b.layers[index].className)
  );
}

/** The per-layer difference b − a of two runs of models with the same layers. */
export function compareRuns(a: ComparedRun, b: ComparedRun): Comparison {
  if (a.layers.length === 0 || b.layers.length === 0) {
    return {
      ok: false,
      message: 'Both runs need per-layer times: pick runs made in per-layer mode.',
    };
  }
  if (!sameLayers(a.graph, b.graph)) {
    return {
      ok: false,
      message: `The runs profiled different models (${a.graph.layers.length} and ${b.graph.layers.length} layers): pick two runs of models with the same layers.`,
    };
  }
  const bById = new Map(b.layers.map((timing) => [timing.layerId, timing]));
  const deltas: LayerDelta[] = [];
  for (const timing of a.layers) {
    const other = bById.get(timing.layerId);
    if (other === undefined) {
      continue;
    }
    const aMs = ownMs(timing);
    const bMs = ownMs(other);
    const deltaMs = bMs - aMs;
    const delta: LayerDelta = {
      layerId: timing.layerId,
      aMs,
      bMs,
      deltaMs,
      relative: aMs > 0 ? deltaMs / aMs : Number.NaN,
    };
    const into = timing.fusedInto ?? other.fusedInto;
    if (into !== undefined) {
      delta.fusedInto = into;
    }
    deltas.push(delta);
  }
  const total = (timings: readonly LayerTiming[]) =>
    timings.reduce((sum, timing) => sum + ownMs(timing), 0);
  return { ok: true, deltas, aTotalMs: total(a.layers), bTotalMs: total(b.layers) };
}

/** One block of a stage, summed. */
export interface BlockPoint {
  groupId: string;
  block: number;
  ms: number | undefined;
  params: number;
  macs: number;
}

/** The blocks of one stage, in order. */
export interface StageSeries {
  stage: number;
  groupId: string;
  blocks: BlockPoint[];
}

/** Per stage, each block's time (when timed), parameters and MACs. */
export function blockSeries(
  hierarchy: Hierarchy,
  msByLayer: ReadonlyMap<number, number> | null,
): StageSeries[] {
  const series: StageSeries[] = [];
  const sums = msByLayer ? groupSums(msByLayer, hierarchy) : new Map<string, number>();
  for (const group of hierarchy.groups.values()) {
    if (group.kind === 'stage' && group.stage !== undefined) {
      series.push({ stage: group.stage, groupId: group.id, blocks: [] });
    } else if (group.kind === 'block' && group.block !== undefined) {
      series
        .find((entry) => entry.groupId === group.parent)
        ?.blocks.push({
          groupId: group.id,
          block: group.block,
          ms: sums.get(group.id),
          params: group.params,
          macs: group.macs,
        });
    }
  }
  return series;
}

/** The median of a list (0 for an empty one). */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Which values stand out from their series: further than 3 median absolute deviations from the
 * median (and at least 10% away from it, so a flat series of near-equal blocks has none).
 */
export function outliers(values: readonly number[]): boolean[] {
  const middle = median(values);
  const spread = median(values.map((value) => Math.abs(value - middle)));
  return values.map((value) => {
    const distance = Math.abs(value - middle);
    return distance > 0.1 * Math.abs(middle) && distance > 3 * spread;
  });
}

/** The layers of a graph keyed by id, for quick lookups in views. */
export function layerOf(graph: ModelGraph, layerId: number): LayerInfo | undefined {
  return graph.layers[layerId];
}
