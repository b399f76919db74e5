/**
 * Per-layer conversion of Keras layers to ONNX nodes. Every 4-D tensor inside the graph is NCHW;
 * the exporter transposes the NHWC input once at the entry. Keras `same` padding is written as
 * explicit pads, which are asymmetric (more at the end) when the stride does not divide evenly.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  floatAttribute,
  floatTensor,
  intAttribute,
  intsAttribute,
  type OnnxNode,
  type OnnxTensor,
} from './onnxProto';

/** How `same` padding is written; only `keras` is right, the others exist to prove a test catches them. */
export type PaddingMode = 'keras' | 'same-lower' | 'symmetric';

/** What a converter sees of the layer it converts and of the graph around it. */
export interface LayerContext {
  layer: tf.layers.Layer;
  /** Keras config of the layer. */
  config: Record<string, unknown>;
  /** ONNX tensor names of the layer's inputs, in order. */
  inputs: string[];
  /** Keras shapes of those inputs, batch first as null. */
  inputShapes: (number | null)[][];
  /** The ONNX tensor name this layer's output must have. */
  output: string;
  paddingMode: PaddingMode;
}

/** Nodes and initializers a converter adds. */
export interface LayerNodes {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
}

/** Turns one Keras layer into ONNX nodes. */
export type Converter = (context: LayerContext) => LayerNodes;

const pair = (value: unknown, name: string): [number, number] => {
  if (typeof value === 'number') {
    return [value, value];
  }
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw new Error(`Expected ${name} to be a number or a pair, but got ${JSON.stringify(value)}.`);
};

/**
 * ONNX `pads` [top, left, bottom, right] for a window over an input of `size` (height, width).
 * Keras `same`: output ceil(in/stride), total padding split with the odd pixel at the end.
 */
export function windowPads(
  padding: string,
  size: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number],
  mode: PaddingMode = 'keras',
): number[] {
  if (padding === 'valid') {
    return [0, 0, 0, 0];
  }
  if (padding !== 'same') {
    throw new Error(`Padding "${padding}" cannot be exported; use "same" or "valid".`);
  }
  const begin: number[] = [];
  const end: number[] = [];
  for (let axis = 0; axis < 2; axis += 1) {
    const out = Math.ceil(size[axis] / strides[axis]);
    const span = (kernel[axis] - 1) * dilation[axis] + 1;
    const total = Math.max((out - 1) * strides[axis] + span - size[axis], 0);
    const small = Math.floor(total / 2);
    const large = total - small;
    if (mode === 'keras') {
      begin.push(small);
      end.push(large);
    } else if (mode === 'same-lower') {
      begin.push(large);
      end.push(small);
    } else {
      begin.push(large);
      end.push(large);
    }
  }
  return [...begin, ...end];
}

function spatial(shape: (number | null)[], layer: string): [number, number] {
  const [, height, width] = shape;
  if (shape.length !== 4 || typeof height !== 'number' || typeof width !== 'number') {
    throw new Error(`Layer ${layer} needs a 4-D input with a fixed height and width to export.`);
  }
  return [height, width];
}

/** A layer's weights by Keras name (`kernel`, `bias`, `gamma`, …), values copied out of tfjs. */
export function namedWeights(
  layer: tf.layers.Layer,
): Map<string, { shape: number[]; values: Float32Array }> {
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const variable of layer.weights) {
    const match = /([A-Za-z_]+?)(_\d+)?$/.exec(variable.originalName.split('/').pop() ?? '');
    const name = match?.[1] ?? variable.originalName;
    const tensor = variable.read();
    const data = tensor.dataSync();
    // Only read from here on, so no copy: the view keeps the values alive after a dispose.
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    weights.set(name, { shape: tensor.shape, values });
  }
  return weights;
}

function weight(
  weights: ReturnType<typeof namedWeights>,
  name: string,
  layer: string,
): { shape: number[]; values: Float32Array } {
  const found = weights.get(name);
  if (!found) {
    throw new Error(
      `Layer ${layer} has no weight "${name}" (it has ${[...weights.keys()].join(', ')}).`,
    );
  }
  return found;
}

/** Keras kernel [kh, kw, cin/groups, cout] → ONNX [cout, cin/groups, kh, kw]. */
export function hwioToOihw(values: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cin, cout] = shape;
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y += 1) {
    for (let x = 0; x < kw; x += 1) {
      for (let i = 0; i < cin; i += 1) {
        const source = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o += 1) {
          out[((o * cin + i) * kh + y) * kw + x] = values[source + o];
        }
      }
    }
  }
  return out;
}

/** The node an activation name stands for, or undefined for `linear`. */
export function activationNode(
  activation: string,
  input: string,
  output: string,
  name: string,
  rank: number,
): OnnxNode | undefined {
  const simple: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };
  if (activation === 'linear') {
    return undefined;
  }
  if (activation === 'softmax') {
    // Keras normalises the last axis, which is the channel axis 1 of an NCHW tensor.
    const axis = rank === 4 ? 1 : -1;
    return {
      name,
      opType: 'Softmax',
      input: [input],
      output: [output],
      attribute: [intAttribute('axis', axis)],
    };
  }
  const opType = simple[activation];
  if (!opType) {
    throw new Error(
      `Activation "${activation}" cannot be exported; use relu, sigmoid, tanh, softmax or linear.`,
    );
  }
  return { name, opType, input: [input], output: [output] };
}

/** Appends a layer's fused activation, if any, renaming the main node's output. */
function withActivation(context: LayerContext, main: OnnxNode, rank: number): OnnxNode[] {
  const activation = String(context.config.activation ?? 'linear');
  const name = context.layer.name;
  const node = activationNode(
    activation,
    `${name}/preact`,
    context.output,
    `${name}/${activation}`,
    rank,
  );
  if (!node) {
    return [main];
  }
  return [{ ...main, output: [`${name}/preact`] }, node];
}

export const convert2d: Converter = (context) => {
  const { layer, config } = context;
  const name = layer.name;
  const weights = namedWeights(layer);
  const kernel = weight(weights, 'kernel', name);
  const [kh, kw, cinPerGroup, cout] = kernel.shape;
  const size = spatial(context.inputShapes[0], name);
  const cin = context.inputShapes[0][3] as number;
  const groups = cin / cinPerGroup;
  if (!Number.isInteger(groups) || (config.groups !== undefined && config.groups !== groups)) {
    throw new Error(
      `Layer ${name}: kernel [${kernel.shape.join(', ')}] does not fit ${cin} input channels.`,
    );
  }
  const strides = pair(config.strides ?? 1, 'strides');
  const dilation = pair(config.dilationRate ?? 1, 'dilationRate');
  const pads = windowPads(
    String(config.padding),
    size,
    [kh, kw],
    strides,
    dilation,
    context.paddingMode,
  );
  const initializers = [
    floatTensor(
      `${name}/kernel`,
      [cout, cinPerGroup, kh, kw],
      hwioToOihw(kernel.values, kernel.shape),
    ),
  ];
  const inputs = [context.inputs[0], `${name}/kernel`];
  const bias = weights.get('bias');
  if (bias) {
    initializers.push(floatTensor(`${name}/bias`, [cout], bias.values));
    inputs.push(`${name}/bias`);
  }
  const conv: OnnxNode = {
    name,
    opType: 'Conv',
    input: inputs,
    output: [context.output],
    attribute: [
      intsAttribute('kernel_shape', [kh, kw]),
      intsAttribute('strides', strides),
      intsAttribute('dilations', dilation),
      intsAttribute('pads', pads),
      intAttribute('group', groups),
    ],
  };
  return { nodes: withActivation(context, conv, 4), initializers };
};

export const batchNormalization: Converter = (context) => {
  const { layer, config } = context;
  const name = layer.name;
  const rank = context.inputShapes[0].length;
  const axis = Number(config.axis ?? -1);
  if (axis !== -1 && axis !== rank - 1) {
    throw new Error(
      `Layer ${name}: only channel-last BatchNormalization (axis -1) can be exported.`,
    );
  }
  const channels = context.inputShapes[0][rank - 1] as number;
  const weights = namedWeights(layer);
  const values = (key: string, fill: number): Float32Array =>
    weights.get(key)?.values ?? new Float32Array(channels).fill(fill);
  const parameters: [string, Float32Array][] = [
    ['gamma', values('gamma', 1)],
    ['beta', values('beta', 0)],
    ['moving_mean', weight(weights, 'moving_mean', name).values],
    ['moving_variance', weight(weights, 'moving_variance', name).values],
  ];
  return {
    nodes: [
      {
        name,
        opType: 'BatchNormalization',
        input: [context.inputs[0], ...parameters.map(([key]) => `${name}/${key}`)],
        output: [context.output],
        attribute: [floatAttribute('epsilon', Number(config.epsilon ?? 1e-3))],
      },
    ],
    initializers: parameters.map(([key, data]) => floatTensor(`${name}/${key}`, [channels], data)),
  };
};

export const activation: Converter = (context) => {
  const name = context.layer.name;
  const kind = context.layer.getClassName() === 'ReLU' ? 'relu' : String(context.config.activation);
  const rank = context.inputShapes[0].length;
  const node = activationNode(kind, context.inputs[0], context.output, name, rank) ?? {
    name,
    opType: 'Identity',
    input: [context.inputs[0]],
    output: [context.output],
  };
  return { nodes: [{ ...node, name }], initializers: [] };
};

const pool =
  (opType: 'MaxPool' | 'AveragePool'): Converter =>
  (context) => {
    const { layer, config } = context;
    const size = spatial(context.inputShapes[0], layer.name);
    const kernel = pair(config.poolSize ?? 2, 'poolSize');
    const strides = pair(config.strides ?? kernel, 'strides');
    const pads = windowPads(
      String(config.padding ?? 'valid'),
      size,
      kernel,
      strides,
      [1, 1],
      context.paddingMode,
    );
    const attribute = [
      intsAttribute('kernel_shape', kernel),
      intsAttribute('strides', strides),
      intsAttribute('pads', pads),
    ];
    if (opType === 'AveragePool') {
      // Keras averages over the window's pixels inside the image only.
      attribute.push(intAttribute('count_include_pad', 0));
    }
    return {
      nodes: [
        {
          name: layer.name,
          opType,
          input: [context.inputs[0]],
          output: [context.output],
          attribute,
        },
      ],
      initializers: [],
    };
  };

export const maxPooling2d = pool('MaxPool');
export const averagePooling2d = pool('AveragePool');

export const add: Converter = (context) => ({
  nodes: [
    {
      name: context.layer.name,
      opType: context.inputs.length === 2 ? 'Add' : 'Sum',
      input: context.inputs,
      output: [context.output],
    },
  ],
  initializers: [],
});

export const globalAveragePooling2d: Converter = (context) => {
  const name = context.layer.name;
  return {
    nodes: [
      { name, opType: 'GlobalAveragePool', input: [context.inputs[0]], output: [`${name}/nc11`] },
      {
        name: `${name}/flatten`,
        opType: 'Flatten',
        input: [`${name}/nc11`],
        output: [context.output],
        attribute: [intAttribute('axis', 1)],
      },
    ],
    initializers: [],
  };
};

export const flatten: Converter = (context) => {
  const name = context.layer.name;
  const rank = context.inputShapes[0].length;
  const nodes: OnnxNode[] = [];
  let input = context.inputs[0];
  if (rank === 4) {
    // Keras flattens NHWC order; go back to it before flattening.
    nodes.push({
      name: `${name}/to_nhwc`,
      opType: 'Transpose',
      input: [input],
      output: [`${name}/nhwc`],
      attribute: [intsAttribute('perm', [0, 2, 3, 1])],
    });
    input = `${name}/nhwc`;
  }
  nodes.push({
    name,
    opType: 'Flatten',
    input: [input],
    output: [context.output],
    attribute: [intAttribute('axis', 1)],
  });
  return { nodes, initializers: [] };
};

export const dense: Converter = (context) => {
  const { layer } = context;
  const name = layer.name;
  if (context.inputShapes[0].length !== 2) {
    throw new Error(`Layer ${name}: only Dense on a flat (2-D) input can be exported.`);
  }
  const weights = namedWeights(layer);
  const kernel = weight(weights, 'kernel', name);
  const [units] = kernel.shape.slice(-1);
  const bias = weights.get('bias')?.values ?? new Float32Array(units);
  const gemm: OnnxNode = {
    name,
    opType: 'Gemm',
    input: [context.inputs[0], `${name}/kernel`, `${name}/bias`],
    output: [context.output],
  };
  return {
    nodes: withActivation(context, gemm, 2),
    initializers: [
      floatTensor(`${name}/kernel`, kernel.shape, kernel.values),
      floatTensor(`${name}/bias`, [units], bias),
    ],
  };
};

/** Converters by Keras class name; the grouped convolution is converted like Conv2D. */
export const CONVERTERS: Readonly<Record<string, Converter>> = {
  Conv2D: convert2d,
  GroupedConv2D: convert2d,
  BatchNormalization: batchNormalization,
  Activation: activation,
  ReLU: activation,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  Add: add,
  GlobalAveragePooling2D: globalAveragePooling2d,
  Flatten: flatten,
  Dense: dense,
};
