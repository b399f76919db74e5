// The summary table's rows and columns, and the virtual list's window, without a browser.
import { describe, expect, it } from 'vitest';
import { BASE_COLUMNS } from '../../renderer/src/components/SummaryTable/columns';
import { buildRows, classNames, rowIndexOf } from '../../renderer/src/components/SummaryTable/rows';
import { visibleRange } from '../../renderer/src/components/SummaryTable/virtual';
import { summaryExports } from '../../renderer/src/components/SummaryTable/summaryExports';
import { compileQuery } from '../../renderer/src/graph/search';
import { formatSummary } from '../../shared/summaryFormat';
import { syntheticGraph } from './rendererFixtures';

const graph = syntheticGraph();
const column = (id: string) => BASE_COLUMNS.find((entry) => entry.id === id)!;

describe('columns', () => {
  it("has Keras's four columns first, then what torchinfo adds", () => {
    expect(BASE_COLUMNS.map((entry) => entry.label)).toEqual([
      'Layer (type)',
      'Output Shape',
      'Param #',
      'Connected to',
      'Kernel',
      'Strides',
      'Cardinality',
      'MACs',
      '% params',
      'Trainable',
    ]);
  });

  it('writes cells as Keras does and totals the model', () => {
    const conv = graph.layers[1];
    const context = { graph };
    expect(column('layer').text(conv, context)).toBe('conv2d (Conv2D)');
    expect(column('shape').text(conv, context)).toBe('(None, 112, 112, 64)');
    expect(column('params').text(conv, context)).toBe('9,472');
    expect(column('inbound').text(conv, context)).toBe('input_1');
    expect(column('kernel').text(conv, context)).toBe('7×7');
    expect(column('params').total?.(context)).toBe('44,384,488');
    expect(column('trainable').total?.(context)).toBe('44,246,632');
    expect(column('share').text(graph.layers[graph.layers.length - 1], context)).toBe('4.62 %');
  });
});

describe('rows', () => {
  it('keeps every layer in topological order by default', () => {
    const rows = buildRows(graph, BASE_COLUMNS, {});
    expect(rows).toHaveLength(345);
    expect(rows.every((row, index) => row.kind === 'layer' && row.layer.id === index)).toBe(true);
  });

  it('sorts by params, largest first, ties in topological order', () => {
    const rows = buildRows(graph, BASE_COLUMNS, { sort: { column: 'params', descending: true } });
    const params = rows.map((row) => (row.kind === 'layer' ? row.layer.params : -1));
    expect(params[0]).toBe(2_099_200);
    expect([...params].sort((a, b) => b - a)).toEqual(params);
    const zeros = rows.filter((row) => row.kind === 'layer' && row.layer.params === 0);
    const ids = zeros.map((row) => (row.kind === 'layer' ? row.layer.id : 0));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('sorts names numerically, so conv2d_2 comes before conv2d_10', () => {
    const rows = buildRows(graph, BASE_COLUMNS, {
      type: 'Conv2D',
      sort: { column: 'layer', descending: false },
    });
    const names = rows.map((row) => (row.kind === 'layer' ? row.layer.name : ''));
    expect(names.indexOf('conv2d_2')).toBeLessThan(names.indexOf('conv2d_10'));
  });

  it('filters by type and by regex over name, type and shape', () => {
    expect(buildRows(graph, BASE_COLUMNS, { type: 'Dense' })).toHaveLength(1);
    expect(buildRows(graph, BASE_COLUMNS, { type: 'Conv2D' })).toHaveLength(104);
    const rows = buildRows(graph, BASE_COLUMNS, { query: compileQuery('^add_1\\d$') });
    expect(rows).toHaveLength(10);
  });

  it('groups by stage with a header per section and its sums', () => {
    const rows = buildRows(graph, BASE_COLUMNS, { groupByStage: true });
    const headers = rows.filter((row) => row.kind === 'group');
    expect(headers.map((row) => row.kind === 'group' && row.label)).toEqual([
      'input',
      'stem',
      'stage 1',
      'stage 2',
      'stage 3',
      'stage 4',
      'head',
    ]);
    const stage3 = headers[4];
    expect(stage3.kind === 'group' && stage3.layers).toBe(232);
    expect(rows).toHaveLength(345 + 7);
    expect(rowIndexOf(rows, 0)).toBe(1);
  });

  it('lists the class names for the type filter', () => {
    expect(classNames(graph)).toEqual([
      'Activation',
      'Add',
      'BatchNormalization',
      'Conv2D',
      'Dense',
      'GlobalAveragePooling2D',
      'InputLayer',
      'MaxPooling2D',
    ]);
  });

  it('handles 3,000+ layers', () => {
    const big = syntheticGraph({ blocks: [3, 4, 23, 3, 100, 100, 70] });
    expect(big.layers.length).toBeGreaterThan(3000);
    const rows = buildRows(big, BASE_COLUMNS, {
      sort: { column: 'macs', descending: true },
      groupByStage: true,
    });
    expect(rows.filter((row) => row.kind === 'layer')).toHaveLength(big.layers.length);
  });
});

describe('virtual window', () => {
  it('renders what is in view plus the overscan, never past the ends', () => {
    expect(visibleRange(3045, 26, 0, 260, 8)).toEqual({ start: 0, end: 19 });
    expect(visibleRange(3045, 26, 26 * 1000, 260, 8)).toEqual({ start: 992, end: 1019 });
    expect(visibleRange(3045, 26, 26 * 3045, 260, 8)).toEqual({ start: 3037, end: 3045 });
    expect(visibleRange(0, 26, 0, 260, 8)).toEqual({ start: 0, end: 0 });
  });
});

describe('exports', () => {
  it('uses the shared formatters, byte for byte', () => {
    const exports = summaryExports();
    expect(exports.map((entry) => entry.kind)).toEqual(['txt', 'csv', 'json', 'md']);
    expect(exports[0].format(graph)).toBe(formatSummary(graph, 'text'));
    expect(exports[1].format(graph)).toBe(formatSummary(graph, 'csv'));
    expect(exports[0].format(graph)).toContain('Total params: 44,384,488');
  });
});
