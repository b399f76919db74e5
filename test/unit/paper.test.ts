// Table 1 and the reconciliation, generated from graphs: for every preset the rows follow from the
// config by the paper's arithmetic, the terms are computed from the graph, and the model's count
// minus the terms lands exactly on every published count. The seed's figures are facts.
import { describe, expect, it } from 'vitest';
import { blockStructure } from '../../shared/blockForms';
import {
  BLOCKS_BY_DEPTH,
  DEFAULT_CONFIG,
  PRESETS,
  type ModelConfig,
} from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import { paperReport, paperTable, reconcile, stageTemplateText } from '../../shared/paper';
import { formatPaper, paperJson } from '../../shared/paperFormat';
import { PAPER_REFERENCES, referenceFor } from '../../shared/paperReferences';
import { predictGraph } from '../../shared/predictGraph';

const graphOf = (config: ModelConfig): ModelGraph => predictGraph(config);

describe.each(PRESETS.map((preset) => [preset.id, preset.config] as const))(
  'Table 1 of %s',
  (_id, config) => {
    const graph = graphOf(config);
    const table = paperTable(graph)!;

    it('has conv1, conv2–conv5 and the head, with the paper’s output sizes', () => {
      expect(table.stages.map((stage) => stage.name)).toEqual([
        'conv1',
        'conv2',
        'conv3',
        'conv4',
        'conv5',
        'head',
      ]);
      expect(table.stages.map((stage) => stage.output)).toEqual([
        [112, 112, 64],
        [56, 56, 256],
        [28, 28, 512],
        [14, 14, 1024],
        [7, 7, 2048],
        [1, 1, 1000],
      ]);
    });

    it('gives each stage the bottleneck template C·d·2^(s−1) and its block count', () => {
      const stages = table.stages.slice(1, 5);
      expect(stages.map((stage) => stage.blocks)).toEqual([...BLOCKS_BY_DEPTH[config.depth]]);
      stages.forEach((stage, index) => {
        const inner = config.cardinality * config.width * 2 ** index;
        expect(stage.uniform).toBe(true);
        expect(
          stage.template.map(({ kernel, width, groups }) => ({ kernel, width, groups })),
        ).toEqual([
          { kernel: 1, width: inner, groups: 1 },
          { kernel: 3, width: inner, groups: config.cardinality },
          { kernel: 1, width: 256 * 2 ** index, groups: 1 },
        ]);
        expect(stage.downsampling).toBe(
          index === 0 ? null : config.strideOn === '1x1' ? 'first 1×1' : '3×3',
        );
      });
      expect(table.stages[1].lead).toEqual([
        { op: 'max-pool', kernel: 3, width: 64, groups: 1, stride: 2 },
      ]);
    });

    it('splits the totals over its rows', () => {
      const sum = (pick: (stage: (typeof table.stages)[number]) => number) =>
        table.stages.reduce((total, stage) => total + pick(stage), 0);
      expect(sum((stage) => stage.params)).toBe(graph.totals.params);
      expect(sum((stage) => stage.macs)).toBe(graph.totals.macs);
      expect(table.totals).toEqual({ params: graph.totals.params, macs: graph.totals.macs });
    });

    it('reconciles: minus the terms it lands on the published count, and on stride-on-3×3 MACs', () => {
      const reference = referenceFor(config);
      const { deviations, params, macs, paramsGap } = reconcile(graph, reference);
      expect(deviations.map((term) => term.id)).toEqual([
        'conv-bias',
        'bn-moving-statistics',
        'stride-placement',
        'flops-vs-macs',
      ]);
      if (reference?.params) {
        expect(params).toBe(reference.params.value);
        expect(paramsGap).toBe(0);
      }
      // The stride term is computed from this graph; the other graph is predicted independently.
      expect(macs).toBe(graphOf({ ...config, strideOn: '3x3' }).totals.macs);
      expect(deviations[1].params).toBe(graph.totals.nonTrainableParams);
    });

    it('counts the forms of a block: the same weights, biases placed per path in form (a)', () => {
      for (const stage of [1, 4]) {
        const { params, paths, output } = blockStructure(graph, stage, 1);
        expect(paths).toBe(config.cardinality);
        expect(params.a.weights).toBe(params.c.weights);
        expect(params.a.batchNorm).toBe(params.c.batchNorm);
        expect(params.b).toEqual(params.c);
        expect(params.a.total - params.c.total).toBe((paths - 1) * output[2]);
      }
    });
  },
);

describe('the seed model', () => {
  const graph = graphOf(DEFAULT_CONFIG);
  const report = paperReport(graph)!;

  it('writes the rows as the paper does', () => {
    expect(report.table.stages.map((stage) => stageTemplateText(stage, graph))).toEqual([
      '7×7, 64, stride 2',
      '3×3 max pool, stride 2; [1×1, 128; 3×3, 128, C=32; 1×1, 256] × 3',
      '[1×1, 256; 3×3, 256, C=32; 1×1, 512] × 4',
      '[1×1, 512; 3×3, 512, C=32; 1×1, 1024] × 23',
      '[1×1, 1024; 3×3, 1024, C=32; 1×1, 2048] × 3',
      'global average pool, 1000-d fc, softmax',
    ]);
  });

  it('names each term with its size: 44,384,488 − 68,928 − 137,856 = 44,177,704', () => {
    const { deviations, params, macs } = report.reconciliation;
    expect(deviations.map(({ id, params: p, macs: m }) => [id, p, m])).toEqual([
      ['conv-bias', 68_928, 0],
      ['bn-moving-statistics', 137_856, 0],
      ['stride-placement', 0, 7_507_574_784 - 7_969_996_800],
      ['flops-vs-macs', 0, 0],
    ]);
    expect(params).toBe(44_177_704);
    expect(macs).toBe(7_969_996_800);
    expect(report.reference?.name).toBe('ResNeXt-101 (32×4d)');
    expect(report.reconciliation.macsGap).toBeCloseTo(7.9699968 / 7.8 - 1, 10);
  });

  it('prints JSON in the issue’s shape', () => {
    const json = paperJson(graph, report, null);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(['stages', 'totals', 'reference', 'deviations', 'equivalence']),
    );
    expect(json.stages[2]).toMatchObject({
      name: 'conv3',
      output: [28, 28, 512],
      blocks: 4,
      template: [
        { kernel: 1, width: 256, groups: 1 },
        { kernel: 3, width: 256, groups: 32 },
        { kernel: 1, width: 512, groups: 1 },
      ],
    });
    expect(json.reference).toEqual({
      name: 'ResNeXt-101 (32×4d)',
      params: 44_177_704,
      gflops: 7.8,
      top1Error: 21.2,
      source:
        'timm resnext101_32x4d; Xie et al., CVPR 2017; facebookresearch/ResNeXt on GitHub, single crop 224×224',
    });
    expect(JSON.parse(formatPaper(graph, report, null, 'json'))).toEqual(json);
  });

  it('prints Markdown with Table 1 and the reconciliation rows', () => {
    const markdown = formatPaper(graph, report, null, 'markdown');
    expect(markdown).toContain(
      '| conv2 | 56×56×256 | 3×3 max pool, stride 2; [1×1, 128; 3×3, 128, C=32; 1×1, 256] × 3 |  | 211,200 | 634,224,640 |',
    );
    expect(markdown).toContain('| = in the reference’s convention | 44,177,704 | 7,969,996,800 |');
    expect(markdown).toContain('| − stride-placement | 0 | −462,422,016 |');
  });
});

describe('depth 50 and C = 1', () => {
  it('ResNeXt-50 (32×4d) has 3, 4, 6, 3 blocks and lands on torchvision’s 25,028,904', () => {
    const graph = graphOf({ ...DEFAULT_CONFIG, depth: 50 });
    const report = paperReport(graph)!;
    expect(report.table.stages[3].blocks).toBe(6);
    expect(stageTemplateText(report.table.stages[3], graph)).toBe(
      '[1×1, 512; 3×3, 512, C=32; 1×1, 1024] × 6',
    );
    expect(report.reconciliation.params).toBe(25_028_904);
    expect(report.reference?.gflops?.value).toBe(4.2);
  });

  it('ResNet-50 (C=1, d=64) writes no cardinality and lands on 25,557,032', () => {
    const graph = graphOf({ ...DEFAULT_CONFIG, depth: 50, cardinality: 1, width: 64 });
    const report = paperReport(graph)!;
    expect(stageTemplateText(report.table.stages[1], graph)).toBe(
      '3×3 max pool, stride 2; [1×1, 64; 3×3, 64; 1×1, 256] × 3',
    );
    expect(report.reference?.name).toBe('ResNet-50 (1×64d)');
    expect(report.reconciliation.params).toBe(25_557_032);
  });
});

describe('references', () => {
  it('are found by depth, C and d, and only at 3 channels and 1000 classes', () => {
    expect(referenceFor({ ...DEFAULT_CONFIG, width: 8 })?.params?.value).toBe(88_791_336);
    expect(referenceFor({ ...DEFAULT_CONFIG, cardinality: 64 })?.params?.value).toBe(83_455_272);
    expect(referenceFor({ ...DEFAULT_CONFIG, depth: 152 })).toBeNull();
    expect(referenceFor({ ...DEFAULT_CONFIG, classes: 10 })).toBeNull();
    expect(referenceFor({ ...DEFAULT_CONFIG, channels: 1 })).toBeNull();
    // The stride does not change what the reference counts.
    expect(referenceFor({ ...DEFAULT_CONFIG, strideOn: '3x3' })?.id).toBe('resnext101_32x4d');
  });

  it('every figure names its source', () => {
    for (const reference of PAPER_REFERENCES) {
      for (const figure of [reference.params, reference.gflops, reference.top1Error]) {
        if (figure) {
          expect(figure.source).toMatch(/\w+ \w+/);
        }
      }
    }
  });

  it('flags MACs at another input size instead of comparing them', () => {
    const graph = graphOf({ ...DEFAULT_CONFIG, inputSize: 128 });
    const { reconciliation } = paperReport(graph)!;
    expect(reconciliation.paramsGap).toBe(0);
    expect(reconciliation.macsCaveat).toBe(
      "The reference is at 224×224; this model's input is 128×128, so its MACs do not compare.",
    );
  });
});

describe('a graph without ResNeXt stages', () => {
  it('has no Table 1', () => {
    const graph = graphOf(DEFAULT_CONFIG);
    const flat: ModelGraph = {
      ...graph,
      layers: graph.layers.map((layer) => ({ ...layer, path: { section: 'layer' } })),
      groups: [],
    };
    expect(paperTable(flat)).toBeNull();
    expect(() => blockStructure(flat, 1, 1)).toThrow(
      'This model has no ResNeXt blocks to show as paths.',
    );
  });
});
