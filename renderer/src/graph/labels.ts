// Node labels and node sizes. One place decides what a node says, so the view, the SVG and the
// PNG export agree; sizes come from measured text so ELK leaves room for every label.
import type { LayerInfo } from '../../../shared/modelGraph';
import { formatCompact, formatInteger, formatShapeShort } from '../lib/format';
import type { GroupInfo } from './hierarchy';

/** What a layer node shows. The view shows everything; the export lets a person choose. */
export interface LabelOptions {
  showNames: boolean;
  showTypes: boolean;
  showShapes: boolean;
  showParams: boolean;
}

/** Everything on. */
export const FULL_LABELS: Readonly<LabelOptions> = Object.freeze({
  showNames: true,
  showTypes: true,
  showShapes: true,
  showParams: true,
});

/** Measures the width in pixels of a line of node text. */
export type MeasureText = (text: string) => number;

/** A fallback measure for places without a canvas (tests, workers): 6.6 px a character. */
export const estimateText: MeasureText = (text) => text.length * 6.6;

/** The fallback for semibold text (collapsed groups): 7.2 px a character. */
export const estimateBoldText: MeasureText = (text) => text.length * 7.2;

/** The font every node label uses; measuring must use the same. */
export const NODE_FONT_FAMILY = 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
export const NODE_FONT_SIZE = 11;
/** The weight of a collapsed group's label (the view, the PNG and the SVG draw it so). */
export const GROUP_FONT_WEIGHT = 600;
export const LINE_HEIGHT = 15;
const PAD_X = 12;
const PAD_Y = 6;
const MIN_WIDTH = 120;

/** The type shown on a node: the class, with the groups of a grouped convolution. */
export function layerTypeLabel(layer: LayerInfo): string {
  if (layer.className === 'Conv2D' && (layer.groups ?? 1) > 1) {
    return `Conv2D /${layer.groups}`;
  }
  if (layer.className === 'Activation' && layer.activation) {
    return `Activation ${layer.activation}`;
  }
  return layer.className;
}

/** What a layer of a class the engine does not know is marked with, wherever it is shown. */
export const UNKNOWN_CLASS = 'unknown class: not runnable';

/** The lines of a layer node: `name · type · shape`, then the parameters. */
export function layerLabelLines(layer: LayerInfo, options: LabelOptions = FULL_LABELS): string[] {
  const first = [
    options.showNames ? layer.name : '',
    options.showTypes ? layerTypeLabel(layer) : '',
    options.showShapes ? formatShapeShort(layer.outputShape) : '',
  ].filter(Boolean);
  const lines = [first.join(' · ')];
  if (options.showParams) {
    lines.push(`${formatInteger(layer.params)} params`);
  }
  if (layer.unknownClass) {
    // Said in words as well as drawn: a reader of a PNG or of grey print still sees it.
    lines.push(UNKNOWN_CLASS);
  }
  return lines.filter(Boolean);
}

/** The lines of a group: its name and count, then its sums (and an extra line, e.g. a time). */
export function groupLabelLines(group: GroupInfo, extra?: string): string[] {
  const count =
    group.kind === 'stage' ? `${group.childCount} blocks` : `${group.layerIds.length} layers`;
  const sums = `${formatCompact(group.params)} params · ${formatCompact(group.macs)} MACs`;
  return [`${group.label} · ${count}`, extra ? `${sums} · ${extra}` : sums];
}

/** The size of a box that holds these lines. */
export function boxSize(lines: readonly string[], measure: MeasureText): { w: number; h: number } {
  const widest = Math.max(0, ...lines.map(measure));
  return {
    w: Math.ceil(Math.max(MIN_WIDTH, widest + 2 * PAD_X)),
    h: Math.max(1, lines.length) * LINE_HEIGHT + 2 * PAD_Y,
  };
}

/** The font of an expanded group's title: the view draws outer groups' a size larger. */
export function frameTitleFont(kind: GroupInfo['kind']): { weight: number; size: number } {
  return { weight: 600, size: kind === 'stage' || kind === 'stem' ? 13 : NODE_FONT_SIZE };
}

/**
 * A measure backed by a 2D canvas, with the node font at a weight and size (measure what is drawn:
 * a collapsed group's label is semibold); falls back to the estimate without a canvas.
 */
export function canvasMeasure(weight = 400, size = NODE_FONT_SIZE): MeasureText {
  const estimate = weight > 400 ? estimateBoldText : estimateText;
  const fallback: MeasureText = (text) => (estimate(text) * size) / NODE_FONT_SIZE;
  if (typeof document === 'undefined') {
    return fallback;
  }
  const context = document.createElement('canvas').getContext('2d');
  if (!context) {
    return fallback;
  }
  context.font = `${weight} ${size}px ${NODE_FONT_FAMILY}`;
  // The sum of each character's advance: a 10,000-layer model has 10,000 distinct labels, and
  // measuring each took ~40 µs here; characters repeat. Kerning only narrows text, so the sum
  // holds what is drawn.
  const advances = new Map<number, number>();
  return (text) => {
    let width = 0;
    for (let index = 0; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      let advance = advances.get(code);
      if (advance === undefined) {
        advance = context.measureText(text[index]).width;
        advances.set(code, advance);
      }
      width += advance;
    }
    return width;
  };
}
