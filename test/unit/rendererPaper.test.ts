// The paper view's pure parts without a browser: the fold of C paths, the shapes of the three
// forms, the cardinality column and the grouped-only filter, and the state that runs a block in
// the engine once per config and block and drops stale answers.
import { describe, expect, it } from 'vitest';
import type { InspectorApi } from '../../shared/api';
import { blockStructure, type BlockForms } from '../../shared/blockForms';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import { BASE_COLUMNS } from '../../renderer/src/components/SummaryTable/columns';
import { buildRows } from '../../renderer/src/components/SummaryTable/rows';
import {
  foldPaths,
  formA,
  formB,
  formC,
} from '../../renderer/src/components/PaperView/formsLayout';
import { cardinalityText, isGroupedConv } from '../../renderer/src/lib/cardinality';
import { InspectorState } from '../../renderer/src/state/inspector.svelte';
import { PaperState } from '../../renderer/src/state/paper.svelte';
import { syntheticGraph } from './rendererFixtures';

const graph = syntheticGraph();
const seedBlock = blockStructure(graph, 1, 1);
const pathBoxes = (lines: string[][]) => lines.filter((text) => /^path \d+/.test(text[1] ?? ''));

describe('foldPaths', () => {
  it('shows the first three and the last of 32, and says how many are left out', () => {
    expect(foldPaths(32, false)).toEqual({
      shown: [0, 1, 2, 31],
      hidden: 28,
      total: 32,
      label: '4 of 32 paths shown … 28 more',
    });
  });

  it('shows every path when unfolded or when there are few', () => {
    expect(foldPaths(32, true).shown).toHaveLength(32);
    expect(foldPaths(32, true).label).toBeNull();
    expect(foldPaths(5, false).shown).toEqual([0, 1, 2, 3, 4]);
    expect(foldPaths(1, false)).toMatchObject({ shown: [0], hidden: 0, label: null });
  });
});

describe('the forms of a block', () => {
  it('(a) folded: four path columns of three convolutions, a fold, one sum', () => {
    const shape = formA(seedBlock, foldPaths(32, false));
    const lines = shape.boxes.map((box) => box.lines);
    expect(pathBoxes(lines).map((text) => text[1])).toEqual([
      'path 1',
      'path 2',
      'path 3',
      'path 32',
    ]);
    expect(shape.boxes.filter((box) => box.kind === 'conv')).toHaveLength(12);
    expect(shape.boxes.find((box) => box.kind === 'fold')?.lines).toEqual([
      '…',
      '28 more',
      'paths',
    ]);
    expect(lines[1]).toEqual(['64, 1×1, 4', 'path 1']);
    expect(shape.sums).toHaveLength(1);
    // From the input to each path, two inside each path, each path to the sum, the sum onward.
    expect(shape.edges).toHaveLength(4 + 4 * 2 + 4 + 1);
    for (const box of shape.boxes) {
      expect(box.x + box.w).toBeLessThanOrEqual(shape.width);
      expect(box.y + box.h).toBeLessThanOrEqual(shape.height);
    }
  });

  it('(a) unfolded: every path hangs from a bar, and a strided block says where it strides', () => {
    const block = blockStructure(graph, 2, 1);
    const shape = formA(block, foldPaths(32, true));
    const lines = shape.boxes.map((box) => box.lines);
    expect(pathBoxes(lines)).toHaveLength(32);
    expect(pathBoxes(lines)[0]).toEqual(['256, 1×1, 8', 'path 1 · stride 2']);
    expect(shape.boxes[0]).toMatchObject({ align: 'start', lines: ['input 56×56×256'] });
    expect(shape.boxes.some((box) => box.lines[0] === '+ sum of the 32 paths')).toBe(true);
    // Edges to and from the bars are vertical.
    for (const [x1, , x2] of shape.edges) {
      expect(x1).toBe(x2);
    }
  });

  it('(b) concatenates the paths before one 1×1; (c) is one grouped 3×3', () => {
    const b = formB(seedBlock, foldPaths(32, false));
    expect(b.boxes.map((box) => box.lines[0])).toContain('concatenate, 128');
    expect(b.boxes.at(-1)?.lines).toEqual(['128, 1×1, 256']);
    const c = formC(seedBlock);
    expect(c.boxes.map((box) => box.lines)).toEqual([
      ['input 56×56×64'],
      ['64, 1×1, 128'],
      ['128, 3×3, 128, C=32', 'grouped convolution'],
      ['128, 1×1, 256'],
    ]);
  });

  it('C = 1 draws one path and a plain convolution', () => {
    const resnet = syntheticGraph({
      blocks: [3, 4, 6, 3],
      config: { cardinality: 1, width: 64, depth: 50 },
    });
    const block = blockStructure(resnet, 1, 1);
    expect(pathBoxes(formA(block, foldPaths(1, false)).boxes.map((box) => box.lines))).toHaveLength(
      1,
    );
    expect(formC(block).boxes[2].lines).toEqual(['64, 3×3, 64', 'plain convolution']);
  });
});

describe('cardinality', () => {
  it('writes C × d for a grouped convolution, 1 for a plain one, nothing for other layers', () => {
    const byName = (name: string) => graph.layers.find((layer) => layer.name === name)!;
    expect(cardinalityText(byName('conv2d_2'))).toBe('32 × 4d');
    expect(cardinalityText(byName('conv2d_102'))).toBe('32 × 32d');
    expect(cardinalityText(byName('conv2d_1'))).toBe('1');
    expect(cardinalityText(byName('batch_normalization'))).toBe('');
    const column = BASE_COLUMNS.find((entry) => entry.id === 'groups')!;
    expect(column.label).toBe('Cardinality');
    expect(column.text(byName('conv2d_2'), { graph })).toBe('32 × 4d');
  });

  it('the grouped-only filter keeps the 33 grouped 3×3 convolutions', () => {
    const rows = buildRows(graph, BASE_COLUMNS, { groupedOnly: true });
    expect(rows).toHaveLength(33);
    expect(rows.every((row) => row.kind === 'layer' && isGroupedConv(row.layer))).toBe(true);
  });
});

describe('PaperState', () => {
  function scripted() {
    const calls: [number, number][] = [];
    const answers: ((forms: BlockForms) => void)[] = [];
    const api = {
      blockForms: (_config: unknown, stage: number, block: number) => {
        calls.push([stage, block]);
        return new Promise<BlockForms>((resolve) => answers.push(resolve));
      },
    } as unknown as InspectorApi;
    const paper = new PaperState(new InspectorState(api));
    const forms = (stage: number, block: number) =>
      ({ ...blockStructure(graph, stage, block), maxAbsDiff: 1e-7 }) as BlockForms;
    return { paper, calls, answers, forms };
  }

  it('runs a block once per config and block, and drops an answer for a block no longer shown', async () => {
    const { paper, calls, answers, forms } = scripted();
    const first = paper.ensureRun(graph, { stage: 1, block: 1 });
    void paper.ensureRun(graph, { stage: 1, block: 1 });
    expect(calls).toEqual([[1, 1]]);
    const second = paper.ensureRun(graph, { stage: 2, block: 1 });
    answers[0](forms(1, 1));
    await first;
    expect(paper.run.state).toBe('running');
    answers[1](forms(2, 1));
    await second;
    expect(paper.run).toMatchObject({ state: 'done', forms: { stage: 2, block: 1 } });
    expect(graph.config).toEqual(DEFAULT_CONFIG);
  });

  it('shows a block as paths: opens the view on it, folded; a missing block falls back to 1, 1', () => {
    const { paper } = scripted();
    paper.unfolded = true;
    paper.showPaths({ stage: 3, block: 7 });
    expect(paper).toMatchObject({ open: true, unfolded: false, block: { stage: 3, block: 7 } });
    const small = syntheticGraph({ blocks: [3, 4, 6, 3], config: { depth: 50 } });
    expect(paper.blockIn(small)).toEqual({ stage: 1, block: 1 });
    expect(paper.blockIn(graph)).toEqual({ stage: 3, block: 7 });
  });
});
