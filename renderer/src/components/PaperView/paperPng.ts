// The paper view as a PNG: Table 1, the reference, the reconciliation with its notes, the measured
// equivalence and the three forms of the block shown, painted on a canvas from the same data and
// shapes the view draws. Sized against Chromium's canvas limits and checked before it is saved.
import type { BlockForms, BlockStructure } from '../../../../shared/blockForms';
import type { ModelGraph } from '../../../../shared/modelGraph';
import { stageTemplateText, type PaperReport } from '../../../../shared/paper';
import {
  equivalenceLine,
  reconciliationRows,
  referenceLines,
} from '../../../../shared/paperFormat';
import { isPng, planPng, toBase64 } from '../../export/png';
import {
  foldPaths,
  formA,
  formB,
  formC,
  formPaint,
  type FormDiagram,
  type PathFold,
} from './formsLayout';

/** What the PNG shows. */
export interface PaperPngInput {
  graph: ModelGraph;
  report: PaperReport;
  structure: BlockStructure | null;
  fold: PathFold;
  forms: BlockForms | null;
}

type Context = CanvasRenderingContext2D;

/** A thing to paint: its height, and how to paint it at a top-left corner. */
interface Part {
  width: number;
  height: number;
  paint(context: Context, x: number, y: number): void;
}

const FONT = 'system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const MONO = '"DejaVu Sans Mono", Menlo, monospace';
const TEXT = '#1d2433';
const MUTED = '#626b7f';
const ROW = 20;
const MARGIN = 24;
const WRAP = 1000;

function font(context: Context, size: number, weight = 400, family = FONT): void {
  context.font = `${weight} ${size}px ${family}`;
}

function heading(context: Context, text: string, size = 15): Part {
  font(context, size, 700);
  return {
    width: context.measureText(text).width,
    height: size + 14,
    paint: (ctx, x, y) => {
      font(ctx, size, 700);
      ctx.fillStyle = TEXT;
      ctx.fillText(text, x, y + size);
    },
  };
}

function paragraph(context: Context, text: string, color = MUTED): Part {
  font(context, 12);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (context.measureText(next).width > WRAP && line) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  lines.push(line);
  return {
    width: Math.max(...lines.map((entry) => context.measureText(entry).width)),
    height: lines.length * 16 + 4,
    paint: (ctx, x, y) => {
      font(ctx, 12);
      ctx.fillStyle = color;
      lines.forEach((entry, index) => ctx.fillText(entry, x, y + 12 + index * 16));
    },
  };
}

function table(context: Context, rows: string[][], right: number[], mono: number[] = []): Part {
  const widths = rows[0].map((_, column) =>
    Math.max(
      ...rows.map((row, index) => {
        font(context, 12, index === 0 ? 700 : 400, mono.includes(column) ? MONO : FONT);
        return context.measureText(row[column]).width;
      }),
    ),
  );
  const gap = 18;
  return {
    width: widths.reduce((sum, width) => sum + width + gap, 0),
    height: rows.length * ROW + 6,
    paint: (ctx, x, y) => {
      rows.forEach((row, index) => {
        let left = x;
        const base = y + index * ROW + 14;
        row.forEach((cell, column) => {
          font(ctx, 12, index === 0 ? 700 : 400, mono.includes(column) ? MONO : FONT);
          ctx.fillStyle = index === 0 ? MUTED : TEXT;
          const at = right.includes(column)
            ? left + widths[column] - ctx.measureText(cell).width
            : left;
          ctx.fillText(cell, at, base);
          left += widths[column] + gap;
        });
        if (index === 0) {
          ctx.fillStyle = '#dde1ea';
          ctx.fillRect(x, base + 5, left - x, 1);
        }
      });
    },
  };
}

function diagram(shape: FormDiagram, caption: string): Part {
  return {
    width: shape.width,
    height: shape.height + 22,
    paint: (ctx, x, y) => {
      font(ctx, 12, 700);
      ctx.fillStyle = TEXT;
      ctx.fillText(caption, x, y + 13);
      const top = y + 22;
      ctx.strokeStyle = '#97a0b3';
      ctx.lineWidth = 1.2;
      for (const [x1, y1, x2, y2] of shape.edges) {
        ctx.beginPath();
        ctx.moveTo(x + x1, top + y1);
        ctx.lineTo(x + x2, top + y2);
        ctx.stroke();
      }
      for (const sum of shape.sums) {
        ctx.beginPath();
        ctx.arc(x + sum.x, top + sum.y, 12, 0, 2 * Math.PI);
        ctx.fillStyle = '#fde1e1';
        ctx.fill();
        ctx.strokeStyle = '#d14848';
        ctx.stroke();
        ctx.fillStyle = TEXT;
        font(ctx, 16);
        ctx.textAlign = 'center';
        ctx.fillText('+', x + sum.x, top + sum.y + 5);
        ctx.textAlign = 'left';
      }
      for (const box of shape.boxes) {
        const paint = formPaint(box.kind);
        ctx.beginPath();
        ctx.roundRect(x + box.x, top + box.y, box.w, box.h, 6);
        ctx.fillStyle = paint.fill;
        ctx.fill();
        ctx.setLineDash(box.kind === 'fold' ? [4, 3] : []);
        ctx.strokeStyle = paint.stroke;
        ctx.lineWidth = box.kind === 'grouped' ? 2 : 1;
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.textAlign = box.align === 'start' ? 'left' : 'center';
        const textX = box.align === 'start' ? box.x + 12 : box.x + box.w / 2;
        box.lines.forEach((line, index) => {
          font(ctx, index === 0 ? 11 : 10);
          ctx.fillStyle = index === 0 ? paint.text : MUTED;
          const middle = top + box.y + box.h / 2 - ((box.lines.length - 1) * 13) / 2;
          ctx.fillText(line, x + textX, middle + index * 13 + 4);
        });
        ctx.textAlign = 'left';
      }
    },
  };
}

function row(parts: Part[], gap = 20): Part {
  return {
    width: parts.reduce((sum, part) => sum + part.width, 0) + gap * (parts.length - 1),
    height: Math.max(...parts.map((part) => part.height)),
    paint: (ctx, x, y) => {
      let left = x;
      for (const part of parts) {
        part.paint(ctx, left, y);
        left += part.width + gap;
      }
    },
  };
}

function parts(context: Context, input: PaperPngInput): Part[] {
  const { graph, report, structure, fold, forms } = input;
  const stageRows = report.table.stages.map((stage) => [
    stage.name,
    stage.output.join('×'),
    stageTemplateText(stage, graph),
    stage.downsampling ? `stride 2, ${stage.downsampling}` : '',
    stage.params.toLocaleString('en-US'),
    stage.macs.toLocaleString('en-US'),
  ]);
  const list: Part[] = [
    heading(context, `Table 1 of ${graph.name}, generated from its graph`, 17),
    table(
      context,
      [
        ['stage', 'output', 'template', 'downsampling', 'params', 'MACs'],
        ...stageRows,
        [
          'total',
          '',
          '',
          '',
          report.table.totals.params.toLocaleString('en-US'),
          report.table.totals.macs.toLocaleString('en-US'),
        ],
      ],
      [4, 5],
      [1, 2],
    ),
    heading(context, 'Reference'),
    ...referenceLines(report.reference).map((line) => paragraph(context, line.trim(), TEXT)),
    heading(context, 'Reconciliation'),
    table(context, [['', 'params', 'MACs'], ...reconciliationRows(graph, report)], [1, 2]),
    ...report.reconciliation.deviations.map((term) =>
      paragraph(context, `${term.id}: ${term.note}`),
    ),
  ];
  if (report.reconciliation.macsCaveat) {
    list.push(paragraph(context, `MACs: ${report.reconciliation.macsCaveat}`));
  }
  if (structure) {
    list.push(
      heading(context, `The three forms of stage ${structure.stage}, block ${structure.block}`),
    );
    if (forms) {
      list.push(paragraph(context, equivalenceLine(forms), TEXT));
    }
    list.push(
      row([
        diagram(formA(structure, fold), `(a) ${fold.label ?? `${structure.paths} paths, summed`}`),
        diagram(formB(structure, foldPaths(structure.paths, false)), '(b) early concatenation'),
        diagram(formC(structure), '(c) grouped convolution'),
      ]),
    );
  }
  return list;
}

/** Paints the paper view and returns it as base64 PNG bytes, at `scale` where the canvas allows. */
export async function paperPng(input: PaperPngInput, scale = 2): Promise<string> {
  const measure = document.createElement('canvas').getContext('2d');
  if (!measure) {
    throw new Error('The browser could not make a canvas to draw the paper view on.');
  }
  const list = parts(measure, input);
  const width = Math.ceil(Math.max(...list.map((part) => part.width)) + 2 * MARGIN);
  const height = Math.ceil(list.reduce((sum, part) => sum + part.height + 8, 0) + 2 * MARGIN);
  const plan = planPng(width, height, scale);
  const canvas = document.createElement('canvas');
  canvas.width = plan.width;
  canvas.height = plan.height;
  const context = canvas.getContext('2d');
  if (!context) {
    throw new Error('The browser could not draw the paper view; try again with a smaller window.');
  }
  context.scale(plan.scale, plan.scale);
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  let y = MARGIN;
  for (const part of list) {
    part.paint(context, MARGIN, y);
    y += part.height + 8;
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  const bytes = blob ? new Uint8Array(await blob.arrayBuffer()) : new Uint8Array();
  if (!isPng(bytes)) {
    throw new Error('The browser could not encode the paper view as PNG.');
  }
  return toBase64(bytes);
}
