/**
 * The text report of a profile run, as the CLI prints it: the backend and why, the whole-pass and
 * layer-by-layer medians and their ratio, the slowest layers, and time per stage and per layer type.
 */
import { topSection, type LayerInfo, type ModelGraph } from './modelGraph';
import { pythonShape } from './summaryFormat';
import type { BackendName, BackendStatus, LayerTiming, ProfileResult } from './profile';

/** Options of the report. */
export interface ProfileReportOptions {
  /** The backends as the engine reported them, for the "why". */
  backends?: readonly BackendStatus[];
  /** The backend the request asked for. */
  requested?: BackendName | 'auto';
  /** How many of the slowest layers to list; 15 by default. */
  top?: number;
}

/** Time summed over a group of layers. */
export interface GroupTime {
  group: string;
  layers: number;
  ms: number;
  /** Share of the sum of all layer medians, 0–1. */
  share: number;
}

const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;
const pad = (text: string, width: number): string =>
  text.length >= width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
const shapeText = (layer: LayerInfo): string => pythonShape(layer.outputShape);

/**
 * The stage a layer belongs to: `stem`, `stage 1`…`stage 4`, `head` or `input`; for a model read
 * from a file, its outermost group (shared/modelGraph.ts `topSection`).
 */
export function stageOf(layer: LayerInfo, graph?: ModelGraph): string {
  return topSection(layer, graph);
}

/** A layer's type for grouping: its class, with grouped convolutions apart from plain ones. */
export function typeOf(layer: LayerInfo): string {
  return layer.className === 'Conv2D' && (layer.groups ?? 1) > 1
    ? 'Conv2D (grouped)'
    : layer.className;
}

/** Sums layer medians by a key, largest first. */
export function timeBy(
  timings: readonly LayerTiming[],
  graph: ModelGraph,
  key: (layer: LayerInfo, graph: ModelGraph) => string,
): GroupTime[] {
  const total = timings.reduce((sum, timing) => sum + timing.medianMs, 0);
  const groups = new Map<string, GroupTime>();
  for (const timing of timings) {
    const layer = graph.layers[timing.layerId];
    const group = layer ? key(layer, graph) : 'unknown';
    const entry = groups.get(group) ?? { group, layers: 0, ms: 0, share: 0 };
    entry.layers += 1;
    entry.ms += timing.medianMs;
    groups.set(group, entry);
  }
  return [...groups.values()]
    .map((entry) => ({ ...entry, share: total > 0 ? entry.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

function backendLines(result: ProfileResult, options: ProfileReportOptions): string[] {
  const status = options.backends?.find((backend) => backend.name === result.backend);
  const why =
    options.requested && options.requested !== 'auto'
      ? 'forced by the request'
      : 'picked automatically: the first available of tensorflow, wasm, cpu';
  const mode =
    result.onnxMode === 'fast'
      ? ', fast mode (all graph optimisations; a fused layer shows its time in the layer it was fused into)'
      : result.onnxMode === 'exact'
        ? ', exact mode (no graph optimisation; every layer timed)'
        : '';
  const lines = [
    `Backend: ${result.backend}${status?.detail ? ` (${status.detail})` : ''}, ${why}${mode}`,
  ];
  for (const other of options.backends ?? []) {
    if (!other.available) {
      lines.push(`  ${other.name}: not available, ${other.reason ?? 'no reason given'}`);
    }
  }
  return lines;
}

function totalsLines(result: ProfileResult): string[] {
  const lines = [`Whole pass (model.predict), median: ${ms(result.wholeMedianMs)}`];
  if (result.perLayerMedianMs !== null) {
    lines.push(`Layer by layer, median of per-layer sums: ${ms(result.perLayerMedianMs)}`);
    lines.push(
      `Overhead of per-layer timing: ×${(result.overheadRatio ?? 0).toFixed(2)} the whole pass`,
    );
  }
  lines.push(`First (cold) pass: ${ms(result.firstPassMs)}`);
  // The guard's estimate counts what the runtime holds beside the tensors too (packed weights).
  const estimate = result.estimatedBytes
    ? ` (the memory guard estimated ${(result.estimatedBytes / 1e6).toFixed(0)} MB for the whole run)`
    : '';
  lines.push(`Peak tensor memory: ${(result.peakBytes / 1e6).toFixed(0)} MB${estimate}`);
  return lines;
}

function slowestLines(result: ProfileResult, graph: ModelGraph, top: number): string[] {
  const total = result.layers.reduce((sum, timing) => sum + timing.medianMs, 0);
  const slowest = [...result.layers].sort((a, b) => b.medianMs - a.medianMs).slice(0, top);
  const lines = [
    `${top} slowest layers (median over timed passes)`,
    `  ${pad('Layer', 28)}${pad('Type', 18)}${pad('Output shape', 24)}${'median'.padStart(11)}${'p95'.padStart(11)}${'share'.padStart(8)}`,
  ];
  for (const timing of slowest) {
    const layer = graph.layers[timing.layerId];
    lines.push(
      `  ${pad(layer?.name ?? `layer ${timing.layerId}`, 28)}${pad(layer ? typeOf(layer) : '?', 18)}` +
        `${pad(layer ? shapeText(layer) : '?', 24)}${ms(timing.medianMs).padStart(11)}` +
        `${ms(timing.p95Ms).padStart(11)}${percent(total > 0 ? timing.medianMs / total : 0).padStart(8)}`,
    );
  }
  return lines;
}

function groupLines(title: string, groups: readonly GroupTime[]): string[] {
  return [
    title,
    ...groups.map(
      (group) =>
        `  ${pad(group.group, 20)}${String(group.layers).padStart(5)} ${group.layers === 1 ? 'layer ' : 'layers'}` +
        `${ms(group.ms).padStart(12)}${percent(group.share).padStart(8)}`,
    ),
  ];
}

function statsLines(result: ProfileResult, graph: ModelGraph): string[] {
  const stats = result.stats ?? [];
  const name = (layerId: number): string => graph.layers[layerId]?.name ?? `layer ${layerId}`;
  const nonFinite = stats.filter((entry) => entry.nanCount > 0 || entry.infCount > 0);
  const mostZeros = [...stats].sort((a, b) => b.zeroFraction - a.zeroFraction).slice(0, 5);
  return [
    `Activation statistics of ${stats.length} layers: ${nonFinite.length === 0 ? 'no NaN or Inf' : `NaN or Inf in ${nonFinite.map((entry) => name(entry.layerId)).join(', ')}`}`,
    '  Most zeros (dead ReLUs):',
    ...mostZeros.map(
      (entry) =>
        `    ${pad(name(entry.layerId), 28)}${percent(entry.zeroFraction).padStart(7)} zeros, ` +
        `mean ${entry.mean.toPrecision(3)}, std ${entry.std.toPrecision(3)}`,
    ),
  ];
}

/** The report as lines of text, ending with a newline. */
export function profileReport(
  result: ProfileResult,
  graph: ModelGraph,
  options: ProfileReportOptions = {},
): string {
  const passes = `${result.warmup ?? 0} warm-up + ${result.passesMs.length} timed passes`;
  const sections: string[][] = [
    [
      `Model: ${graph.name} (${graph.totals.layers} layers), batch ${result.batch}, ${result.mode} mode, ${passes}`,
      ...backendLines(result, options),
    ],
    totalsLines(result),
  ];
  if (result.layers.length > 0) {
    sections.push(slowestLines(result, graph, options.top ?? 15));
    sections.push(groupLines('Time per stage', timeBy(result.layers, graph, stageOf)));
    sections.push(groupLines('Time per layer type', timeBy(result.layers, graph, typeOf)));
  } else {
    sections.push(['Per-layer times need --mode per-layer.']);
  }
  if (result.stats && result.stats.length > 0) {
    sections.push(statsLines(result, graph));
  }
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}
