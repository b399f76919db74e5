// A model read from a file in the views: grouping and timing by its outermost groups (nested
// models) rather than ResNeXt's stages, its groups as the export's path column, and a layer of
// unknown class marked in words, in its colour and in the legend.
import { describe, expect, it } from 'vitest';
import type { LayerGroup, LayerInfo, ModelGraph } from '../../shared/modelGraph';
import { graphTotals, placeLabel, TOP_LEVEL, topSection } from '../../shared/modelGraph';
import { stageOf, timeBy } from '../../shared/profileReport';
import { summaryCsv, summaryObject } from '../../shared/summaryFormat';
import { BASE_COLUMNS } from '../../renderer/src/components/SummaryTable/columns';
import { buildRows } from '../../renderer/src/components/SummaryTable/rows';
import { legendFor, nodePaint, typePaint } from '../../renderer/src/graph/colors';
import { layerLabelLines, UNKNOWN_CLASS } from '../../renderer/src/graph/labels';

/** A Teachable-Machine-like model: a nested Sequential holding a Functional, then a head. */
const GROUPS: LayerGroup[] = [
  { id: 'g:m:sequential_1', kind: 'model', label: 'sequential_1' },
  { id: 'g:m:model1', kind: 'model', label: 'model1', parent: 'g:m:sequential_1' },
  { id: 'g:m:sequential_3', kind: 'model', label: 'sequential_3' },
];

function layer(
  id: number,
  name: string,
  className: string,
  groupPath: string[],
  params = 0,
  extra: Partial<LayerInfo> = {},
): LayerInfo {
  return {
    id,
    name,
    className,
    outputShape: [null, 8],
    params,
    trainableParams: params,
    macs: params,
    inbound: id === 0 ? [] : [`l${id - 1}`],
    path: { section: 'layer' },
    groupPath,
    ...extra,
  };
}

const layers: LayerInfo[] = [
  layer(0, 'l0', 'InputLayer', []),
  layer(1, 'l1', 'Conv2D', ['g:m:sequential_1', 'g:m:model1'], 10),
  layer(2, 'l2', 'InterleaveChannels', ['g:m:sequential_1', 'g:m:model1'], 0, {
    unknownClass: true,
    outputShape: null,
  }),
  layer(3, 'l3', 'GlobalAveragePooling2D', ['g:m:sequential_1']),
  layer(4, 'l4', 'Dense', ['g:m:sequential_3'], 20),
];

const graph: ModelGraph = {
  name: 'sequential_4',
  file: { id: 'file-1', fileName: 'keras_model.h5', format: 'keras-h5', bytes: 1000 },
  layers,
  groups: GROUPS,
  totals: graphTotals(layers),
};

describe('a file model by its groups', () => {
  it('names each layer by its outermost group, or the top level', () => {
    expect(layers.map((entry) => topSection(entry, graph))).toEqual([
      TOP_LEVEL,
      'sequential_1',
      'sequential_1',
      'sequential_1',
      'sequential_3',
    ]);
    expect(placeLabel(layers[2], graph)).toBe('sequential_1 › model1');
    expect(placeLabel(layers[0], graph)).toBe('');
  });

  it('groups the table by those groups, with their sums', () => {
    const rows = buildRows(graph, BASE_COLUMNS, { groupByStage: true });
    const headers = rows.flatMap((row) =>
      row.kind === 'group' ? [`${row.label}: ${row.layers} layers, ${row.params} params`] : [],
    );
    expect(headers).toEqual([
      'top level: 1 layers, 0 params',
      'sequential_1: 3 layers, 10 params',
      'sequential_3: 1 layers, 20 params',
    ]);
  });

  it('times a profile per group, as the CLI report and the results view do', () => {
    const timings = layers.map((entry) => ({
      layerId: entry.id,
      medianMs: entry.id,
      p95Ms: entry.id,
      minMs: entry.id,
    }));
    expect(timeBy(timings, graph, stageOf).map((group) => [group.group, group.ms])).toEqual([
      ['sequential_1', 6],
      ['sequential_3', 4],
      [TOP_LEVEL, 0],
    ]);
  });

  it('exports its groups: the CSV path column and the JSON groups', () => {
    const csv = summaryCsv(graph).split('\r\n');
    expect(csv[3].split(',').at(-1)).toBe('sequential_1 › model1');
    const json = summaryObject(graph);
    expect(json.file?.fileName).toBe('keras_model.h5');
    expect(json.groups).toEqual(GROUPS);
    expect(json.layers[2]).toMatchObject({
      groups: ['g:m:sequential_1', 'g:m:model1'],
      unknownClass: true,
      outputShape: null,
    });
  });
});

describe('a layer of unknown class', () => {
  it('says so on its node, takes its own colour and has its legend entry', () => {
    expect(layerLabelLines(layers[2])).toEqual([
      'l2 · InterleaveChannels · ?',
      '0 params',
      UNKNOWN_CLASS,
    ]);
    expect(UNKNOWN_CLASS).toBe('unknown class: not runnable');
    expect(nodePaint(layers[2])).toEqual(typePaint('Unknown'));
    expect(nodePaint(layers[2])).not.toEqual(typePaint('Other'));
    expect(legendFor(layers).map((entry) => entry.label)).toContain('Unknown class: not runnable');
  });
});
