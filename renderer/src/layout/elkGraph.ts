// The ELK input for a model graph (every group expanded) and the reading of ELK's answer.
// Pure: runs in tests and in the benchmark as it does in the app.
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { ModelGraph } from '../../../shared/modelGraph';
import { layerIdOf, layerNodeId, type Hierarchy } from '../graph/hierarchy';
import type { Box, Direction, Layout, Point } from './types';

/** Room inside a group for its title above its children. */
export const GROUP_PADDING = { top: 30, left: 14, bottom: 14, right: 14 };

const padding = `[top=${GROUP_PADDING.top},left=${GROUP_PADDING.left},bottom=${GROUP_PADDING.bottom},right=${GROUP_PADDING.right}]`;

/** ELK options of the whole graph. */
export function rootOptions(direction: Direction): Record<string, string> {
  return {
    'elk.algorithm': 'layered',
    'elk.direction': direction,
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.edgeRouting': 'ORTHOGONAL',
    'elk.layered.spacing.nodeNodeBetweenLayers': '22',
    'elk.spacing.nodeNode': '18',
    'elk.spacing.componentComponent': '24',
    'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    // The graph is nearly a chain: one sweep of crossing minimisation finds the same layout
    // as the default seven, in two thirds of the time.
    'elk.layered.thoroughness': '1',
    'elk.padding': '[top=16,left=16,bottom=16,right=16]',
    // Edge routes in root coordinates, whichever container ELK files an edge under.
    'elk.json.edgeCoords': 'ROOT',
  };
}

/**
 * The ELK graph of a model with every group expanded: groups nest as compound nodes and edges sit
 * at the root (INCLUDE_CHILDREN lays them out across levels). Every layer takes the widest label's
 * width across the flow (its height along it): with nodes of one size, ELK's placement keeps the
 * main path straight instead of drifting sideways block after block; `readElkLayout` then shrinks
 * each box back to its own label, centred in its slot.
 */
export function buildElkGraph(
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  direction: Direction,
): ElkNode {
  const root: ElkNode = {
    id: 'root',
    layoutOptions: rootOptions(direction),
    children: [],
    edges: [],
  };
  const containers = new Map<string, ElkNode>([['root', root]]);
  const containerOf = (groupId: string | undefined): ElkNode => {
    if (!groupId) {
      return root;
    }
    let node = containers.get(groupId);
    if (!node) {
      const group = hierarchy.groups.get(groupId);
      node = { id: groupId, layoutOptions: { 'elk.padding': padding }, children: [] };
      containers.set(groupId, node);
      containerOf(group?.parent).children?.push(node);
    }
    return node;
  };
  const idByName = new Map(graph.layers.map((layer) => [layer.name, layer.id]));
  const edges: ElkExtendedEdge[] = [];
  const slot = slotSize(sizes, direction);
  for (const layer of graph.layers) {
    const chain = hierarchy.chains[layer.id] ?? [];
    const size = sizes.get(layer.id) ?? { w: 160, h: 40 };
    containerOf(chain[chain.length - 1]).children?.push({
      id: layerNodeId(layer.id),
      width: direction === 'DOWN' ? slot : size.w,
      height: direction === 'DOWN' ? size.h : slot,
    });
    layer.inbound.forEach((source, index) => {
      const sourceId = idByName.get(source);
      if (sourceId !== undefined) {
        edges.push({
          id: `e${sourceId}_${layer.id}_${index}`,
          sources: [layerNodeId(sourceId)],
          targets: [layerNodeId(layer.id)],
        });
      }
    });
  }
  root.edges = edges;
  return root;
}

/** The size across the flow every layer's slot takes: the widest (TB) or tallest (LR) label. */
function slotSize(
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  direction: Direction,
): number {
  let widest = 0;
  for (const size of sizes.values()) {
    widest = Math.max(widest, direction === 'DOWN' ? size.w : size.h);
  }
  return widest || 160;
}

/** A layer box shrunk from its slot to its own size, centred across the flow. */
function shrink(box: Box, size: { w: number; h: number } | undefined, direction: Direction): Box {
  if (!size) {
    return box;
  }
  return direction === 'DOWN'
    ? { x: box.x + (box.w - size.w) / 2, y: box.y, w: size.w, h: box.h }
    : { x: box.x, y: box.y + (box.h - size.h) / 2, w: box.w, h: size.h };
}

/** Moves a route's ends (and the bends in line with them) onto the shrunk boxes. */
function clampRoute(
  points: Point[],
  from: Box | undefined,
  to: Box | undefined,
  direction: Direction,
): Point[] {
  const across = direction === 'DOWN' ? 0 : 1;
  const clampEnd = (end: number, next: number, box: Box | undefined) => {
    if (!box) {
      return;
    }
    const low = (across === 0 ? box.x : box.y) + 6;
    const high = (across === 0 ? box.x + box.w : box.y + box.h) - 6;
    const value = points[end][across];
    const clamped = Math.min(high, Math.max(low, value));
    if (clamped !== value) {
      if (points[next] && points[next][across] === value) {
        points[next][across] = clamped;
      }
      points[end][across] = clamped;
    }
  };
  clampEnd(0, 1, from);
  clampEnd(points.length - 1, points.length - 2, to);
  return points;
}

/**
 * Reads ELK's answer into absolute boxes (ELK gives children relative to their parent), with
 * each layer shrunk from its slot to its own size.
 */
export function readElkLayout(
  result: ElkNode,
  direction: Direction,
  sizes?: ReadonlyMap<number, { w: number; h: number }>,
): Layout {
  const boxes = new Map<string, Box>();
  const routes = new Map<string, Point[]>();
  const visit = (node: ElkNode, offsetX: number, offsetY: number): void => {
    for (const edge of node.edges ?? []) {
      const section = edge.sections?.[0];
      if (section && edge.sources[0] && edge.targets[0]) {
        const points: Point[] = [
          section.startPoint,
          ...(section.bendPoints ?? []),
          section.endPoint,
        ].map((point) => [point.x, point.y]);
        routes.set(`${edge.sources[0]}>${edge.targets[0]}`, points);
      }
    }
    for (const child of node.children ?? []) {
      const x = offsetX + (child.x ?? 0);
      const y = offsetY + (child.y ?? 0);
      const box = { x, y, w: child.width ?? 0, h: child.height ?? 0 };
      const layerId = layerIdOf(child.id);
      boxes.set(
        child.id,
        layerId === undefined ? box : shrink(box, sizes?.get(layerId), direction),
      );
      visit(child, x, y);
    }
  };
  visit(result, 0, 0);
  for (const [key, points] of routes) {
    const [source, target] = key.split('>');
    clampRoute(points, boxes.get(source), boxes.get(target), direction);
  }
  return { boxes, routes, width: result.width ?? 0, height: result.height ?? 0, direction };
}
