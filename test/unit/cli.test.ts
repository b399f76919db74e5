import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFailureReason, listBackends, useBackend } from '../../engine/node/backends';
import { tf } from '../../engine/core/tf';
import { BLOCKS_BY_DEPTH } from '../../shared/modelConfig';
import { BACKEND_ORDER } from '../../shared/profile';
import { closedForm } from './resnextClosedForm';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** Runs `npm run cli -- …` the way npm does (tsx on electron/cli/main.ts), without npm's banner. */
function cli(...args: string[]) {
  const result = spawnSync(TSX, ['electron/cli/main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SMALL = [
  '--depth',
  '50',
  '--cardinality',
  '8',
  '--width',
  '2',
  '--input',
  '64',
  '--classes',
  '10',
];
const EXPECTED = closedForm({
  blocks: BLOCKS_BY_DEPTH[50],
  cardinality: 8,
  width: 2,
  inputSize: 64,
  channels: 3,
  classes: 10,
  strideOn: '1x1',
});

describe('cli summary', () => {
  it('text: stdout holds the Keras summary and nothing else', () => {
    const { code, stdout } = cli('summary', ...SMALL);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('Model: "resnext50_8x2d_64px_10cls"');
    expect(lines[2]).toMatch(/^Layer \(type\) {20}Output Shape {9}Param # {5}Connected to {21}$/);
    expect(lines[4]).toMatch(/^input_1 \(InputLayer\) {12}\[\(None, 64, 64, 3\)\] {2}0 {44}$/);
    const totals = lines.filter((line) => /^(Total|Trainable|Non-trainable) params: /.test(line));
    expect(totals).toEqual([
      `Total params: ${EXPECTED.params.toLocaleString('en-US')}`,
      `Trainable params: ${(EXPECTED.params - EXPECTED.nonTrainable).toLocaleString('en-US')}`,
      `Non-trainable params: ${EXPECTED.nonTrainable.toLocaleString('en-US')}`,
    ]);
    const others = lines.slice(1, -1).filter((line) => !totals.includes(line));
    expect(others.every((line) => line.length === 98)).toBe(true);
    expect(lines.at(-1)).toBe('');
  });

  it('json: the whole of stdout parses, with the config and closed-form totals', () => {
    const { code, stdout } = cli('summary', ...SMALL, '--stride-on', '3x3', '--format=json');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.config).toEqual({
      depth: 50,
      cardinality: 8,
      width: 2,
      inputSize: 64,
      channels: 3,
      classes: 10,
      strideOn: '3x3',
    });
    expect(summary.totals).toEqual({
      layers: EXPECTED.layers,
      params: EXPECTED.params,
      trainableParams: EXPECTED.params - EXPECTED.nonTrainable,
      nonTrainableParams: EXPECTED.nonTrainable,
      macs: closedForm({
        blocks: BLOCKS_BY_DEPTH[50],
        cardinality: 8,
        width: 2,
        inputSize: 64,
        channels: 3,
        classes: 10,
        strideOn: '3x3',
      }).macs,
    });
    expect(Object.keys(summary.layers[0])).toEqual(
      expect.arrayContaining([
        'name',
        'className',
        'outputShape',
        'params',
        'trainableParams',
        'macs',
        'inbound',
        'path',
      ]),
    );
  });

  it('csv: a header and one row per layer', () => {
    const { code, stdout } = cli('summary', ...SMALL, '--format', 'csv');
    expect(code).toBe(0);
    const rows = stdout.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^id,name,class,output_shape,params,/);
    expect(rows).toHaveLength(EXPECTED.layers + 1);
  });

  it('refuses a model too large for memory at once, as the engine does, instead of building it', () => {
    // Within every bound a flag has (--width 512 is the most), yet hundreds of GB of weights.
    const { code, stdout, stderr } = cli('summary', '--cardinality', '256', '--width', '512');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^error: Batch 1 at 224×224 needs about [\d.]+ [GT]B \(weights [\d.]+ [GT]B, activations [\d.]+ [MGT]B, the runtime's copies and scratch [\d.]+ [GT]B\), above the memory budget of [\d.]+ [KMGT]?B; lower the batch or the input size, or raise the budget\.\n$/,
    );
  });
});

describe('cli backends', () => {
  it('lists tensorflow, wasm, cpu and ONNX Runtime, each available or why not', () => {
    const { code, stdout } = cli('backends');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual([
      'tensorflow',
      'wasm',
      'cpu',
      'onnxruntime',
      'onnxruntime-cuda',
    ]);
    expect(lines[0]).toMatch(/^tensorflow +(unavailable|default) +\S/);
    expect(lines[1]).toMatch(/SIMD (on|off), \d+ threads?/);
  });

  it('json: the statuses', () => {
    const { code, stdout } = cli('backends', '--format', 'json');
    expect(code).toBe(0);
    const statuses = JSON.parse(stdout);
    expect(statuses.map((status: { name: string }) => status.name)).toEqual([
      'tensorflow',
      'wasm',
      'cpu',
      'onnxruntime',
      'onnxruntime-cuda',
    ]);
    expect(statuses.filter((status: { preferred?: boolean }) => status.preferred)).toHaveLength(1);
    for (const status of statuses) {
      expect(typeof (status.available ? status.detail : status.reason)).toBe('string');
    }
  });
});

describe('cli errors', () => {
  it.each([
    [['summary', '--depth', '7'], 'error: --depth: depth must be one of 50, 101, 152, but got 7.'],
    [
      ['summary', '--input', '16'],
      'error: --input: inputSize must be an integer of at least 32, but got 16.',
    ],
    [
      ['summary', '--width', 'four'],
      'error: --width must be an integer of at least 1, but got "four".',
    ],
    [
      ['summary', '--format', 'xml'],
      'error: --format must be one of text, json, csv, markdown, but got "xml".',
    ],
    [['summary', '--stride-on'], 'error: --stride-on needs a value.'],
    [
      ['profile', '--backend', 'window-webgpu'],
      "error: window-webgpu runs in the app's window (WebGPU, WebGL or WebAssembly in the browser), not in the engine process; choose it in the app's run form, or tensorflow, wasm, cpu or onnxruntime here.",
    ],
    [
      ['summary', '--bogus', '1'],
      'error: Unknown flag --bogus for summary; it takes --depth, --cardinality, --width, --input, --channels, --classes, --stride-on, --model, --format.',
    ],
  ])('%j exits 2 with one line on stderr', (args, message) => {
    const { code, stdout, stderr } = cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\n`);
  });

  it('an unknown command exits 2 naming the commands', () => {
    const { code, stdout, stderr } = cli('sumary');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^error: Unknown command "sumary"; the commands are summary, backends(, [a-z]+)*\.\n$/,
    );
  });

  it('--help prints the flags to stdout', () => {
    const { code, stdout } = cli('summary', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--stride-on 1x1|3x3');
  });
});

describe('backends in the engine', () => {
  it('words why a package cannot load', () => {
    const missing = Object.assign(
      new Error("Cannot find package '@tensorflow/tfjs-node-gpu' imported from x"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    );
    expect(importFailureReason('@tensorflow/tfjs-node-gpu', missing)).toBe(
      '@tensorflow/tfjs-node-gpu is not installed',
    );
    const cuda = new Error(
      'libcudart.so.11.0: cannot open shared object file: No such file or directory\n at dlopen',
    );
    expect(importFailureReason('@tensorflow/tfjs-node-gpu', cuda)).toBe(
      'CUDA libraries were not found: libcudart.so.11.0: cannot open shared object file: No such file or directory',
    );
  });

  it('refuses a forced backend that cannot run, with the reason, and keeps the current one', async () => {
    const statuses = await listBackends();
    expect(statuses.map((status) => status.name)).toEqual([
      'tensorflow',
      'wasm',
      'cpu',
      'onnxruntime',
      'onnxruntime-cuda',
    ]);
    await useBackend('cpu');
    const unavailable = statuses.find(
      (status) => !status.available && BACKEND_ORDER.includes(status.name),
    );
    if (unavailable) {
      await expect(useBackend(unavailable.name)).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        message: `The ${unavailable.name} backend is not available: ${unavailable.reason}.`,
      });
      expect(tf.getBackend()).toBe('cpu');
    }
    const auto = await useBackend('auto');
    expect(auto).toBe(statuses.find((status) => status.preferred)?.name);
    expect(tf.getBackend()).toBe(auto);
  });
});
