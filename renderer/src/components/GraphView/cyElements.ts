// The view model as cytoscape elements, applied as a diff so collapsing a stage touches only
// what changed; positions come from the derived layout as a preset.
import type { Core, ElementDefinition, SingularElementReturnValue } from 'cytoscape';
import type { GraphViewModel, ViewEdge, ViewNode } from '../../graph/viewModel';
import type { Layout, Point } from '../../layout/types';

function nodeData(node: ViewNode): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: node.id,
    label: node.lines.join('\n'),
    fill: node.paint.fill,
    stroke: node.paint.stroke,
    color: node.paint.text,
    w: node.box.w,
    h: node.box.h,
  };
  if (node.kind === 'group' && !node.collapsed) {
    const { box, title } = node;
    // The title's centre from the frame's: the layout puts it clear of the edges that enter.
    data.titleDx = title ? title.x + title.w / 2 - (box.x + box.w / 2) : 0;
    // Standing in for its layers in a zoomed-out big graph, its name (`block 7`) fills the
    // frame: a short label can be large enough to read at the zoom where groups stand in.
    const name = (node.lines[0] ?? '').split(' · ')[0];
    data.lodLabel = name;
    data.lodFont = Math.max(
      11,
      Math.min(box.h / 3, (box.w * 0.9) / (0.62 * Math.max(4, name.length))),
    );
  }
  return data;
}

function nodeClasses(node: ViewNode, standIn: boolean): string {
  const cursor = node.cursor ? ' cursor' : '';
  if (node.kind === 'layer') {
    return `layer${cursor}${node.unknown ? ' unknown' : ''}`;
  }
  const state = node.collapsed ? 'collapsed' : standIn ? 'expanded lod' : 'expanded';
  return ['group', node.groupKind, state].join(' ') + cursor;
}

const centre = (node: ViewNode): { x: number; y: number } => ({
  x: node.box.x + node.box.w / 2,
  y: node.box.y + node.box.h / 2,
});

/**
 * An absolute route as cytoscape's segment weights and distances, relative to the line between
 * the two node centres (`edge-distances: node-position`): P = S + w·(T − S) + d·n, n ⊥ (T − S).
 */
export function routeSegments(
  points: readonly Point[],
  source: { x: number; y: number } | undefined,
  target: { x: number; y: number } | undefined,
): { weights: string; distances: string } | undefined {
  if (!source || !target || points.length < 3) {
    return undefined;
  }
  const dx = target.x - source.x;
  const dy = target.y - source.y;
  const length = Math.hypot(dx, dy);
  if (length < 1) {
    return undefined;
  }
  const weights: string[] = [];
  const distances: string[] = [];
  // ELK's first and last points lie on the node borders, which cytoscape counts as inside the
  // node; nudged 2 px outwards along the route they keep the route's exact exit and entry.
  const nudged = points.map(([x, y], index): Point => {
    if (index !== 0 && index !== points.length - 1) {
      return [x, y];
    }
    const [nx, ny] = index === 0 ? points[1] : points[index - 1];
    const away = Math.hypot(nx - x, ny - y) || 1;
    return [x + (2 * (nx - x)) / away, y + (2 * (ny - y)) / away];
  });
  for (const [x, y] of nudged) {
    const px = x - source.x;
    const py = y - source.y;
    weights.push(((px * dx + py * dy) / (length * length)).toFixed(4));
    distances.push(((-dy * px + dx * py) / length).toFixed(2));
  }
  return { weights: weights.join(' '), distances: distances.join(' ') };
}

const segmentCache = new WeakMap<
  Layout,
  Map<string, { weights: string; distances: string } | undefined>
>();

/**
 * A routed edge as straight pieces through invisible bend nodes at its corners, the arrow on the
 * last: cytoscape's WebGL renderer draws only straight and bezier edges, so it would round an
 * orthogonal route into a curve across the layers it passes.
 */
function straightPieces(edge: ViewEdge, points: readonly Point[]): ElementDefinition[] {
  const bends = points.slice(1, -1).map(([x, y], index): ElementDefinition => ({
    group: 'nodes',
    // Colours only to satisfy the node style's mappings; a bend is never drawn.
    data: {
      id: `${edge.id}|${index}`,
      label: '',
      w: 1,
      h: 1,
      fill: '#fff',
      stroke: '#fff',
      color: '#fff',
    },
    classes: 'bend',
    position: { x, y },
  }));
  const stops = [edge.source, ...bends.map((bend) => bend.data.id as string), edge.target];
  const pieces = stops.slice(1).map((target, index): ElementDefinition => ({
    group: 'edges',
    data: { id: `${edge.id}/${index}`, source: stops[index], target },
    classes: index === stops.length - 2 ? 'piece last' : 'piece',
  }));
  return [...bends, ...pieces];
}

/**
 * Every element of a view model, for a first `cy.add`; with `bends`, routes as straight pieces.
 * Expanded groups are plain nodes drawn behind their layers at the box the layout gave them, not
 * cytoscape compounds: compound parents make cytoscape walk ancestors and descendants on every
 * style change, which cost ~1 s on the first frame of ResNeXt-101. The layout already nests the
 * boxes, so nothing is lost.
 */
export function toElements(
  model: GraphViewModel,
  standIns: ReadonlySet<string> = new Set(),
  bends = false,
): ElementDefinition[] {
  // Top of the graph first (left first for LR), so a graph added a slice at a time fills the
  // first view at once.
  const along = model.layout.direction === 'DOWN' ? 'y' : 'x';
  const ordered = [...model.nodes].sort((a, b) => a.box[along] - b.box[along]);
  const nodes: ElementDefinition[] = ordered.map((node) => ({
    group: 'nodes',
    data: nodeData(node),
    classes: nodeClasses(node, standIns.has(node.id)),
    position: centre(node),
  }));
  const centres = new Map(model.nodes.map((node) => [node.id, centre(node)]));
  // Routes depend on the layout alone: a heat update with the same layout reuses them.
  let routes = segmentCache.get(model.layout);
  if (!routes) {
    routes = new Map();
    segmentCache.set(model.layout, routes);
  }
  const known = routes;
  const edges: ElementDefinition[] = model.edges.flatMap((edge) => {
    if (bends && edge.points && edge.points.length > 2) {
      return straightPieces(edge, edge.points);
    }
    if (!known.has(edge.id)) {
      known.set(
        edge.id,
        edge.points &&
          routeSegments(edge.points, centres.get(edge.source), centres.get(edge.target)),
      );
    }
    const segments = known.get(edge.id);
    return [
      {
        group: 'edges',
        data: { id: edge.id, source: edge.source, target: edge.target, ...segments },
        classes: segments ? 'routed' : '',
      },
    ];
  });
  // Each edge (and a route's bends) right after the later of its two ends.
  const order = new Map(ordered.map((node, index) => [node.id, index]));
  const endsOf = new Map(model.edges.map((edge) => [edge.id, [edge.source, edge.target]]));
  const after = (element: ElementDefinition): number => {
    const id = element.data.id as string;
    const [source, target] = endsOf.get(id.replace(/[|/]\d+$/, '')) ?? [
      element.data.source,
      element.data.target,
    ];
    return Math.max(order.get(source) ?? 0, order.get(target) ?? 0);
  };
  const byNode = new Map<number, ElementDefinition[]>();
  for (const edge of edges) {
    const list = byNode.get(after(edge)) ?? [];
    list.push(edge);
    byNode.set(after(edge), list);
  }
  return nodes.flatMap((node, index) => [node, ...(byNode.get(index) ?? [])]);
}

/** Whether an element's data differs from a definition's, ignoring the fields that never change. */
function dataChanged(element: SingularElementReturnValue, data: Record<string, unknown>): boolean {
  for (const [key, value] of Object.entries(data)) {
    if (key !== 'id' && key !== 'source' && key !== 'target' && element.data(key) !== value) {
      return true;
    }
  }
  return false;
}

/** What is left to add of a model after its first slice. */
const pending = new WeakMap<GraphViewModel, { fresh: ElementDefinition[]; next: number }>();

/**
 * Brings a cytoscape instance to a view model: removes what is gone, updates what changed, and
 * adds at most `limit` new elements (in the model's order: top of the graph first, edges after
 * both their ends). Returns how many new elements are left; calling it again with the same model
 * adds the next slice without walking the whole model again, so a large graph fills in a slice per
 * frame instead of blocking the main thread for all of it.
 */
export function applyModel(
  cy: Core,
  model: GraphViewModel,
  limit = Number.POSITIVE_INFINITY,
): number {
  let state = pending.get(model);
  if (!state) {
    state = { fresh: diffModel(cy, model), next: 0 };
    pending.set(model, state);
  }
  const slice = state.fresh.slice(state.next, state.next + limit);
  state.next += slice.length;
  if (slice.length > 0) {
    cy.add(slice);
  }
  return state.fresh.length - state.next;
}

/**
 * Removes what is gone and updates what stays; returns the new elements, in order. `standIns` are
 * frames drawn filled in place of their content (a zoomed-out big graph).
 */
export function diffModel(
  cy: Core,
  model: GraphViewModel,
  standIns: ReadonlySet<string> = new Set(),
  bends = false,
): ElementDefinition[] {
  const all = toElements(model, standIns, bends);
  const wanted = new Set<string>(all.map((definition) => definition.data.id as string));
  const fresh: ElementDefinition[] = [];
  cy.batch(() => {
    const gone = cy.elements().filter((element) => !wanted.has(element.id()));
    if (gone.nonempty()) {
      gone.remove();
    }
    for (const definition of all) {
      const existing = cy.getElementById(definition.data.id as string);
      if (existing.empty()) {
        fresh.push(definition);
        continue;
      }
      if (dataChanged(existing, definition.data)) {
        const { id: _id, source: _source, target: _target, ...changed } = definition.data;
        existing.data(changed);
      }
      if ((definition.classes ?? '') !== existing.classes().join(' ')) {
        existing.classes(definition.classes ?? '');
      }
      const position = definition.position;
      if (position && existing.isNode()) {
        const now = existing.position();
        if (now.x !== position.x || now.y !== position.y) {
          existing.position(position);
        }
      }
    }
  });
  return fresh;
}
