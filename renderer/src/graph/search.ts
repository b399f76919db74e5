// Search over layers: a regular expression (case-insensitive) over name, type and output shape.
// A pattern that is not a valid regex is searched as plain text, and says so.
import type { LayerInfo } from '../../../shared/modelGraph';
import { formatShapeKeras, formatShapeShort } from '../lib/format';
import { layerTypeLabel } from './labels';

/** A compiled query. */
export interface SearchQuery {
  /** Tests a haystack; undefined for an empty query. */
  test?: (text: string) => boolean;
  /** Why the pattern was taken literally, when it was. */
  warning?: string;
}

const MAX_PATTERN = 200;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a search pattern. */
export function compileQuery(pattern: string): SearchQuery {
  const trimmed = pattern.trim().slice(0, MAX_PATTERN);
  if (!trimmed) {
    return {};
  }
  try {
    const regex = new RegExp(trimmed, 'i');
    return { test: (text) => regex.test(text) };
  } catch {
    const literal = new RegExp(escapeRegex(trimmed), 'i');
    return {
      test: (text) => literal.test(text),
      warning: 'Not a valid regular expression; searching for the text as typed.',
    };
  }
}

/** The fields a layer is searched by: name, class, type label and both shape forms. */
export function searchFields(layer: LayerInfo): string[] {
  return [
    layer.name,
    layer.className,
    layerTypeLabel(layer),
    formatShapeKeras(layer.outputShape),
    formatShapeShort(layer.outputShape),
  ];
}

/** The ids of the layers a query matches, in topological order. */
export function searchLayers(layers: readonly LayerInfo[], query: SearchQuery): number[] {
  const test = query.test;
  if (!test) {
    return [];
  }
  return layers.filter((layer) => searchFields(layer).some(test)).map((layer) => layer.id);
}
