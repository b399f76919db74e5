// The groups of a ModelGraph (ResNeXt's stem, stages and blocks; a file's nested models and name
// prefixes) with the sums a collapsed node shows, as compound nodes of the graph view.
import type { LayerGroup, ModelGraph } from '../../../shared/modelGraph';

/** A group of the graph with its layers and the sums a collapsed node shows. */
export interface GroupInfo extends LayerGroup {
  /** Ids of every layer inside, in topological order. */
  layerIds: number[];
  /** Groups directly inside (a stage's blocks). */
  childCount: number;
  params: number;
  trainableParams: number;
  macs: number;
}

/** The groups of a graph in topological order, and each layer's chain of groups. */
export interface Hierarchy {
  groups: Map<string, GroupInfo>;
  /** For each layer id, its groups from the outermost to the innermost. */
  chains: readonly (readonly string[])[];
}

/** The element id of a layer node. */
export const layerNodeId = (id: number): string => `l${id}`;

/** The layer id of a layer node id, or undefined for a group id. */
export function layerIdOf(nodeId: string): number | undefined {
  return /^l\d+$/.test(nodeId) ? Number(nodeId.slice(1)) : undefined;
}

/** Gathers each group's layers and sums from the graph's groups and its layers' group paths. */
export function buildHierarchy(graph: ModelGraph): Hierarchy {
  const groups = new Map<string, GroupInfo>(
    graph.groups.map((group) => [
      group.id,
      { ...group, layerIds: [], childCount: 0, params: 0, trainableParams: 0, macs: 0 },
    ]),
  );
  for (const group of groups.values()) {
    const parent = group.parent === undefined ? undefined : groups.get(group.parent);
    if (parent) {
      parent.childCount += 1;
    }
  }
  for (const layer of graph.layers) {
    for (const id of layer.groupPath) {
      const group = groups.get(id);
      if (group) {
        group.layerIds.push(layer.id);
        group.params += layer.params;
        group.trainableParams += layer.trainableParams;
        group.macs += layer.macs;
      }
    }
  }
  return { groups, chains: graph.layers.map((layer) => layer.groupPath) };
}

/**
 * The node that stands for a layer under a collapse state: the outermost collapsed group that
 * holds it, or the layer's own node.
 */
export function visibleNodeId(
  layerId: number,
  hierarchy: Hierarchy,
  collapsed: ReadonlySet<string>,
): string {
  for (const id of hierarchy.chains[layerId] ?? []) {
    if (collapsed.has(id)) {
      return id;
    }
  }
  return layerNodeId(layerId);
}

/** The ids of every stage group, in order. */
export function stageIds(hierarchy: Hierarchy): string[] {
  return [...hierarchy.groups.values()]
    .filter((group) => group.kind === 'stage')
    .map((group) => group.id);
}

/** The ids of the outermost groups, in order: ResNeXt's stem and stages, a file's top models. */
export function topGroupIds(hierarchy: Hierarchy): string[] {
  return [...hierarchy.groups.values()]
    .filter((group) => group.parent === undefined)
    .map((group) => group.id);
}
