// The layout of a collapse state, derived from the layout with every group expanded: a collapsed
// group takes the place of its box, and what follows moves up (or left) by what it saved; a frame
// around it shortens by as much. Linear
// in the nodes, so collapsing a stage of ResNeXt-101 costs no new ELK run, and nothing but the
// following nodes moves: the picture stays the one the person was reading.
import { layerNodeId, type Hierarchy } from '../graph/hierarchy';
import type { Box, Layout, Point } from './types';

/** The groups that are collapsed and have no collapsed ancestor: those drawn as one node. */
export function outermostCollapsed(hierarchy: Hierarchy, collapsed: ReadonlySet<string>): string[] {
  return [...collapsed].filter((id) => {
    const group = hierarchy.groups.get(id);
    if (!group) {
      return false;
    }
    return !(group.parent && collapsed.has(group.parent));
  });
}

/**
 * Derives the boxes of every visible node under a collapse state. `collapsedSize` gives the size
 * of a collapsed group's node. Frames of expanded groups keep their width across the flow.
 */
export function deriveLayout(
  full: Layout,
  hierarchy: Hierarchy,
  collapsed: ReadonlySet<string>,
  collapsedSize: (groupId: string) => { w: number; h: number },
): Layout {
  // Nothing collapsed: the full layout as it is (a big graph's first view copies nothing).
  if (![...collapsed].some((id) => full.boxes.has(id))) {
    return full;
  }
  const vertical = full.direction === 'DOWN';
  const start = (box: Box): number => (vertical ? box.y : box.x);
  const extent = (box: Box): number => (vertical ? box.h : box.w);
  const cuts = outermostCollapsed(hierarchy, collapsed)
    .map((id) => {
      const box = full.boxes.get(id);
      if (!box) {
        return undefined;
      }
      const size = collapsedSize(id);
      const saved = extent(box) - (vertical ? size.h : size.w);
      return { id, box, size, saved, end: start(box) + extent(box) };
    })
    .filter((cut) => cut !== undefined)
    .sort((a, b) => start(a.box) - start(b.box));
  const shiftAt = (position: number): number =>
    cuts.reduce((sum, cut) => (position >= cut.end - 0.5 ? sum + cut.saved : sum), 0);
  // What does not move keeps its object: a 10,000-layer model copies only what follows a cut.
  const move = (box: Box, shift: number): Box =>
    shift === 0 ? box : vertical ? { ...box, y: box.y - shift } : { ...box, x: box.x - shift };

  const boxes = new Map<string, Box>();
  const hidden = new Set<number>();
  for (const cut of cuts) {
    const group = hierarchy.groups.get(cut.id);
    group?.layerIds.forEach((id) => hidden.add(id));
    // Centred on the group's main path (its first layer's, from ELK), so a run of collapsed
    // groups lines up with the layers around it.
    const first = group ? full.boxes.get(layerNodeId(group.layerIds[0])) : undefined;
    const line = first ?? cut.box;
    const centre = full.axes?.get(cut.id) ?? (vertical ? line.x + line.w / 2 : line.y + line.h / 2);
    const placed: Box = vertical
      ? { x: centre - cut.size.w / 2, y: cut.box.y, w: cut.size.w, h: cut.size.h }
      : { x: cut.box.x, y: centre - cut.size.h / 2, w: cut.size.w, h: cut.size.h };
    boxes.set(cut.id, move(placed, shiftAt(start(cut.box))));
  }
  for (let id = 0; id < hierarchy.chains.length; id += 1) {
    const nodeId = layerNodeId(id);
    const box = full.boxes.get(nodeId);
    if (box && !hidden.has(id)) {
      boxes.set(nodeId, move(box, shiftAt(start(box))));
    }
  }
  const titles = new Map<string, Box>();
  for (const group of hierarchy.groups.values()) {
    const frame = full.boxes.get(group.id);
    if (!frame || collapsed.has(group.id) || hiddenGroup(group.id, hierarchy, collapsed)) {
      continue;
    }
    // What collapsed inside a frame shortens it; nothing moves across.
    const from = start(frame) - shiftAt(start(frame));
    const to = start(frame) + extent(frame) - shiftAt(start(frame) + extent(frame));
    boxes.set(
      group.id,
      vertical ? { ...frame, y: from, h: to - from } : { ...frame, x: from, w: to - from },
    );
    const title = full.titles?.get(group.id);
    if (title) {
      titles.set(group.id, move(title, shiftAt(start(title))));
    }
  }
  const routes = new Map<string, Point[]>();
  for (const [key, points, source, target] of routeEnds(full)) {
    const from = full.boxes.get(source);
    const to = full.boxes.get(target);
    if (!from || !to || !boxes.has(source) || !boxes.has(target)) {
      continue;
    }
    const shift = shiftAt(start(from));
    // A route that spans a collapsed group would move apart; such an edge gets a plain curve.
    if (shift === 0 && shiftAt(start(to)) === 0) {
      routes.set(key, points);
    } else if (shift === shiftAt(start(to))) {
      routes.set(
        key,
        vertical ? points.map(([x, y]) => [x, y - shift]) : points.map(([x, y]) => [x - shift, y]),
      );
    }
  }
  const saved = cuts.reduce((sum, cut) => sum + cut.saved, 0);
  return {
    boxes,
    routes,
    width: vertical ? full.width : full.width - saved,
    height: vertical ? full.height - saved : full.height,
    direction: full.direction,
    axes: full.axes,
    titles,
  };
}

const ends = new WeakMap<Layout, [string, Point[], string, string][]>();

/** Each route with its two ends, read from its key once per full layout. */
function routeEnds(full: Layout): [string, Point[], string, string][] {
  let list = ends.get(full);
  if (!list) {
    list = [...full.routes].map(([key, points]) => {
      const [source, target] = key.split('>');
      return [key, points, source, target];
    });
    ends.set(full, list);
  }
  return list;
}

/** Whether a group lies inside a collapsed one. */
function hiddenGroup(id: string, hierarchy: Hierarchy, collapsed: ReadonlySet<string>): boolean {
  let group = hierarchy.groups.get(id);
  // Bounded: a cycle of parents in a malformed file must not hang the view.
  for (let depth = 0; group?.parent && depth < 64; depth += 1) {
    if (collapsed.has(group.parent)) {
      return true;
    }
    group = hierarchy.groups.get(group.parent);
  }
  return false;
}

/** The box around boxes (a loop, not a spread: stages of a generated model hold thousands). */
export function boundsOf(boxes: Iterable<Box>): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const box of boxes) {
    x0 = Math.min(x0, box.x);
    y0 = Math.min(y0, box.y);
    x1 = Math.max(x1, box.x + box.w);
    y1 = Math.max(y1, box.y + box.h);
  }
  return x0 === Infinity ? { x: 0, y: 0, w: 0, h: 0 } : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * `deriveLayout` remembering its last answer: the same full layout, collapse state and collapsed
 * sizes give the same Layout object, so a heat update that changes no box moves nothing and
 * lets the view skip positions, routes and anchoring.
 */
export function derivedLayoutCache(): typeof deriveLayout {
  let last: { full: Layout; hierarchy: Hierarchy; key: string; layout: Layout } | null = null;
  return (full, hierarchy, collapsed, collapsedSize) => {
    const key = outermostCollapsed(hierarchy, collapsed)
      .map((id) => {
        const size = collapsedSize(id);
        return `${id}:${size.w}x${size.h}`;
      })
      .join('|');
    if (last && last.full === full && last.hierarchy === hierarchy && last.key === key) {
      return last.layout;
    }
    const layout = deriveLayout(full, hierarchy, collapsed, collapsedSize);
    last = { full, hierarchy, key, layout };
    return layout;
  };
}
