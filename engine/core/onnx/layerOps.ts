/**
 * Per-layer conversion of Keras layers to ONNX nodes. Every 4-D tensor inside the graph is NCHW;
 * the exporter transposes the NHWC input once at the entry. Keras `same` padding is written as
 * explicit pads, which are asymmetric (more at the end) when the stride does not divide evenly.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  activationNode,
  hwioToOihw,
  namedWeights,
  pair,
  spatial,
  weight,
  windowPads,
  type PaddingMode,
} from './layerParts';
import {
  floatAttribute,
  floatTensor,
  intAttribute,
  intsAttribute,
  type OnnxNode,
  type OnnxTensor,
} from './onnxProto';

export type { PaddingMode } from './layerParts';
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
  /**
   * A buffer of at least `length` floats to compute a transposed kernel into, where its tensor is
   * written out before the next layer is converted (a streamed export): no 178 MB of fresh arrays.
   */
  scratch?: (length: number) => Float32Array;
}

/** Nodes and initializers a converter adds. */
export interface LayerNodes {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
}

/** Turns one Keras layer into ONNX nodes. */
export type Converter = (context: LayerContext) => LayerNodes;

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
      hwioToOihw(kernel.values, kernel.shape, context.scratch?.(kernel.values.length)),
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

/** A layer that passes its input through at inference: dropout and noise act only in training. */
export const identity: Converter = (context) => ({
  nodes: [
    {
      name: context.layer.name,
      opType: 'Identity',
      input: [context.inputs[0]],
      output: [context.output],
    },
  ],
  initializers: [],
});

export const leakyReLU: Converter = (context) => ({
  nodes: [
    {
      name: context.layer.name,
      opType: 'LeakyRelu',
      input: [context.inputs[0]],
      output: [context.output],
      // Keras's default slope, which tfjs shares, when the config leaves it out.
      attribute: [floatAttribute('alpha', Number(context.config.alpha ?? 0.3))],
    },
  ],
  initializers: [],
});

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
  LeakyReLU: leakyReLU,
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  GaussianDropout: identity,
  GaussianNoise: identity,
  AlphaDropout: identity,
};
