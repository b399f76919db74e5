// The rows of the summary table: filtered, sorted and, if asked, grouped by stage with a header
// per group. Pure, so the virtualised view only slices what this returns.
import { topSection, type LayerInfo, type ModelGraph } from '../../../../shared/modelGraph';
import type { SearchQuery } from '../../graph/search';
import { searchFields } from '../../graph/search';
import { isGroupedConv } from '../../lib/cardinality';
import type { TableColumn, TableContext } from './columns';

/** A row: a layer, or the header of a group of layers. */
export type TableRow =
  | { kind: 'layer'; layer: LayerInfo }
  | { kind: 'group'; key: string; label: string; layers: number; params: number; macs: number };

/** A sort: the column and the direction. */
export interface TableSort {
  column: string;
  descending: boolean;
}

/** How rows are chosen and ordered. */
export interface RowOptions {
  query?: SearchQuery;
  /** A class name to keep, or empty for all. */
  type?: string;
  sort?: TableSort | null;
  groupByStage?: boolean;
  /** Keep grouped convolutions only (more than one group). */
  groupedOnly?: boolean;
}

/**
 * The group a layer falls in when grouping by stage: input, stem, stage n, head; for a model read
 * from a file, its outermost group (a nested model, a name prefix) or `top level`.
 */
export function sectionKey(layer: LayerInfo, graph?: Pick<ModelGraph, 'groups'>): string {
  return topSection(layer, graph);
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') {
    return a - b;
  }
  return String(a).localeCompare(String(b), 'en', { numeric: true });
}

/** Sorts layers by a column; ties keep topological order. */
export function sortLayers(
  layers: readonly LayerInfo[],
  column: TableColumn | undefined,
  descending: boolean,
  context: TableContext,
): LayerInfo[] {
  if (!column) {
    return [...layers];
  }
  const keyed = layers.map((layer) => ({ layer, key: column.sortValue(layer, context) }));
  keyed.sort((a, b) => {
    const order = compare(a.key, b.key);
    return order === 0 ? a.layer.id - b.layer.id : descending ? -order : order;
  });
  return keyed.map((entry) => entry.layer);
}

/** Builds the rows for a graph under the given filter, sort and grouping. */
export function buildRows(
  graph: ModelGraph,
  columns: readonly TableColumn[],
  options: RowOptions,
): TableRow[] {
  const test = options.query?.test;
  const kept = graph.layers.filter(
    (layer) =>
      (!options.type || layer.className === options.type) &&
      (!options.groupedOnly || isGroupedConv(layer)) &&
      (!test || searchFields(layer).some(test)),
  );
  const column = options.sort
    ? columns.find((entry) => entry.id === options.sort?.column)
    : undefined;
  const sorted = sortLayers(kept, column, options.sort?.descending ?? false, { graph });
  if (!options.groupByStage) {
    return sorted.map((layer) => ({ kind: 'layer', layer }));
  }
  const groups = new Map<string, LayerInfo[]>();
  for (const layer of kept) {
    const key = sectionKey(layer, graph);
    groups.set(key, []);
  }
  for (const layer of sorted) {
    groups.get(sectionKey(layer, graph))?.push(layer);
  }
  const rows: TableRow[] = [];
  for (const [key, layers] of groups) {
    const params = layers.reduce((sum, layer) => sum + layer.params, 0);
    const macs = layers.reduce((sum, layer) => sum + layer.macs, 0);
    rows.push({ kind: 'group', key, label: key, layers: layers.length, params, macs });
    layers.forEach((layer) => rows.push({ kind: 'layer', layer }));
  }
  return rows;
}

/** The distinct class names of a graph, for the type filter. */
export function classNames(graph: ModelGraph): string[] {
  return [...new Set(graph.layers.map((layer) => layer.className))].sort();
}

/** The index of a layer's row, or -1 when filtered out. */
export function rowIndexOf(rows: readonly TableRow[], layerId: number): number {
  return rows.findIndex((row) => row.kind === 'layer' && row.layer.id === layerId);
}
