// What the graph shows under a collapse state: visible nodes (layers, expanded groups as
// compounds, collapsed groups as single nodes) with their text, paint and box, and the edges
// between them. The cytoscape view, the SVG and the PNG export all draw from this.
import type { LayerInfo, ModelGraph } from '../../../shared/modelGraph';
import type { Box, Layout, Point } from '../layout/types';
import { FLAGGED_PAINT, groupPaint, nodePaint, type Paint } from './colors';
import { layerNodeId, visibleNodeId, type GroupInfo, type Hierarchy } from './hierarchy';
import { FULL_LABELS, groupLabelLines, layerLabelLines, type LabelOptions } from './labels';
import { formatCompact } from '../lib/format';

/** Values that recolour the graph: a profile's times, activation statistics, a difference. */
export interface Heat {
  /** Per layer id, a value in [0, 1] on the heat scale; layers without one keep their type colour. */
  layers: ReadonlyMap<number, number>;
  /** Per group id, a value in [0, 1] for the group when collapsed. */
  groups?: ReadonlyMap<string, number>;
  /** Per group id, a short text a collapsed group adds to its sums (its summed time). */
  groupText?: ReadonlyMap<string, string>;
  /** The scale's stops, cold to hot (HEAT_STOPS by default; a diverging scale for differences). */
  stops?: readonly string[];
  /** Layers drawn in the alarm colour whatever their value (outputs with NaN or Inf). */
  flagged?: ReadonlySet<number>;
  /** The layer running now: its node, or the collapsed group that holds it, gets the cursor mark. */
  cursor?: number | null;
}

/** One visible node. */
export interface ViewNode {
  id: string;
  kind: 'layer' | 'group';
  /** For groups: stem, stage or block. */
  groupKind?: GroupInfo['kind'];
  /** A collapsed group is a leaf; an expanded one a compound around its children. */
  collapsed: boolean;
  /** The expanded group it sits in. */
  parent?: string;
  layerId?: number;
  lines: string[];
  paint: Paint;
  box: Box;
  /** For an expanded group: where its title goes, if the layout placed it (else centred on top). */
  title?: Box;
  /** Marks the node of the layer running now (a profile's execution cursor). */
  cursor?: boolean;
  /** Marks a layer of a class the engine does not know (drawn dashed: it cannot run). */
  unknown?: boolean;
}

/** One visible edge. */
export interface ViewEdge {
  id: string;
  source: string;
  target: string;
  /** ELK's orthogonal route, start to end, when both ends are layers laid out as routed. */
  points?: Point[];
}

/** Everything the graph view draws for one state. */
export interface GraphViewModel {
  nodes: ViewNode[];
  edges: ViewEdge[];
  layout: Layout;
}

/** Options of `buildViewModel`. */
export interface ViewOptions {
  labels?: LabelOptions;
  heat?: Heat | null;
}

const EMPTY_BOX: Box = { x: 0, y: 0, w: 0, h: 0 };

/** The title of an expanded group, drawn above its children. */
export function expandedGroupTitle(group: GroupInfo): string {
  const count = group.kind === 'stage' ? ` · ${group.childCount} blocks` : '';
  return `${group.label}${count} · ${formatCompact(group.params)} params`;
}

const cursorIn = (heat: Heat | null | undefined, hierarchy: Hierarchy, groupId: string): boolean =>
  heat?.cursor !== undefined &&
  heat.cursor !== null &&
  (hierarchy.chains[heat.cursor]?.includes(groupId) ?? false);

function groupNodes(
  hierarchy: Hierarchy,
  collapsed: ReadonlySet<string>,
  layout: Layout,
  heat: Heat | null | undefined,
): ViewNode[] {
  const nodes: ViewNode[] = [];
  for (const group of hierarchy.groups.values()) {
    if (group.parent && collapsed.has(group.parent)) {
      continue;
    }
    const isCollapsed = collapsed.has(group.id);
    nodes.push({
      id: group.id,
      kind: 'group',
      groupKind: group.kind,
      collapsed: isCollapsed,
      parent: group.parent,
      lines: isCollapsed
        ? groupLabelLines(group, heat?.groupText?.get(group.id))
        : [expandedGroupTitle(group)],
      paint: groupPaint(
        group.kind,
        isCollapsed,
        isCollapsed ? heat?.groups?.get(group.id) : undefined,
        heat?.stops,
      ),
      box: layout.boxes.get(group.id) ?? EMPTY_BOX,
      title: isCollapsed ? undefined : layout.titles?.get(group.id),
      cursor: isCollapsed && cursorIn(heat, hierarchy, group.id),
    });
  }
  return nodes;
}

/**
 * A layer's node, its text and paint worked out when first read: a big graph draws a window of
 * its 10,000 layers, and the rest never need them.
 */
class LayerNode implements ViewNode {
  readonly kind = 'layer';
  readonly collapsed = false;
  readonly id: string;
  readonly layerId: number;
  readonly cursor: boolean;
  readonly unknown: boolean;
  #lines: string[] | undefined;
  #paint: Paint | undefined;

  constructor(
    private readonly layer: LayerInfo,
    readonly parent: string | undefined,
    readonly box: Box,
    private readonly labels: LabelOptions,
    private readonly heat: Heat | null | undefined,
  ) {
    this.id = layerNodeId(layer.id);
    this.layerId = layer.id;
    this.cursor = heat?.cursor === layer.id;
    this.unknown = layer.unknownClass === true;
  }

  get lines(): string[] {
    this.#lines ??= layerLabelLines(this.layer, this.labels);
    return this.#lines;
  }

  get paint(): Paint {
    const { heat, layer } = this;
    this.#paint ??= heat?.flagged?.has(layer.id)
      ? FLAGGED_PAINT
      : nodePaint(layer, heat?.layers.get(layer.id), heat?.stops);
    return this.#paint;
  }
}

const names = new WeakMap<ModelGraph, Map<string, number>>();

/** Layer ids by name, once per graph: a collapse of a 10,000-layer model rebuilds the rest. */
function idsByName(graph: ModelGraph): Map<string, number> {
  let map = names.get(graph);
  if (!map) {
    map = new Map(graph.layers.map((layer) => [layer.name, layer.id]));
    names.set(graph, map);
  }
  return map;
}

/** Builds the visible nodes and edges of a graph under a collapse state and a derived layout. */
export function buildViewModel(
  graph: ModelGraph,
  hierarchy: Hierarchy,
  collapsed: ReadonlySet<string>,
  layout: Layout,
  options: ViewOptions = {},
): GraphViewModel {
  const labels = options.labels ?? FULL_LABELS;
  const nodes = groupNodes(hierarchy, collapsed, layout, options.heat);
  const visible = graph.layers.map((layer) => visibleNodeId(layer.id, hierarchy, collapsed));
  for (const layer of graph.layers) {
    const id = layerNodeId(layer.id);
    if (visible[layer.id] !== id) {
      continue;
    }
    const chain = hierarchy.chains[layer.id] ?? [];
    nodes.push(
      new LayerNode(
        layer,
        chain[chain.length - 1],
        layout.boxes.get(id) ?? EMPTY_BOX,
        labels,
        options.heat,
      ),
    );
  }
  const idByName = idsByName(graph);
  const edges = new Map<string, ViewEdge>();
  for (const layer of graph.layers) {
    const target = visible[layer.id];
    for (const name of layer.inbound) {
      const sourceId = idByName.get(name);
      const source = sourceId === undefined ? undefined : visible[sourceId];
      const key = `${source}>${target}`;
      if (source && source !== target && !edges.has(key)) {
        edges.set(key, { id: `e:${key}`, source, target, points: layout.routes.get(key) });
      }
    }
  }
  return { nodes, edges: [...edges.values()], layout };
}
