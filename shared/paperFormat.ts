/**
 * The paper view as text, JSON and Markdown: `cli paper` prints these and the renderer exports
 * the Markdown, so a file saved in the app and one printed in a terminal hold the same bytes.
 */
import type { BlockForms } from './blockForms';
import type { ModelGraph } from './modelGraph';
import { stageTemplateText, type PaperReport, type PaperStage } from './paper';
import type { PaperReference } from './paperReferences';

/** The formats of `cli paper`. */
export const PAPER_FORMATS = ['text', 'json', 'markdown'] as const;

/** One of the paper formats. */
export type PaperFormat = (typeof PAPER_FORMATS)[number];

/** The JSON of `cli paper --format json`. */
export interface PaperJson {
  model: string;
  stages: {
    name: string;
    output: [number, number, number];
    blocks: number;
    template: {
      kernel: number | null;
      width: number;
      groups: number;
      op: string;
      stride: number;
    }[];
    text: string;
    downsampling: string | null;
    params: number;
    macs: number;
  }[];
  totals: { params: number; macs: number };
  reference: {
    name: string;
    params: number | null;
    gflops: number | null;
    top1Error: number | null;
    source: string;
  } | null;
  deviations: { id: string; params: number; macs: number; note: string }[];
  reconciled: { params: number; macs: number; paramsGap: number | null; macsGap: number | null };
  equivalence: {
    block: { stage: number; block: number };
    paths: number;
    maxAbsDiff: number;
    groupedMs: number;
    pathsMs: number;
    backend: string;
    runs: number;
  } | null;
}

const count = (value: number): string =>
  (value < 0 ? '−' : '') + String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const shape = (dims: readonly number[]): string => dims.join('×');

/** `1.2e-7`, the way a difference near float32's precision reads. */
export const formatDiff = (value: number): string => (value === 0 ? '0' : value.toExponential(1));

/** The sources of a reference's figures, each named once. */
export function referenceSource(reference: PaperReference): string {
  const sources = [reference.params, reference.gflops, reference.top1Error]
    .map((figure) => figure?.source)
    .filter((source): source is string => Boolean(source));
  return [...new Set(sources)].join('; ');
}

/** The whole report as plain data, the shape of `--format json`. */
export function paperJson(
  graph: ModelGraph,
  report: PaperReport,
  forms: BlockForms | null,
): PaperJson {
  const { table, reference, reconciliation } = report;
  return {
    model: graph.name,
    stages: table.stages.map((stage) => ({
      name: stage.name,
      output: stage.output,
      blocks: stage.blocks,
      template: [...stage.lead, ...stage.template].map((entry) => ({
        kernel: entry.kernel,
        width: entry.width,
        groups: entry.groups,
        op: entry.op,
        stride: entry.stride,
      })),
      text: stageTemplateText(stage, graph),
      downsampling: stage.downsampling,
      params: stage.params,
      macs: stage.macs,
    })),
    totals: table.totals,
    reference: reference && {
      name: reference.name,
      params: reference.params?.value ?? null,
      gflops: reference.gflops?.value ?? null,
      top1Error: reference.top1Error?.value ?? null,
      source: referenceSource(reference),
    },
    deviations: reconciliation.deviations.map(({ id, params, macs, note }) => ({
      id,
      params,
      macs,
      note,
    })),
    reconciled: {
      params: reconciliation.params,
      macs: reconciliation.macs,
      paramsGap: reconciliation.paramsGap,
      macsGap: reconciliation.macsGap,
    },
    equivalence: forms && {
      block: { stage: forms.stage, block: forms.block },
      paths: forms.paths,
      maxAbsDiff: forms.maxAbsDiff,
      groupedMs: forms.groupedMs,
      pathsMs: forms.pathsMs,
      backend: forms.backend,
      runs: forms.runs,
    },
  };
}

const downsamplingText = (stage: PaperStage): string =>
  stage.downsampling ? `stride 2 on the ${stage.downsampling}` : '';

/** The reference line, e.g. `ResNeXt-101 (32×4d): 44,177,704 params (…), 7.8 GFLOPs (…)`. */
export function referenceLines(reference: PaperReference | null): string[] {
  if (!reference) {
    return ['No published figures for this configuration.'];
  }
  const parts = [
    reference.params && `${count(reference.params.value)} params (${reference.params.source})`,
    reference.paperParams &&
      `≈ ${reference.paperParams.value / 1e6} M params in the paper (${reference.paperParams.source})`,
    reference.gflops && `${reference.gflops.value} GFLOPs (${reference.gflops.source})`,
    reference.top1Error &&
      `top-1 error ${reference.top1Error.value} % (${reference.top1Error.source})`,
  ].filter((part): part is string => Boolean(part));
  return [`${reference.name}:`, ...parts.map((part) => `  ${part}`)];
}

/** The reconciliation rows: label, params, MACs. */
export function reconciliationRows(graph: ModelGraph, report: PaperReport): string[][] {
  const { reconciliation, reference } = report;
  const rows = [
    ['this model', count(graph.totals.params), count(graph.totals.macs)],
    ...reconciliation.deviations.map((term) => [
      `− ${term.id}`,
      count(term.params),
      count(term.macs),
    ]),
    ['= in the reference’s convention', count(reconciliation.params), count(reconciliation.macs)],
  ];
  if (reference) {
    rows.push([
      `${reference.name}, published`,
      reference.params ? count(reference.params.value) : '—',
      reference.gflops ? `≈ ${reference.gflops.value} G` : '—',
    ]);
  }
  return rows;
}

/** The equivalence line of a measured block. */
export function equivalenceLine(forms: BlockForms): string {
  return (
    `Stage ${forms.stage}, block ${forms.block}: form (a), ${forms.paths === 1 ? 'one path' : `${forms.paths} separate paths`}, and form (c), ` +
    `one grouped convolution, on the same input: max |difference| ${formatDiff(forms.maxAbsDiff)} ` +
    `(outputs up to ${forms.maxAbsOutput.toFixed(2)}); grouped ${forms.groupedMs.toFixed(2)} ms, ` +
    `paths ${forms.pathsMs.toFixed(2)} ms (${forms.backend}, median of ${forms.runs}).`
  );
}

function pad(rows: string[][], right: number[]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) =>
        right.includes(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd(),
  );
}

function textReport(graph: ModelGraph, report: PaperReport, forms: BlockForms | null): string {
  const stages = report.table.stages.map((stage) => [
    stage.name,
    shape(stage.output),
    stageTemplateText(stage, graph),
    downsamplingText(stage),
    count(stage.params),
    count(stage.macs),
  ]);
  const lines = [
    `Table 1 of ${graph.name}, generated from its graph (layout of Xie et al., CVPR 2017)`,
    '',
    ...pad(
      [
        ['stage', 'output', 'template', 'downsampling', 'params', 'MACs'],
        ...stages,
        ['total', '', '', '', count(report.table.totals.params), count(report.table.totals.macs)],
      ],
      [4, 5],
    ),
    '',
    'Reference',
    ...referenceLines(report.reference).map((line) => `  ${line}`),
    '',
    'Reconciliation',
    ...pad([['', 'params', 'MACs'], ...reconciliationRows(graph, report)], [1, 2]).map(
      (line) => `  ${line}`,
    ),
    ...report.reconciliation.deviations.map((term) => `  ${term.id}: ${term.note}`),
  ];
  if (report.reconciliation.macsCaveat) {
    lines.push(`  MACs: ${report.reconciliation.macsCaveat}`);
  }
  if (forms) {
    lines.push('', 'Equivalence of the forms', `  ${equivalenceLine(forms)}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text: string): string => text.replaceAll('|', '\\|');
const mdRow = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;

function markdownReport(graph: ModelGraph, report: PaperReport, forms: BlockForms | null): string {
  const lines = [
    `# Table 1 of ${cell(graph.name)}`,
    '',
    'Generated from the model’s graph, in the layout of Xie et al., CVPR 2017.',
    '',
    mdRow(['stage', 'output', 'template', 'downsampling', 'params', 'MACs']),
    '| --- | --- | --- | --- | ---: | ---: |',
    ...report.table.stages.map((stage) =>
      mdRow([
        stage.name,
        shape(stage.output),
        stageTemplateText(stage, graph),
        downsamplingText(stage),
        count(stage.params),
        count(stage.macs),
      ]),
    ),
    mdRow([
      '**total**',
      '',
      '',
      '',
      `**${count(report.table.totals.params)}**`,
      `**${count(report.table.totals.macs)}**`,
    ]),
    '',
    '## Reference',
    '',
    ...referenceLines(report.reference).map((line, index) =>
      index === 0 ? line : `- ${line.trim()}`,
    ),
    '',
    '## Reconciliation',
    '',
    mdRow(['', 'params', 'MACs']),
    '| --- | ---: | ---: |',
    ...reconciliationRows(graph, report).map(mdRow),
    '',
    ...report.reconciliation.deviations.map((term) => `- \`${term.id}\`: ${term.note}`),
  ];
  if (report.reconciliation.macsCaveat) {
    lines.push(`- MACs: ${report.reconciliation.macsCaveat}`);
  }
  if (forms) {
    lines.push('', '## Equivalence of the forms', '', equivalenceLine(forms));
  }
  return `${lines.join('\n')}\n`;
}

/** The report in a format; `forms` is the measured block, if any. */
export function formatPaper(
  graph: ModelGraph,
  report: PaperReport,
  forms: BlockForms | null,
  format: PaperFormat,
): string {
  if (format === 'json') {
    return `${JSON.stringify(paperJson(graph, report, forms), null, 2)}\n`;
  }
  return format === 'markdown'
    ? markdownReport(graph, report, forms)
    : textReport(graph, report, forms);
}
