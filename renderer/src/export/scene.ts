// A diagram as plain shapes (frames, boxes, text lines, edge curves, a legend), built from the
// graph's view model. The SVG writer and the PNG painter both draw a scene, so they agree.
import type { LegendEntry, Paint } from '../graph/colors';
import type { GraphViewModel } from '../graph/viewModel';
import type { Box, Direction } from '../layout/types';
import { LINE_HEIGHT, NODE_FONT_SIZE } from '../graph/labels';

/** A node box with its text. `frame` is an expanded group drawn behind its children. */
export interface SceneBox {
  box: Box;
  paint: Paint;
  lines: string[];
  kind: 'layer' | 'collapsed' | 'frame';
  /** Groups of a stage are drawn a little bolder. */
  strong: boolean;
  /** For a frame: the centre of its title across, where the layout put it (else the middle). */
  titleX?: number;
}

/** An edge: a cubic curve (start, two control points, end), or an orthogonal route. */
export interface SceneEdge {
  kind: 'curve' | 'route';
  points: [number, number][];
  /** False for the first part of an edge a poster's column break cuts: its arrow is further on. */
  arrow?: boolean;
}

/** A legend of layer types: its box, and its entries in rows of `columns`. */
export interface SceneLegend {
  box: Box;
  title: string;
  entries: LegendEntry[];
  columns: number;
}

/** Everything a diagram draws, in model coordinates from (0, 0) to (width, height). */
export interface Scene {
  width: number;
  height: number;
  background: string;
  frames: SceneBox[];
  boxes: SceneBox[];
  edges: SceneEdge[];
  /** One beside the diagram, or one atop each column of a poster. */
  legends: SceneLegend[];
  fontSize: number;
  lineHeight: number;
}

/** Options of a scene. */
export interface SceneOptions {
  legend: LegendEntry[] | null;
  /** Keep only what lies in this rectangle of model coordinates (the current view). */
  crop?: Box;
  margin?: number;
}

/** A legend's row height and the width of one of its columns. */
export const LEGEND_ROW = 18;
export const LEGEND_WIDTH = 190;

/** The height of a legend of `count` entries in `columns` columns. */
export const legendHeight = (count: number, columns = 1): number =>
  30 + Math.ceil(count / columns) * LEGEND_ROW;

function edgeCurve(from: Box, to: Box, direction: Direction): [number, number][] {
  if (direction === 'DOWN') {
    const start: [number, number] = [from.x + from.w / 2, from.y + from.h];
    const end: [number, number] = [to.x + to.w / 2, to.y];
    const bend = Math.max(12, (end[1] - start[1]) / 2);
    return [start, [start[0], start[1] + bend], [end[0], end[1] - bend], end];
  }
  const start: [number, number] = [from.x + from.w, from.y + from.h / 2];
  const end: [number, number] = [to.x, to.y + to.h / 2];
  const bend = Math.max(12, (end[0] - start[0]) / 2);
  return [start, [start[0] + bend, start[1]], [end[0] - bend, end[1]], end];
}

const intersects = (a: Box, b: Box): boolean =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Builds the scene of a view model: shifted to the origin, with a legend beside it if asked. */
export function buildScene(model: GraphViewModel, options: SceneOptions): Scene {
  const margin = options.margin ?? 16;
  const crop = options.crop;
  const region: Box = crop ?? { x: 0, y: 0, w: model.layout.width, h: model.layout.height };
  const shift = (box: Box): Box => ({
    x: box.x - region.x + margin,
    y: box.y - region.y + margin,
    w: box.w,
    h: box.h,
  });
  const keep = (box: Box): boolean => !crop || intersects(box, crop);
  const byId = new Map(model.nodes.map((node) => [node.id, node]));
  const frames: SceneBox[] = [];
  const boxes: SceneBox[] = [];
  for (const node of model.nodes) {
    if (!keep(node.box)) {
      continue;
    }
    const entry: SceneBox = {
      box: shift(node.box),
      paint: node.paint,
      lines: node.lines,
      kind: node.kind === 'layer' ? 'layer' : node.collapsed ? 'collapsed' : 'frame',
      strong: node.groupKind === 'stage' || node.groupKind === 'stem',
    };
    if (node.title) {
      entry.titleX = node.title.x + node.title.w / 2 - region.x + margin;
    }
    (entry.kind === 'frame' ? frames : boxes).push(entry);
  }
  const edges: SceneEdge[] = [];
  for (const edge of model.edges) {
    const from = byId.get(edge.source);
    const to = byId.get(edge.target);
    if (from && to && (keep(from.box) || keep(to.box))) {
      edges.push(
        edge.points
          ? {
              kind: 'route',
              points: edge.points.map(([x, y]) => [x - region.x + margin, y - region.y + margin]),
            }
          : {
              kind: 'curve',
              points: edgeCurve(shift(from.box), shift(to.box), model.layout.direction),
            },
      );
    }
  }
  let width = region.w + 2 * margin;
  let height = region.h + 2 * margin;
  const legends: SceneLegend[] = [];
  if (options.legend && options.legend.length > 0) {
    const h = legendHeight(options.legend.length);
    const box: Box = { x: width, y: margin, w: LEGEND_WIDTH, h };
    width += LEGEND_WIDTH + margin;
    height = Math.max(height, h + 2 * margin);
    legends.push({ box, title: 'Layer types', entries: options.legend, columns: 1 });
  }
  return {
    width: Math.ceil(width),
    height: Math.ceil(height),
    background: '#ffffff',
    frames,
    boxes,
    edges,
    legends,
    fontSize: NODE_FONT_SIZE,
    lineHeight: LINE_HEIGHT,
  };
}
