/**
 * A Keras-compatible 2-D convolution with `groups`, which tfjs-layers lacks (its Conv2D silently
 * drops `groups`). The kernel keeps Keras's layout `[kh, kw, cin/groups, cout]`, so Keras weights
 * load unchanged. A grouped convolution runs as one depthwise convolution with channel multiplier
 * `cout/groups` followed by a sum over each group's input channels: measured on the wasm backend
 * this is the fastest of the designs we tried (see DESIGN.md).
 */
import { tf } from './tf';
import { isUnwritten, Unwritten } from './unwritten';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = (number | null)[];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];

/** Arguments of a GroupedConv2D layer, as in Keras's Conv2D. */
export interface GroupedConv2DArgs extends LayerArgs {
  /** Output channels; must be divisible by `groups`. */
  filters: number;
  /** Window height and width; one number for a square window. */
  kernelSize: number | [number, number];
  /** Strides along height and width; default 1. */
  strides?: number | [number, number];
  /** `same` (Keras/TF padding: the extra row and column go at the bottom and right) or `valid`. */
  padding?: 'same' | 'valid';
  /** Groups the input and output channels are split into; default 1 (a plain convolution). */
  groups?: number;
  /** Whether to add a bias per output channel; default true, as in Keras. */
  useBias?: boolean;
  /** Seed of the kernel's Glorot-uniform initialiser, for reproducible weights; random if unset. */
  kernelSeed?: number;
  /** Activation applied after the bias, as Keras's `activation` (e.g. `relu`); default linear. */
  activation?: string;
  /** Dilation along height and width; default 1. */
  dilationRate?: number | [number, number];
  /**
   * Keras's kernel initialiser config; only `Zeros` and Unwritten (unwritten.ts: a model read
   * from a file, whose weights replace these at once, neither draws random numbers nor fills the
   * memory; its bias too) are honoured; otherwise Glorot uniform.
   */
  kernelInitializer?: unknown;
  /** Keras's data format; only `channels_last` is supported. */
  dataFormat?: string;
}

const pair = (value: number | [number, number]): [number, number] =>
  typeof value === 'number' ? [value, value] : [value[0], value[1]];

const isPositiveInteger = (value: number): boolean => Number.isInteger(value) && value > 0;

/** Whether a Keras initialiser config (or tfjs identifier) is `Zeros`. */
function isZerosInitializer(value: unknown): boolean {
  if (typeof value === 'string') {
    return value === 'zeros' || value === 'Zeros';
  }
  const className = (value as { className?: unknown; class_name?: unknown } | null)?.className;
  return (
    className === 'Zeros' || (value as { class_name?: unknown } | null)?.class_name === 'Zeros'
  );
}

/** Output length of one spatial dimension, as Keras computes it. */
export function convOutputLength(
  length: number | null,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid',
): number | null {
  if (length === null) {
    return null;
  }
  const kept = padding === 'same' ? length : length - kernel + 1;
  return Math.ceil(kept / stride);
}

/** Keras's Conv2D with `groups`, computed as a depthwise convolution and a per-group sum. */
export class GroupedConv2D extends tf.layers.Layer {
  /** @nocollapse */
  static className = 'GroupedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly groups: number;
  readonly useBias: boolean;
  readonly kernelSeed?: number;
  readonly activation?: string;
  readonly dilationRate: [number, number];
  private readonly zeroKernel: boolean;
  private readonly unwrittenKernel: boolean;
  private readonly activationFn?: (x: tf.Tensor) => tf.Tensor;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: GroupedConv2DArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    this.groups = args.groups ?? 1;
    this.useBias = args.useBias ?? true;
    this.kernelSeed = args.kernelSeed;
    this.dilationRate = pair(args.dilationRate ?? 1);
    this.activation = args.activation === 'linear' ? undefined : args.activation;
    this.zeroKernel = isZerosInitializer(args.kernelInitializer);
    this.unwrittenKernel = isUnwritten(args.kernelInitializer);
    this.inputSpec = [{ ndim: 4 }];
    GroupedConv2D.verifyArgs(this);
    // tfjs converts Keras's `channels_last` to `channelsLast` when it reads a config.
    if (
      args.dataFormat !== undefined &&
      !['channels_last', 'channelsLast'].includes(args.dataFormat)
    ) {
      throw new Error(`Expected dataFormat "channels_last", but got ${String(args.dataFormat)}.`);
    }
    if (this.activation !== undefined) {
      // tfjs's registry of activations, as its own Conv2D uses: unknown names throw here.
      const layer = tf.layers.activation({ activation: this.activation as 'relu' });
      this.activationFn = (x) => layer.apply(x) as tf.Tensor;
    }
  }

  private static verifyArgs(layer: GroupedConv2D): void {
    const { filters, kernelSize, strides, padding, groups } = layer;
    if (!isPositiveInteger(filters)) {
      throw new Error(`Expected filters to be a positive integer, but got ${filters}.`);
    }
    if (!isPositiveInteger(groups)) {
      throw new Error(`Expected groups to be a positive integer, but got ${groups}.`);
    }
    if (filters % groups !== 0) {
      throw new Error(`Expected groups to divide the filters ${filters}, but got ${groups}.`);
    }
    if (![...kernelSize, ...strides, ...layer.dilationRate].every(isPositiveInteger)) {
      throw new Error(
        `Expected kernelSize, strides and dilationRate to be positive integers, but got ${kernelSize}, ${strides} and ${layer.dilationRate}.`,
      );
    }
    if (layer.dilationRate.some((rate) => rate > 1) && strides.some((stride) => stride > 1)) {
      throw new Error('Expected strides of 1 with a dilation rate above 1, as Keras requires.');
    }
    if (padding !== 'same' && padding !== 'valid') {
      throw new Error(`Expected padding "same" or "valid", but got ${String(padding)}.`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[3];
    if (channels === null || channels === undefined) {
      throw new Error('GroupedConv2D needs a known number of input channels.');
    }
    if (channels % this.groups !== 0) {
      throw new Error(
        `Expected groups to divide the input channels ${channels}, but got ${this.groups}.`,
      );
    }
    const [kh, kw] = this.kernelSize;
    // A model file's weights replace these at once: allocated, never filled (see unwritten.ts).
    const unwritten = this.unwrittenKernel ? new Unwritten() : undefined;
    this.kernel = this.addWeight(
      'kernel',
      [kh, kw, channels / this.groups, this.filters],
      'float32',
      unwritten ??
        (this.zeroKernel
          ? tf.initializers.zeros()
          : tf.initializers.glorotUniform({ seed: this.kernelSeed })),
    );
    if (this.useBias) {
      this.bias = this.addWeight(
        'bias',
        [this.filters],
        'float32',
        unwritten ?? tf.initializers.zeros(),
      );
    }
    this.inputSpec = [{ ndim: 4, axes: { [-1]: channels } }];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const [dh, dw] = this.dilationRate;
    return [
      shape[0],
      convOutputLength(shape[1], (kh - 1) * dh + 1, sh, this.padding),
      convOutputLength(shape[2], (kw - 1) * dw + 1, sw, this.padding),
      this.filters,
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      if (!this.kernel) {
        throw new Error('GroupedConv2D was called before it was built.');
      }
      const kernel = this.kernel.read() as tf.Tensor4D;
      const y =
        this.groups === 1
          ? tf.conv2d(x, kernel, this.strides, this.padding, 'NHWC', this.dilationRate)
          : groupedConv(x, kernel, this.groups, this.strides, this.padding, this.dilationRate);
      const biased = this.bias ? tf.add(y, this.bias.read()) : y;
      return this.activationFn ? this.activationFn(biased) : biased;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      groups: this.groups,
      useBias: this.useBias,
      ...(this.activation === undefined ? {} : { activation: this.activation }),
      ...(this.dilationRate.some((rate) => rate > 1)
        ? { dilationRate: [...this.dilationRate] }
        : {}),
      ...(this.kernelSeed === undefined ? {} : { kernelSeed: this.kernelSeed }),
    };
  }
}
tf.serialization.registerClass(GroupedConv2D);

/**
 * A grouped convolution as a depthwise convolution plus a sum. The depthwise output channel
 * `c·m + j` (input channel c = g·cin_g + i) holds input channel c convolved with the kernel of
 * group g's output j; summing over i gives output g·cout_g + j.
 */
export function groupedConv(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  groups: number,
  strides: [number, number],
  padding: 'same' | 'valid',
  dilations: [number, number] = [1, 1],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, inPerGroup, filters] = kernel.shape;
    const outPerGroup = filters / groups;
    const depthwiseKernel = kernel
      .reshape([kh, kw, inPerGroup, groups, outPerGroup])
      .transpose([0, 1, 3, 2, 4])
      .reshape([kh, kw, inPerGroup * groups, outPerGroup]) as tf.Tensor4D;
    const spread = tf.depthwiseConv2d(x, depthwiseKernel, strides, padding, 'NHWC', dilations);
    const [n, h, w] = spread.shape;
    if (inPerGroup === 1) {
      return spread;
    }
    return spread
      .reshape([n * h * w * groups, inPerGroup, outPerGroup])
      .sum(1)
      .reshape([n, h, w, filters]) as tf.Tensor4D;
  });
}
