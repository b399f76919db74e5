// Creating the cytoscape instance and wiring its events to callbacks; kept out of the component
// so the component reads as state and markup.
import cytoscape, { type Core, type EventObject } from 'cytoscape';
import { GRAPH_STYLE } from './cyStyle';

/** What the graph view does with pointer events on nodes. */
export interface GraphCallbacks {
  onTapNode(id: string): void;
  onTapBackground(): void;
  onDoubleTapNode(id: string): void;
  onHover(id: string | null, x: number, y: number): void;
  onViewport(): void;
}

/** Creates the cytoscape instance in a container, wired to the callbacks. */
export function createCy(container: HTMLElement, callbacks: GraphCallbacks): Core {
  const cy = cytoscape({
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

/** Fits the graph's width into the view (at most 100 %) and shows its top: a tall graph stays readable. */
export function showTop(cy: Core): void {
  const box = cy.elements().boundingBox();
  if (box.w === 0) {
    return;
  }
  const zoom = Math.min(1, Math.max(cy.minZoom(), (cy.width() - 40) / box.w));
  cy.zoom(zoom);
  cy.pan({ x: (cy.width() - box.w * zoom) / 2 - box.x1 * zoom, y: 20 - box.y1 * zoom });
}

/** Centres the view on a node, zooming in to read it if the view is zoomed far out. */
export function focusNode(cy: Core, id: string): void {
  const node = cy.getElementById(id);
  if (node.empty()) {
    return;
  }
  const zoom = Math.max(cy.zoom(), 0.8);
  cy.stop();
  cy.animate({ zoom, center: { eles: node } }, { duration: 180 });
}
