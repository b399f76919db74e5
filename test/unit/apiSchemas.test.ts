// The run-time schemas of every call: good payloads pass unchanged; each bad payload gets an
// INVALID_REQUEST with its exact message (a table of fixtures, as Netron's test/models.json).
import { describe, expect, it } from 'vitest';
import { dispatchCall, parseCall, type ApiHandlers } from '../../shared/apiSchemas';
import { InspectorError } from '../../shared/errors';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import { DEFAULT_PROFILE } from '../../shared/profile';

const config = { ...DEFAULT_CONFIG };
const request = { ...DEFAULT_PROFILE, config };
const huge = 'x'.repeat(200_000);

const errorOf = (call: unknown, args: unknown): { code: string; message: string } => {
  try {
    parseCall(call, args);
  } catch (error) {
    expect(error).toBeInstanceOf(InspectorError);
    return { code: (error as InspectorError).code, message: (error as InspectorError).message };
  }
  throw new Error(`expected ${String(call)} to be refused`);
};

describe('parseCall accepts', () => {
  it.each([
    ['backends', []],
    ['appInfo', []],
    ['describe', [config]],
    ['profile', [request]],
    [
      'profile',
      [{ ...request, input: { kind: 'image', base64: 'iVBORw0KGgo=', fileName: 'cat.png' } }],
    ],
    ['profile', [{ ...request, input: { kind: 'zeros' }, memoryBudgetBytes: 2 ** 32 }]],
    ['cancel', ['run-2f1c7a0e-5b1e-4c55-9b7a-0a1b2c3d4e5f']],
    ['activations', ['run-1', 0, { channels: 64 }]],
    ['blockForms', [config, 1, 1]],
    ['blockForms', [config, 4, 36]],
    ['predict', [config, { kind: 'zeros' }, { top: 5 }]],
    [
      'predict',
      [{ file: 'file-3' }, { kind: 'image', base64: 'iVBORw0KGgo=', scale: 'caffe' }, { top: 1 }],
    ],
    [
      'predict',
      [{ file: 'file-3' }, { kind: 'upload', id: 'ab12', scale: 'torch' }, { top: 1000 }],
    ],
    ['saveFile', ['png', 'iVBORw0KGgo=', 'resnext101_32x4d.png']],
    ['saveFile', ['txt', '', 'summary.txt']],
  ])('%s %j', (call, args) => {
    expect(parseCall(call, args)).toEqual({ call, args });
  });
});

const FIXTURES: [string, unknown, unknown, string][] = [
  [
    'unknown call',
    'eval',
    [],
    'Unknown call "eval"; the calls are backends, describe, openModel, chooseModelFile, profile, cancel, activations, blockForms, predict, saveFile, appInfo.',
  ],
  [
    'call not a string',
    42,
    [],
    'Unknown call 42; the calls are backends, describe, openModel, chooseModelFile, profile, cancel, activations, blockForms, predict, saveFile, appInfo.',
  ],
  [
    'huge call name',
    huge,
    [],
    `Unknown call "${'x'.repeat(37)}..."; the calls are backends, describe, openModel, chooseModelFile, profile, cancel, activations, blockForms, predict, saveFile, appInfo.`,
  ],
  ['args not an array', 'describe', { config }, 'describe: the arguments must be an array.'],
  ['missing argument', 'describe', [], 'describe: config must be an object, but got undefined.'],
  ['extra argument', 'backends', [1], 'backends takes 0 arguments: remove the extra ones.'],
  [
    'extra argument (1)',
    'cancel',
    ['run-1', 'more'],
    'cancel takes 1 argument: remove the extra ones.',
  ],
  [
    'config not an object',
    'describe',
    ['resnext'],
    'describe: config must be an object, but got "resnext".',
  ],
  // Not "config.depth must be an object": the array is what is wrong, not its missing depth.
  [
    'config an array',
    'describe',
    [[101, 32]],
    'describe: config is an array; it must be an object.',
  ],
  ['config field missing', 'describe', [{}], 'describe: config.depth is missing.'],
  ['request an array', 'profile', [[]], 'profile: request is an array; it must be an object.'],
  [
    'depth unknown',
    'describe',
    [{ ...config, depth: 34 }],
    'describe: config.depth must be one of 50, 101, 152, but got 34.',
  ],
  [
    'depth as a string',
    'describe',
    [{ ...config, depth: '101' }],
    'describe: config.depth must be one of 50, 101, 152, but got "101".',
  ],
  [
    'extra config key',
    'describe',
    [{ ...config, dropout: 0.5 }],
    'describe: unknown field "config.dropout"; remove it.',
  ],
  [
    'prototype key',
    'describe',
    [JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(config).slice(1)}`)],
    'describe: unknown field "config.__proto__"; remove it.',
  ],
  [
    'missing config field',
    'describe',
    [{ ...config, classes: undefined }],
    'describe: config.classes must be an integer from 1 to 100000, but got undefined.',
  ],
  [
    'fractional cardinality',
    'describe',
    [{ ...config, cardinality: 2.5 }],
    'describe: config.cardinality must be an integer from 1 to 256, but got 2.5.',
  ],
  [
    'input too small',
    'describe',
    [{ ...config, inputSize: 16 }],
    'describe: config.inputSize must be an integer from 32 to 2048, but got 16.',
  ],
  [
    'input huge',
    'describe',
    [{ ...config, inputSize: 1e9 }],
    'describe: config.inputSize must be an integer from 32 to 2048, but got 1000000000.',
  ],
  [
    'NaN classes',
    'describe',
    [{ ...config, classes: Number.NaN }],
    'describe: config.classes must be an integer from 1 to 100000, but got NaN.',
  ],
  [
    'Infinity width',
    'describe',
    [{ ...config, width: Infinity }],
    'describe: config.width must be an integer from 1 to 512, but got Infinity.',
  ],
  [
    'strideOn',
    'describe',
    [{ ...config, strideOn: '5x5' }],
    'describe: config.strideOn must be one of "1x1", "3x3", but got "5x5".',
  ],
  [
    'backend',
    'profile',
    [{ ...request, backend: 'webgpu' }],
    'profile: request.backend must be one of "auto", "tensorflow", "wasm", "cpu", "onnxruntime", "onnxruntime-cuda", "window-webgpu", "window-webgl", "window-wasm", "window-onnxruntime-webgpu", "window-onnxruntime-wasm", but got "webgpu".',
  ],
  [
    'onnxMode',
    'profile',
    [{ ...request, backend: 'onnxruntime', onnxMode: 'turbo' }],
    'profile: request.onnxMode must be one of "fast", "exact", but got "turbo".',
  ],
  [
    'batch 0',
    'profile',
    [{ ...request, batch: 0 }],
    'profile: request.batch must be an integer from 1 to 4096, but got 0.',
  ],
  [
    'runs huge',
    'profile',
    [{ ...request, runs: 1e6 }],
    'profile: request.runs must be an integer from 1 to 1000, but got 1000000.',
  ],
  [
    'stats a string',
    'profile',
    [{ ...request, stats: 'yes' }],
    'profile: request.stats must be true or false, but got "yes".',
  ],
  [
    'input kind',
    'profile',
    [{ ...request, input: { kind: 'webcam' } }],
    'profile: request.input.kind must be "random", "zeros", "image" or "upload", but got "webcam".',
  ],
  [
    'image empty (an empty file)',
    'profile',
    [{ ...request, input: { kind: 'image', base64: '' } }],
    'profile: request.input.base64 is empty; an image input needs the bytes of a PNG or JPEG file.',
  ],
  [
    'upload without its id',
    'profile',
    [{ ...request, input: { kind: 'upload', fileName: 'cat.png' } }],
    'profile: request.input.id is missing.',
  ],
  [
    'upload id not an id',
    'profile',
    [{ ...request, input: { kind: 'upload', id: '../etc/passwd' } }],
    'profile: request.input.id must be the id POST /api/upload answered, but got "../etc/passwd".',
  ],
  [
    'image not base64',
    'profile',
    [{ ...request, input: { kind: 'image', base64: 'not base64!' } }],
    'profile: request.input.base64 must be base64, but got "not base64!".',
  ],
  [
    'image huge',
    'profile',
    [{ ...request, input: { kind: 'image', base64: 'A'.repeat(32 * 2 ** 20 + 4) } }],
    'profile: request.input.base64 must be at most 33554432 characters long, but has 33554436.',
  ],
  [
    'extra request key',
    'profile',
    [{ ...request, threads: 4 }],
    'profile: unknown field "request.threads"; remove it.',
  ],
  [
    'config inside request',
    'profile',
    [{ ...request, config: { ...config, depth: 18 } }],
    'profile: request.config.depth must be one of 50, 101, 152, but got 18.',
  ],
  [
    'run id huge',
    'cancel',
    [huge],
    `cancel: runId must be at most 128 characters long, but has 200000.`,
  ],
  [
    'run id odd',
    'cancel',
    ['run/../1'],
    'cancel: runId may hold only letters, digits, "-", "_", "." and ":", but got "run/../1".',
  ],
  ['run id a number', 'cancel', [7], 'cancel: runId must be a string, but got 7.'],
  [
    'layer id negative',
    'activations',
    ['run-1', -1, { channels: 4 }],
    'activations: layerId must be an integer from 0 to 1000000, but got -1.',
  ],
  [
    'channels too many',
    'activations',
    ['run-1', 3, { channels: 65 }],
    'activations: options.channels must be an integer from 1 to 64, but got 65.',
  ],
  [
    'options extra',
    'activations',
    ['run-1', 3, { channels: 4, all: true }],
    'activations: unknown field "options.all"; remove it.',
  ],
  [
    'block forms stage',
    'blockForms',
    [config, 5, 1],
    'blockForms: stage must be an integer from 1 to 4, but got 5.',
  ],
  [
    'block forms block',
    'blockForms',
    [config, 1, 0],
    'blockForms: block must be an integer from 1 to 64, but got 0.',
  ],
  [
    'block forms config',
    'blockForms',
    [{ ...config, cardinality: 0 }, 1, 1],
    'blockForms: config.cardinality must be an integer from 1 to 256, but got 0.',
  ],
  [
    'block forms arity',
    'blockForms',
    [config, 1],
    'blockForms: block must be an integer from 1 to 64, but got undefined.',
  ],
  [
    'predict top',
    'predict',
    [config, { kind: 'zeros' }, { top: 0 }],
    'predict: options.top must be an integer from 1 to 1000, but got 0.',
  ],
  [
    'predict scale',
    'predict',
    [config, { kind: 'image', base64: 'iVBORw0KGgo=', scale: 'bgr' }, { top: 5 }],
    'predict: input.scale must be one of "unit", "symmetric", "raw", "caffe", "torch", but got "bgr".',
  ],
  [
    'predict file id',
    'predict',
    [{ file: '../model.h5' }, { kind: 'zeros' }, { top: 5 }],
    'predict: source.file must be the id of an opened model file, but got "../model.h5".',
  ],
  [
    'save kind',
    'saveFile',
    ['exe', 'MZ', 'a.exe'],
    'saveFile: kind must be one of "png", "svg", "txt", "csv", "json", "md", "trace", but got "exe".',
  ],
  [
    'save folder',
    'saveFile',
    ['txt', 'x', '../../.bashrc'],
    'saveFile: suggestedName must be a file name without folders, but got "../../.bashrc".',
  ],
  [
    'save dot-dot',
    'saveFile',
    ['txt', 'x', '..'],
    'saveFile: suggestedName must be a file name without folders, but got "..".',
  ],
  [
    'save windows path',
    'saveFile',
    ['txt', 'x', 'C:\\Windows\\x.txt'],
    'saveFile: suggestedName must be a file name without folders, but got "C:\\Windows\\x.txt".',
  ],
  [
    'save empty name',
    'saveFile',
    ['txt', 'x', ''],
    'saveFile: suggestedName must be at least 1 character long, but has 0.',
  ],
  [
    'save png not base64',
    'saveFile',
    ['png', '<svg/>', 'a.png'],
    'saveFile: data must be base64 for a png.',
  ],
];

describe('parseCall refuses with INVALID_REQUEST', () => {
  it.each(FIXTURES)('%s', (_name, call, args, message) => {
    expect(errorOf(call, args)).toEqual({ code: 'INVALID_REQUEST', message });
  });

  it('never echoes more than a short excerpt of what it got', () => {
    for (const [, call, args] of FIXTURES) {
      expect(errorOf(call, args).message.length).toBeLessThan(260);
    }
  });
});

describe('dispatchCall', () => {
  const calls: unknown[][] = [];
  const handlers = {
    backends: async () => [],
    describe: async (...args: unknown[]) => {
      calls.push(args);
      throw new InspectorError('INVALID_CONFIG', 'depth must be one of 50, 101, 152.');
    },
    cancel: async (...args: unknown[]) => {
      calls.push(args);
    },
    appInfo: async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    },
  } as unknown as ApiHandlers;

  it('wraps values, keeps error codes, and turns raw errors into INTERNAL', async () => {
    expect(await dispatchCall(handlers, 'backends', [])).toEqual({ ok: true, value: [] });
    expect(await dispatchCall(handlers, 'describe', [config])).toEqual({
      ok: false,
      error: { code: 'INVALID_CONFIG', message: 'depth must be one of 50, 101, 152.' },
    });
    expect(await dispatchCall(handlers, 'appInfo', [])).toEqual({
      ok: false,
      error: {
        code: 'INTERNAL',
        message: "Internal error: Cannot read properties of undefined (reading 'x')",
      },
    });
  });

  it('never calls a handler with arguments that failed their schema', async () => {
    calls.length = 0;
    const result = await dispatchCall(handlers, 'cancel', [{ toString: 'run-1' }]);
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(calls).toEqual([]);
    expect(await dispatchCall(handlers, 'cancel', ['run-1'])).toEqual({
      ok: true,
      value: undefined,
    });
    expect(calls).toEqual([['run-1']]);
  });
});
