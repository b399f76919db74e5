// What a big graph draws for a view: the part of the view model near the visible area, at a level
// of detail the zoom can show. Zoomed in, every layer, frame and edge there; zoomed out past
// where a layer is a few pixels tall, groups stand in for their layers (a filled box with the
// group's label, readable at that zoom), at the deepest level of groups that stays under a cap.
// So cytoscape holds a few hundred elements at any zoom, not the tens of thousands of a
// 10,000-layer model. Small graphs are drawn whole (drawer.ts).
import type { GraphViewModel, ViewEdge, ViewNode } from '../../graph/viewModel';
import type { Box } from '../../layout/types';

/** A layer drawn shorter than this many pixels is not drawn: its group stands in. */
export const LAYER_MIN_PX = 8;
/** The most group stand-ins drawn at once; coarser groups stand in beyond it. */
export const STANDIN_CAP = 300;
/** The most nodes drawn at once in any case (a big graph without groups, zoomed out). */
export const NODE_CAP = 1500;

/** A rectangle in model coordinates. */
export interface Extent {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The part of a view model to draw, and which of its frames stand in for their content. */
export interface DrawWindow {
  model: GraphViewModel;
  standIns: ReadonlySet<string>;
  /** The level drawn: `layers`, or the depth of the groups standing in (0 for the outermost). */
  level: 'layers' | number;
}

interface Index {
  /** Leaf nodes (layers and collapsed groups) sorted by their top. */
  leaves: ViewNode[];
  tops: Float64Array;
  tallest: number;
  /** Expanded frames with their depth. */
  frames: { node: ViewNode; depth: number }[];
  layerHeight: number;
  byId: Map<string, ViewNode>;
}

const indexes = new WeakMap<GraphViewModel, Index>();

function indexOf(model: GraphViewModel): Index {
  let index = indexes.get(model);
  if (index) {
    return index;
  }
  const leaves = model.nodes
    .filter((node) => node.kind === 'layer' || node.collapsed)
    .sort((a, b) => a.box.y - b.box.y);
  // Loops, not maps of arrays: a collapse in a 10,000-layer model indexes its model anew.
  const byId = new Map<string, ViewNode>();
  for (const node of model.nodes) {
    byId.set(node.id, node);
  }
  const depthOf = (node: ViewNode): number => {
    let depth = 0;
    for (let parent = node.parent; parent && depth < 64; depth += 1) {
      parent = byId.get(parent)?.parent;
    }
    return depth;
  };
  const frames = model.nodes
    .filter((node) => node.kind === 'group' && !node.collapsed)
    .map((node) => ({ node, depth: depthOf(node) }));
  const heights = leaves
    .filter((node) => node.kind === 'layer')
    .map((node) => node.box.h)
    .sort((a, b) => a - b);
  index = {
    leaves,
    tops: Float64Array.from(leaves, (node) => node.box.y),
    tallest: Math.max(0, ...leaves.map((node) => node.box.h)),
    frames,
    layerHeight: heights[Math.floor(heights.length / 2)] ?? 40,
    byId,
  };
  indexes.set(model, index);
  return index;
}

const meets = (box: Box, extent: Extent): boolean =>
  box.x < extent.x2 && box.x + box.w > extent.x1 && box.y < extent.y2 && box.y + box.h > extent.y1;

/** The leaves whose boxes meet an extent, by binary search on their tops. */
function leavesIn(index: Index, extent: Extent): ViewNode[] {
  const { tops, leaves } = index;
  let low = 0;
  let high = tops.length;
  const from = extent.y1 - index.tallest;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (tops[middle] < from) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  const found: ViewNode[] = [];
  for (let at = low; at < leaves.length && tops[at] < extent.y2; at += 1) {
    if (meets(leaves[at].box, extent)) {
      found.push(leaves[at]);
    }
  }
  return found;
}

/** The nodes of a chain of parents up to the outermost, for a set of node ids. */
function withFrames(ids: Set<string>, byParent: (id: string) => string | undefined): void {
  for (const id of [...ids]) {
    for (let parent = byParent(id); parent && !ids.has(parent); parent = byParent(parent)) {
      ids.add(parent);
    }
  }
}

/**
 * The part of a model to draw for an extent (the visible area and a margin around it) at a zoom.
 */
export function drawWindow(model: GraphViewModel, extent: Extent, zoom: number): DrawWindow {
  const index = indexOf(model);
  const parentOf = (id: string): string | undefined => index.byId.get(id)?.parent;
  const ids = new Set<string>();
  const standIns = new Set<string>();
  let level: DrawWindow['level'] = 'layers';
  const frames = index.frames.filter(({ node }) => meets(node.box, extent));
  if (zoom * index.layerHeight >= LAYER_MIN_PX || frames.length === 0) {
    const leaves = leavesIn(index, extent);
    const centre = { x: (extent.x1 + extent.x2) / 2, y: (extent.y1 + extent.y2) / 2 };
    const kept =
      leaves.length <= NODE_CAP
        ? leaves
        : leaves
            .map((node) => ({ node, d: Math.abs(node.box.y + node.box.h / 2 - centre.y) }))
            .sort((a, b) => a.d - b.d)
            .slice(0, NODE_CAP)
            .map(({ node }) => node);
    kept.forEach((node) => ids.add(node.id));
  } else {
    const depths = [...new Set(frames.map(({ depth }) => depth))].sort((a, b) => a - b);
    let depth = depths[0];
    for (const candidate of depths) {
      if (frames.filter((frame) => frame.depth === candidate).length <= STANDIN_CAP) {
        depth = candidate;
      }
    }
    level = depth;
    for (const { node, depth: at } of frames) {
      if (at === depth) {
        standIns.add(node.id);
        ids.add(node.id);
      }
    }
    // Leaves outside every stand-in (the input, the head) stay as they are.
    for (const node of leavesIn(index, extent)) {
      if (!insideStandIn(node, standIns, parentOf)) {
        ids.add(node.id);
      }
    }
  }
  withFrames(ids, parentOf);
  // One pass over the edges: those with an end in the window; an edge to a node out of it
  // brings that node (a long skip connection), except while groups stand in for layers.
  const edges: ViewEdge[] = [];
  const pulled: string[] = [];
  for (const edge of model.edges) {
    const hasSource = ids.has(edge.source);
    const hasTarget = ids.has(edge.target);
    if ((!hasSource && !hasTarget) || standIns.has(edge.source) || standIns.has(edge.target)) {
      continue;
    }
    if ((!hasSource || !hasTarget) && standIns.size > 0) {
      continue;
    }
    edges.push(edge);
    pulled.push(hasSource ? edge.target : edge.source);
  }
  pulled.forEach((id) => ids.add(id));
  withFrames(ids, parentOf);
  const nodes = model.nodes.filter((node) => ids.has(node.id));
  return { model: { nodes, edges, layout: model.layout }, standIns, level };
}

function insideStandIn(
  node: ViewNode | undefined,
  standIns: ReadonlySet<string>,
  parentOf: (id: string) => string | undefined,
): boolean {
  for (let parent = node?.parent; parent; parent = parentOf(parent)) {
    if (standIns.has(parent)) {
      return true;
    }
  }
  return false;
}
