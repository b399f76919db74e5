// The renderer's graph logic without a browser: hierarchy, ELK input and output, collapse,
// the view model, search and colours.
import ELK from 'elkjs/lib/elk.bundled.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHierarchy, layerNodeId, visibleNodeId } from '../../renderer/src/graph/hierarchy';
import {
  boxSize,
  estimateText,
  groupLabelLines,
  layerLabelLines,
} from '../../renderer/src/graph/labels';
import { buildViewModel } from '../../renderer/src/graph/viewModel';
import { compileQuery, searchLayers } from '../../renderer/src/graph/search';
import { legendFor, nodePaint, scaleColor, typePaint } from '../../renderer/src/graph/colors';
import { buildElkGraph, readElkLayout } from '../../renderer/src/layout/elkGraph';
import { deriveLayout } from '../../renderer/src/layout/derive';
import type { Layout } from '../../renderer/src/layout/types';
import { routeSegments } from '../../renderer/src/components/GraphView/cyElements';
import { syntheticGraph } from './rendererFixtures';

const graph = syntheticGraph();
const hierarchy = buildHierarchy(graph);
const sizes = new Map(
  graph.layers.map((layer) => [layer.id, boxSize(layerLabelLines(layer), estimateText)]),
);
const collapsedSize = (id: string) => {
  const group = hierarchy.groups.get(id);
  return group ? boxSize(groupLabelLines(group), estimateText) : { w: 0, h: 0 };
};
let full: Layout;

beforeAll(async () => {
  const result = await new ELK().layout(buildElkGraph(graph, hierarchy, sizes, 'DOWN'));
  full = readElkLayout(result, 'DOWN', sizes);
});

describe('hierarchy', () => {
  it('groups ResNeXt-101 into a stem, 4 stages and 33 blocks with their sums', () => {
    const kinds = [...hierarchy.groups.values()].map((group) => group.kind);
    expect(kinds.filter((kind) => kind === 'stem')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'stage')).toHaveLength(4);
    expect(kinds.filter((kind) => kind === 'block')).toHaveLength(33);
    const stage3 = hierarchy.groups.get('g:s3');
    expect(stage3?.childCount).toBe(23);
    expect(stage3?.layerIds).toHaveLength(232);
    const sum = [...hierarchy.groups.values()]
      .filter((group) => group.kind !== 'block')
      .reduce((total, group) => total + group.params, 0);
    const outside = graph.layers.filter((layer) => hierarchy.chains[layer.id].length === 0);
    expect(sum + outside.reduce((total, layer) => total + layer.params, 0)).toBe(44_384_488);
  });

  it('maps a layer to its outermost collapsed group', () => {
    const layer = hierarchy.groups.get('g:s3b7')!.layerIds[0];
    expect(visibleNodeId(layer, hierarchy, new Set())).toBe(layerNodeId(layer));
    expect(visibleNodeId(layer, hierarchy, new Set(['g:s3b7']))).toBe('g:s3b7');
    expect(visibleNodeId(layer, hierarchy, new Set(['g:s3b7', 'g:s3']))).toBe('g:s3');
  });
});

describe('ELK layout', () => {
  it('places every layer and group, children inside their parents', () => {
    for (const layer of graph.layers) {
      expect(full.boxes.has(layerNodeId(layer.id))).toBe(true);
    }
    const stage = full.boxes.get('g:s2')!;
    for (const id of hierarchy.groups.get('g:s2')!.layerIds) {
      const box = full.boxes.get(layerNodeId(id))!;
      expect(box.x).toBeGreaterThanOrEqual(stage.x);
      expect(box.y).toBeGreaterThanOrEqual(stage.y);
      expect(box.x + box.w).toBeLessThanOrEqual(stage.x + stage.w + 0.01);
      expect(box.y + box.h).toBeLessThanOrEqual(stage.y + stage.h + 0.01);
    }
  });

  it('draws top to bottom: every edge goes down, and routes start and end at their layers', () => {
    const byName = new Map(graph.layers.map((layer) => [layer.name, layer.id]));
    for (const layer of graph.layers) {
      for (const source of layer.inbound) {
        const from = full.boxes.get(layerNodeId(byName.get(source)!))!;
        const to = full.boxes.get(layerNodeId(layer.id))!;
        expect(to.y).toBeGreaterThan(from.y);
      }
    }
    expect(full.routes.size).toBe(377);
    const [start] = full.routes.get('l0>l1')!;
    const input = full.boxes.get('l0')!;
    expect(start[1]).toBeCloseTo(input.y + input.h, 3);
  });
});

describe('collapse', () => {
  it('collapsing stage 3 hides its 232 layers and shortens the graph', () => {
    const collapsed = new Set(['g:s3']);
    const layout = deriveLayout(full, hierarchy, collapsed, collapsedSize);
    const model = buildViewModel(graph, hierarchy, collapsed, layout);
    const layers = model.nodes.filter((node) => node.kind === 'layer');
    expect(layers).toHaveLength(345 - 232);
    const stage = model.nodes.find((node) => node.id === 'g:s3')!;
    expect(stage.collapsed).toBe(true);
    expect(stage.lines[0]).toBe('stage 3 · 23 blocks');
    expect(model.nodes.some((node) => node.id === 'g:s3b1')).toBe(false);
    expect(layout.height).toBeLessThan(full.height / 2);
    // Edges into and out of the stage now end at its node.
    expect(model.edges.filter((edge) => edge.target === 'g:s3')).toHaveLength(1);
    expect(model.edges.filter((edge) => edge.source === 'g:s3')).toHaveLength(2);
  });

  it('moves what follows a collapsed group up by what it saved, and nothing before it', () => {
    const layout = deriveLayout(full, hierarchy, new Set(['g:s2']), collapsedSize);
    const before = full.boxes.get('l5')!;
    expect(layout.boxes.get('l5')).toEqual(before);
    const after = hierarchy.groups.get('g:s4')!.layerIds[0];
    const saved = full.boxes.get('g:s2')!.h - collapsedSize('g:s2').h;
    expect(layout.boxes.get(layerNodeId(after))!.y).toBeCloseTo(
      full.boxes.get(layerNodeId(after))!.y - saved,
      6,
    );
    // No two visible layer boxes overlap.
    const boxes = [...layout.boxes.entries()]
      .filter(([id]) => id.startsWith('l'))
      .map(([, box]) => box);
    boxes.sort((a, b) => a.y - b.y);
    for (let i = 1; i < boxes.length; i += 1) {
      const a = boxes[i - 1];
      const b = boxes[i];
      const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      expect(overlap).toBe(false);
    }
  });

  it('collapse all leaves the input, the stem, four stages and the head', () => {
    const collapsed = new Set(['g:stem', 'g:s1', 'g:s2', 'g:s3', 'g:s4']);
    const model = buildViewModel(
      graph,
      hierarchy,
      collapsed,
      deriveLayout(full, hierarchy, collapsed, collapsedSize),
    );
    expect(model.nodes.map((node) => node.id).sort()).toEqual(
      ['g:stem', 'g:s1', 'g:s2', 'g:s3', 'g:s4', 'l0', 'l343', 'l344'].sort(),
    );
    expect(model.edges.map((edge) => `${edge.source}>${edge.target}`)).toEqual(
      expect.arrayContaining([
        'l0>g:stem',
        'g:stem>g:s1',
        'g:s1>g:s2',
        'g:s2>g:s3',
        'g:s3>g:s4',
        'g:s4>l343',
      ]),
    );
  });
});

describe('view model', () => {
  it('labels a layer name · type · shape with params on a second line', () => {
    const conv = graph.layers.find((layer) => layer.name === 'conv2d_2')!;
    expect(layerLabelLines(conv)).toEqual(['conv2d_2 · Conv2D /32 · 56×56×128', '4,736 params']);
    expect(
      layerLabelLines(conv, {
        showNames: false,
        showTypes: true,
        showShapes: false,
        showParams: false,
      }),
    ).toEqual(['Conv2D /32']);
  });

  it('colours through one function that takes a heat value', () => {
    const conv = graph.layers[1];
    expect(nodePaint(conv)).toEqual(typePaint('Conv2D'));
    expect(nodePaint(conv, 0).fill).toBe(scaleColor(0));
    expect(nodePaint(conv, 1).fill).toBe(scaleColor(1));
    expect(nodePaint(conv, 1).text).toBe('#ffffff');
    const heat = { layers: new Map([[1, 1]]) };
    const model = buildViewModel(graph, hierarchy, new Set(), full, { heat });
    expect(model.nodes.find((node) => node.id === 'l1')!.paint.fill).toBe(scaleColor(1));
    expect(model.nodes.find((node) => node.id === 'l2')!.paint).toEqual(
      typePaint('BatchNormalization'),
    );
  });

  it('blends the heat scale between its stops', () => {
    expect(scaleColor(0)).toBe('#fff7d1');
    expect(scaleColor(1)).toBe('#8e1456');
    expect(scaleColor(2)).toBe('#8e1456');
    expect(scaleColor(Number.NaN)).toBe('#fff7d1');
  });

  it('lists each type present once in the legend', () => {
    expect(legendFor(graph.layers).map((entry) => entry.label)).toEqual([
      'Input',
      'Conv2D',
      'Conv2D, grouped',
      'BatchNormalization',
      'Activation',
      'Add',
      'Pooling',
      'Dense',
    ]);
  });

  it('turns an orthogonal route into cytoscape segments that reproduce its points', () => {
    const source = { x: 100, y: 100 };
    const target = { x: 40, y: 300 };
    const points: [number, number][] = [
      [100, 120],
      [160, 120],
      [160, 280],
      [40, 280],
    ];
    const segments = routeSegments(points, source, target)!;
    const weights = segments.weights.split(' ').map(Number);
    const distances = segments.distances.split(' ').map(Number);
    const dx = target.x - source.x;
    const dy = target.y - source.y;
    const length = Math.hypot(dx, dy);
    // Cytoscape: P = S + w·(T − S) + d·(−dy, dx)/|T − S|; the inner points come back exactly.
    for (const index of [1, 2]) {
      const x = source.x + weights[index] * dx + (distances[index] * -dy) / length;
      const y = source.y + weights[index] * dy + (distances[index] * dx) / length;
      expect(x).toBeCloseTo(points[index][0], 0);
      expect(y).toBeCloseTo(points[index][1], 0);
    }
  });
});

describe('search', () => {
  it('finds conv2d_100 by an anchored regex, and by shape or type', () => {
    const exact = searchLayers(graph.layers, compileQuery('^conv2d_100$'));
    expect(exact.map((id) => graph.layers[id].name)).toEqual(['conv2d_100']);
    expect(searchLayers(graph.layers, compileQuery('7×7×2048')).length).toBeGreaterThan(0);
    expect(
      searchLayers(graph.layers, compileQuery('\\(None, 7, 7, 2048\\)')).length,
    ).toBeGreaterThan(0);
    expect(
      searchLayers(graph.layers, compileQuery('dense')).map((id) => graph.layers[id].className),
    ).toEqual(['Dense']);
  });

  it('takes an invalid regex as plain text and says so', () => {
    const query = compileQuery('conv2d_1(');
    expect(query.warning).toMatch(/Not a valid regular expression/);
    expect(searchLayers(graph.layers, query)).toEqual([]);
    const bracket = compileQuery('[');
    expect(bracket.test?.('a[b')).toBe(true);
  });

  it('matches nothing for an empty query', () => {
    expect(compileQuery('   ').test).toBeUndefined();
    expect(searchLayers(graph.layers, compileQuery(''))).toEqual([]);
  });
});
