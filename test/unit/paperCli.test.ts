// `npm run -s cli -- paper`: the template table, the references and the deviations for the seed in
// the JSON shape, with the first block of stage 1 run in forms (a) and (c); depth 50 and
// C = 1 as text and Markdown; a bad format is one line on stderr and exit code 2.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PaperJson } from '../../shared/paperFormat';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function cli(...args: string[]) {
  const result = spawnSync(TSX, ['electron/cli/main.ts', 'paper', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cli paper', () => {
  it('json for the seed: stages, totals, reference, deviations and the equivalence', () => {
    const { code, stdout } = cli('--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as PaperJson;
    expect(json.stages.map((stage) => [stage.name, stage.output, stage.blocks])).toEqual([
      ['conv1', [112, 112, 64], 1],
      ['conv2', [56, 56, 256], 3],
      ['conv3', [28, 28, 512], 4],
      ['conv4', [14, 14, 1024], 23],
      ['conv5', [7, 7, 2048], 3],
      ['head', [1, 1, 1000], 1],
    ]);
    expect(
      json.stages[1].template.map(({ kernel, width, groups }) => [kernel, width, groups]),
    ).toEqual([
      [3, 64, 1],
      [1, 128, 1],
      [3, 128, 32],
      [1, 256, 1],
    ]);
    expect(json.totals).toEqual({ params: 44_384_488, macs: 7_507_574_784 });
    expect(json.reference).toMatchObject({
      name: 'ResNeXt-101 (32×4d)',
      params: 44_177_704,
      gflops: 7.8,
      top1Error: 21.2,
    });
    expect(json.deviations.map(({ id, params, macs }) => ({ id, params, macs }))).toEqual([
      { id: 'conv-bias', params: 68_928, macs: 0 },
      { id: 'bn-moving-statistics', params: 137_856, macs: 0 },
      { id: 'stride-placement', params: 0, macs: -462_422_016 },
      { id: 'flops-vs-macs', params: 0, macs: 0 },
    ]);
    expect(json.reconciled).toMatchObject({
      params: 44_177_704,
      macs: 7_969_996_800,
      paramsGap: 0,
    });
    expect(json.equivalence).toMatchObject({ block: { stage: 1, block: 1 }, paths: 32 });
    expect(json.equivalence!.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(json.equivalence!.groupedMs).toBeGreaterThan(0);
    expect(json.equivalence!.pathsMs).toBeGreaterThan(0);
  });

  it('text for depth 50: its blocks and torchvision’s count after the terms', () => {
    const { code, stdout, stderr } = cli('--depth', '50');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^conv4 +14×14×1024 +\[1×1, 512; 3×3, 512, C=32; 1×1, 1024\] × 6 /m);
    expect(stdout).toMatch(/^ {2}= in the reference’s convention +25,028,904 /m);
    expect(stdout).toContain('32 separate paths');
  });

  it('markdown for C = 1: a plain bottleneck, one path', () => {
    const { code, stdout } = cli(
      '--depth',
      '50',
      '--cardinality',
      '1',
      '--width',
      '64',
      '--format',
      'markdown',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('| conv3 | 28×28×512 | [1×1, 128; 3×3, 128; 1×1, 512] × 4 |');
    expect(stdout).toContain('| = in the reference’s convention | 25,557,032 |');
    expect(stdout).toContain('form (a), one path, and form (c)');
  });

  it('a bad format is one line on stderr and exit code 2', () => {
    const { code, stdout, stderr } = cli('--format', 'csv');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: --format must be one of text, json, markdown, but got "csv".\n');
  });
});
