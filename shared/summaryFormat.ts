/**
 * Pure formatters of a ModelGraph: Keras 2.4's `model.summary()` text, CSV, Markdown and JSON.
 * The CLI prints them and the renderer exports them; both get the same bytes.
 * MACs everywhere count the multiply-accumulates of Conv2D (grouped ones as grouped) and Dense only.
 */
import { csvField } from './csv';
import type { LayerInfo, ModelGraph, Shape } from './modelGraph';
import { placeLabel } from './modelGraph';

/** The summary formats the CLI and the exports offer. */
export const SUMMARY_FORMATS = ['text', 'json', 'csv', 'markdown'] as const;

/** One of the summary formats. */
export type SummaryFormat = (typeof SUMMARY_FORMATS)[number];

/** The note shown wherever MACs are. */
export const MACS_NOTE =
  'MACs count the multiply-accumulates of Conv2D (grouped as grouped) and Dense layers at batch 1.';

/** Keras's line length and column stops for a functional model (`[.33, .55, .67, 1.] × 98`). */
const LINE_LENGTH = 98;
const POSITIONS = [0.33, 0.55, 0.67, 1].map((stop) => Math.floor(LINE_LENGTH * stop));

/** A whole number with thousands separators, as Python's `'{:,}'.format(n)`. */
export function groupDigits(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A shape as Python prints a Keras shape tuple: `(None, 112, 112, 64)`; `(None,)` for one entry. */
export function pythonShape(shape: Shape | null): string {
  if (shape === null) {
    return '?';
  }
  const items = shape.map((size) => (size === null ? 'None' : String(size)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** The Output Shape cell of Keras 2.4: an InputLayer's shape is a one-element list. */
export function kerasOutputShape(layer: LayerInfo): string {
  const shape = pythonShape(layer.outputShape);
  return layer.className === 'InputLayer' ? `[${shape}]` : shape;
}

/** Keras's `print_row`: each field is cut at its stop, and the last kept character before the
 * next field becomes a space. */
export function kerasRow(
  fields: readonly string[],
  positions: readonly number[] = POSITIONS,
): string {
  let line = '';
  fields.forEach((field, index) => {
    if (index > 0) {
      line = `${line.slice(0, -1)} `;
    }
    line = (line + field).slice(0, positions[index]);
    line += ' '.repeat(positions[index] - line.length);
  });
  return line;
}

/** The lines Keras 2.4's `model.summary()` prints for a functional model, exactly. */
export function kerasSummaryLines(graph: ModelGraph): string[] {
  const lines = [`Model: "${graph.name}"`, '_'.repeat(LINE_LENGTH)];
  lines.push(kerasRow(['Layer (type)', 'Output Shape', 'Param #', 'Connected to']));
  lines.push('='.repeat(LINE_LENGTH));
  graph.layers.forEach((layer, index) => {
    const connections = layer.inbound.map((name) => `${name}[0][0]`);
    lines.push(
      kerasRow([
        `${layer.name} (${layer.className})`,
        kerasOutputShape(layer),
        String(layer.params),
        connections[0] ?? '',
      ]),
    );
    for (const connection of connections.slice(1)) {
      lines.push(kerasRow(['', '', '', connection]));
    }
    lines.push((index === graph.layers.length - 1 ? '=' : '_').repeat(LINE_LENGTH));
  });
  const { params, trainableParams, nonTrainableParams } = graph.totals;
  lines.push(`Total params: ${groupDigits(params)}`);
  lines.push(`Trainable params: ${groupDigits(trainableParams)}`);
  lines.push(`Non-trainable params: ${groupDigits(nonTrainableParams)}`);
  lines.push('_'.repeat(LINE_LENGTH));
  return lines;
}

/** Keras 2.4's `model.summary()` text, one line per `print`, ending in a newline. */
export function kerasSummary(graph: ModelGraph): string {
  return `${kerasSummaryLines(graph).join('\n')}\n`;
}

/** The JSON summary: config (or file), totals and per layer the fields a script needs. */
export function summaryObject(graph: ModelGraph) {
  return {
    name: graph.name,
    config: graph.config,
    ...(graph.file ? { file: graph.file } : {}),
    totals: graph.totals,
    layers: graph.layers.map((layer) => ({
      name: layer.name,
      className: layer.className,
      outputShape: layer.outputShape,
      params: layer.params,
      trainableParams: layer.trainableParams,
      macs: layer.macs,
      ...(layer.groups !== undefined ? { groups: layer.groups } : {}),
      inbound: layer.inbound,
      path: layer.path,
      // A file model's hierarchy is its groups (nested models, name prefixes), not a path.
      ...(graph.file && layer.groupPath.length > 0 ? { groups: layer.groupPath } : {}),
      ...(layer.unknownClass ? { unknownClass: true } : {}),
    })),
    ...(graph.file ? { groups: graph.groups } : {}),
  };
}

/** The JSON summary as text, indented by two spaces, ending in a newline. */
export function summaryJson(graph: ModelGraph): string {
  return `${JSON.stringify(summaryObject(graph), null, 2)}\n`;
}

const percentOf = (part: number, whole: number): string =>
  whole > 0 ? ((100 * part) / whole).toFixed(2) : '0.00';

const pairText = (pair: readonly [number, number] | undefined): string =>
  pair ? `${pair[0]}x${pair[1]}` : '';

/** The columns of the CSV and Markdown tables: torchinfo's additions to Keras's. */
const TABLE_COLUMNS: readonly [string, (layer: LayerInfo, graph: ModelGraph) => string][] = [
  ['id', (layer) => String(layer.id)],
  ['name', (layer) => layer.name],
  ['class', (layer) => layer.className],
  ['output_shape', (layer) => pythonShape(layer.outputShape)],
  ['params', (layer) => String(layer.params)],
  ['trainable_params', (layer) => String(layer.trainableParams)],
  ['params_percent', (layer, graph) => percentOf(layer.params, graph.totals.params)],
  ['macs', (layer) => String(layer.macs)],
  ['kernel', (layer) => pairText(layer.kernelSize)],
  ['strides', (layer) => pairText(layer.strides)],
  ['groups', (layer) => (layer.groups === undefined ? '' : String(layer.groups))],
  ['inbound', (layer) => layer.inbound.join(' ')],
  ['path', (layer, graph) => placeLabel(layer, graph)],
];

/** The summary as CSV: a header row, then one row per layer; CRLF line ends. */
export function summaryCsv(graph: ModelGraph): string {
  const rows = [TABLE_COLUMNS.map(([header]) => header)];
  for (const layer of graph.layers) {
    rows.push(TABLE_COLUMNS.map(([, cell]) => cell(layer, graph)));
  }
  return rows.map((row) => row.map((cell) => csvField(cell)).join(',')).join('\r\n') + '\r\n';
}

/** A Markdown table cell: pipes, backslashes and markup characters escaped, no line breaks. */
function markdownCell(value: string): string {
  return value.replace(/[\\|`*_[\]<>#]/g, (character) => `\\${character}`).replace(/[\r\n]+/g, ' ');
}

/** The summary as a Markdown document: title, totals, MACs note and a table of layers. */
export function summaryMarkdown(graph: ModelGraph): string {
  const { totals } = graph;
  const header = TABLE_COLUMNS.map(([name]) => name);
  const align = TABLE_COLUMNS.map(([name]) =>
    ['id', 'params', 'trainable_params', 'params_percent', 'macs', 'groups'].includes(name)
      ? '---:'
      : '---',
  );
  const lines = [
    `# ${markdownCell(graph.name)}`,
    '',
    `- Layers: ${groupDigits(totals.layers)}`,
    `- Total params: ${groupDigits(totals.params)}`,
    `- Trainable params: ${groupDigits(totals.trainableParams)}`,
    `- Non-trainable params: ${groupDigits(totals.nonTrainableParams)}`,
    `- MACs: ${groupDigits(totals.macs)}`,
    '',
    `_${MACS_NOTE}_`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...graph.layers.map(
      (layer) =>
        `| ${TABLE_COLUMNS.map(([, cell]) => markdownCell(cell(layer, graph))).join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** The summary in one of the formats. */
export function formatSummary(graph: ModelGraph, format: SummaryFormat): string {
  switch (format) {
    case 'text':
      return kerasSummary(graph);
    case 'json':
      return summaryJson(graph);
    case 'csv':
      return summaryCsv(graph);
    case 'markdown':
      return summaryMarkdown(graph);
  }
}
