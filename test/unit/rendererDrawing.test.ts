// How the graph view feeds cytoscape (headless): the drawer adds what is nearest the view first
// and the rest a frame at a time until cytoscape holds the model; for a big graph, the window
// around the view at its level of detail, and what follows the view when it moves.
import cytoscape, { type Core } from 'cytoscape';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  drawWindow,
  LAYER_MIN_PX,
  STANDIN_CAP,
} from '../../renderer/src/components/GraphView/drawWindow';
import { Drawer } from '../../renderer/src/components/GraphView/drawer';
import { toElements } from '../../renderer/src/components/GraphView/cyElements';
import { buildHierarchy } from '../../renderer/src/graph/hierarchy';
import { boxSize, estimateText, layerLabelLines } from '../../renderer/src/graph/labels';
import {
  buildViewModel,
  expandedGroupTitle,
  type GraphViewModel,
} from '../../renderer/src/graph/viewModel';
import { composeLayout } from '../../renderer/src/layout/compose';
import { deriveLayout } from '../../renderer/src/layout/derive';
import type { ModelGraph } from '../../shared/modelGraph';
import { syntheticGraph } from './rendererFixtures';

function modelOf(graph: ModelGraph, collapsed: ReadonlySet<string> = new Set()): GraphViewModel {
  const hierarchy = buildHierarchy(graph);
  const sizes = new Map(
    graph.layers.map((layer) => [layer.id, boxSize(layerLabelLines(layer), estimateText)]),
  );
  const titles = new Map(
    [...hierarchy.groups.values()].map((group) => [
      group.id,
      estimateText(expandedGroupTitle(group)),
    ]),
  );
  const full = composeLayout(graph, hierarchy, sizes, titles, 'DOWN')!;
  const layout = deriveLayout(full, hierarchy, collapsed, () => ({ w: 200, h: 42 }));
  return buildViewModel(graph, hierarchy, collapsed, layout);
}

let big: GraphViewModel;
let small: GraphViewModel;

beforeAll(() => {
  big = modelOf(syntheticGraph({ blocks: [100, 300, 400, 200] }));
  small = modelOf(syntheticGraph());
});

describe('the window of a big graph', () => {
  it('holds, zoomed in, the layers in view with their frames and edges, nothing far away', () => {
    const extent = { x1: 0, y1: 200_000, x2: 1600, y2: 203_000 };
    const { model, standIns, level } = drawWindow(big, extent, 1);
    expect(level).toBe('layers');
    expect(standIns.size).toBe(0);
    const layers = model.nodes.filter((node) => node.kind === 'layer');
    expect(layers.length).toBeGreaterThan(20);
    expect(layers.length).toBeLessThan(200);
    for (const node of layers) {
      expect(node.box.y + node.box.h).toBeGreaterThan(extent.y1 - 2000);
      expect(node.box.y).toBeLessThan(extent.y2 + 2000);
    }
    const ids = new Set(model.nodes.map((node) => node.id));
    for (const edge of model.edges) {
      expect(ids.has(edge.source) && ids.has(edge.target)).toBe(true);
    }
    // Each drawn layer's frames are drawn: its block and its stage.
    for (const node of layers) {
      expect(node.parent === undefined || ids.has(node.parent)).toBe(true);
    }
  });

  it('lets blocks stand in for their layers zoomed out, and stages further out', () => {
    const layerHeight = 42;
    const zoom = (LAYER_MIN_PX / layerHeight) * 0.5;
    const extent = { x1: 0, y1: 200_000, x2: 1600 / zoom, y2: 200_000 + 1000 / zoom };
    const blocks = drawWindow(big, extent, zoom);
    expect(blocks.level).toBe(1);
    expect(blocks.model.nodes.some((node) => node.kind === 'layer')).toBe(false);
    expect(blocks.standIns.size).toBeGreaterThan(5);
    expect(blocks.standIns.size).toBeLessThanOrEqual(STANDIN_CAP);
    const whole = { x1: 0, y1: 0, x2: big.layout.width, y2: big.layout.height };
    const stages = drawWindow(big, whole, 0.001);
    expect(stages.level).toBe(0);
    expect([...stages.standIns].sort()).toEqual(['g:s1', 'g:s2', 'g:s3', 'g:s4', 'g:stem']);
    expect(stages.model.nodes.length).toBeLessThan(12);
  });
});

describe('routes for the WebGL renderer', () => {
  it('become straight pieces through bend nodes at their corners, the arrow on the last', () => {
    const elements = toElements(small, new Set(), true);
    const routed = small.edges.filter((edge) => (edge.points?.length ?? 0) > 2);
    expect(routed.length).toBeGreaterThan(30);
    const ids = new Set(elements.map((element) => element.data.id as string));
    for (const edge of routed) {
      const corners = edge.points!.length - 2;
      const bends = elements.filter(
        (element) =>
          element.classes === 'bend' && String(element.data.id).startsWith(`${edge.id}|`),
      );
      const pieces = elements.filter((element) =>
        String(element.data.id).startsWith(`${edge.id}/`),
      );
      expect(bends).toHaveLength(corners);
      expect(pieces).toHaveLength(corners + 1);
      expect(pieces.filter((piece) => piece.classes === 'piece last')).toHaveLength(1);
      expect(pieces[0].data.source).toBe(edge.source);
      expect(pieces[pieces.length - 1].data.target).toBe(edge.target);
      for (const piece of pieces) {
        expect(ids.has(piece.data.source as string) && ids.has(piece.data.target as string)).toBe(
          true,
        );
      }
    }
    // No routed edge is left whole, and every element comes after the nodes it joins.
    expect(elements.some((element) => element.classes === 'routed')).toBe(false);
    const seen = new Set<string>();
    for (const element of elements) {
      if (element.group === 'edges') {
        expect(
          seen.has(element.data.source as string) && seen.has(element.data.target as string),
        ).toBe(true);
      }
      seen.add(element.data.id as string);
    }
  });
});

describe('the drawer', () => {
  let cy: Core;
  let frames: FrameRequestCallback[] = [];
  const runFrames = (count = 1000) => {
    for (let i = 0; i < count && frames.length > 0; i += 1) {
      const next = frames;
      frames = [];
      next.forEach((callback) => callback(performance.now()));
    }
  };

  beforeAll(() => {
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
      frames.push(callback);
      return frames.length;
    });
    vi.stubGlobal('cancelAnimationFrame', () => {
      frames = [];
    });
  });

  afterEach(() => cy?.destroy());

  const open = (width: number, height: number) => {
    cy = cytoscape({ headless: true, styleEnabled: true });
    // Headless cytoscape has no container: the view is its pan, zoom and size.
    cy.width = () => width;
    cy.height = () => height;
    return cy;
  };

  it('adds the nodes nearest the view first, then the rest, until cytoscape holds the model', () => {
    const instance = open(1600, 1000);
    instance.viewport({ zoom: 1, pan: { x: 0, y: 0 } });
    const progress: number[] = [];
    const drawer = new Drawer(instance, {
      added: () => {},
      progress: ({ left }) => progress.push(left),
    });
    drawer.show(small, false);
    const first = instance.nodes().map((node) => node.position('y'));
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(small.nodes.length);
    expect(Math.max(...first)).toBeLessThan(1500);
    runFrames();
    expect(instance.nodes('.layer')).toHaveLength(345);
    expect(instance.edges()).toHaveLength(small.edges.length);
    expect(progress[progress.length - 1]).toBe(0);
    expect(drawer.busy).toBe(false);
  });

  it('draws a big graph in a window that follows the view', () => {
    const instance = open(1600, 1000);
    instance.viewport({ zoom: 1, pan: { x: 0, y: 0 } });
    const drawer = new Drawer(instance, { added: () => {}, progress: () => {} });
    drawer.show(big, true);
    runFrames();
    const top = instance.nodes('.layer').length;
    expect(top).toBeGreaterThan(5);
    expect(top).toBeLessThan(150);
    expect(instance.getElementById('l0').nonempty()).toBe(true);
    instance.viewport({ zoom: 1, pan: { x: 0, y: -300_000 } });
    drawer.viewportChanged();
    runFrames();
    expect(instance.getElementById('l0').empty()).toBe(true);
    const ys = instance.nodes('.layer').map((node) => node.position('y'));
    expect(Math.min(...ys)).toBeGreaterThan(290_000);
    expect(instance.nodes('.layer').length).toBeLessThan(150);
  });
});
