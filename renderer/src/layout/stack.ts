// The layout of one container's series-parallel parts, in flow coordinates: `along` the flow
// (down, or right) and `across` it, from the container's main path. A sequence stacks its parts
// on one axis, so the main path is a straight line; a fork puts its tallest branch on the axis and
// the others beside it, right then left, with a lane for a branch that is a bare edge (an identity
// shortcut). Edges are orthogonal: a fork turns off halfway through the gap below its item, a
// join halfway through the gap above its item, and a side branch enters a layer a little off its
// centre so that arrows do not meet. Computed once per container shape and stamped (compose.ts).
import type { Part } from './seriesParallel';

/** Between consecutive parts along the flow (ELK's spacing between layers before). */
export const GAP = 22;
/** Between branches across the flow. */
export const BRANCH_GAP = 18;
/** A lane's distance from what it runs beside. */
export const LANE_GAP = 14;

/** What the layout of a container needs of each item. */
export interface ItemSize {
  kind: 'layer' | 'group' | 'in' | 'out';
  /** Extent along the flow. */
  along: number;
  /** Extents across the flow on either side of the item's axis. */
  left: number;
  right: number;
  /** A group of layers only (a block): lined up with its neighbours of the same kind. */
  leaf?: boolean;
}

/** The layout of one container shape, relative to its content's start and its axis. */
export interface ShapeLayout {
  /** Per item, where it starts along the flow, and its axis across. */
  along: Float64Array;
  across: Float64Array;
  /** Per item, its extents across: a group's frame widened to its siblings' in the sequence. */
  left: Float64Array;
  right: Float64Array;
  /** Routes between items keyed `from * stride + to`, as flat [along, across, …] lists. */
  routes: Map<number, number[]>;
  stride: number;
  /** The content's extent along, from its first item's start to its last item's end. */
  length: number;
  left0: number;
  right0: number;
}

interface Measure {
  length: number;
  left: number;
  right: number;
  /** For a fork: each branch's axis offset, the main branch's index, its side entry offsets. */
  offsets?: number[];
  main?: number;
  entries?: number[];
}

/**
 * Lays out a container whose parts run from item 0 (the entry, `IN`) to its last item (`OUT`):
 * the entry sits `inGap` before the content, the exit `outGap` after it (and after `minLength`).
 */
export function layoutShape(
  parts: readonly Part[],
  sizes: readonly ItemSize[],
  gaps: { inGap: number; outGap: number; minLength?: number },
): ShapeLayout {
  const count = sizes.length;
  const layout: ShapeLayout = {
    along: new Float64Array(count),
    across: new Float64Array(count),
    left: Float64Array.from(sizes, (size) => size.left),
    right: Float64Array.from(sizes, (size) => size.right),
    routes: new Map(),
    stride: count,
    length: 0,
    left0: 0,
    right0: 0,
  };
  const measures = new Map<Part | readonly Part[], Measure>();
  const inner = parts.slice(1, -1);
  const top = measureSequence(inner, sizes, layout, measures);
  layout.length = Math.max(top.length, gaps.minLength ?? 0);
  layout.left0 = top.left;
  layout.right0 = top.right;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (first.kind !== 'item' || last.kind !== 'item') {
    throw new Error('A container runs from its entry to its exit.');
  }
  layout.along[first.index] = -gaps.inGap;
  layout.along[last.index] = layout.length + gaps.outGap;
  const placer = new Placer(sizes, layout, measures);
  placer.sequence(parts as Part[], 0, 0, null);
  return layout;
}

function measureSequence(
  parts: readonly Part[],
  sizes: readonly ItemSize[],
  layout: ShapeLayout,
  measures: Map<Part | readonly Part[], Measure>,
): Measure {
  // Frames of layers only in one sequence (the blocks of a stage) that are nearly as wide line up
  // at the widest of them, instead of jagging from block to block by a few pixels; a much wider
  // one (a block with a projection shortcut) keeps its own width, and the rest stay compact.
  // Frames that hold frames (the stages) keep their own, each hugging its content.
  const lined = parts.flatMap((part) =>
    part.kind === 'item' && sizes[part.index].kind === 'group' && sizes[part.index].leaf
      ? [part.index]
      : [],
  );
  lineUp(lined, layout.left);
  lineUp(lined, layout.right);
  const total: Measure = { length: 0, left: 0, right: 0 };
  parts.forEach((part, index) => {
    let measure: Measure;
    if (part.kind === 'item') {
      measure = {
        length: sizes[part.index].along,
        left: layout.left[part.index],
        right: layout.right[part.index],
      };
    } else {
      measure = measureFork(part, sizes, layout, measures);
    }
    total.length += measure.length + (index > 0 ? GAP : 0);
    total.left = Math.max(total.left, measure.left);
    total.right = Math.max(total.right, measure.right);
  });
  measures.set(parts, total);
  return total;
}

/** Within this much, frames side by side in a sequence take the same extent. */
const LINE_UP = 48;

/** Sets extents that lie within LINE_UP of each other (in runs, sorted) to the largest of them. */
function lineUp(items: readonly number[], extents: Float64Array): void {
  const sorted = [...items].sort((a, b) => extents[a] - extents[b]);
  let start = 0;
  for (let index = 1; index <= sorted.length; index += 1) {
    if (index === sorted.length || extents[sorted[index]] - extents[sorted[index - 1]] > LINE_UP) {
      const widest = extents[sorted[index - 1]];
      for (let at = start; at < index; at += 1) {
        extents[sorted[at]] = widest;
      }
      start = index;
    }
  }
}

function measureFork(
  fork: Extract<Part, { kind: 'fork' }>,
  sizes: readonly ItemSize[],
  layout: ShapeLayout,
  measures: Map<Part | readonly Part[], Measure>,
): Measure {
  const branches = fork.branches.map((branch) =>
    branch.length === 0 ? null : measureSequence(branch, sizes, layout, measures),
  );
  let main = 0;
  branches.forEach((branch, index) => {
    if (branch && branch.length > (branches[main]?.length ?? -1)) {
      main = index;
    }
  });
  const offsets = new Array<number>(branches.length).fill(0);
  const entries = new Array<number>(branches.length).fill(0);
  let right = branches[main]?.right ?? 0;
  let left = branches[main]?.left ?? 0;
  let side = 0;
  branches.forEach((branch, index) => {
    if (index === main) {
      return;
    }
    const toRight = side % 2 === 0;
    // Which side entry of the join this branch takes: 1, 2, … out from the centre on its side.
    const rank = Math.floor(side / 2) + 1;
    side += 1;
    if (toRight) {
      offsets[index] = branch ? right + BRANCH_GAP + branch.left : right + LANE_GAP;
      right = offsets[index] + (branch ? branch.right : 0);
      entries[index] = rank;
    } else {
      offsets[index] = branch ? -(left + BRANCH_GAP + branch.right) : -(left + LANE_GAP);
      left = -offsets[index] + (branch ? branch.left : 0);
      entries[index] = -rank;
    }
  });
  const length = Math.max(0, ...branches.map((branch) => branch?.length ?? 0));
  const measure: Measure = { length, left, right, offsets, main, entries };
  measures.set(fork, measure);
  return measure;
}

/** Where a sequence flows into when it ends inside a fork: the join, its place and entry. */
interface Stop {
  index: number;
  along: number;
  across: number;
  /** Side entry rank into a layer join (0 for the main branch). */
  entry: number;
}

class Placer {
  constructor(
    private readonly sizes: readonly ItemSize[],
    private readonly layout: ShapeLayout,
    private readonly measures: Map<Part | readonly Part[], Measure>,
  ) {}

  /** Places a sequence from `start` along on axis `axis`; emits its routes (and into `stop`). */
  sequence(parts: readonly Part[], start: number, axis: number, stop: Stop | null): void {
    const { layout, sizes } = this;
    let along = start;
    let previous: number | null = null;
    parts.forEach((part, index) => {
      if (part.kind === 'item') {
        const item = part.index;
        const kind = sizes[item].kind;
        if (kind === 'layer' || kind === 'group') {
          layout.along[item] = along;
          along += sizes[item].along + GAP;
        }
        layout.across[item] = axis;
        if (previous !== null) {
          this.route(previous, item, [
            [this.exit(previous), axis],
            [this.entry(item), axis],
          ]);
        }
        previous = item;
        return;
      }
      const measure = this.measures.get(part)!;
      const next = parts[index + 1];
      // The exit (OUT) was placed in advance; any other join follows the fork.
      const joinAlong = (item: number): number =>
        sizes[item].kind === 'out' ? layout.along[item] : along + measure.length + GAP;
      const join: Stop =
        next && next.kind === 'item'
          ? { index: next.index, along: joinAlong(next.index), across: axis, entry: 0 }
          : stop!;
      this.fork(part, measure, previous!, along, axis, join);
      along += measure.length + GAP;
      previous = null;
    });
    const last = parts[parts.length - 1];
    if (stop && last.kind === 'item') {
      this.joinRoute(last.index, axis, stop);
    }
  }

  private fork(
    part: Extract<Part, { kind: 'fork' }>,
    measure: Measure,
    from: number,
    start: number,
    axis: number,
    join: Stop,
  ): void {
    const turn = this.forkLine(from);
    part.branches.forEach((branch, index) => {
      const offset = axis + measure.offsets![index];
      const entry = index === measure.main ? join.entry : measure.entries![index];
      const stop: Stop = { ...join, entry };
      if (branch.length === 0) {
        const target = this.joinAcross(stop);
        const line = this.joinLine(stop);
        this.route(from, join.index, [
          [this.exit(from), axis],
          [turn, axis],
          [turn, offset],
          [line, offset],
          [line, target],
          [this.entry(join.index, join.along), target],
        ]);
        return;
      }
      this.sequence(branch, start, offset, stop);
      const first = branch[0];
      if (first.kind === 'item') {
        this.route(from, first.index, [
          [this.exit(from), axis],
          [turn, axis],
          [turn, offset],
          [this.entry(first.index), offset],
        ]);
      }
    });
  }

  /** The route from the last item of a branch down to where its sequence flows into. */
  private joinRoute(from: number, axis: number, stop: Stop): void {
    const target = this.joinAcross(stop);
    const line = this.joinLine(stop);
    this.route(from, stop.index, [
      [this.exit(from), axis],
      [line, axis],
      [line, target],
      [this.entry(stop.index, stop.along), target],
    ]);
  }

  /** Where an edge from a side branch meets a join: off a layer's centre, else at its axis. */
  private joinAcross(stop: Stop): number {
    const size = this.sizes[stop.index];
    if (stop.entry === 0 || size.kind !== 'layer') {
      return stop.across;
    }
    const room = Math.max(0, Math.min(size.left, size.right) - 8);
    return stop.across + Math.sign(stop.entry) * Math.min(room, 12 * Math.abs(stop.entry));
  }

  private exit(item: number): number {
    const { kind, along } = this.sizes[item];
    const at = this.layout.along[item];
    if (kind === 'in' || kind === 'out') {
      return at;
    }
    return kind === 'group' ? at + along + GAP / 2 : at + along;
  }

  private entry(item: number, at = this.layout.along[item]): number {
    return this.sizes[item].kind === 'group' ? at - GAP / 2 : at;
  }

  /** Where a fork's edges turn across: halfway through the gap below the item. */
  private forkLine(item: number): number {
    const { kind, along } = this.sizes[item];
    const at = this.layout.along[item];
    return kind === 'in' || kind === 'out' ? at : at + along + GAP / 2;
  }

  /** Where a join's edges turn across: halfway through the gap above the item. */
  private joinLine(stop: Stop): number {
    const kind = this.sizes[stop.index].kind;
    return kind === 'in' || kind === 'out' ? stop.along : stop.along - GAP / 2;
  }

  private route(from: number, to: number, points: [number, number][]): void {
    this.layout.routes.set(from * this.layout.stride + to, simplify(points));
  }
}

/** A polyline without repeated points or points in line with their neighbours, flattened. */
function simplify(points: readonly [number, number][]): number[] {
  const kept: [number, number][] = [];
  for (const point of points) {
    const last = kept[kept.length - 1];
    if (last && Math.abs(last[0] - point[0]) < 0.01 && Math.abs(last[1] - point[1]) < 0.01) {
      continue;
    }
    const before = kept[kept.length - 2];
    if (
      before &&
      last &&
      ((Math.abs(before[0] - last[0]) < 0.01 && Math.abs(last[0] - point[0]) < 0.01) ||
        (Math.abs(before[1] - last[1]) < 0.01 && Math.abs(last[1] - point[1]) < 0.01))
    ) {
      kept[kept.length - 1] = point;
      continue;
    }
    kept.push(point);
  }
  return kept.flat();
}
