// The renderer benchmark's report: medians with their spread, targets, and its section of
// docs/BENCHMARKS.md.
import { availableParallelism } from 'node:os';
import { sectionMarkers } from './benchmarksFile';

const { start: START, end: END } = sectionMarkers('renderer');

/** A list of values as its median and spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** The median (the lower of the middle two) and the extremes of values. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor((sorted.length - 1) / 2)],
    min: sorted[0],
    max: sorted[sorted.length - 1],
    n: sorted.length,
  };
}

/** One row of the table: a measure, its value, and the target it is held to, if any. */
export interface Row {
  measure: string;
  value: Spread | string;
  unit: 'ms' | 'fps' | '';
  target?: { limit: number; below: boolean };
}

/** A model measured one way: its rows, the load around it, the page's errors. */
export interface Scenario {
  label: string;
  rows: Row[];
  loadBefore: number;
  loadAfter: number;
  errors: string[];
  firstMedian: number;
}

const round = (value: number, unit: Row['unit']): string =>
  unit === 'fps'
    ? value.toFixed(0)
    : unit === 'ms'
      ? `${Math.round(value)}`
      : `${Math.round(value * 10) / 10}`;

function cell(row: Row): string {
  if (typeof row.value === 'string') {
    return row.value;
  }
  const { median, min, max, n } = row.value;
  const unit = row.unit ? ` ${row.unit}` : '';
  return `${round(median, row.unit)}${unit} (${round(min, row.unit)}–${round(max, row.unit)}, ${n} runs)`;
}

function verdict(row: Row): string {
  if (!row.target || typeof row.value === 'string') {
    return '';
  }
  const { limit, below } = row.target;
  const { median, max, min } = row.value;
  const sign = below ? '≤' : '≥';
  const holds = (value: number) => (below ? value <= limit : value >= limit);
  const unit = row.unit || '';
  const state = holds(median)
    ? holds(below ? max : min)
      ? 'met'
      : 'met by the median, not every run'
    : '**not met**';
  return `${sign} ${limit} ${unit}: ${state}`;
}

/** The section of docs/BENCHMARKS.md, markers included. */
export function section(
  results: Scenario[],
  chromium: string,
  bigBlocks: readonly number[],
): string {
  const rows = results.flatMap((result) => [
    ...result.rows.map(
      (row) => `| ${result.label} | ${row.measure} | ${cell(row)} | ${verdict(row)} |`,
    ),
    `| ${result.label} | load average (1 min) before, after | ${result.loadBefore.toFixed(1)}, ${result.loadAfter.toFixed(1)} | |`,
    `| ${result.label} | page errors | ${result.errors.length === 0 ? 'none' : result.errors.slice(0, 3).join('; ')} | none |`,
  ]);
  const [atOnce, later] = results;
  const ratio = atOnce && later ? atOnce.firstMedian / later.firstMedian : NaN;
  return [
    START,
    '## Renderer',
    '',
    [
      `Measured by \`npm run bench:renderer\` (bench/renderer.ts) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      `in ${chromium}, headless (software rendering), 1600×1000, on a ${availableParallelism()}-core machine`,
      'shared with other work: the load averages stand beside each model, and a figure taken',
      'under load is slower than the same code on a quiet machine. The page is the built renderer',
      "under the app's CSP; its API answers describe with a ModelGraph computed by arithmetic (the",
      "same 345 layers and 44,384,488 parameters as the engine's), at once or after 2 s, over a",
      'real WebSocket. Layouts are composed from the groups on the main thread (each distinct block',
      'shape laid out once and stamped), at once up to 2,000 layers and in ~10 ms slices beyond;',
      'cytoscape gets what is in view first, then the rest a frame at a time (~35 ms a frame, 20 to',
      '400 elements); past 2,000 layers it holds only a window around the view at a level',
      'of detail (groups stand in for layers when a layer would be drawn under 8 px tall), with',
      "cytoscape's WebGL renderer where the GPU is hardware; headless Chromium here has only",
      'SwiftShader, so the canvas renderer draws and WebGL is measured beside it as a peer.',
    ].join(' '),
    '',
    '| model | measure | median (min–max, runs) | target |',
    '|---|---|---|---|',
    ...rows,
    '',
    Number.isFinite(ratio)
      ? `First render, described at once ÷ after 2 s (medians): ×${ratio.toFixed(2)}.`
      : '',
    `The large variant has ${bigBlocks.join(', ')} blocks in its four stages (10,015 layers, 11,035 edges).`,
    END,
  ].join('\n');
}
