// The full layout of a model, composed from its groups: each container (the model, a stage, a
// block, a nested model) is laid out once per distinct shape, as series and parallel parts
// (stack.ts), and stamped wherever that shape recurs, so ResNeXt-101's 33 blocks cost three
// layouts and a generated 10,000-layer model a handful. Runs on the main thread in a few
// milliseconds, where ELK in its worker took seconds; a model whose groups do not read as series
// and parallel parts (or whose group paths are inconsistent) gets null and is laid out by ELK.
import type { ModelGraph } from '../../../shared/modelGraph';
import { layerNodeId, type Hierarchy } from '../graph/hierarchy';
import { GROUP_PADDING } from './elkGraph';
import { decompose } from './seriesParallel';
import { GAP, layoutShape, type ItemSize, type ShapeLayout } from './stack';
import { containerSteps, ROOT, type Container } from './containers';
import { runNow, type Steps } from '../lib/slices';
import type { Box, Direction, Layout, Point } from './types';

/** Around the whole graph. */
const MARGIN = 16;
/** Between a frame's title and its main path. */
const TITLE_GAP = 10;
/** Height of a frame's title box (the view draws the title in the frame's top padding). */
const TITLE_HEIGHT = 18;

interface Shape {
  layout: ShapeLayout;
  /** The frame around the content: extent along and across either side of the axis. */
  along: number;
  left: number;
  right: number;
}

/** The padding of a frame in flow terms: the title band is on top, whichever way the graph flows. */
function framePadding(direction: Direction) {
  const { top, left, bottom, right } = GROUP_PADDING;
  return direction === 'DOWN'
    ? { start: top, end: bottom, before: left, after: right }
    : { start: left, end: right, before: top, after: bottom };
}

/**
 * Composes the layout of every layer and group, all expanded; null where ELK must do it. `titles`
 * holds the measured width of each group's title as an expanded frame shows it.
 */
export function composeLayout(
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  titles: ReadonlyMap<string, number>,
  direction: Direction,
): Layout | null {
  return runNow(composeSteps(graph, hierarchy, sizes, titles, direction));
}

/** `composeLayout` as steps that yield every few hundred layers or containers. */
export function* composeSteps(
  graph: ModelGraph,
  hierarchy: Hierarchy,
  sizes: ReadonlyMap<number, { w: number; h: number }>,
  titles: ReadonlyMap<string, number>,
  direction: Direction,
): Steps<Layout | null> {
  const found = yield* containerSteps(graph, hierarchy, sizes, titles, direction);
  if (!found) {
    return null;
  }
  const { containers, order } = found;
  const shapes = new Map<number, Shape>();
  const pad = framePadding(direction);
  for (const container of order) {
    if (shapes.has(container.shape)) {
      continue;
    }
    const shape = layoutContainer(container, shapes, containers, pad, direction);
    if (!shape) {
      return null;
    }
    shapes.set(container.shape, shape);
    yield;
  }
  return yield* assemble(graph, hierarchy, containers, shapes, pad, direction);
}

function layoutContainer(
  container: Container,
  shapes: ReadonlyMap<number, Shape>,
  containers: ReadonlyMap<string, Container>,
  pad: ReturnType<typeof framePadding>,
  direction: Direction,
): Shape | null {
  const parts = decompose(
    container.sizes.length,
    container.successors,
    0,
    container.sizes.length - 1,
  );
  if (!parts) {
    return null;
  }
  const sizes: ItemSize[] = container.sizes.map((size, index) => {
    const group = container.items[index];
    if (typeof group !== 'string') {
      return size;
    }
    const inner = containers.get(group)!;
    const child = shapes.get(inner.shape)!;
    const leaf = !inner.items.some((item) => typeof item === 'string');
    return { kind: 'group', along: child.along, left: child.left, right: child.right, leaf };
  });
  const framed = container.id !== ROOT;
  const title = container.title;
  // Left to right, a title runs along the top band: the frame is at least as long as the title.
  const minLength = framed && direction === 'RIGHT' ? title + 8 - pad.end : 0;
  const layout = layoutShape(parts, sizes, {
    inGap: (framed ? pad.start : 0) + GAP / 2,
    outGap: (framed ? pad.end : 0) + GAP / 2,
    minLength,
  });
  if (!framed) {
    return { layout, along: layout.length, left: layout.left0, right: layout.right0 };
  }
  // Top to bottom, the title sits left of the main path, clear of the edges that enter the frame.
  const left =
    direction === 'DOWN'
      ? Math.max(layout.left0 + pad.before, title + TITLE_GAP + 8)
      : layout.left0 + pad.before;
  return {
    layout,
    along: pad.start + layout.length + pad.end,
    left,
    right: layout.right0 + pad.after,
  };
}

function* assemble(
  graph: ModelGraph,
  hierarchy: Hierarchy,
  containers: ReadonlyMap<string, Container>,
  shapes: ReadonlyMap<number, Shape>,
  pad: ReturnType<typeof framePadding>,
  direction: Direction,
): Steps<Layout> {
  const down = direction === 'DOWN';
  const toScreen = (along: number, across: number): Point =>
    down ? [across, along] : [along, across];
  const boxAt = (along: number, across: number, alongSize: number, acrossSize: number): Box =>
    down
      ? { x: across, y: along, w: acrossSize, h: alongSize }
      : { x: along, y: across, w: alongSize, h: acrossSize };
  const boxes = new Map<string, Box>();
  const axes = new Map<string, number>();
  const titleBoxes = new Map<string, Box>();
  const origins = new Map<string, [number, number]>();
  const root = shapes.get(containers.get(ROOT)!.shape)!;

  // Containers to place with their origins: a stack rather than recursion, so it can yield.
  const pending: [Container, number, number][] = [];
  const place = (container: Container, along0: number, across0: number): void => {
    origins.set(container.id, [along0, across0]);
    const { layout } = shapes.get(container.shape)!;
    const last = container.items.length - 1;
    for (let index = 1; index < last; index += 1) {
      const item = container.items[index];
      const along = along0 + layout.along[index];
      const across = across0 + layout.across[index];
      if (typeof item === 'number') {
        const size = container.real[index];
        const box = down
          ? boxAt(along, across - size.w / 2, size.h, size.w)
          : boxAt(along, across - size.h / 2, size.w, size.h);
        boxes.set(layerNodeId(item), box);
        continue;
      }
      if (item === null) {
        continue;
      }
      const child = containers.get(item)!;
      const shape = shapes.get(child.shape)!;
      const left = layout.left[index];
      const right = layout.right[index];
      boxes.set(item, boxAt(along, across - left, shape.along, left + right));
      axes.set(item, across);
      const titleWidth = child.titleWidth;
      const title: Box = down
        ? { x: across - TITLE_GAP - titleWidth, y: along + 4, w: titleWidth, h: TITLE_HEIGHT }
        : { x: along + pad.start, y: across - left + 4, w: titleWidth, h: TITLE_HEIGHT };
      titleBoxes.set(item, title);
      pending.push([child, along + pad.start, across]);
    }
  };
  pending.push([containers.get(ROOT)!, MARGIN, MARGIN + root.left]);
  for (let count = 1; pending.length > 0; count += 1) {
    place(...pending.pop()!);
    if ((count & 31) === 0) {
      yield;
    }
  }

  const routes = new Map<string, Point[]>();
  const piece = (containerId: string, from: number, to: number, into: number[]): void => {
    const container = containers.get(containerId)!;
    const { layout } = shapes.get(container.shape)!;
    const flat = layout.routes.get(from * layout.stride + to);
    const [along0, across0] = origins.get(containerId)!;
    if (!flat) {
      return;
    }
    for (let index = 0; index < flat.length; index += 2) {
      into.push(along0 + flat[index], across0 + flat[index + 1]);
    }
  };
  const idByName = new Map(graph.layers.map((layer) => [layer.name, layer.id]));
  for (const layer of graph.layers) {
    if ((layer.id & 255) === 0) {
      yield;
    }
    const target = hierarchy.chains[layer.id] ?? [];
    for (const name of layer.inbound) {
      const sourceId = idByName.get(name);
      if (sourceId === undefined) {
        continue;
      }
      const source = hierarchy.chains[sourceId] ?? [];
      let shared = 0;
      while (
        shared < source.length &&
        shared < target.length &&
        source[shared] === target[shared]
      ) {
        shared += 1;
      }
      const flat: number[] = [];
      for (let depth = source.length; depth > shared; depth -= 1) {
        const container = containers.get(source[depth - 1])!;
        const item = depth < source.length ? source[depth] : sourceId;
        piece(container.id, container.indexOf(item), container.items.length - 1, flat);
      }
      const lca = containers.get(shared === 0 ? ROOT : source[shared - 1])!;
      piece(
        lca.id,
        lca.indexOf(shared < source.length ? source[shared] : sourceId),
        lca.indexOf(shared < target.length ? target[shared] : layer.id),
        flat,
      );
      for (let depth = shared + 1; depth <= target.length; depth += 1) {
        const container = containers.get(target[depth - 1])!;
        piece(
          container.id,
          0,
          container.indexOf(depth < target.length ? target[depth] : layer.id),
          flat,
        );
      }
      routes.set(`${layerNodeId(sourceId)}>${layerNodeId(layer.id)}`, joinPoints(flat, toScreen));
    }
  }
  const alongSize = root.along + 2 * MARGIN;
  const acrossSize = root.left + root.right + 2 * MARGIN;
  return {
    boxes,
    routes,
    width: down ? acrossSize : alongSize,
    height: down ? alongSize : acrossSize,
    direction,
    axes,
    titles: titleBoxes,
  };
}

/** Pieces of a route joined into one polyline in screen coordinates, without redundant points. */
function joinPoints(flat: readonly number[], toScreen: (a: number, c: number) => Point): Point[] {
  const points: Point[] = [];
  for (let index = 0; index < flat.length; index += 2) {
    const point = toScreen(flat[index], flat[index + 1]);
    const last = points[points.length - 1];
    if (last && Math.abs(last[0] - point[0]) < 0.01 && Math.abs(last[1] - point[1]) < 0.01) {
      continue;
    }
    const before = points[points.length - 2];
    if (
      before &&
      last &&
      ((Math.abs(before[0] - last[0]) < 0.01 && Math.abs(last[0] - point[0]) < 0.01) ||
        (Math.abs(before[1] - last[1]) < 0.01 && Math.abs(last[1] - point[1]) < 0.01))
    ) {
      points[points.length - 1] = point;
      continue;
    }
    points.push(point);
  }
  return points;
}
