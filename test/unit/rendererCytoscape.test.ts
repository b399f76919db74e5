// The graph view's cytoscape side in headless cytoscape: elements, classes, slices, diffs.
import ELK from 'elkjs/lib/elk.bundled.js';
import cytoscape from 'cytoscape';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyModel, toElements } from '../../renderer/src/components/GraphView/cyElements';
import { buildHierarchy } from '../../renderer/src/graph/hierarchy';
import {
  boxSize,
  estimateText,
  groupLabelLines,
  layerLabelLines,
} from '../../renderer/src/graph/labels';
import { buildViewModel, type GraphViewModel } from '../../renderer/src/graph/viewModel';
import { deriveLayout } from '../../renderer/src/layout/derive';
import { buildElkGraph, readElkLayout } from '../../renderer/src/layout/elkGraph';
import type { Layout } from '../../renderer/src/layout/types';
import { syntheticGraph } from './rendererFixtures';

const graph = syntheticGraph();
const hierarchy = buildHierarchy(graph);
const sizes = new Map(
  graph.layers.map((layer) => [layer.id, boxSize(layerLabelLines(layer), estimateText)]),
);
let full: Layout;

const modelFor = (collapsed: Set<string>): GraphViewModel =>
  buildViewModel(
    graph,
    hierarchy,
    collapsed,
    deriveLayout(full, hierarchy, collapsed, (id) =>
      boxSize(groupLabelLines(hierarchy.groups.get(id)!), estimateText),
    ),
  );

beforeAll(async () => {
  full = readElkLayout(
    await new ELK().layout(buildElkGraph(graph, hierarchy, sizes, 'DOWN')),
    'DOWN',
    sizes,
  );
});

describe('cytoscape elements', () => {
  it('marks layers, expanded frames and collapsed groups by class, top of the graph first', () => {
    const elements = toElements(modelFor(new Set(['g:s3'])));
    const classes = (id: string) => elements.find((element) => element.data.id === id)?.classes;
    expect(classes('l1')).toBe('layer');
    expect(classes('g:stem')).toBe('group stem expanded');
    expect(classes('g:s1b2')).toBe('group block expanded');
    expect(classes('g:s3')).toBe('group stage collapsed');
    const nodes = elements.filter((element) => element.group === 'nodes');
    const ys = nodes.map((element) => element.position!.y - (element.data.h as number) / 2);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    // No element carries a parent: frames are drawn behind, not as cytoscape compounds.
    expect(elements.some((element) => 'parent' in element.data)).toBe(false);
  });

  it('adds a graph a slice at a time, each edge after both its ends, until all is in', () => {
    const cy = cytoscape({ headless: true });
    const model = modelFor(new Set());
    let left = applyModel(cy, model, 60);
    let slices = 1;
    expect(cy.elements()).toHaveLength(60);
    while (left > 0) {
      left = applyModel(cy, model, 60);
      slices += 1;
    }
    expect(cy.nodes('.layer')).toHaveLength(345);
    expect(cy.nodes('.group')).toHaveLength(38);
    expect(cy.edges()).toHaveLength(model.edges.length);
    expect(slices).toBe(Math.ceil((345 + 38 + model.edges.length) / 60));
  });

  it('collapses by diff: the stage replaces its layers, the rest only moves', () => {
    const cy = cytoscape({ headless: true });
    applyModel(cy, modelFor(new Set()));
    const before = cy.getElementById('l5').position();
    const after = cy.getElementById('l340').position('y');
    expect(applyModel(cy, modelFor(new Set(['g:s3'])))).toBe(0);
    expect(cy.nodes('.layer')).toHaveLength(345 - 232);
    expect(cy.getElementById('g:s3').hasClass('collapsed')).toBe(true);
    expect(cy.getElementById('g:s3b1').empty()).toBe(true);
    expect(cy.getElementById('l5').position()).toEqual(before);
    expect(cy.getElementById('l340').position('y')).toBeLessThan(after);
    applyModel(cy, modelFor(new Set()));
    expect(cy.nodes('.layer')).toHaveLength(345);
    expect(cy.getElementById('l340').position('y')).toBe(after);
  });
});
