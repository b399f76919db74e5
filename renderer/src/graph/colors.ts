// Node colours: by layer type, or by a heat value on a multi-stop scale. Every node's colour goes
// through `nodePaint`, so a profile (time, activation statistics, a difference) recolours the same way.
import type { LayerGroup, LayerInfo } from '../../../shared/modelGraph';

/** Fill, border and text colours of a node. */
export interface Paint {
  fill: string;
  stroke: string;
  text: string;
}

/** A type of the legend: a key, its label and its paint. */
export interface LegendEntry {
  key: string;
  label: string;
  paint: Paint;
}

const TEXT = '#1d2433';

const TYPE_PAINT: Record<string, Omit<Paint, 'text'> & { label: string }> = {
  InputLayer: { fill: '#eef0f4', stroke: '#8a93a6', label: 'Input' },
  Conv2D: { fill: '#dce8fc', stroke: '#3b6fd8', label: 'Conv2D' },
  GroupedConv2D: { fill: '#e6defc', stroke: '#6b4fd0', label: 'Conv2D, grouped' },
  BatchNormalization: { fill: '#d8f1e8', stroke: '#2c9a73', label: 'BatchNormalization' },
  Activation: { fill: '#fdedd4', stroke: '#d08417', label: 'Activation' },
  Add: { fill: '#fde1e1', stroke: '#d14848', label: 'Add' },
  MaxPooling2D: { fill: '#dcf1f7', stroke: '#2690b5', label: 'Pooling' },
  GlobalAveragePooling2D: { fill: '#dcf1f7', stroke: '#2690b5', label: 'Pooling' },
  Dense: { fill: '#f7def1', stroke: '#b23e98', label: 'Dense' },
  // A layer of a class the engine does not know (a model file's custom layer): not runnable.
  Unknown: { fill: '#fff4dc', stroke: '#c77700', label: 'Unknown class: not runnable' },
};
const OTHER = { fill: '#eeeeee', stroke: '#8a8a8a', label: 'Other' };

/** The colour key of a layer: its class, with grouped convolutions set apart. */
export function typeKey(layer: Pick<LayerInfo, 'className' | 'groups' | 'unknownClass'>): string {
  if (layer.unknownClass) {
    return 'Unknown';
  }
  if (layer.className === 'Conv2D' && (layer.groups ?? 1) > 1) {
    return 'GroupedConv2D';
  }
  return layer.className in TYPE_PAINT ? layer.className : 'Other';
}

/** The paint of a colour key. */
export function typePaint(key: string): Paint {
  const entry = TYPE_PAINT[key] ?? OTHER;
  return { fill: entry.fill, stroke: entry.stroke, text: TEXT };
}

/** The legend for the layers of a graph: one entry per type present, in a fixed order. */
export function legendFor(
  layers: readonly Pick<LayerInfo, 'className' | 'groups' | 'unknownClass'>[],
): LegendEntry[] {
  const present = new Set(layers.map(typeKey));
  const entries: LegendEntry[] = [];
  const labels = new Set<string>();
  for (const key of [...Object.keys(TYPE_PAINT), 'Other']) {
    const label = (TYPE_PAINT[key] ?? OTHER).label;
    if (present.has(key) && !labels.has(label)) {
      labels.add(label);
      entries.push({ key, label, paint: typePaint(key) });
    }
  }
  return entries;
}

/** Stops of the heat scale, from cold (0) to hot (1). */
export const HEAT_STOPS: readonly string[] = [
  '#fff7d1',
  '#fed47a',
  '#f98b3a',
  '#dc3d3d',
  '#8e1456',
];

/** The paint of a layer whose output holds NaN or Inf: an alarm red, whatever the scale. */
export const FLAGGED_PAINT: Paint = { fill: '#e00000', stroke: '#7a0000', text: '#ffffff' };

function parseHex(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function toHex(rgb: readonly number[]): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;
}

/** The colour of a value in [0, 1] on a multi-stop scale (clamped). */
export function scaleColor(value: number, stops: readonly string[] = HEAT_STOPS): string {
  const t = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * (stops.length - 1);
  const index = Math.min(stops.length - 2, Math.floor(t));
  const from = parseHex(stops[index]);
  const to = parseHex(stops[index + 1]);
  const mix = t - index;
  return toHex(from.map((channel, i) => channel + (to[i] - channel) * mix));
}

function luminance(hex: string): number {
  const [r, g, b] = parseHex(hex);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/**
 * The paint of a layer node: its type colour, or, when a heat value in [0, 1] is given, the
 * heat scale's colour with a border of its type so the kind stays readable.
 */
export function nodePaint(
  layer: Pick<LayerInfo, 'className' | 'groups' | 'unknownClass'>,
  heat?: number | null,
  stops: readonly string[] = HEAT_STOPS,
): Paint {
  const base = typePaint(typeKey(layer));
  if (heat === undefined || heat === null) {
    return base;
  }
  const fill = scaleColor(heat, stops);
  return { fill, stroke: base.stroke, text: luminance(fill) < 0.45 ? '#ffffff' : TEXT };
}

/** The paint of a group (stem, stage, block), expanded or collapsed. */
export function groupPaint(
  kind: LayerGroup['kind'],
  collapsed: boolean,
  heat?: number | null,
  stops: readonly string[] = HEAT_STOPS,
): Paint {
  if (heat !== undefined && heat !== null) {
    const fill = scaleColor(heat, stops);
    return { fill, stroke: '#5a6273', text: luminance(fill) < 0.45 ? '#ffffff' : TEXT };
  }
  // Blocks and name-prefix runs sit inside an outer group: drawn lighter.
  const inner = kind === 'block' || kind === 'prefix';
  if (collapsed) {
    return { fill: inner ? '#f1f3f8' : '#e9ecf4', stroke: '#5a6273', text: TEXT };
  }
  return {
    fill: inner ? '#fbfbfd' : '#f5f6fa',
    stroke: inner ? '#c9cede' : '#aab1c4',
    text: '#4a5266',
  };
}
