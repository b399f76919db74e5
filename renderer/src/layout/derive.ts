// The layout of a collapse state, derived from the layout with every group expanded: a collapsed
// group takes the place of its box, and what follows moves up (or left) by what it saved. Linear
// in the nodes, so collapsing a stage of ResNeXt-101 costs no new ELK run, and nothing but the
// following nodes moves: the picture stays the one the person was reading.
import { layerNodeId, type Hierarchy } from '../graph/hierarchy';
import { GROUP_PADDING } from './elkGraph';
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
 * of a collapsed group's node. Group boxes of expanded groups are recomputed around their
 * visible children.
 */
export function deriveLayout(
  full: Layout,
  hierarchy: Hierarchy,
  collapsed: ReadonlySet<string>,
  collapsedSize: (groupId: string) => { w: number; h: number },
): Layout {
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
  const move = (box: Box, shift: number): Box =>
    vertical ? { ...box, y: box.y - shift } : { ...box, x: box.x - shift };

  const boxes = new Map<string, Box>();
  const hidden = new Set<number>();
  for (const cut of cuts) {
    const group = hierarchy.groups.get(cut.id);
    group?.layerIds.forEach((id) => hidden.add(id));
    // Centred on the group's first layer, which sits on the main path, so a run of collapsed
    // groups lines up with the layers around it.
    const first = group ? full.boxes.get(layerNodeId(group.layerIds[0])) : undefined;
    const line = first ?? cut.box;
    const centre = vertical ? line.x + line.w / 2 : line.y + line.h / 2;
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
  fitGroups(boxes, hierarchy, collapsed);
  const routes = new Map<string, Point[]>();
  for (const [key, points] of full.routes) {
    const [source, target] = key.split('>');
    const from = full.boxes.get(source);
    const to = full.boxes.get(target);
    if (!from || !to || !boxes.has(source) || !boxes.has(target)) {
      continue;
    }
    const shift = shiftAt(start(from));
    // A route that spans a collapsed group would move apart; such an edge gets a plain curve.
    if (shift === shiftAt(start(to))) {
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
  };
}

/** Boxes of expanded groups around their visible children, blocks before stages. */
function fitGroups(
  boxes: Map<string, Box>,
  hierarchy: Hierarchy,
  collapsed: ReadonlySet<string>,
): void {
  const groups = [...hierarchy.groups.values()].sort(
    (a, b) => (a.kind === 'block' ? 0 : 1) - (b.kind === 'block' ? 0 : 1),
  );
  for (const group of groups) {
    if (collapsed.has(group.id) || (group.parent && collapsed.has(group.parent))) {
      continue;
    }
    const inner = [
      ...group.layerIds.map((id) => boxes.get(layerNodeId(id))),
      ...groups.filter((child) => child.parent === group.id).map((child) => boxes.get(child.id)),
    ].filter((box): box is Box => box !== undefined);
    if (inner.length === 0) {
      continue;
    }
    const bounds = boundsOf(inner);
    const x0 = bounds.x - GROUP_PADDING.left;
    const y0 = bounds.y - GROUP_PADDING.top;
    const w = bounds.w + GROUP_PADDING.left + GROUP_PADDING.right;
    boxes.set(group.id, {
      x: x0,
      y: y0,
      w,
      h: bounds.h + GROUP_PADDING.top + GROUP_PADDING.bottom,
    });
  }
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
