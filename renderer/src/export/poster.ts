// A poster of a tall diagram: the one long column cut into N side by side, so that the whole
// model prints on one A4, Letter or A3 sheet and reads when fitted, instead of a 1:21 strip.
// Cuts fall between layers, where the fewest frames are open (between stages, else between
// blocks); a frame cut in two shows its title again, "(continued)", atop the next column; an
// edge cut in two keeps its arrow on the part that reaches its layer; every column has its own
// legend. Works on any scene (a file's nested models too), from its boxes and frames alone.
import type { LegendEntry } from '../graph/colors';
import type { Box } from '../layout/types';
import {
  LEGEND_WIDTH,
  legendHeight,
  type Scene,
  type SceneBox,
  type SceneEdge,
  type SceneLegend,
} from './scene';

/** Paper sizes in millimetres, portrait. */
export const PAPERS = {
  a4: { label: 'A4', w: 210, h: 297 },
  letter: { label: 'Letter', w: 215.9, h: 279.4 },
  a3: { label: 'A3', w: 297, h: 420 },
} as const;

export type Paper = keyof typeof PAPERS;

/** What the person chose: the paper and the columns (`auto`: the most legible on that paper). */
export interface PosterOptions {
  paper: Paper;
  columns: number | 'auto';
  legend: LegendEntry[] | null;
}

/** How the poster fits its paper. */
export interface PosterFit {
  columns: number;
  landscape: boolean;
  /** The size the text prints at, fitted to the sheet, in points. */
  textPt: number;
}

const MARGIN = 16;
const COLUMN_GAP = 40;
/** A continued frame's title band atop a column. */
const BAND = 24;
const MM_PER_PT = 25.4 / 72;

interface Cut {
  y: number;
  /** How many frames the cut opens: fewer is a better place. */
  depth: number;
}

/** The frames open at a height. */
const openAt = (frames: readonly SceneBox[], y: number): SceneBox[] =>
  frames.filter((frame) => frame.box.y < y && frame.box.y + frame.box.h > y);

/** Places to cut: in each gap between rows of boxes, the height with the fewest frames open. */
function cutsOf(scene: Scene): Cut[] {
  const boxes = [...scene.boxes].sort((a, b) => a.box.y - b.box.y);
  const edges = scene.frames.flatMap((frame) => [frame.box.y, frame.box.y + frame.box.h]);
  const cuts: Cut[] = [];
  let bottom = -Infinity;
  for (const entry of boxes) {
    const top = entry.box.y;
    if (top > bottom + 8 && bottom > -Infinity) {
      // Candidates: just inside the gap, and halfway between frame borders in it.
      const inside = edges.filter((y) => y > bottom && y < top).sort((a, b) => a - b);
      const marks = [bottom, ...inside, top];
      let best: Cut | null = null;
      for (let index = 1; index < marks.length; index += 1) {
        const y = (marks[index - 1] + marks[index]) / 2;
        const depth = openAt(scene.frames, y).length;
        if (!best || depth < best.depth) {
          best = { y, depth };
        }
      }
      if (best) {
        cuts.push(best);
      }
    }
    bottom = Math.max(bottom, entry.box.y + entry.box.h);
  }
  return cuts;
}

/** N − 1 cuts near even heights, preferring those that open fewer frames. */
function chooseCuts(cuts: readonly Cut[], top: number, bottom: number, columns: number): number[] {
  const span = (bottom - top) / columns;
  const chosen: number[] = [];
  for (let k = 1; k < columns; k += 1) {
    const target = top + k * span;
    const after = chosen[chosen.length - 1] ?? top;
    let best: Cut | null = null;
    let bestScore = Infinity;
    for (const cut of cuts) {
      if (cut.y <= after + span / 4) {
        continue;
      }
      const score = Math.abs(cut.y - target) / span + 0.3 * cut.depth;
      if (score < bestScore) {
        best = cut;
        bestScore = score;
      }
    }
    if (best) {
      chosen.push(best.y);
    }
  }
  return chosen;
}

/**
 * The parts of an edge (a curve sampled into a polyline) inside a band of heights; the part that
 * reaches the edge's end says so (it keeps the arrow).
 */
export function clipEdge(
  edge: SceneEdge,
  top: number,
  bottom: number,
): { points: [number, number][]; end: boolean }[] {
  const points = edge.kind === 'route' ? edge.points : sampleCurve(edge.points);
  const parts: { points: [number, number][]; end: boolean }[] = [];
  let current: [number, number][] = [];
  const at = (p: [number, number], q: [number, number], t: number): [number, number] => [
    p[0] + t * (q[0] - p[0]),
    p[1] + t * (q[1] - p[1]),
  ];
  for (let index = 1; index < points.length; index += 1) {
    const p = points[index - 1];
    const q = points[index];
    let t0 = 0;
    let t1 = 1;
    if (p[1] === q[1]) {
      if (p[1] < top || p[1] > bottom) {
        continue;
      }
    } else {
      const tTop = (top - p[1]) / (q[1] - p[1]);
      const tBottom = (bottom - p[1]) / (q[1] - p[1]);
      t0 = Math.max(0, Math.min(tTop, tBottom));
      t1 = Math.min(1, Math.max(tTop, tBottom));
      if (t0 > t1) {
        continue;
      }
    }
    const from = at(p, q, t0);
    const to = at(p, q, t1);
    const last = current[current.length - 1];
    if (!last || Math.abs(last[0] - from[0]) > 0.01 || Math.abs(last[1] - from[1]) > 0.01) {
      if (current.length > 1) {
        parts.push({ points: current, end: false });
      }
      current = [from];
    }
    current.push(to);
    if (index === points.length - 1 && t1 === 1) {
      parts.push({ points: current, end: true });
      current = [];
    }
  }
  if (current.length > 1) {
    parts.push({ points: current, end: false });
  }
  return parts;
}

function sampleCurve([a, b, c, d]: readonly [number, number][]): [number, number][] {
  const points: [number, number][] = [];
  for (let step = 0; step <= 16; step += 1) {
    const t = step / 16;
    const u = 1 - t;
    points.push([
      u * u * u * a[0] + 3 * u * u * t * b[0] + 3 * u * t * t * c[0] + t * t * t * d[0],
      u * u * u * a[1] + 3 * u * u * t * b[1] + 3 * u * t * t * c[1] + t * t * t * d[1],
    ]);
  }
  return points;
}

interface Column {
  top: number;
  bottom: number;
  /** Frames open at the top, outermost first: their titles repeat in bands. */
  continued: SceneBox[];
}

function columnsOf(scene: Scene, cuts: readonly number[], top: number, bottom: number): Column[] {
  const lines = [top, ...cuts, bottom];
  return lines.slice(1).map((end, index) => ({
    top: lines[index],
    bottom: end,
    continued: openAt(scene.frames, lines[index]).sort((a, b) => a.box.y - b.box.y),
  }));
}

/** The diagram's extent along: from its first box or frame to its last. */
function extentOf(scene: Scene): { top: number; bottom: number } {
  const all = [...scene.boxes, ...scene.frames].map((entry) => entry.box);
  return {
    top: Math.min(...all.map((box) => box.y)),
    bottom: Math.max(...all.map((box) => box.y + box.h)),
  };
}

/** The poster's size for columns, before it is padded to the paper. */
function measure(scene: Scene, columns: Column[], legend: LegendEntry[] | null, width: number) {
  const legendRows = legend ? legendHeight(legend.length, legendColumns(width)) + MARGIN : 0;
  const height = Math.max(
    ...columns.map((column) => column.bottom - column.top + column.continued.length * BAND),
  );
  return {
    w: columns.length * width + (columns.length - 1) * COLUMN_GAP + 2 * MARGIN,
    h: height + legendRows + 2 * MARGIN,
  };
}

const legendColumns = (width: number): number =>
  Math.max(1, Math.floor((width - 2 * MARGIN) / LEGEND_WIDTH));

/** The best fit of a size on a paper, either way round: millimetres per unit. */
function fitOn(paper: Paper, size: { w: number; h: number }) {
  const { w, h } = PAPERS[paper];
  const portrait = Math.min(w / size.w, h / size.h);
  const landscape = Math.min(h / size.w, w / size.h);
  return landscape > portrait
    ? { mmPerUnit: landscape, landscape: true }
    : { mmPerUnit: portrait, landscape: false };
}

/**
 * A poster of a single-column scene (built without its legend). With `columns: 'auto'` the count
 * that prints the text largest on the paper.
 */
export function posterScene(
  scene: Scene,
  options: PosterOptions,
): { scene: Scene; fit: PosterFit } {
  const { top, bottom } = extentOf(scene);
  const cuts = cutsOf(scene);
  const width = scene.width;
  const plan = (count: number) => {
    const columns = columnsOf(scene, chooseCuts(cuts, top, bottom, count), top, bottom);
    const size = measure(scene, columns, options.legend, width);
    return { columns, size, ...fitOn(options.paper, size) };
  };
  let best = plan(options.columns === 'auto' ? 1 : Math.max(1, options.columns));
  if (options.columns === 'auto') {
    for (let count = 2; count <= Math.min(40, cuts.length + 1); count += 1) {
      const next = plan(count);
      if (next.mmPerUnit > best.mmPerUnit) {
        best = next;
      }
    }
  }
  const built = assemble(scene, best.columns, options.legend, width);
  // Padded to the sheet's proportions, so that fitting it to the page fills the page.
  const { w, h } = PAPERS[options.paper];
  const aspect = best.landscape ? h / w : w / h;
  built.width = Math.ceil(Math.max(built.width, built.height * aspect));
  built.height = Math.ceil(Math.max(built.height, built.width / aspect));
  const mmPerUnit = Math.min(
    (best.landscape ? h : w) / built.width,
    (best.landscape ? w : h) / built.height,
  );
  return {
    scene: built,
    fit: {
      columns: best.columns.length,
      landscape: best.landscape,
      textPt: (scene.fontSize * mmPerUnit) / MM_PER_PT,
    },
  };
}

function assemble(
  scene: Scene,
  columns: readonly Column[],
  legend: LegendEntry[] | null,
  width: number,
): Scene {
  const perRow = legendColumns(width);
  const legendRows = legend ? legendHeight(legend.length, perRow) + MARGIN : 0;
  const frames: SceneBox[] = [];
  const boxes: SceneBox[] = [];
  const edges: SceneEdge[] = [];
  const legends: SceneLegend[] = [];
  let height = 0;
  columns.forEach((column, index) => {
    const left = MARGIN + index * (width + COLUMN_GAP);
    const head = MARGIN + legendRows + column.continued.length * BAND;
    const move = (box: Box): Box => ({ ...box, x: box.x + left, y: box.y - column.top + head });
    const moveX = (x: number | undefined) => (x === undefined ? undefined : x + left);
    if (legend) {
      const box = {
        x: left + MARGIN,
        y: MARGIN,
        w: width - 2 * MARGIN,
        h: legendHeight(legend.length, perRow),
      };
      legends.push({ box, title: 'Layer types', entries: legend, columns: perRow });
    }
    for (const frame of scene.frames) {
      const { y, h } = frame.box;
      if (y >= column.bottom || y + h <= column.top) {
        continue;
      }
      const open = column.continued.indexOf(frame);
      const from = open >= 0 ? column.top - (column.continued.length - open) * BAND : y;
      const to = Math.min(y + h, column.bottom + (y + h > column.bottom ? 4 : 0));
      frames.push({
        ...frame,
        box: move({ ...frame.box, y: from, h: to - from }),
        // Shorter than the title it repeats, so it stays clear of the main path as that did.
        lines: open >= 0 ? [`${(frame.lines[0] ?? '').split(' · ')[0]} (continued)`] : frame.lines,
        titleX: moveX(frame.titleX),
      });
    }
    for (const entry of scene.boxes) {
      const middle = entry.box.y + entry.box.h / 2;
      if (middle >= column.top && middle < column.bottom) {
        boxes.push({ ...entry, box: move(entry.box) });
      }
    }
    const visibleTop = column.top - column.continued.length * BAND;
    for (const edge of scene.edges) {
      for (const part of clipEdge(edge, column.top, column.bottom)) {
        const [x, y] = part.points[0];
        // An edge coming from the column before enters at the top of this one.
        const points: [number, number][] =
          index > 0 && Math.abs(y - column.top) < 0.01
            ? [[x, visibleTop], ...part.points]
            : part.points;
        edges.push({
          kind: 'route',
          points: points.map(([px, py]) => [px + left, py - column.top + head]),
          arrow: part.end && edge.arrow !== false,
        });
      }
    }
    height = Math.max(height, head + column.bottom - column.top + MARGIN);
  });
  return {
    ...scene,
    width: MARGIN + columns.length * (width + COLUMN_GAP) - COLUMN_GAP + MARGIN,
    height,
    frames,
    boxes,
    edges,
    legends,
  };
}
