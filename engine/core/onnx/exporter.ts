/**
 * Exports a built tfjs LayersModel (a functional model of Conv2D / grouped conv, BatchNormalization,
 * Activation, pooling, Add, GlobalAveragePooling2D, Dense) to an ONNX model in memory.
 *
 * The input stays NHWC like the Keras model, with one Transpose at the entry; inside, tensors are
 * NCHW. Each layer's output tensor is named after the layer, every node after its layer (extra nodes
 * as `layer/part`), and the node → layer table is stored in the model's metadata under
 * `inspector.node_layers`.
 */
import type * as tf from '@tensorflow/tfjs';
import { CONVERTERS, type LayerContext, type PaddingMode } from './layerOps';
import type { OriginalGraph } from './nodeMapping';
import {
  encodeModel,
  floatValueInfo,
  intsAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnxProto';
import { encodeModelStreamed, type ByteSink, type TensorHeader } from './onnxStream';

/** ONNX operator set written; BatchNormalization-15, Softmax-13 and Gemm-13 semantics. */
export const OPSET = 17;
/** IR version that goes with opset 17. */
export const IR_VERSION = 8;
/** The metadata key of the node → layer table. */
export const NODE_LAYERS_KEY = 'inspector.node_layers';
/** The metadata key of the Keras layer order (names, topological). */
export const LAYERS_KEY = 'inspector.layers';

/** Options of an export. */
export interface ExportOptions {
  /** Extra layers whose outputs become graph outputs (4-D ones transposed back to NHWC). */
  extraOutputs?: readonly string[];
  /** Extra metadata entries, e.g. the config the model was built from. */
  metadata?: Readonly<Record<string, string>>;
  /** How `same` padding is written; anything but the default `keras` gives wrong numbers. */
  paddingMode?: PaddingMode;
  /** Producer version written into the file. */
  producerVersion?: string;
}

/** An exported model: the ONNX bytes, and what the profiler needs to map nodes back to layers. */
export interface OnnxExport {
  bytes: Uint8Array;
  /** Node name → Keras layer name, for every node. */
  nodeLayers: Record<string, string>;
  /** Keras layer names in the model's (topological) order. */
  layers: string[];
  /** The graph input's name (NHWC, batch first). */
  inputName: string;
  /** Graph output names, model outputs first, then the extra outputs in the order asked. */
  outputNames: string[];
  /** Nodes written. */
  nodeCount: number;
  /** The original graph, for mapping an optimised graph's nodes back to layers. */
  original: OriginalGraph;
  /** Each layer's Keras output shape, batch first as null. */
  shapes: Record<string, (number | null)[]>;
}

interface Edge {
  layer: tf.layers.Layer;
  /** Producer layer names of this layer's inputs. */
  inbound: string[];
}

function inboundOf(layer: tf.layers.Layer): Edge {
  if (layer.inboundNodes.length !== 1) {
    throw new Error(
      `Layer ${layer.name} is used ${layer.inboundNodes.length} times; shared layers cannot be exported.`,
    );
  }
  const node = layer.inboundNodes[0];
  return { layer, inbound: node.inboundLayers.map((source) => source.name) };
}

const shapeOf = (layer: tf.layers.Layer): (number | null)[] => {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) {
    throw new Error(`Layer ${layer.name} has several outputs; it cannot be exported.`);
  }
  return [...(shape as (number | null)[])];
};

/**
 * Collects nodes and initializers. Given `onTensors`, it keeps only each initializer's header and
 * hands the data on at once, so that a streamed export holds one layer's weights at a time.
 */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly headers: TensorHeader[] = [];
  readonly nodeLayers: Record<string, string> = {};

  constructor(private readonly onTensors?: (tensors: OnnxTensor[]) => void) {}

  add(layerName: string, nodes: OnnxNode[], initializers: OnnxTensor[] = []): void {
    for (const node of nodes) {
      if (node.name in this.nodeLayers) {
        throw new Error(`Two ONNX nodes would be named ${node.name}.`);
      }
      this.nodeLayers[node.name] = layerName;
      this.nodes.push(node);
    }
    for (const { name, dims, dataType, rawData } of initializers) {
      this.headers.push({ name, dims, dataType, byteLength: rawData.byteLength });
    }
    if (this.onTensors) {
      this.onTensors(initializers);
    } else {
      this.initializers.push(...initializers);
    }
  }
}

function entry(builder: GraphBuilder, input: tf.layers.Layer): OnnxValueInfo {
  const shape = shapeOf(input);
  if (shape.length !== 4) {
    throw new Error(`The model input ${input.name} must be an image (N, H, W, C) to export.`);
  }
  builder.add(input.name, [
    {
      name: `${input.name}/to_nchw`,
      opType: 'Transpose',
      input: [input.name],
      output: [`${input.name}/nchw`],
      attribute: [intsAttribute('perm', [0, 3, 1, 2])],
    },
  ]);
  return floatValueInfo(input.name, shape);
}

function exit(builder: GraphBuilder, layer: tf.layers.Layer, tensor: string): OnnxValueInfo {
  const shape = shapeOf(layer);
  if (shape.length !== 4) {
    return floatValueInfo(tensor, shape);
  }
  const output = `${layer.name}/nhwc`;
  builder.add(layer.name, [
    {
      name: `${layer.name}/to_nhwc`,
      opType: 'Transpose',
      input: [tensor],
      output: [output],
      attribute: [intsAttribute('perm', [0, 2, 3, 1])],
    },
  ]);
  return floatValueInfo(output, shape);
}

/** The graph so far: nodes, the ONNX tensor of each layer's output, shapes and inbound layers. */
interface Converted {
  builder: GraphBuilder;
  tensorOf: Map<string, string>;
  shapes: Map<string, (number | null)[]>;
  inputs: OnnxValueInfo[];
  inbound: Record<string, string[]>;
}

/**
 * A grow-only buffer, handed out from its start: for a streamed export, whose tensors are each
 * written out before the next is made.
 */
function scratchBuffer(): (length: number) => Float32Array {
  let buffer = new Float32Array(0);
  return (length) => {
    if (buffer.length < length) {
      buffer = new Float32Array(length);
    }
    return buffer.subarray(0, length);
  };
}

/** Converts every layer, in the model's topological order. */
function convertLayers(
  model: tf.LayersModel,
  options: ExportOptions,
  onTensors?: (tensors: OnnxTensor[]) => void,
): Converted {
  if (model.inputs.length !== 1) {
    throw new Error(
      `Only models with one input can be exported; ${model.name} has ${model.inputs.length}.`,
    );
  }
  const scratch = scratchBuffer();
  const done: Converted = {
    builder: new GraphBuilder(onTensors),
    tensorOf: new Map(),
    shapes: new Map(),
    inputs: [],
    inbound: {},
  };
  const { builder, tensorOf, shapes } = done;
  for (const layer of model.layers) {
    shapes.set(layer.name, shapeOf(layer));
    done.inbound[layer.name] = [];
    if (layer.getClassName() === 'InputLayer') {
      done.inputs.push(entry(builder, layer));
      tensorOf.set(layer.name, `${layer.name}/nchw`);
      continue;
    }
    const convert = CONVERTERS[layer.getClassName()];
    if (!convert) {
      throw new Error(`Layer ${layer.name} (${layer.getClassName()}) has no ONNX export.`);
    }
    const { inbound } = inboundOf(layer);
    done.inbound[layer.name] = inbound;
    const context: LayerContext = {
      layer,
      config: layer.getConfig() as Record<string, unknown>,
      inputs: inbound.map((name) => tensorOf.get(name) as string),
      inputShapes: inbound.map((name) => shapes.get(name) as (number | null)[]),
      output: layer.name,
      paddingMode: options.paddingMode ?? 'keras',
      ...(onTensors ? { scratch } : {}),
    };
    const { nodes, initializers } = convert(context);
    builder.add(layer.name, nodes, initializers);
    tensorOf.set(layer.name, layer.name);
  }
  return done;
}

/** What the node mapping needs to know of the graph as exported. */
function originalGraph(model: tf.LayersModel, converted: Converted): OriginalGraph {
  const { builder, inputs } = converted;
  const tensorLayers: Record<string, string> = Object.fromEntries(
    inputs.map((input) => [input.name, input.name]),
  );
  for (const node of builder.nodes) {
    node.output.forEach((tensor) => (tensorLayers[tensor] = builder.nodeLayers[node.name]));
  }
  return {
    layers: model.layers.map((layer) => layer.name),
    inbound: converted.inbound,
    nodeLayers: builder.nodeLayers,
    tensorLayers,
    classes: Object.fromEntries(model.layers.map((layer) => [layer.name, layer.getClassName()])),
  };
}

/** The ONNX model object (not yet encoded) and the tables that go with it. */
interface BuiltModel {
  model: OnnxModel;
  original: OriginalGraph;
  shapes: Record<string, (number | null)[]>;
  outputs: string[];
  /** Every initializer's name, shape, type and size, in the graph's order. */
  headers: TensorHeader[];
}

/**
 * Builds the ONNX model object (not yet encoded) and the tables that go with it. With `onTensors`
 * the graph lists no initializers: each layer's are handed to it as they are made.
 */
export function toOnnxModel(
  model: tf.LayersModel,
  options: ExportOptions = {},
  onTensors?: (tensors: OnnxTensor[]) => void,
): BuiltModel {
  const converted = convertLayers(model, options, onTensors);
  const { builder, tensorOf } = converted;
  const outputLayers = [
    ...model.outputLayers.map((layer) => layer.name),
    ...(options.extraOutputs ?? []),
  ];
  const outputs = outputLayers.map((name) => {
    const tensor = tensorOf.get(name);
    if (!tensor) {
      throw new Error(`No layer named ${name} to export as an output.`);
    }
    return exit(builder, model.getLayer(name), tensor);
  });
  const original = originalGraph(model, converted);
  const metadata = {
    ...options.metadata,
    [NODE_LAYERS_KEY]: JSON.stringify(builder.nodeLayers),
    [LAYERS_KEY]: JSON.stringify(original.layers),
  };
  const onnx: OnnxModel = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'resnext-inspector',
    producerVersion: options.producerVersion ?? '0.1.0',
    graph: {
      name: model.name,
      node: builder.nodes,
      initializer: builder.initializers,
      input: converted.inputs,
      output: outputs,
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return {
    model: onnx,
    original,
    shapes: Object.fromEntries(converted.shapes),
    outputs: outputs.map((output) => output.name),
    headers: builder.headers,
  };
}

/** Exports a built tfjs model to ONNX bytes; throws naming the layer that cannot be exported. */
export function exportToOnnx(
  model: tf.LayersModel,
  options: ExportOptions = {},
): OnnxExport & { model: OnnxModel } {
  const built = toOnnxModel(model, options);
  return {
    bytes: encodeModel(built.model),
    nodeLayers: built.original.nodeLayers as Record<string, string>,
    layers: [...built.original.layers],
    inputName: built.model.graph.input[0].name,
    outputNames: built.outputs,
    nodeCount: built.model.graph.node.length,
    original: built.original,
    shapes: built.shapes,
    model: built.model,
  };
}

/** What an export says about the model it wrote, less the bytes themselves. */
export type OnnxExportInfo = Omit<OnnxExport, 'bytes'> & {
  /** Bytes written. */
  byteLength: number;
  /** Bytes of the initializers' data. */
  weightBytes: number;
};

/**
 * Exports a built tfjs model to `sink` a piece at a time: the same bytes as `exportToOnnx`, but
 * at most one layer's weights are held beyond the tfjs model's own. The layers are converted
 * twice, once to plan the graph (protobuf writes each length before its content) and once to
 * write the weights.
 */
export function exportToSink(
  model: tf.LayersModel,
  sink: ByteSink,
  options: ExportOptions = {},
): OnnxExportInfo {
  const planned = toOnnxModel(model, options, () => undefined);
  const byteLength = encodeModelStreamed(
    planned.model,
    planned.headers,
    (write) => convertLayers(model, options, (tensors) => tensors.forEach(write)),
    sink,
  );
  return {
    byteLength,
    weightBytes: planned.headers.reduce((sum, header) => sum + header.byteLength, 0),
    nodeLayers: planned.original.nodeLayers as Record<string, string>,
    layers: [...planned.original.layers],
    inputName: planned.model.graph.input[0].name,
    outputNames: planned.outputs,
    nodeCount: planned.model.graph.node.length,
    original: planned.original,
    shapes: planned.shapes,
  };
}

/**
 * The nodes and graph outputs that also output the given layers (4-D ones back in NHWC) of a
 * model whose outputs are `existing`, and each layer's output name. The input layer is not one.
 */
export function layerOutputAdditions(
  existing: readonly { name: string }[],
  layers: readonly { name: string; shape: readonly (number | null)[] }[],
): { nodes: OnnxNode[]; outputs: OnnxValueInfo[]; outputNames: Record<string, string> } {
  const nodes: OnnxNode[] = [];
  const outputs: OnnxValueInfo[] = [];
  const taken = new Set(existing.map((output) => output.name));
  const outputNames: Record<string, string> = {};
  for (const { name, shape } of layers) {
    let tensor = name;
    if (shape.length === 4) {
      tensor = `${name}/nhwc`;
      if (!taken.has(tensor)) {
        nodes.push({
          name: `${name}/to_nhwc`,
          opType: 'Transpose',
          input: [name],
          output: [tensor],
          attribute: [intsAttribute('perm', [0, 2, 3, 1])],
        });
      }
    }
    if (!taken.has(tensor)) {
      outputs.push(floatValueInfo(tensor, shape));
      taken.add(tensor);
    }
    outputNames[name] = tensor;
  }
  return { nodes, outputs, outputNames };
}

/**
 * A copy of an exported model that also outputs the given layers (4-D ones back in NHWC), sharing
 * its weights; for passes that read every layer's output. The input layer is not an output.
 */
export function withLayerOutputs(
  model: OnnxModel,
  layers: readonly { name: string; shape: readonly (number | null)[] }[],
): { model: OnnxModel; outputNames: Record<string, string> } {
  const added = layerOutputAdditions(model.graph.output, layers);
  const graph = {
    ...model.graph,
    node: [...model.graph.node, ...added.nodes],
    output: [...model.graph.output, ...added.outputs],
  };
  return { model: { ...model, graph }, outputNames: added.outputNames };
}
