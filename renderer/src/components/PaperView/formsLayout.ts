// The three forms of a ResNeXt block (the paper's Figure 3) as plain shapes: boxes with text,
// lines and sum nodes, in diagram coordinates. The SVG view draws them and the PNG export paints
// the same shapes, so both agree. Form (a) folds its C paths ("4 of 32 paths shown … 28 more").
import type { BlockStructure } from '../../../../shared/blockForms';
import { typePaint, type Paint } from '../../graph/colors';

/** Which of C paths are drawn: the first few and the last, unless unfolded. */
export interface PathFold {
  /** Path indices drawn, in order (from 0). */
  shown: number[];
  /** Paths left out between the first few and the last. */
  hidden: number;
  total: number;
  /** `4 of 32 paths shown … 28 more`, or null when every path is drawn. */
  label: string | null;
}

/** The paths drawn of `total`: all when unfolded or few, else the first `head` and the last. */
export function foldPaths(total: number, unfolded: boolean, head = 3): PathFold {
  if (unfolded || total <= head + 2) {
    return {
      shown: Array.from({ length: total }, (_, index) => index),
      hidden: 0,
      total,
      label: null,
    };
  }
  const hidden = total - head - 1;
  return {
    shown: [...Array.from({ length: head }, (_, index) => index), total - 1],
    hidden,
    total,
    label: `${head + 1} of ${total} paths shown … ${hidden} more`,
  };
}

/** A box of a diagram. `fold` is the clickable stand-in for hidden paths. */
export interface FormBox {
  x: number;
  y: number;
  w: number;
  h: number;
  lines: string[];
  kind: 'tensor' | 'conv' | 'grouped' | 'concat' | 'merge' | 'fold';
  /** `start` for a bar across every path, whose text sits at its left. */
  align?: 'start';
}

/** A diagram: boxes, straight edges, ⊕ nodes, and its size. */
export interface FormDiagram {
  width: number;
  height: number;
  boxes: FormBox[];
  edges: [number, number, number, number][];
  sums: { x: number; y: number }[];
}

const COLUMN = 96;
const GAP = 12;
const BOX_H = 34;
const ROW = 56;
const MARGIN = 12;
const WIDE = 200;
/** Above this many columns, paths hang from bars rather than fan out of one box. */
const MAX_FAN = 8;

/** The paper's notation for a convolution: input channels, window, output channels. */
const conv = (cin: number, kernel: number, cout: number, groups = 1): string =>
  `${cin}, ${kernel}×${kernel}, ${cout}${groups > 1 ? `, C=${groups}` : ''}`;

/** A box's second line: what it is, and its stride where it has one. */
const detail = (what: string, stride: number): string =>
  [what, stride > 1 ? `stride ${stride}` : ''].filter(Boolean).join(' · ');

const center = (box: FormBox): number => box.x + box.w / 2;

/** Edge from the bottom of one box to the top of another; straight down to or from a bar. */
function link(from: FormBox, to: FormBox): [number, number, number, number] {
  const x1 = from.align === 'start' ? center(to) : center(from);
  const x2 = to.align === 'start' ? x1 : center(to);
  return [x1, from.y + from.h, x2, to.y];
}

/**
 * A box that all paths leave from or meet: centred when the paths fan out of it, a bar across
 * them when they are many (fanning 32 edges across thousands of pixels reads as a blur).
 */
function hub(
  width: number,
  bar: boolean,
  y: number,
  lines: string[],
  kind: FormBox['kind'],
): FormBox {
  return bar
    ? { x: MARGIN, y, w: width - 2 * MARGIN, h: BOX_H, lines, kind, align: 'start' }
    : { x: width / 2 - WIDE / 2, y, w: WIDE, h: BOX_H, lines, kind };
}

const isBar = (fold: PathFold): boolean => fold.shown.length + (fold.hidden > 0 ? 1 : 0) > MAX_FAN;

function columnsWidth(fold: PathFold): number {
  const columns = fold.shown.length + (fold.hidden > 0 ? 1 : 0);
  return columns * COLUMN + (columns - 1) * GAP;
}

/**
 * Lays out the paths of forms (a) and (b) under an input box: one column per path drawn, a fold
 * column before the last when paths are hidden. `depth` is 3 for (a) (1×1, 3×3, 1×1) and 2 for (b).
 */
function pathColumns(
  block: BlockStructure,
  fold: PathFold,
  depth: 2 | 3,
  top: number,
): { boxes: FormBox[]; ends: FormBox[]; fold: FormBox | null } {
  const { pathWidth: d } = block;
  const [cin, out] = [block.input[2], block.output[2]];
  const labels = [conv(cin, 1, d), conv(d, 3, d), conv(d, 1, out)].slice(0, depth);
  const strides = [block.strides.first, block.strides.grouped, 1];
  const boxes: FormBox[] = [];
  const ends: FormBox[] = [];
  let foldBox: FormBox | null = null;
  let x = MARGIN;
  fold.shown.forEach((path, position) => {
    if (fold.hidden > 0 && position === fold.shown.length - 1) {
      foldBox = {
        x,
        y: top,
        w: COLUMN,
        h: ROW * (depth - 1) + BOX_H,
        lines: ['…', `${fold.hidden} more`, 'paths'],
        kind: 'fold',
      };
      boxes.push(foldBox);
      x += COLUMN + GAP;
    }
    labels.forEach((label, row) => {
      const box: FormBox = {
        x,
        y: top + row * ROW,
        w: COLUMN,
        h: BOX_H,
        lines: [label, detail(row === 0 ? `path ${path + 1}` : '', strides[row])].filter(Boolean),
        kind: 'conv',
      };
      boxes.push(box);
      if (row === labels.length - 1) {
        ends.push(box);
      }
    });
    x += COLUMN + GAP;
  });
  return { boxes, ends, fold: foldBox };
}

function pathEdges(boxes: FormBox[], input: FormBox): [number, number, number, number][] {
  const edges: [number, number, number, number][] = [];
  const columns = new Map<number, FormBox[]>();
  for (const box of boxes.filter((entry) => entry.kind === 'conv')) {
    columns.set(box.x, [...(columns.get(box.x) ?? []), box]);
  }
  for (const column of columns.values()) {
    edges.push(link(input, column[0]));
    column.slice(1).forEach((box, index) => edges.push(link(column[index], box)));
  }
  return edges;
}

/** Form (a): C paths 1×1 → 3×3 → 1×1 from one input, summed, then BN, the shortcut and ReLU. */
export function formA(block: BlockStructure, fold: PathFold): FormDiagram {
  const bar = isBar(fold);
  const width = Math.max(columnsWidth(fold), WIDE) + 2 * MARGIN;
  const input = hub(width, bar, MARGIN, [`input ${block.input.join('×')}`], 'tensor');
  const top = MARGIN + BOX_H + 30;
  const { boxes, ends } = pathColumns(block, fold, 3, top);
  const below = top + 2 * ROW + BOX_H + 30;
  const edges = pathEdges(boxes, input);
  const output = ['BN, + shortcut, ReLU', `output ${block.output.join('×')}`];
  if (bar) {
    const sum = hub(width, true, below, [`+ sum of the ${fold.total} paths`], 'merge');
    const merge: FormBox = {
      x: MARGIN,
      y: below + ROW,
      w: WIDE,
      h: BOX_H,
      lines: output,
      kind: 'merge',
    };
    ends.forEach((end) => edges.push(link(end, sum)));
    edges.push([center(merge), sum.y + sum.h, center(merge), merge.y]);
    return {
      width,
      height: merge.y + merge.h + MARGIN,
      boxes: [input, ...boxes, sum, merge],
      edges,
      sums: [],
    };
  }
  const sum = { x: width / 2, y: below };
  const merge = hub(width, false, sum.y + 30, output, 'merge');
  for (const end of ends) {
    edges.push([center(end), end.y + end.h, sum.x, sum.y - 12]);
  }
  edges.push([sum.x, sum.y + 12, center(merge), merge.y]);
  return {
    width,
    height: merge.y + merge.h + MARGIN,
    boxes: [input, ...boxes, merge],
    edges,
    sums: [sum],
  };
}

/** Form (b): the paths' 1×1 → 3×3, concatenated, then one 1×1 over the concatenation. */
export function formB(block: BlockStructure, fold: PathFold): FormDiagram {
  const bar = isBar(fold);
  const width = Math.max(columnsWidth(fold), WIDE) + 2 * MARGIN;
  const input = hub(width, bar, MARGIN, [`input ${block.input.join('×')}`], 'tensor');
  const top = MARGIN + BOX_H + 30;
  const { boxes, ends } = pathColumns(block, fold, 2, top);
  const concat = hub(
    width,
    bar,
    top + ROW + BOX_H + 30,
    [`concatenate, ${block.bottleneck}`],
    'concat',
  );
  const last: FormBox = {
    x: bar ? MARGIN : concat.x,
    y: concat.y + ROW,
    w: WIDE,
    h: BOX_H,
    lines: [conv(block.bottleneck, 1, block.output[2])],
    kind: 'conv',
  };
  const edges = pathEdges(boxes, input);
  for (const end of ends) {
    edges.push(link(end, concat));
  }
  edges.push(link(concat, last));
  return {
    width,
    height: last.y + last.h + MARGIN,
    boxes: [input, ...boxes, concat, last],
    edges,
    sums: [],
  };
}

/** Form (c): 1×1, one grouped 3×3 convolution with C groups, 1×1: the seed's block. */
export function formC(block: BlockStructure): FormDiagram {
  const width = WIDE + 2 * MARGIN;
  const { bottleneck: w, paths } = block;
  const rows: [string[], FormBox['kind']][] = [
    [[`input ${block.input.join('×')}`], 'tensor'],
    [[conv(block.input[2], 1, w), detail('', block.strides.first)], 'conv'],
    [
      [
        conv(w, 3, w, paths),
        detail(paths > 1 ? 'grouped convolution' : 'plain convolution', block.strides.grouped),
      ],
      'grouped',
    ],
    [[conv(w, 1, block.output[2])], 'conv'],
  ];
  const boxes = rows.map(([lines, kind], index): FormBox => ({
    x: MARGIN,
    y: MARGIN + index * ROW,
    w: WIDE,
    h: BOX_H,
    lines: lines.filter(Boolean),
    kind,
  }));
  return {
    width,
    height: MARGIN + (rows.length - 1) * ROW + BOX_H + MARGIN,
    boxes,
    edges: boxes.slice(1).map((box, index) => link(boxes[index], box)),
    sums: [],
  };
}

/** The paint of a box: convolutions as the graph paints them, the grouped one set apart. */
export function formPaint(kind: FormBox['kind']): Paint {
  switch (kind) {
    case 'conv':
      return typePaint('Conv2D');
    case 'grouped':
      return typePaint('GroupedConv2D');
    case 'merge':
      return typePaint('Add');
    case 'fold':
      return { fill: '#ffffff', stroke: '#8a93a6', text: '#626b7f' };
    default:
      return typePaint('InputLayer');
  }
}
