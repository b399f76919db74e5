/**
 * Mapping ORT's optimised nodes back to Keras layers, on graphs shaped like the ones ORT 1.30
 * saves at each level (names copied from real runs), and reading its profile files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  mapNodesToLayers,
  stripGenerated,
  type OriginalGraph,
} from '../../engine/core/onnx/nodeMapping';
import type { OnnxNode } from '../../engine/core/onnx/onnxProto';
import { parseProfile } from '../../engine/core/onnx/profileEvents';
import {
  removeTempFoldersOf,
  sweepTempFolders,
  takeProfile,
} from '../../engine/node/onnx/ortProfile';

/**
 * input → conv(+bn+relu) → conv(+bn) ┐
 *                └──── conv(+bn) ────┴ add → relu → gap → dense
 */
const layers: [string, string, string[]][] = [
  ['input_1', 'InputLayer', []],
  ['conv2d', 'Conv2D', ['input_1']],
  ['batch_normalization', 'BatchNormalization', ['conv2d']],
  ['activation', 'Activation', ['batch_normalization']],
  ['conv2d_1', 'Conv2D', ['activation']],
  ['batch_normalization_1', 'BatchNormalization', ['conv2d_1']],
  ['conv2d_2', 'Conv2D', ['activation']],
  ['batch_normalization_2', 'BatchNormalization', ['conv2d_2']],
  ['add', 'Add', ['batch_normalization_1', 'batch_normalization_2']],
  ['activation_1', 'Activation', ['add']],
  ['global_average_pooling2d', 'GlobalAveragePooling2D', ['activation_1']],
  ['dense', 'Dense', ['global_average_pooling2d']],
];

const original: OriginalGraph = {
  layers: layers.map(([name]) => name),
  inbound: Object.fromEntries(layers.map(([name, , inbound]) => [name, inbound])),
  classes: Object.fromEntries(layers.map(([name, className]) => [name, className])),
  nodeLayers: {
    'input_1/to_nchw': 'input_1',
    ...Object.fromEntries(layers.slice(1).map(([name]) => [name, name])),
    'global_average_pooling2d/flatten': 'global_average_pooling2d',
    'dense/softmax': 'dense',
  },
  tensorLayers: {
    input_1: 'input_1',
    'input_1/nchw': 'input_1',
    ...Object.fromEntries(layers.slice(1).map(([name]) => [name, name])),
    'global_average_pooling2d/nc11': 'global_average_pooling2d',
    'dense/preact': 'dense',
  },
};

const node = (name: string, opType: string, input: string[], output: string[]): OnnxNode => ({
  name,
  opType,
  input,
  output,
});

const head = [
  node(
    'global_average_pooling2d/flatten',
    'Flatten',
    ['global_average_pooling2d/nc11'],
    ['global_average_pooling2d'],
  ),
  node(
    'dense',
    'Gemm',
    ['global_average_pooling2d', 'dense/kernel', 'dense/bias'],
    ['dense/preact'],
  ),
  node('dense/softmax', 'Softmax', ['dense/preact'], ['dense']),
];

/** ORT_ENABLE_ALL: NCHWc convs named after their (pre-NCHWc) output, Add+ReLU fused as a Sum input. */
const allLevel: OnnxNode[] = [
  node('input_1/to_nchw', 'Transpose', ['input_1'], ['input_1/nchw']),
  node(
    'activation_nchwc',
    'Conv',
    ['input_1/nchw', 'reorder', 'ConvBnFusion_BN_B_batch_normalization/beta'],
    ['reorder_token_0'],
  ),
  node(
    'batch_normalization_2_nchwc',
    'Conv',
    ['reorder_token_0', 'reorder_token_3', 'b2'],
    ['reorder_token_4'],
  ),
  node(
    'batch_normalization_1_nchwc',
    'Conv',
    ['reorder_token_0', 'reorder_token_1', 'b1', 'reorder_token_4'],
    ['reorder_token_5'],
  ),
  node(
    'global_average_pooling2d/nc11_nchwc',
    'GlobalAveragePool',
    ['reorder_token_5'],
    ['reorder_token_6'],
  ),
  node(
    'ReorderOutput_token_9',
    'ReorderOutput',
    ['reorder_token_6'],
    ['global_average_pooling2d/nc11'],
  ),
  ...head,
];

/** ORT_ENABLE_EXTENDED: a FusedConv keeps the conv's name and outputs the ReLU's tensor. */
const extendedLevel: OnnxNode[] = [
  node('input_1/to_nchw', 'Transpose', ['input_1'], ['input_1/nchw']),
  node('conv2d', 'FusedConv', ['input_1/nchw', 'w', 'b'], ['activation']),
  node('conv2d_2', 'Conv', ['activation', 'w2', 'b2'], ['batch_normalization_2']),
  node('conv2d_1', 'Conv', ['activation', 'w1', 'b1'], ['batch_normalization_1']),
  node('add', 'Add', ['batch_normalization_1', 'batch_normalization_2'], ['add']),
  node('activation_1', 'Relu', ['add'], ['activation_1']),
  node(
    'global_average_pooling2d',
    'GlobalAveragePool',
    ['activation_1'],
    ['global_average_pooling2d/nc11'],
  ),
  ...head,
];

describe('mapping optimised nodes to layers', () => {
  it('charges a fused Conv+BN+ReLU and a Conv+BN+Add+ReLU to their convs (ORT_ENABLE_ALL)', () => {
    const mapping = mapNodesToLayers(original, allLevel);
    expect(mapping.chargedTo).toEqual({
      'input_1/to_nchw': 'input_1',
      activation_nchwc: 'conv2d',
      batch_normalization_2_nchwc: 'conv2d_2',
      batch_normalization_1_nchwc: 'conv2d_1',
      'global_average_pooling2d/nc11_nchwc': 'global_average_pooling2d',
      ReorderOutput_token_9: 'global_average_pooling2d',
      'global_average_pooling2d/flatten': 'global_average_pooling2d',
      dense: 'dense',
      'dense/softmax': 'dense',
    });
    expect(mapping.fusedInto).toEqual({
      batch_normalization: 'conv2d',
      activation: 'conv2d',
      batch_normalization_1: 'conv2d_1',
      batch_normalization_2: 'conv2d_2',
      add: 'conv2d_1',
      activation_1: 'conv2d_1',
    });
    expect(mapping.timed).toEqual([
      'input_1',
      'conv2d',
      'conv2d_1',
      'conv2d_2',
      'global_average_pooling2d',
      'dense',
    ]);
  });

  it('keeps an unfused Add and ReLU timed (ORT_ENABLE_EXTENDED)', () => {
    const mapping = mapNodesToLayers(original, extendedLevel);
    expect(mapping.fusedInto).toEqual({
      batch_normalization: 'conv2d',
      activation: 'conv2d',
      batch_normalization_1: 'conv2d_1',
      batch_normalization_2: 'conv2d_2',
    });
    expect(mapping.chargedTo.add).toBe('add');
    expect(mapping.chargedTo.activation_1).toBe('activation_1');
  });

  it('times every layer when nothing is fused', () => {
    const plain = Object.entries(original.nodeLayers).map(([name]) => node(name, 'X', [], []));
    const mapping = mapNodesToLayers(original, plain);
    expect(mapping.fusedInto).toEqual({});
    expect(mapping.timed).toEqual(original.layers);
  });

  it('strips the suffixes ORT appends', () => {
    expect(stripGenerated('batch_normalization_2_nchwc')).toBe('batch_normalization_2');
    expect(stripGenerated('activation_3_nchwc_token_12')).toBe('activation_3');
    expect(stripGenerated('conv2d_7')).toBe('conv2d_7');
  });
});

describe('ORT profiles', () => {
  const event = (cat: string, name: string, ts: number, dur: number) => ({
    cat,
    name,
    ts,
    dur,
    ph: 'X',
  });
  const trace = [
    event('Session', 'model_loading_array', 0, 50),
    event('Session', 'model_run', 100, 300),
    event('Node', 'conv2d_kernel_time', 110, 120),
    event('Node', 'conv2d_fence_before', 105, 0),
    event('Session', 'model_run', 500, 200),
    { ...event('Node', 'conv2d_kernel_time', 510, 90), args: { mem_arena_held: '4194304' } },
    event('Node', 'dense/softmax_kernel_time', 610, 10),
    event('Node', 'dense/softmax_kernel_time', 650, 5),
  ];

  it('splits node times by run, in milliseconds', () => {
    const runs = parseProfile(trace);
    expect(runs).toHaveLength(2);
    expect(runs[0].totalMs).toBeCloseTo(0.3);
    expect([...runs[0].nodeMs]).toEqual([['conv2d', 0.12]]);
    expect(runs[1].nodeMs.get('conv2d')).toBeCloseTo(0.09);
    expect(runs[1].nodeMs.get('dense/softmax')).toBeCloseTo(0.015);
    expect(runs.map((run) => run.arenaBytes)).toEqual([0, 4194304]);
    expect(() => parseProfile({})).toThrow(
      'An ONNX Runtime profile must be a JSON array of events.',
    );
  });

  it('reads a profile file and removes it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'onnx-mapping-test-'));
    writeFileSync(join(folder, 'pass1_2026-11-30_04-00-00.json'), JSON.stringify(trace));
    writeFileSync(join(folder, 'pass10_2026-11-30_04-00-01.json'), JSON.stringify(trace));
    writeFileSync(join(folder, 'other.txt'), 'kept');
    expect(takeProfile(folder, 'pass1')).toHaveLength(2);
    expect(readdirSync(folder).sort()).toEqual(['other.txt', 'pass10_2026-11-30_04-00-01.json']);
    expect(() => takeProfile(folder, 'pass2')).toThrow(
      `ONNX Runtime wrote no profile in ${folder}.`,
    );
  });

  it("reads ORT's one-event-per-line layout a line at a time, across read chunks", () => {
    const folder = mkdtempSync(join(tmpdir(), 'onnx-mapping-test-'));
    // Long lines, as ORT's are (its args), so that lines straddle the reader's 1 MB chunks.
    const padded = trace.map((event) => ({ ...event, args: { pad: 'x'.repeat(300_000) } }));
    const lines = padded.map((event) => JSON.stringify(event));
    // No closing bracket: JSON.parse of the whole file fails, only a line reader gets through.
    writeFileSync(join(folder, 'p_1.json'), `[\n${lines.join(',\n')}\n`);
    const runs = takeProfile(folder, 'p');
    expect(runs.map((run) => run.totalMs)).toEqual([0.3, 0.2]);
    expect(runs[1].nodeMs.get('dense/softmax')).toBeCloseTo(0.015);
  });

  it('sweeps the folders of processes that are gone, and only those', () => {
    const parent = mkdtempSync(join(tmpdir(), 'onnx-sweep-test-'));
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const names = [
      `resnext-ort-${gone}-abc`,
      `resnext-ort-${process.pid}-def`,
      'resnext-ort-1-ghi',
      'other',
    ];
    names.forEach((name) => mkdirSync(join(parent, name)));
    expect(sweepTempFolders(parent)).toEqual([`resnext-ort-${gone}-abc`]);
    expect(readdirSync(parent).sort()).toEqual(names.slice(1).sort());
  });

  it("removes an exited engine's folders, and no other process's", () => {
    const parent = mkdtempSync(join(tmpdir(), 'onnx-sweep-test-'));
    const names = ['resnext-ort-4242-abc', 'resnext-ort-4242-def', 'resnext-ort-42420-ghi'];
    names.forEach((name) => mkdirSync(join(parent, name)));
    expect(removeTempFoldersOf(4242, parent).sort()).toEqual(names.slice(0, 2));
    expect(readdirSync(parent)).toEqual(['resnext-ort-42420-ghi']);
    expect(removeTempFoldersOf(process.pid, parent)).toEqual([]);
  });
});
