/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, IR 8) that an exported model needs: field
 * numbers and types are ONNX's own, names are camelCase. Encodes the models we write and decodes
 * the optimised ones ORT saves (protoCodec.ts: no generated code, so it runs under a page's
 * Content-Security-Policy too); fields not listed here are skipped on decode.
 */
import { decodeMessage, encodeMessage, type ProtoType } from './protoCodec';

/** TensorProto.DataType values we use. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values we use. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** An ONNX attribute: one of `f`, `i`, `s`, `ints`, tagged by `type`. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

/** An ONNX node. */
export interface OnnxNode {
  name: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
}

/** A constant tensor, its values as little-endian bytes in `rawData`. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** A dimension: a fixed size or a symbolic name such as `batch`. */
export type OnnxDimension = { dimValue: number } | { dimParam: string };

/** A graph input or output with its element type and shape. */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: OnnxDimension[] } } };
}

/** An ONNX graph. */
export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

/** An ONNX model. */
export interface OnnxModel {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  metadataProps: { key: string; value: string }[];
}

const field = (id: number, type: string, rule?: 'repeated') =>
  rule ? { id, type, rule: 'repeated' as const } : { id, type };

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: field(1, 'string'),
            type: field(20, 'int32'),
            f: field(2, 'float'),
            i: field(3, 'int64'),
            s: field(4, 'bytes'),
            floats: field(7, 'float', 'repeated'),
            ints: field(8, 'int64', 'repeated'),
            strings: field(9, 'bytes', 'repeated'),
          },
        },
        ValueInfoProto: {
          fields: { name: field(1, 'string'), type: field(2, 'TypeProto') },
        },
        NodeProto: {
          fields: {
            input: field(1, 'string', 'repeated'),
            output: field(2, 'string', 'repeated'),
            name: field(3, 'string'),
            opType: field(4, 'string'),
            domain: field(7, 'string'),
            attribute: field(5, 'AttributeProto', 'repeated'),
            docString: field(6, 'string'),
          },
        },
        ModelProto: {
          fields: {
            irVersion: field(1, 'int64'),
            opsetImport: field(8, 'OperatorSetIdProto', 'repeated'),
            producerName: field(2, 'string'),
            producerVersion: field(3, 'string'),
            domain: field(4, 'string'),
            modelVersion: field(5, 'int64'),
            docString: field(6, 'string'),
            graph: field(7, 'GraphProto'),
            metadataProps: field(14, 'StringStringEntryProto', 'repeated'),
          },
        },
        StringStringEntryProto: {
          fields: { key: field(1, 'string'), value: field(2, 'string') },
        },
        GraphProto: {
          fields: {
            node: field(1, 'NodeProto', 'repeated'),
            name: field(2, 'string'),
            initializer: field(5, 'TensorProto', 'repeated'),
            docString: field(10, 'string'),
            input: field(11, 'ValueInfoProto', 'repeated'),
            output: field(12, 'ValueInfoProto', 'repeated'),
            valueInfo: field(13, 'ValueInfoProto', 'repeated'),
          },
        },
        TensorProto: {
          fields: {
            dims: field(1, 'int64', 'repeated'),
            dataType: field(2, 'int32'),
            floatData: field(4, 'float', 'repeated'),
            int64Data: field(7, 'int64', 'repeated'),
            name: field(8, 'string'),
            rawData: field(9, 'bytes'),
          },
        },
        TensorShapeProto: {
          fields: { dim: field(1, 'Dimension', 'repeated') },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: field(1, 'int64'),
                dimParam: field(2, 'string'),
                denotation: field(3, 'string'),
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: field(1, 'Tensor'), denotation: field(6, 'string') },
          nested: {
            Tensor: {
              fields: { elemType: field(1, 'int32'), shape: field(2, 'TensorShapeProto') },
            },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: field(1, 'string'), version: field(2, 'int64') },
        },
      },
    },
  },
};

/** The message types, by name. */
const TYPES = SCHEMA.nested.onnx.nested as unknown as Record<string, ProtoType>;

/** The names of the message types of the schema. */
export type OnnxTypeName =
  | 'ModelProto'
  | 'GraphProto'
  | 'NodeProto'
  | 'TensorProto'
  | 'ValueInfoProto'
  | 'StringStringEntryProto';

/** One message type of the schema, for encoding or decoding a model piece by piece. */
export interface OnnxMessageType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): Record<string, unknown>;
  /** The decoded message as it is (int64 as numbers, arrays always): kept for callers' shape. */
  toObject(message: Record<string, unknown>, options?: object): Record<string, unknown>;
}

/** One message type of the schema, for encoding or decoding a model piece by piece. */
export function onnxType(name: OnnxTypeName): OnnxMessageType {
  const type = TYPES[name];
  return {
    encode: (message) => ({
      finish: () => encodeMessage(TYPES, type, message as Record<string, unknown>),
    }),
    decode: (bytes) => decodeMessage(TYPES, type, bytes),
    toObject: (message) => message,
  };
}

/** Serialises a model to the ONNX file format. */
export function encodeModel(model: OnnxModel): Uint8Array {
  return onnxType('ModelProto').encode(model).finish();
}

/** Parses an ONNX file; int64 fields come back as numbers, bytes as Uint8Array. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  return withArrays(onnxType('ModelProto').decode(bytes)) as unknown as OnnxModel;
}

/** The repeated fields a decoded model's readers index without checking (absent means empty). */
function withArrays(model: Record<string, unknown>): Record<string, unknown> {
  const graph = (model.graph ?? {}) as Record<string, unknown>;
  for (const key of ['node', 'initializer', 'input', 'output']) {
    graph[key] ??= [];
  }
  for (const node of graph.node as Record<string, unknown>[]) {
    node.input ??= [];
    node.output ??= [];
  }
  model.graph = graph;
  model.opsetImport ??= [];
  model.metadataProps ??= [];
  return model;
}

const encoder = new TextEncoder();

/** An INT attribute. */
export const intAttribute = (name: string, i: number): OnnxAttribute => ({
  name,
  type: AttributeType.INT,
  i,
});

/** An INTS attribute. */
export const intsAttribute = (name: string, ints: readonly number[]): OnnxAttribute => ({
  name,
  type: AttributeType.INTS,
  ints: [...ints],
});

/** A FLOAT attribute. */
export const floatAttribute = (name: string, f: number): OnnxAttribute => ({
  name,
  type: AttributeType.FLOAT,
  f,
});

/** A STRING attribute. */
export const stringAttribute = (name: string, s: string): OnnxAttribute => ({
  name,
  type: AttributeType.STRING,
  s: encoder.encode(s),
});

/** A float32 initializer; the bytes are the array's own, little-endian on every platform we run. */
export function floatTensor(
  name: string,
  dims: readonly number[],
  values: Float32Array,
): OnnxTensor {
  const expected = dims.reduce((product, size) => product * size, 1);
  if (values.length !== expected) {
    throw new Error(`Tensor ${name} has ${values.length} values for shape [${dims.join(', ')}].`);
  }
  return {
    name,
    dims: [...dims],
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

/** An int64 initializer (for Reshape's shape input). */
export function int64Tensor(name: string, values: readonly number[]): OnnxTensor {
  const data = new BigInt64Array(values.map((value) => BigInt(value)));
  return {
    name,
    dims: [values.length],
    dataType: DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  };
}

/** A float32 graph input/output with a symbolic batch dimension first. */
export function floatValueInfo(name: string, shape: readonly (number | null)[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: {
          dim: shape.map((size) => (size === null ? { dimParam: 'batch' } : { dimValue: size })),
        },
      },
    },
  };
}
