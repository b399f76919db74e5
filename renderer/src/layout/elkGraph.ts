// The ELK input for a model graph (every group expanded) and the reading of ELK's answer.
// Pure: runs in tests and in the benchmark as it does in the app.
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { ModelGraph } from '../../../shared/modelGraph';
import { layerNodeId, type Hierarchy } from '../graph/hierarchy';
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
    'elk.padding': '[top=16,left=16,bottom=16,right=16]',
    // Edge routes in root coordinates, whichever container ELK files an edge under.
    'elk.json.edgeCoords': 'ROOT',
  };
}

/**
 * The ELK graph of a model with every group expanded: groups nest as compound nodes, every layer
 * is a leaf of its measured size, and edges sit at the root (INCLUDE_CHILDREN lays them out across
 * levels).
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
  for (const layer of graph.layers) {
    const chain = hierarchy.chains[layer.id] ?? [];
    const size = sizes.get(layer.id) ?? { w: 160, h: 40 };
    containerOf(chain[chain.length - 1]).children?.push({
      id: layerNodeId(layer.id),
      width: size.w,
      height: size.h,
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

/** Reads ELK's answer into absolute boxes (ELK gives children relative to their parent). */
export function readElkLayout(result: ElkNode, direction: Direction): Layout {
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
      boxes.set(child.id, { x, y, w: child.width ?? 0, h: child.height ?? 0 });
      visit(child, x, y);
    }
  };
  visit(result, 0, 0);
  return { boxes, routes, width: result.width ?? 0, height: result.height ?? 0, direction };
}
