// The composed layout (renderer/src/layout/compose.ts): every layer and frame placed without
// overlap, frames nested and hugging their content, the main path one straight line, edges
// orthogonal and clear of every layer they do not join, titles clear of edges; repeated blocks
// stamped from one shape. On ResNeXt-101, a 10,000-layer variant, models with nested groups or no
// groups, both directions; a graph that is not series-parallel is left to ELK.
import { describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../shared/modelGraph';
import { buildHierarchy, layerNodeId, type Hierarchy } from '../../renderer/src/graph/hierarchy';
import { boxSize, estimateText, layerLabelLines } from '../../renderer/src/graph/labels';
import { expandedGroupTitle } from '../../renderer/src/graph/viewModel';
import { composeLayout } from '../../renderer/src/layout/compose';
import { containersOf } from '../../renderer/src/layout/containers';
import { deriveLayout } from '../../renderer/src/layout/derive';
import type { Box, Direction, Layout, Point } from '../../renderer/src/layout/types';
import { syntheticGraph } from './rendererFixtures';
import { denseGraph, flatGraph, nestedGraph } from './rendererLayoutFixtures';

interface Laid {
  graph: ModelGraph;
  hierarchy: Hierarchy;
  layout: Layout;
}

function inputs(graph: ModelGraph) {
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
  return { hierarchy, sizes, titles };
}

function lay(graph: ModelGraph, direction: Direction = 'DOWN'): Laid {
  const { hierarchy, sizes, titles } = inputs(graph);
  const layout = composeLayout(graph, hierarchy, sizes, titles, direction);
  expect(layout).not.toBeNull();
  return { graph, hierarchy, layout: layout! };
}

const EPS = 0.01;
const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.w - EPS && b.x < a.x + a.w - EPS && a.y < b.y + b.h - EPS && b.y < a.y + a.h - EPS;
const inside = (a: Box, b: Box): boolean =>
  a.x >= b.x - EPS &&
  a.y >= b.y - EPS &&
  a.x + a.w <= b.x + b.w + EPS &&
  a.y + a.h <= b.y + b.h + EPS;

/** Pairs of boxes that overlap, found by a sweep along y. */
function overlapping(boxes: readonly [string, Box][]): string[] {
  const sorted = [...boxes].sort((a, b) => a[1].y - b[1].y);
  const found: string[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    for (
      let j = i + 1;
      j < sorted.length && sorted[j][1].y < sorted[i][1].y + sorted[i][1].h;
      j += 1
    ) {
      if (overlaps(sorted[i][1], sorted[j][1])) {
        found.push(`${sorted[i][0]} × ${sorted[j][0]}`);
      }
    }
  }
  return found;
}

/** Whether a horizontal or vertical segment passes through a box's interior (1 px inset). */
function crosses(a: Point, b: Point, box: Box): boolean {
  const x0 = Math.min(a[0], b[0]);
  const x1 = Math.max(a[0], b[0]);
  const y0 = Math.min(a[1], b[1]);
  const y1 = Math.max(a[1], b[1]);
  return x1 > box.x + 1 && x0 < box.x + box.w - 1 && y1 > box.y + 1 && y0 < box.y + box.h - 1;
}

/** Every check a layout must pass; returns the problems found, in words. */
function problems({ graph, hierarchy, layout }: Laid): string[] {
  const found: string[] = [];
  const down = layout.direction === 'DOWN';
  const layerBoxes = graph.layers.map((layer): [string, Box] => {
    const box = layout.boxes.get(layerNodeId(layer.id));
    if (!box) {
      found.push(`${layer.name} has no box`);
    }
    return [layer.name, box ?? { x: 0, y: 0, w: 0, h: 0 }];
  });
  found.push(...overlapping(layerBoxes).map((pair) => `layers overlap: ${pair}`));
  // Frames: around their layers and child frames, apart from their siblings and their layers.
  for (const group of hierarchy.groups.values()) {
    const frame = layout.boxes.get(group.id)!;
    for (const id of group.layerIds) {
      if (!inside(layout.boxes.get(layerNodeId(id))!, frame)) {
        found.push(`${graph.layers[id].name} outside ${group.id}`);
      }
    }
    const parent = group.parent ? layout.boxes.get(group.parent)! : undefined;
    if (parent && !inside(frame, parent)) {
      found.push(`${group.id} outside ${group.parent}`);
    }
    const title = layout.titles?.get(group.id);
    if (!title || !inside(title, frame)) {
      found.push(`${group.id} title outside its frame`);
    }
  }
  const siblings = new Map<string, [string, Box][]>();
  for (const group of hierarchy.groups.values()) {
    const list = siblings.get(group.parent ?? '') ?? [];
    list.push([group.id, layout.boxes.get(group.id)!]);
    siblings.set(group.parent ?? '', list);
  }
  for (const layer of graph.layers) {
    const chain = hierarchy.chains[layer.id];
    list(siblings.get(chain[chain.length - 1] ?? ''));
    function list(frames: [string, Box][] | undefined) {
      for (const [id, frame] of frames ?? []) {
        if (overlaps(layerBoxes[layer.id][1], frame)) {
          found.push(`${layer.name} overlaps the frame of ${id}`);
        }
      }
    }
  }
  for (const frames of siblings.values()) {
    found.push(...overlapping(frames).map((pair) => `frames overlap: ${pair}`));
  }
  // Edges: orthogonal, from the source's far side to the target's near side, through no other layer.
  const idByName = new Map(graph.layers.map((layer) => [layer.name, layer.id]));
  const titles = [...(layout.titles ?? new Map<string, Box>()).entries()];
  for (const layer of graph.layers) {
    for (const name of layer.inbound) {
      const source = idByName.get(name)!;
      const key = `${layerNodeId(source)}>${layerNodeId(layer.id)}`;
      const route = layout.routes.get(key);
      if (!route || route.length < 2) {
        found.push(`${key} has no route`);
        continue;
      }
      const from = layerBoxes[source][1];
      const to = layerBoxes[layer.id][1];
      const [sx, sy] = route[0];
      const [tx, ty] = route[route.length - 1];
      const startsRight = down
        ? Math.abs(sy - (from.y + from.h)) < EPS && sx > from.x && sx < from.x + from.w
        : Math.abs(sx - (from.x + from.w)) < EPS && sy > from.y && sy < from.y + from.h;
      const endsRight = down
        ? Math.abs(ty - to.y) < EPS && tx > to.x && tx < to.x + to.w
        : Math.abs(tx - to.x) < EPS && ty > to.y && ty < to.y + to.h;
      if (!startsRight || !endsRight) {
        found.push(`${key} does not run from ${name}'s end to ${layer.name}'s start`);
      }
      for (let i = 1; i < route.length; i += 1) {
        const [a, b] = [route[i - 1], route[i]];
        if (Math.abs(a[0] - b[0]) > EPS && Math.abs(a[1] - b[1]) > EPS) {
          found.push(`${key} has a slanted segment`);
        }
        for (const [other, box] of layerBoxes) {
          if (other !== name && other !== layer.name && crosses(a, b, box)) {
            found.push(`${key} runs through ${other}`);
          }
        }
        for (const [group, title] of titles) {
          if (crosses(a, b, title)) {
            found.push(`${key} runs through the title of ${group}`);
          }
        }
      }
    }
  }
  return found;
}

/** The longest path of layers from an input to an output: the main path. */
function mainPath(graph: ModelGraph): number[] {
  const idByName = new Map(graph.layers.map((layer) => [layer.name, layer.id]));
  const length = new Array<number>(graph.layers.length).fill(1);
  const previous = new Array<number>(graph.layers.length).fill(-1);
  for (const layer of graph.layers) {
    for (const name of layer.inbound) {
      const source = idByName.get(name)!;
      if (length[source] + 1 > length[layer.id]) {
        length[layer.id] = length[source] + 1;
        previous[layer.id] = source;
      }
    }
  }
  let at = length.indexOf(Math.max(...length));
  const path: number[] = [];
  for (; at !== -1; at = previous[at]) {
    path.push(at);
  }
  return path.reverse();
}

function centresAcross({ graph, layout }: Laid): number[] {
  return mainPath(graph).map((id) => {
    const box = layout.boxes.get(layerNodeId(id))!;
    return layout.direction === 'DOWN' ? box.x + box.w / 2 : box.y + box.h / 2;
  });
}

describe('composed layout of ResNeXt-101', () => {
  const laid = lay(syntheticGraph());

  it('places every layer and frame without overlap, edges clear of other layers', () => {
    expect(problems(laid)).toEqual([]);
    expect(laid.layout.routes.size).toBe(377);
  });

  it('keeps the main path one straight line, top to bottom', () => {
    const centres = centresAcross(laid);
    expect(centres.length).toBeGreaterThan(300);
    expect(Math.max(...centres) - Math.min(...centres)).toBeLessThan(0.01);
    const path = mainPath(laid.graph).map((id) => laid.layout.boxes.get(layerNodeId(id))!.y);
    expect(path.every((y, index) => index === 0 || y > path[index - 1])).toBe(true);
  });

  it('stamps repeated blocks: identical blocks share a shape and a layout', () => {
    const { hierarchy, sizes, titles } = inputs(laid.graph);
    const { containers } = containersOf(laid.graph, hierarchy, sizes, titles, 'DOWN')!;
    const shapes = new Set([...containers.values()].map((container) => container.shape));
    // The model, the stem, 4 stages, and per stage a projection and an identity block shape:
    // 33 blocks laid out as 8.
    expect(shapes.size).toBeLessThanOrEqual(14);
    const offsets = (block: string) => {
      const frame = laid.layout.boxes.get(block)!;
      return hierarchy.groups
        .get(block)!
        .layerIds.map((id) => laid.layout.boxes.get(layerNodeId(id))!)
        .map((box) => [Math.round(box.x - frame.x), Math.round(box.y - frame.y)]);
    };
    expect(containers.get('g:s3b5')!.shape).toBe(containers.get('g:s3b6')!.shape);
    expect(offsets('g:s3b6')).toEqual(offsets('g:s3b5'));
  });

  it('lets each stage frame hug its own blocks and title; like blocks of a stage line up', () => {
    const box = (id: string) => laid.layout.boxes.get(id)!;
    for (const stage of ['g:s1', 'g:s2', 'g:s3', 'g:s4']) {
      const blocks = [...laid.hierarchy.groups.values()].filter((group) => group.parent === stage);
      // The identity blocks line up; the first, with its projection shortcut, is wider.
      const rest = blocks.slice(1).map((group) => box(group.id));
      expect(new Set(rest.map((frame) => `${frame.x},${frame.w}`)).size).toBe(1);
      expect(box(blocks[0].id).w).toBeGreaterThan(rest[0].w + 48);
      const block = box(blocks[0].id);
      const frame = box(stage);
      const title = laid.layout.titles!.get(stage)!;
      const axis = laid.layout.axes!.get(stage)!;
      // Right: the blocks plus the padding. Left: as far as the blocks or the title need (the
      // title right-aligned 10 px left of the main path, its width rounded up to 16 px), no more.
      expect(frame.x + frame.w).toBeCloseTo(block.x + block.w + 14, 5);
      const titleRoom = Math.ceil(title.w / 16) * 16 + 18;
      expect(axis - frame.x).toBeCloseTo(Math.max(axis - block.x + 14, titleRoom), 5);
    }
  });

  it('lays out left to right as well', () => {
    const right = lay(syntheticGraph(), 'RIGHT');
    expect(problems(right)).toEqual([]);
    const centres = centresAcross(right);
    expect(Math.max(...centres) - Math.min(...centres)).toBeLessThan(0.01);
  });
});

describe('collapsing on a composed layout', () => {
  it('puts a collapsed stage on its main path, shortens what holds it, moves what follows up', () => {
    const laid = lay(syntheticGraph());
    const { hierarchy, layout: full } = laid;
    const collapsed = new Set(['g:s2', 'g:s3b4']);
    const size = { w: 180, h: 42 };
    const layout = deriveLayout(full, hierarchy, collapsed, () => size);
    const stage = layout.boxes.get('g:s2')!;
    expect(stage.x + stage.w / 2).toBeCloseTo(full.axes!.get('g:s2')!, 5);
    expect(stage.w).toBe(180);
    // Stage 3 holds the collapsed block: it is shorter by what the block saved, as wide as before.
    const block = full.boxes.get('g:s3b4')!;
    const before = full.boxes.get('g:s3')!;
    const after = layout.boxes.get('g:s3')!;
    expect(after.w).toBe(before.w);
    expect(after.h).toBeCloseTo(before.h - (block.h - size.h), 5);
    // Its title moved up with it, by what stage 2 saved.
    const saved = full.boxes.get('g:s2')!.h - size.h;
    expect(layout.titles!.get('g:s3')!.y).toBeCloseTo(full.titles!.get('g:s3')!.y - saved, 5);
    const visible = [...layout.boxes.entries()].filter(
      ([id]) => id.startsWith('l') || collapsed.has(id),
    );
    expect(overlapping(visible)).toEqual([]);
  });
});

describe('composed layout of other models', () => {
  it('handles nested models, a name-prefix run, two inputs, two outputs and a cross-group skip', () => {
    const laid = lay(nestedGraph());
    expect(problems(laid)).toEqual([]);
    const core = laid.layout.boxes.get('g:m:core')!;
    expect(inside(core, laid.layout.boxes.get('g:m:inner')!)).toBe(true);
    expect(problems(lay(nestedGraph(), 'RIGHT'))).toEqual([]);
  });

  it('handles a model with no groups: a residual and a fork of three branches and a lane', () => {
    const laid = lay(flatGraph());
    expect(problems(laid)).toEqual([]);
    const centre = (name: string) => {
      const box = laid.layout.boxes.get(
        layerNodeId(laid.graph.layers.findIndex((layer) => layer.name === name)),
      )!;
      return box.x + box.w / 2;
    };
    // The longest branch stays on the axis; the others go right, then left.
    expect(centre('br2a')).toBeCloseTo(centre('res'), 5);
    expect(centre('br1')).toBeGreaterThan(centre('res'));
    expect(centre('br3')).toBeLessThan(centre('res'));
  });

  it('leaves a graph that is not series-parallel (a dense block) to ELK', () => {
    const graph = denseGraph();
    const { hierarchy, sizes, titles } = inputs(graph);
    expect(composeLayout(graph, hierarchy, sizes, titles, 'DOWN')).toBeNull();
  });

  it('lays out a 10,000-layer variant from a handful of shapes, correctly', () => {
    const graph = syntheticGraph({ blocks: [100, 300, 400, 200] });
    expect(graph.layers.length).toBeGreaterThan(10_000);
    const laid = lay(graph);
    const { hierarchy, sizes, titles } = inputs(graph);
    const { containers } = containersOf(graph, hierarchy, sizes, titles, 'DOWN')!;
    expect(new Set([...containers.values()].map((container) => container.shape)).size).toBeLessThan(
      40,
    );
    const layers = graph.layers.map((layer): [string, Box] => [
      layer.name,
      laid.layout.boxes.get(layerNodeId(layer.id))!,
    ]);
    expect(overlapping(layers)).toEqual([]);
    const centres = centresAcross(laid);
    expect(Math.max(...centres) - Math.min(...centres)).toBeLessThan(0.01);
  });
});
