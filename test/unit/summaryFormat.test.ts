import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../engine/node/backends';
import { describeModel } from '../../engine/core/describe';
import { buildResNeXt } from '../../engine/core/resnext';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import type { LayerInfo, ModelGraph } from '../../shared/modelGraph';
import {
  formatSummary,
  groupDigits,
  kerasRow,
  kerasSummaryLines,
  summaryCsv,
  summaryMarkdown,
  summaryObject,
} from '../../shared/summaryFormat';

const RULE = '_'.repeat(98);
const DOUBLE = '='.repeat(98);

/** The seed notebook's lines, verbatim (trailing spaces included). */
const SEED = {
  header:
    'Layer (type)                    Output Shape         Param #     Connected to                     ',
  input:
    'input_6 (InputLayer)            [(None, 224, 224, 3) 0                                            ',
  conv: 'conv2d_414 (Conv2D)             (None, 112, 112, 64) 9472        input_6[0][0]                    ',
  bn: 'batch_normalization_413 (BatchN (None, 112, 112, 64) 256         conv2d_414[0][0]                 ',
  relu: 'activation_397 (Activation)     (None, 112, 112, 64) 0           batch_normalization_413[0][0]    ',
};

function layer(partial: Partial<LayerInfo> & Pick<LayerInfo, 'name' | 'className'>): LayerInfo {
  return {
    id: 0,
    outputShape: [null, 112, 112, 64],
    params: 0,
    trainableParams: 0,
    macs: 0,
    inbound: [],
    path: { section: 'stem' },
    groupPath: [],
    ...partial,
  };
}

/** The seed's first four layers, with the seed's names. */
const SEED_GRAPH: ModelGraph = {
  name: 'tmp',
  config: DEFAULT_CONFIG,
  layers: [
    layer({
      id: 0,
      name: 'input_6',
      className: 'InputLayer',
      outputShape: [null, 224, 224, 3],
      path: { section: 'input' },
    }),
    layer({
      id: 1,
      name: 'conv2d_414',
      className: 'Conv2D',
      params: 9472,
      trainableParams: 9472,
      inbound: ['input_6'],
    }),
    layer({
      id: 2,
      name: 'batch_normalization_413',
      className: 'BatchNormalization',
      params: 256,
      trainableParams: 128,
      inbound: ['conv2d_414'],
    }),
    layer({
      id: 3,
      name: 'activation_397',
      className: 'Activation',
      inbound: ['batch_normalization_413'],
    }),
  ],
  groups: [],
  totals: { layers: 4, params: 9728, trainableParams: 9600, nonTrainableParams: 128, macs: 0 },
};

describe('kerasSummary against the seed', () => {
  it('prints the seed lines exactly, truncation included', () => {
    const lines = kerasSummaryLines(SEED_GRAPH);
    expect(lines.slice(0, 12)).toEqual([
      'Model: "tmp"',
      RULE,
      SEED.header,
      DOUBLE,
      SEED.input,
      RULE,
      SEED.conv,
      RULE,
      SEED.bn,
      RULE,
      SEED.relu,
      DOUBLE,
    ]);
    expect(lines.slice(12)).toEqual([
      'Total params: 9,728',
      'Trainable params: 9,600',
      'Non-trainable params: 128',
      RULE,
    ]);
  });

  it('cuts each cell at its column and blanks the last character, like print_row', () => {
    expect(kerasRow(['a'.repeat(40), 'b'.repeat(30), '1234567890123456', 'c'.repeat(40)])).toBe(
      `${'a'.repeat(31)} ${'b'.repeat(20)} 12345678901 ${'c'.repeat(33)}`,
    );
  });

  it("puts an Add's second input on a row of its own", () => {
    const graph: ModelGraph = {
      ...SEED_GRAPH,
      layers: [
        layer({
          name: 'add',
          className: 'Add',
          inbound: ['batch_normalization_3', 'batch_normalization_4'],
        }),
      ],
    };
    const lines = kerasSummaryLines(graph);
    expect(lines[4]).toBe(
      kerasRow(['add (Add)', '(None, 112, 112, 64)', '0', 'batch_normalization_3[0][0]']),
    );
    expect(lines[5]).toBe(`${' '.repeat(65)}batch_normalization_4[0][0]      `);
    expect(lines[6]).toBe(DOUBLE);
  });

  it('groups digits as Python does', () => {
    expect([0, 999, 1000, 137856, 44384488].map(groupDigits)).toEqual([
      '0',
      '999',
      '1,000',
      '137,856',
      '44,384,488',
    ]);
  });
});

describe('summaries of the built seed model', () => {
  let graph: ModelGraph;
  beforeAll(async () => {
    await useBackend('cpu');
    const model = buildResNeXt(DEFAULT_CONFIG);
    graph = describeModel(model, DEFAULT_CONFIG);
    model.dispose();
  });

  it('text: the seed lines with fresh names, 98 columns, the seed totals', () => {
    const text = formatSummary(graph, 'text');
    const lines = text.split('\n');
    expect(lines.slice(0, 13)).toEqual([
      'Model: "resnext101_32x4d"',
      RULE,
      SEED.header,
      DOUBLE,
      SEED.input.replace('input_6', 'input_1'),
      RULE,
      'conv2d (Conv2D)                 (None, 112, 112, 64) 9472        input_1[0][0]                    ',
      RULE,
      'batch_normalization (BatchNorma (None, 112, 112, 64) 256         conv2d[0][0]                     ',
      RULE,
      'activation (Activation)         (None, 112, 112, 64) 0           batch_normalization[0][0]        ',
      RULE,
      'max_pooling2d (MaxPooling2D)    (None, 56, 56, 64)   0           activation[0][0]                 ',
    ]);
    expect(lines.slice(-6)).toEqual([
      DOUBLE,
      'Total params: 44,384,488',
      'Trainable params: 44,246,632',
      'Non-trainable params: 137,856',
      RULE,
      '',
    ]);
    expect(lines.slice(1, -5).every((line) => line.length === 98)).toBe(true);
    // 345 layers, a rule after each, one extra row per Add (33 of them), header block, totals
    expect(lines).toHaveLength(2 + 2 + 345 * 2 + 33 + 4 + 1);
  });

  it('json: config, totals and the per-layer fields', () => {
    const parsed = JSON.parse(formatSummary(graph, 'json'));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(summaryObject(graph))));
    expect(parsed.config).toEqual(DEFAULT_CONFIG);
    expect(parsed.totals).toEqual(graph.totals);
    expect(parsed.layers).toHaveLength(345);
    expect(parsed.layers[8]).toEqual({
      name: 'conv2d_2',
      className: 'Conv2D',
      outputShape: [null, 56, 56, 128],
      params: 4736,
      trainableParams: 4736,
      macs: 14_450_688,
      groups: 32,
      inbound: ['activation_1'],
      path: { section: 'stage', stage: 1, block: 1, branch: 'main' },
    });
  });

  it('csv: a header and one quoted row per layer', () => {
    const rows = summaryCsv(graph).split('\r\n');
    expect(rows[0]).toBe(
      'id,name,class,output_shape,params,trainable_params,params_percent,macs,kernel,strides,groups,inbound,path',
    );
    expect(rows[9]).toBe(
      '8,conv2d_2,Conv2D,"(None, 56, 56, 128)",4736,4736,0.01,14450688,3x3,1x1,32,activation_1,stage 1 › block 1 › main',
    );
    expect(rows).toHaveLength(347);
  });

  it('markdown: totals, the MACs note and a table row per layer', () => {
    const lines = summaryMarkdown(graph).split('\n');
    expect(lines[0]).toBe('# resnext101\\_32x4d');
    expect(lines).toContain('- MACs: 7,507,574,784');
    expect(lines.filter((line) => line.startsWith('| '))).toHaveLength(347);
  });
});

describe('untrusted names in exports', () => {
  const hostile: ModelGraph = {
    ...SEED_GRAPH,
    layers: [layer({ name: '=HYPERLINK("x")|a', className: 'Conv2D', inbound: [] })],
  };

  it('csv neutralises formulas and quotes quotes', () => {
    expect(summaryCsv(hostile).split('\r\n')[1]).toMatch(/^0,"'=HYPERLINK\(""x""\)\|a",Conv2D,/);
  });

  it('markdown escapes the table pipe', () => {
    const row = summaryMarkdown(hostile).split('\n').at(-2);
    expect(row).toContain('=HYPERLINK("x")\\|a');
    expect(row?.split(/(?<!\\)\|/)).toHaveLength(15);
  });
});
