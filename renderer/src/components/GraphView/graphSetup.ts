// Creating the cytoscape instance and wiring its events to callbacks; kept out of the component
// so the component reads as state and markup.
import cytoscape, {
  type Collection,
  type Core,
  type EventObject,
  type NodeSingular,
} from 'cytoscape';
import { GRAPH_STYLE } from './cyStyle';
import type { Rect } from './freeArea';

/** What the graph view does with pointer events on nodes. */
export interface GraphCallbacks {
  onTapNode(id: string): void;
  onTapBackground(): void;
  onDoubleTapNode(id: string): void;
  onHover(id: string | null, x: number, y: number): void;
  onViewport(): void;
}

/** Set to `webgl` or `canvas` in localStorage, the graph view uses that renderer for big graphs. */
export const RENDERER_KEY = 'inspector.graphRenderer';

/**
 * Whether a big graph draws with cytoscape's WebGL renderer: where the GPU is hardware, or where
 * the person (or the benchmark) asked for it. A software GPU (SwiftShader, llvmpipe) renders
 * WebGL slower than cytoscape's canvas renderer draws the same view: measured here.
 */
export function wantsWebgl(): boolean {
  let asked: string | null = null;
  try {
    asked = globalThis.localStorage?.getItem(RENDERER_KEY) ?? null;
  } catch {
    asked = null;
  }
  if (asked === 'webgl' || asked === 'canvas') {
    return asked === 'webgl';
  }
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) {
    return false;
  }
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return !/swiftshader|llvmpipe|softpipe|software/i.test(name);
}

/** Creates the cytoscape instance in a container, wired to the callbacks. */
export function createCy(container: HTMLElement, callbacks: GraphCallbacks, webgl = false): Core {
  // The canvas renderer, with WebGL mode for big graphs where it pays (cytoscape ≥ 3.31; the
  // option is newer than its type declarations).
  const renderer = { renderer: { name: 'canvas', webgl } };
  const cy = cytoscape({
    ...renderer,
    container,
    style: GRAPH_STYLE,
    layout: { name: 'preset' },
    minZoom: 0.01,
    maxZoom: 4,
    boxSelectionEnabled: false,
    autoungrabify: true,
    selectionType: 'single',
    pixelRatio: 'auto',
  });
  cy.on('tap', 'node', (event: EventObject) => callbacks.onTapNode(event.target.id()));
  cy.on('tap', (event: EventObject) => {
    if (event.target === cy) {
      callbacks.onTapBackground();
    }
  });
  cy.on('dbltap', 'node', (event: EventObject) => callbacks.onDoubleTapNode(event.target.id()));
  cy.on('mouseover', 'node', (event: EventObject) => {
    const node = event.target;
    node.addClass('hover');
    node.connectedEdges().addClass('touching');
    const position = event.renderedPosition ?? node.renderedPosition();
    callbacks.onHover(node.id(), position.x, position.y);
  });
  cy.on('mouseout', 'node', (event: EventObject) => {
    event.target.removeClass('hover');
    event.target.connectedEdges().removeClass('touching');
    callbacks.onHover(null, 0, 0);
  });
  let frame = 0;
  cy.on('viewport', () => {
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        callbacks.onViewport();
      });
    }
  });
  return cy;
}

/**
 * Fits the graph's width into the free area of the view (at most 100 %), centred in it, and shows
 * its top: a tall graph stays readable and starts clear of the overlays. Uses the layout's own
 * extent: asking cytoscape for the bounding box of everything just added would measure every
 * label and route at once (0.7 s for ResNeXt-101).
 */
export function showTop(cy: Core, layout: { width: number; height: number }, free: Rect): void {
  if (layout.width <= 0) {
    return;
  }
  const width = free.right - free.left;
  const zoom = Math.min(1, Math.max(cy.minZoom(), (width - 40) / layout.width));
  cy.viewport({
    zoom,
    pan: { x: free.left + (width - layout.width * zoom) / 2, y: free.top + 20 },
  });
}

/** The viewport that shows a box of the graph, padded, centred in the free area of the view. */
export function fitViewport(
  cy: Core,
  bounds: { x: number; y: number; w: number; h: number },
  free: Rect,
  padding = 24,
): { zoom: number; pan: { x: number; y: number } } | null {
  if (bounds.w <= 0 || bounds.h <= 0) {
    return null;
  }
  const width = free.right - free.left;
  const height = free.bottom - free.top;
  const zoom = Math.min(
    cy.maxZoom(),
    Math.max(
      cy.minZoom(),
      Math.min((width - 2 * padding) / bounds.w, (height - 2 * padding) / bounds.h),
    ),
  );
  return {
    zoom,
    pan: {
      x: free.left + (width - bounds.w * zoom) / 2 - bounds.x * zoom,
      y: free.top + (height - bounds.h * zoom) / 2 - bounds.y * zoom,
    },
  };
}

/** Selects the node `id` (or nothing) in cytoscape, touching nothing that is already so. */
export function syncSelection(cy: Core, id: string | null): void {
  const selected = cy.$(':selected');
  if (selected.length === (id ? 1 : 0) && (!id || selected[0].id() === id)) {
    return;
  }
  selected.unselect();
  if (id) {
    cy.getElementById(id).select();
  }
}

/**
 * Centres the view on a node's box, zooming in to read it if the view is zoomed far out. From the
 * layout, not cytoscape: a big graph draws the node only once the view is near it.
 */
export function focusNode(cy: Core, box: { x: number; y: number; w: number; h: number }): void {
  const zoom = Math.max(cy.zoom(), 0.8);
  cy.stop();
  cy.animate(
    {
      zoom,
      pan: {
        x: cy.width() / 2 - (box.x + box.w / 2) * zoom,
        y: cy.height() / 2 - (box.y + box.h / 2) * zoom,
      },
    },
    { duration: 180 },
  );
}

/** A node whose place on screen should not move when the graph changes under it. */
export interface Anchor {
  id: string;
  x: number;
  y: number;
}

/** The selected node if it is in view, else the node nearest the centre of the view. */
export function pickAnchor(cy: Core): Anchor | null {
  const extent = cy.extent();
  const inView = (x: number, y: number) =>
    x >= extent.x1 && x <= extent.x2 && y >= extent.y1 && y <= extent.y2;
  const candidates = cy
    .nodes(':selected')
    .filter((node) => inView(node.position('x'), node.position('y')));
  const centre = { x: (extent.x1 + extent.x2) / 2, y: (extent.y1 + extent.y2) / 2 };
  let best: NodeSingular | null = candidates.nonempty() ? candidates[0] : null;
  if (!best) {
    let bestDistance = Infinity;
    cy.nodes().forEach((node) => {
      if (node.hasClass('expanded')) {
        return;
      }
      const { x, y } = node.position();
      const distance = Math.hypot(x - centre.x, y - centre.y);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = node;
      }
    });
  }
  if (!best) {
    return null;
  }
  const chosen: NodeSingular = best;
  const box = chosen.renderedBoundingBox({ includeLabels: false });
  return { id: chosen.id(), x: (box.x1 + box.x2) / 2, y: box.y1 };
}

/**
 * Pans so that the node now standing for the anchor (its box in the new layout) is where the
 * anchor was on screen. Read from the layout, not from cytoscape: the node may not be drawn yet.
 */
export function keepAnchor(
  cy: Core,
  anchor: Anchor,
  box: { x: number; y: number; w: number; h: number },
): void {
  const zoom = cy.zoom();
  const pan = cy.pan();
  const x = (box.x + box.w / 2) * zoom + pan.x;
  const y = box.y * zoom + pan.y;
  cy.panBy({ x: anchor.x - x, y: anchor.y - y });
}

/**
 * Gives elements just added the selection and search marks the rest already has: `matches` are
 * the node ids a search found, null when no search is shown.
 */
export function markAdded(
  added: Collection,
  selectedId: string | null,
  matches: readonly string[] | null,
): void {
  const selected = selectedId ? added.getElementById(selectedId) : null;
  if (selected?.nonempty()) {
    selected.select();
  }
  if (matches) {
    const wanted = new Set(matches);
    added.nodes().forEach((node) => {
      const hit = wanted.has(node.id());
      node.toggleClass('match', hit);
      node.toggleClass('dim', !hit && !node.hasClass('expanded'));
    });
    added.edges().addClass('dim');
  }
}
