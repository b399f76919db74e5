// The stem / stage / block grouping of a ModelGraph, as compound nodes of the graph view.
import type { LayerInfo, ModelGraph } from '../../../shared/modelGraph';

/** A compound node: the stem, a stage or a block, with the sums a collapsed node shows. */
export interface GroupInfo {
  /** `g:stem`, `g:s3` or `g:s3b7`. */
  id: string;
  kind: 'stem' | 'stage' | 'block';
  /** `stem`, `stage 3`, `block 7`. */
  label: string;
  /** The enclosing group, for a block. */
  parent?: string;
  stage?: number;
  block?: number;
  /** Ids of every layer inside, in topological order. */
  layerIds: number[];
  /** Blocks inside a stage; 0 otherwise. */
  blockCount: number;
  params: number;
  trainableParams: number;
  macs: number;
}

/** The groups of a graph in topological order, and each layer's chain of groups. */
export interface Hierarchy {
  groups: Map<string, GroupInfo>;
  /** For each layer id, its groups from the outermost to the innermost. */
  chains: string[][];
}

/** The element id of a layer node. */
export const layerNodeId = (id: number): string => `l${id}`;

/** The layer id of a layer node id, or undefined for a group id. */
export function layerIdOf(nodeId: string): number | undefined {
  return /^l\d+$/.test(nodeId) ? Number(nodeId.slice(1)) : undefined;
}

/** The groups a layer belongs to, outermost first. */
export function groupChain(layer: LayerInfo): string[] {
  const { section, stage, block } = layer.path;
  if (section === 'stem') {
    return ['g:stem'];
  }
  if (section === 'stage' && stage !== undefined) {
    return block === undefined ? [`g:s${stage}`] : [`g:s${stage}`, `g:s${stage}b${block}`];
  }
  return [];
}

function newGroup(id: string, layer: LayerInfo, depth: number): GroupInfo {
  const { stage, block } = layer.path;
  const base = { id, layerIds: [], blockCount: 0, params: 0, trainableParams: 0, macs: 0 };
  if (id === 'g:stem') {
    return { ...base, kind: 'stem', label: 'stem' };
  }
  if (depth === 0) {
    return { ...base, kind: 'stage', label: `stage ${stage}`, stage };
  }
  return { ...base, kind: 'block', label: `block ${block}`, parent: `g:s${stage}`, stage, block };
}

/** Groups the layers of a graph into the stem, stages and blocks. */
export function buildHierarchy(graph: ModelGraph): Hierarchy {
  const groups = new Map<string, GroupInfo>();
  const chains = graph.layers.map((layer) => {
    const chain = groupChain(layer);
    chain.forEach((id, depth) => {
      let group = groups.get(id);
      if (!group) {
        group = newGroup(id, layer, depth);
        groups.set(id, group);
        if (group.kind === 'block' && group.parent) {
          const parent = groups.get(group.parent);
          if (parent) {
            parent.blockCount += 1;
          }
        }
      }
      group.layerIds.push(layer.id);
      group.params += layer.params;
      group.trainableParams += layer.trainableParams;
      group.macs += layer.macs;
    });
    return chain;
  });
  return { groups, chains };
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
