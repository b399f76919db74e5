// The view model as cytoscape elements, applied as a diff so collapsing a stage touches only
// what changed; positions come from the derived layout as a preset.
import type { Core, ElementDefinition } from 'cytoscape';
import type { GraphViewModel, ViewNode } from '../../graph/viewModel';
import type { Point } from '../../layout/types';

function nodeData(node: ViewNode): Record<string, unknown> {
  return {
    id: node.id,
    parent: node.parent,
    label: node.lines.join('\n'),
    fill: node.paint.fill,
    stroke: node.paint.stroke,
    color: node.paint.text,
    w: node.box.w,
    h: node.box.h,
  };
}

function nodeClasses(node: ViewNode): string {
  const cursor = node.cursor ? ' cursor' : '';
  if (node.kind === 'layer') {
    return `layer${cursor}`;
  }
  return (
    ['group', node.groupKind, node.collapsed ? 'collapsed' : ''].filter(Boolean).join(' ') + cursor
  );
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

// The frame is invisible; it still carries every field the stylesheet maps.
const FRAME_DATA = { label: '', fill: '#ffffff', stroke: '#ffffff', color: '#000000' };

/** Every element of a view model, parents before children, for a first `cy.add`. */
export function toElements(model: GraphViewModel): ElementDefinition[] {
  const isParent = new Set(
    model.nodes.filter((node) => node.kind === 'group' && !node.collapsed).map((node) => node.id),
  );
  const nodes: ElementDefinition[] = model.nodes.map((node) => ({
    group: 'nodes',
    data: nodeData(node),
    classes: nodeClasses(node),
    position: isParent.has(node.id) ? undefined : centre(node),
  }));
  // An invisible child as large as the group's box makes cytoscape's compound exactly ELK's box
  // (cytoscape sizes a compound around its children), leaving room for the title inside it.
  const frames: ElementDefinition[] = model.nodes
    .filter((node) => isParent.has(node.id))
    .map((node) => ({
      group: 'nodes',
      data: {
        id: `${node.id}#frame`,
        parent: node.id,
        w: node.box.w,
        h: node.box.h,
        ...FRAME_DATA,
      },
      classes: 'frame',
      position: centre(node),
    }));
  const centres = new Map(model.nodes.map((node) => [node.id, centre(node)]));
  const edges: ElementDefinition[] = model.edges.map((edge) => {
    const segments =
      edge.points && routeSegments(edge.points, centres.get(edge.source), centres.get(edge.target));
    return {
      group: 'edges',
      data: { id: edge.id, source: edge.source, target: edge.target, ...segments },
      classes: segments ? 'routed' : '',
    };
  });
  return [...nodes, ...frames, ...edges];
}

/**
 * Brings a cytoscape instance to a view model: removes what is gone, adds what is new, updates
 * the data and positions of what stays. Runs in one batch.
 */
export function applyModel(cy: Core, model: GraphViewModel): void {
  const all = toElements(model);
  const wanted = new Set<string>(all.map((definition) => definition.data.id as string));
  cy.batch(() => {
    cy.elements()
      .filter((element) => !wanted.has(element.id()))
      .remove();
    const fresh: ElementDefinition[] = [];
    for (const definition of all) {
      const id = definition.data.id as string;
      const existing = cy.getElementById(id);
      if (existing.empty()) {
        fresh.push(definition);
        continue;
      }
      if (definition.group === 'edges') {
        const { id: _id, source: _source, target: _target, ...changed } = definition.data;
        existing.data(changed);
        existing.classes(definition.classes ?? '');
      } else {
        const { id: _id, parent: _parent, ...changed } = definition.data;
        existing.data(changed);
        existing.classes(definition.classes ?? '');
        if (definition.position && existing.isChildless()) {
          existing.position(definition.position);
        }
      }
    }
    if (fresh.length > 0) {
      cy.add(fresh);
    }
  });
}
