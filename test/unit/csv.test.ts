// One formula guard for every CSV the app writes (issue 13): the summary's guard let
// `-2+3+cmd|' /C calc'!A0` through (a leading minus and digit looked like a number to it).
import { describe, expect, it } from 'vitest';
import { csvField } from '../../shared/csv';
import type { ModelGraph } from '../../shared/modelGraph';
import { summaryCsv } from '../../shared/summaryFormat';
import { syntheticGraph } from './rendererFixtures';

const DDE = "-2+3+cmd|' /C calc'!A0";

describe('csvField', () => {
  it.each([
    [DDE, `'${DDE}`],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', `"'\rcmd"`],
    ['conv2d_1', 'conv2d_1'],
    ['a,b', '"a,b"'],
    [-1.5, '-1.5'],
    [0, '0'],
  ])('%j → %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });
});

describe('the summary CSV', () => {
  it('neutralises a layer name that is a formula behind a minus and a digit', () => {
    const graph = syntheticGraph({ blocks: [1, 1, 1, 1] });
    const hostile: ModelGraph = {
      ...graph,
      layers: [{ ...graph.layers[1], name: DDE, inbound: [] }],
    };
    const row = summaryCsv(hostile).split('\r\n')[1];
    expect(row.split(',')[1]).toBe(`'${DDE}`);
  });
});
