// Heat scales of the profile view: layer times on a log scale (times span four decades, from a
// ReLU's 0.02 ms to a stem convolution's 30 ms), activation statistics on a linear one, and
// per-layer differences on a diverging one. Each gives a value in [0, 1] per layer and a legend.
import { HEAT_STOPS, scaleColor } from '../graph/colors';
import type { Hierarchy } from '../graph/hierarchy';
import type { Heat } from '../graph/viewModel';

/** Blue (faster, lower) through white to red (slower, higher). */
export const DIVERGING_STOPS: readonly string[] = [
  '#2166ac',
  '#67a9cf',
  '#f7f7f7',
  '#ef8a62',
  '#b2182b',
];

/** A scale from values to [0, 1]. */
export interface Scale {
  kind: 'log' | 'linear' | 'diverging';
  /** The value at 0 (for diverging: −max, symmetric). */
  lo: number;
  /** The value at 1. */
  hi: number;
  stops: readonly string[];
}

/** One labelled mark of a legend. */
export interface LegendTick {
  /** Position along the bar, 0–1. */
  at: number;
  label: string;
}

/** What the heat legend draws. */
export interface HeatLegend {
  title: string;
  /** A title short enough for an exported diagram's legend box. */
  shortTitle?: string;
  stops: readonly string[];
  ticks: LegendTick[];
  /** A note under the bar (e.g. NaN/Inf layers in red). */
  note?: string;
}

/** The widest span a log time scale shows: four decades below the slowest layer. */
const LOG_SPAN = 1e4;

/** A log scale over the positive finite values; null when there are none. */
export function logScale(values: Iterable<number>): Scale | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const value of values) {
    if (Number.isFinite(value) && value > 0) {
      lo = Math.min(lo, value);
      hi = Math.max(hi, value);
    }
  }
  if (hi === -Infinity) {
    return null;
  }
  lo = Math.max(lo, hi / LOG_SPAN);
  return { kind: 'log', lo, hi: Math.max(hi, lo * 1.0001), stops: HEAT_STOPS };
}

/** A linear scale over the finite values; null when there are none. */
export function linearScale(values: Iterable<number>): Scale | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const value of values) {
    if (Number.isFinite(value)) {
      lo = Math.min(lo, value);
      hi = Math.max(hi, value);
    }
  }
  if (hi === -Infinity) {
    return null;
  }
  return { kind: 'linear', lo, hi: hi > lo ? hi : lo + 1, stops: HEAT_STOPS };
}

/** A symmetric diverging scale around 0 over the finite values; null when there are none. */
export function divergingScale(values: Iterable<number>): Scale | null {
  let most = 0;
  let any = false;
  for (const value of values) {
    if (Number.isFinite(value)) {
      any = true;
      most = Math.max(most, Math.abs(value));
    }
  }
  if (!any) {
    return null;
  }
  const span = most > 0 ? most : 1;
  return { kind: 'diverging', lo: -span, hi: span, stops: DIVERGING_STOPS };
}

/** Where a value sits on a scale, clamped to [0, 1]. */
export function position(scale: Scale, value: number): number {
  if (!Number.isFinite(value)) {
    return scale.kind === 'diverging' ? 0.5 : 0;
  }
  let t: number;
  if (scale.kind === 'log') {
    t = value <= 0 ? 0 : Math.log(value / scale.lo) / Math.log(scale.hi / scale.lo);
  } else {
    t = (value - scale.lo) / (scale.hi - scale.lo);
  }
  return Math.min(1, Math.max(0, t));
}

/** The colour of a value on a scale. */
export function colorOf(scale: Scale, value: number): string {
  return scaleColor(position(scale, value), scale.stops);
}

/** The value at a position of a scale (the inverse of `position`). */
export function valueAt(scale: Scale, at: number): number {
  if (scale.kind === 'log') {
    return scale.lo * Math.pow(scale.hi / scale.lo, at);
  }
  return scale.lo + (scale.hi - scale.lo) * at;
}

/** Evenly spaced ticks along a scale, labelled by `label`. */
export function scaleTicks(
  scale: Scale,
  label: (value: number) => string,
  count = 5,
): LegendTick[] {
  return Array.from({ length: count }, (_, index) => {
    const at = index / (count - 1);
    return { at, label: label(valueAt(scale, at)) };
  });
}

/** What a heat map of per-layer values is made of. */
export interface HeatInput {
  /** Per layer id, a value (ms, a statistic, a difference). */
  values: ReadonlyMap<number, number>;
  scale: Scale;
  hierarchy: Hierarchy | null;
  /** Per group, the value a collapsed group shows, and its text. */
  groupValues?: ReadonlyMap<string, number>;
  groupText?: (groupId: string, value: number) => string;
  flagged?: ReadonlySet<number>;
  cursor?: number | null;
}

/** A Heat for the graph view: positions per layer, per collapsed group, and the cursor. */
export function buildHeat(input: HeatInput): Heat {
  const layers = new Map<number, number>();
  for (const [id, value] of input.values) {
    layers.set(id, position(input.scale, value));
  }
  const groups = new Map<string, number>();
  const groupText = new Map<string, string>();
  if (input.groupValues) {
    const byKind = groupScales(input.groupValues, input.hierarchy, input.scale);
    for (const [id, value] of input.groupValues) {
      const scale = byKind.get(input.hierarchy?.groups.get(id)?.kind ?? '') ?? input.scale;
      groups.set(id, position(scale, value));
      if (input.groupText) {
        groupText.set(id, input.groupText(id, value));
      }
    }
  }
  return {
    layers,
    groups,
    groupText,
    stops: input.scale.stops,
    flagged: input.flagged,
    cursor: input.cursor ?? null,
  };
}

/**
 * Collapsed groups sum many layers, so they get a scale of their own per kind (stem and stages
 * together, blocks apart) of the same type as the layers' scale; a difference stays diverging.
 */
function groupScales(
  values: ReadonlyMap<string, number>,
  hierarchy: Hierarchy | null,
  layerScale: Scale,
): Map<string, Scale> {
  const scales = new Map<string, Scale>();
  if (!hierarchy) {
    return scales;
  }
  for (const kinds of [['stem', 'stage'], ['block']]) {
    const kindValues = [...values]
      .filter(([id]) => kinds.includes(hierarchy.groups.get(id)?.kind ?? ''))
      .map(([, value]) => value);
    const make =
      layerScale.kind === 'diverging'
        ? divergingScale
        : layerScale.kind === 'log'
          ? logScale
          : linearScale;
    const scale = make(kindValues);
    if (scale) {
      kinds.forEach((kind) => scales.set(kind, scale));
    }
  }
  return scales;
}

/** A legend of a time scale, in ms. */
export function timeLegend(scale: Scale, title = 'Time per layer, ms (log scale)'): HeatLegend {
  return {
    title,
    shortTitle: 'Time per layer (ms)',
    stops: scale.stops,
    ticks: scaleTicks(scale, msNumber),
  };
}

/** A time for a tick: three significant digits, no unit (the title has it). */
export function msNumber(ms: number): string {
  if (ms === 0) {
    return '0';
  }
  return ms >= 100 ? ms.toFixed(0) : ms.toPrecision(3).replace(/\.?0+$/, '');
}

/** A signed time for a tick of a difference: `+12.3`, `−0.5`, `0`. */
export function signedMsNumber(ms: number): string {
  const text = msNumber(Math.abs(ms));
  return ms > 0 ? `+${text}` : ms < 0 ? `−${text}` : text;
}
