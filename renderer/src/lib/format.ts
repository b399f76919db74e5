// Number and shape formatting shared by the graph, the table and the inspector.
import type { Shape } from '../../../shared/modelGraph';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 44384488 → `44,384,488`, as Keras prints parameter counts. */
export function formatInteger(value: number): string {
  return integer.format(value);
}

/** 44384488 → `44.4 M`; 7507574784 → `7.51 G`. */
export function formatCompact(value: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) {
    if (Math.abs(value) >= size) {
      const scaled = value / size;
      return `${scaled.toFixed(scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2)} ${unit}`;
    }
  }
  return String(value);
}

/** `(None, 56, 56, 256)`, as Keras prints an output shape. */
export function formatShapeKeras(shape: Shape | null): string {
  if (shape === null) {
    return '?';
  }
  const parts = shape.map((dim) => (dim === null ? 'None' : String(dim)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

/** `56×56×256`: the shape without the batch dimension, for compact labels. */
export function formatShapeShort(shape: Shape | null): string {
  if (shape === null) {
    return '?';
  }
  const dims = shape[0] === null ? shape.slice(1) : shape;
  return dims.map((dim) => (dim === null ? '?' : String(dim))).join('×');
}

/** `3×3` from a [h, w] pair, or an empty string. */
export function formatPair(pair: readonly [number, number] | undefined): string {
  if (!pair) {
    return '';
  }
  return `${pair[0]}×${pair[1]}`;
}

/** A percentage with two decimals, `0.00 %` for zero. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}
