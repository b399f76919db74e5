/**
 * The configuration of a ResNeXt model and its validation. Pure: used by the engine before it
 * builds anything, and by the renderer to show the same messages in place.
 */
import { InspectorError } from './errors';

/** Network depths the builder knows, each with its blocks per stage. */
export const BLOCKS_BY_DEPTH = {
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
  152: [3, 8, 36, 3],
} as const satisfies Record<number, readonly number[]>;

/** A depth the builder knows. */
export type Depth = keyof typeof BLOCKS_BY_DEPTH;

/** Where stride 2 sits in the first block of stages 2–4. */
export type StrideOn = '1x1' | '3x3';

/** Everything that decides the shape of a ResNeXt model. */
export interface ModelConfig {
  /** 50, 101 or 152 layers; picks the blocks per stage. */
  depth: Depth;
  /** Cardinality C: the number of groups of every 3×3 convolution (1 gives ResNet). */
  cardinality: number;
  /** Bottleneck width d: channels per group in stage 1 (C·d·2^(stage−1) bottleneck channels). */
  width: number;
  /** Height and width of the square input image, at least 32. */
  inputSize: number;
  /** Channels of the input image. */
  channels: number;
  /** Classes of the softmax head. */
  classes: number;
  /** '1x1' puts the stride on the first 1×1 convolution (the seed); '3x3' on the grouped 3×3. */
  strideOn: StrideOn;
}

/** The seed notebook's ResNeXt-101 (32×4d) at 224×224×3 with 1000 classes. */
export const DEFAULT_CONFIG: Readonly<ModelConfig> = Object.freeze({
  depth: 101,
  cardinality: 32,
  width: 4,
  inputSize: 224,
  channels: 3,
  classes: 1000,
  strideOn: '1x1',
});

/** The fields of a ModelConfig, in display order. */
export const CONFIG_FIELDS = [
  'depth',
  'cardinality',
  'width',
  'inputSize',
  'channels',
  'classes',
  'strideOn',
] as const satisfies readonly (keyof ModelConfig)[];

/** A named configuration offered by the model picker. */
export interface ModelPreset {
  /** Stable identifier, e.g. `resnext101_32x4d`. */
  id: string;
  /** Human label, e.g. `ResNeXt-101 (32×4d)`. */
  label: string;
  /** The configuration it stands for. */
  config: ModelConfig;
}

const preset = (id: string, label: string, change: Partial<ModelConfig>): ModelPreset => ({
  id,
  label,
  config: { ...DEFAULT_CONFIG, ...change },
});

/** The presets of the model picker; the first is the seed's model. */
export const PRESETS: readonly ModelPreset[] = [
  preset('resnext101_32x4d', 'ResNeXt-101 (32×4d), seed', {}),
  preset('resnext50_32x4d', 'ResNeXt-50 (32×4d)', { depth: 50 }),
  preset('resnext152_32x4d', 'ResNeXt-152 (32×4d)', { depth: 152 }),
  preset('resnext101_32x8d', 'ResNeXt-101 (32×8d)', { width: 8 }),
  preset('resnext101_64x4d', 'ResNeXt-101 (64×4d)', { cardinality: 64 }),
  preset('resnet50', 'ResNet-50 (C=1, d=64)', { depth: 50, cardinality: 1, width: 64 }),
  preset('resnext101_32x4d_3x3', 'ResNeXt-101 (32×4d), stride on 3×3', { strideOn: '3x3' }),
];

/** One problem with a config, tied to the field it concerns. */
export interface ConfigIssue {
  /** The field, or the unknown key, the message is about. */
  field: string;
  /** A short message naming the field, the value and what is allowed. */
  message: string;
}

/** The outcome of validating an untrusted config. */
export type ConfigValidation =
  { ok: true; config: ModelConfig } | { ok: false; issues: ConfigIssue[] };

const show = (value: unknown): string => {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (value === undefined) {
    return 'nothing';
  }
  return typeof value === 'object' && value !== null ? 'an object' : String(value);
};

function positiveInteger(field: string, value: unknown, min: number): ConfigIssue | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) {
    return undefined;
  }
  const rule = min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
  return { field, message: `${field} must be ${rule}, but got ${show(value)}.` };
}

/**
 * Checks an untrusted, possibly partial config: missing fields take the defaults, anything else
 * must be right. Returns every issue, each naming the field, the value and what is allowed.
 */
export function validateConfig(input: unknown): ConfigValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {
      ok: false,
      issues: [{ field: 'config', message: `A config must be an object, but got ${show(input)}.` }],
    };
  }
  const raw = input as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...DEFAULT_CONFIG, ...raw };
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(raw)) {
    if (!(CONFIG_FIELDS as readonly string[]).includes(key)) {
      issues.push({
        field: key,
        message: `Unknown config field "${key}"; the fields are ${CONFIG_FIELDS.join(', ')}.`,
      });
    }
  }
  const depths = Object.keys(BLOCKS_BY_DEPTH).map(Number);
  if (!depths.includes(merged.depth as number)) {
    issues.push({
      field: 'depth',
      message: `depth must be one of ${depths.join(', ')}, but got ${show(merged.depth)}.`,
    });
  }
  for (const [field, min] of [
    ['cardinality', 1],
    ['width', 1],
    ['inputSize', 32],
    ['channels', 1],
    ['classes', 1],
  ] as const) {
    const issue = positiveInteger(field, merged[field], min);
    if (issue) {
      issues.push(issue);
    }
  }
  if (merged.strideOn !== '1x1' && merged.strideOn !== '3x3') {
    issues.push({
      field: 'strideOn',
      message: `strideOn must be "1x1" or "3x3", but got ${show(merged.strideOn)}.`,
    });
  }
  if (issues.length > 0) {
    return { ok: false, issues };
  }
  return { ok: true, config: merged as unknown as ModelConfig };
}

/**
 * Checks an untrusted config and returns it complete, or throws InspectorError INVALID_CONFIG
 * with every issue's message: the one check of the engine, its host and the builder.
 */
export function checkedConfig(config: unknown): ModelConfig {
  const validation = validateConfig(config);
  if (!validation.ok) {
    throw new InspectorError(
      'INVALID_CONFIG',
      validation.issues.map((issue) => issue.message).join(' '),
    );
  }
  return validation.config;
}

/** A short name for a config, e.g. `resnext101_32x4d` or `resnet50`, used for model and file names. */
export function configName(config: ModelConfig): string {
  const base =
    config.cardinality === 1
      ? `resnet${config.depth}`
      : `resnext${config.depth}_${config.cardinality}x${config.width}d`;
  const extras = [
    config.cardinality === 1 && config.width !== 64 ? `w${config.width}` : '',
    config.inputSize !== 224 ? `${config.inputSize}px` : '',
    config.channels !== 3 ? `${config.channels}ch` : '',
    config.classes !== 1000 ? `${config.classes}cls` : '',
    config.strideOn === '3x3' ? 'stride3x3' : '',
  ].filter(Boolean);
  return [base, ...extras].join('_');
}

/** A stable key for caching per config (layouts, built models). */
export function configKey(config: ModelConfig): string {
  return CONFIG_FIELDS.map((field) => `${field}=${config[field]}`).join(';');
}

/** The input of a config's model, per image: [height, width, channels]. */
export function inputShapeOf(config: ModelConfig): [number, number, number] {
  return [config.inputSize, config.inputSize, config.channels];
}

/** The shape of one of the four stages of a config. */
export interface StageSpec {
  /** Stage number, 1–4. */
  stage: number;
  /** Bottleneck blocks in the stage. */
  blocks: number;
  /** Channels of the bottleneck (and of the grouped 3×3): C·d·2^(stage−1). */
  bottleneck: number;
  /** Channels the stage outputs: 256·2^(stage−1). */
  outputChannels: number;
  /** Stride of the stage's first block: 1 for stage 1, 2 after. */
  strides: number;
}

/** The four stages of a (valid) config, in order. */
export function stageSpecs(config: ModelConfig): StageSpec[] {
  return BLOCKS_BY_DEPTH[config.depth].map((blocks, index) => ({
    stage: index + 1,
    blocks,
    bottleneck: config.cardinality * config.width * 2 ** index,
    outputChannels: 256 * 2 ** index,
    strides: index === 0 ? 1 : 2,
  }));
}
