import { describe, expect, it } from 'vitest';
import { buildResNeXt } from '../../engine/core/resnext';
import {
  configKey,
  configName,
  DEFAULT_CONFIG,
  PRESETS,
  stageSpecs,
  validateConfig,
  type ModelConfig,
} from '../../shared/modelConfig';

/** Bad configs and the exact issues they must produce (Netron-style fixtures). */
const BAD: [string, unknown, string[]][] = [
  ['not an object', 42, ['A config must be an object, but got 42.']],
  ['null', null, ['A config must be an object, but got null.']],
  ['an array', [101], ['A config must be an object, but got an array.']],
  ['an unknown depth', { depth: 34 }, ['depth must be one of 50, 101, 152, but got 34.']],
  ['a depth as text', { depth: '101' }, ['depth must be one of 50, 101, 152, but got "101".']],
  ['zero cardinality', { cardinality: 0 }, ['cardinality must be a positive integer, but got 0.']],
  ['a fractional width', { width: 2.5 }, ['width must be a positive integer, but got 2.5.']],
  ['a negative width', { width: -4 }, ['width must be a positive integer, but got -4.']],
  [
    'a small input',
    { inputSize: 31 },
    ['inputSize must be an integer of at least 32, but got 31.'],
  ],
  ['NaN channels', { channels: Number.NaN }, ['channels must be a positive integer, but got NaN.']],
  ['no classes', { classes: 0 }, ['classes must be a positive integer, but got 0.']],
  [
    'an unknown stride place',
    { strideOn: '5x5' },
    ['strideOn must be "1x1" or "3x3", but got "5x5".'],
  ],
  [
    'an unknown key',
    { dropout: 0.5 },
    [
      'Unknown config field "dropout"; the fields are depth, cardinality, width, inputSize, channels, classes, strideOn.',
    ],
  ],
  [
    'several problems at once',
    { depth: 18, classes: 1.5, strideOn: null },
    [
      'depth must be one of 50, 101, 152, but got 18.',
      'classes must be a positive integer, but got 1.5.',
      'strideOn must be "1x1" or "3x3", but got null.',
    ],
  ],
];

describe('config validation', () => {
  it.each(BAD)('refuses %s with the exact message', (_, input, messages) => {
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((issue) => issue.message)).toEqual(messages);
  });

  it.each(
    BAD.filter(([, input]) => typeof input === 'object' && input !== null && !Array.isArray(input)),
  )('buildResNeXt refuses %s with INVALID_CONFIG and every message', (_, input, messages) => {
    expect(() => buildResNeXt(input as ModelConfig)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', message: messages.join(' ') }),
    );
  });

  it('fills missing fields with the defaults', () => {
    expect(validateConfig({ depth: 50 })).toEqual({
      ok: true,
      config: { ...DEFAULT_CONFIG, depth: 50 },
    });
    expect(validateConfig({})).toEqual({ ok: true, config: DEFAULT_CONFIG });
  });

  it('accepts every preset', () => {
    for (const preset of PRESETS) {
      expect(validateConfig(preset.config)).toEqual({ ok: true, config: preset.config });
    }
  });
});

describe('config helpers', () => {
  it('names configs for files and models', () => {
    expect(PRESETS.map((preset) => configName(preset.config))).toEqual([
      'resnext101_32x4d',
      'resnext50_32x4d',
      'resnext152_32x4d',
      'resnext101_32x8d',
      'resnext101_64x4d',
      'resnet50',
      'resnext101_32x4d_stride3x3',
    ]);
    expect(configName({ ...DEFAULT_CONFIG, depth: 50, inputSize: 64, classes: 10 })).toBe(
      'resnext50_32x4d_64px_10cls',
    );
  });

  it('keys configs by every field', () => {
    expect(configKey(DEFAULT_CONFIG)).toBe(
      'depth=101;cardinality=32;width=4;inputSize=224;channels=3;classes=1000;strideOn=1x1',
    );
    expect(configKey({ ...DEFAULT_CONFIG, strideOn: '3x3' })).not.toBe(configKey(DEFAULT_CONFIG));
  });

  it('gives each stage its blocks, bottleneck, output channels and stride', () => {
    expect(stageSpecs(DEFAULT_CONFIG)).toEqual([
      { stage: 1, blocks: 3, bottleneck: 128, outputChannels: 256, strides: 1 },
      { stage: 2, blocks: 4, bottleneck: 256, outputChannels: 512, strides: 2 },
      { stage: 3, blocks: 23, bottleneck: 512, outputChannels: 1024, strides: 2 },
      { stage: 4, blocks: 3, bottleneck: 1024, outputChannels: 2048, strides: 2 },
    ]);
    const resnet = stageSpecs({ ...DEFAULT_CONFIG, depth: 152, cardinality: 1, width: 64 });
    expect(resnet.map((spec) => [spec.blocks, spec.bottleneck])).toEqual([
      [3, 64],
      [8, 128],
      [36, 256],
      [3, 512],
    ]);
  });
});
