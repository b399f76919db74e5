/**
 * ONNX files a piece at a time, so that no whole model (178 MB for ResNeXt-101) is ever held in
 * memory: writing a model whose weights stream in one tensor after another, reading a file's
 * graph (nodes, inputs, outputs, metadata) while skipping its weights, and copying a file with
 * extra nodes and outputs appended to its graph. Portable: the host supplies the bytes (a file in
 * Node, an array in a browser) through ByteSource and ByteSink.
 *
 * The writer emits fields in field-number order, as protobufjs does, so a streamed model is byte
 * for byte what `encodeModel` writes for the same model held whole.
 */
import {
  onnxType,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnxProto';

/** Receives the bytes of a file in order. */
export type ByteSink = (bytes: Uint8Array) => void;

/** Random access to the bytes of a file, read a piece at a time. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset`; fewer may come back (as from a file), none past the end. */
  read(offset: number, length: number): Uint8Array;
}

/** Exactly `length` bytes from `offset`, in as many reads as the source needs. */
export function readFully(source: ByteSource, offset: number, length: number): Uint8Array {
  const first = source.read(offset, length);
  if (first.byteLength === length) {
    return first;
  }
  const out = new Uint8Array(length);
  out.set(first);
  let filled = first.byteLength;
  while (filled < length) {
    const piece = source.read(offset + filled, length - filled);
    if (piece.byteLength === 0) {
      throw new Error('The ONNX file ends in the middle of a field.');
    }
    out.set(piece, filled);
    filled += piece.byteLength;
  }
  return out;
}

/** A ByteSource over bytes already in memory. */
export function arraySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** An initializer as the graph lists it before its data exists. */
export interface TensorHeader {
  name: string;
  dims: number[];
  dataType: number;
  byteLength: number;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;
/** ModelProto.graph, GraphProto.initializer, TensorProto.raw_data, and the metadata entries. */
const FIELD = { graph: 7, initializer: 5, rawData: 9, node: 1, name: 2, input: 11, output: 12 };
const METADATA_FIELD = 14;

/** A varint's bytes (non-negative integers up to 2^53). */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

const key = (field: number, wire: number): number[] => varint(field * 8 + wire);

const concat = (...parts: (Uint8Array | number[])[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

const encode = (type: Parameters<typeof onnxType>[0], message: object): Uint8Array =>
  onnxType(type).encode(message).finish();

/** TensorProto without raw_data (field 9, the last), then raw_data's key and length. */
function tensorPrefix(tensor: TensorHeader): { prefix: Uint8Array; body: number } {
  const head = encode('TensorProto', {
    dims: tensor.dims,
    dataType: tensor.dataType,
    name: tensor.name,
  });
  const rawKey = [...key(FIELD.rawData, WIRE_LENGTH), ...varint(tensor.byteLength)];
  const body = head.length + rawKey.length + tensor.byteLength;
  return {
    prefix: concat(key(FIELD.initializer, WIRE_LENGTH), varint(body), head, rawKey),
    body,
  };
}

/**
 * Writes `skeleton` (a model whose graph lists no initializers) with the initializers `tensors`
 * names, whose data `stream` hands to its callback one tensor at a time, in that order. Returns
 * the bytes written.
 */
export function encodeModelStreamed(
  skeleton: OnnxModel,
  tensors: readonly TensorHeader[],
  stream: (write: (tensor: OnnxTensor) => void) => void,
  sink: ByteSink,
): number {
  const { graph } = skeleton;
  const head = encode('ModelProto', {
    irVersion: skeleton.irVersion,
    producerName: skeleton.producerName,
    producerVersion: skeleton.producerVersion,
  });
  const nodes = encode('GraphProto', { node: graph.node, name: graph.name });
  const inputsOutputs = encode('GraphProto', { input: graph.input, output: graph.output });
  const tail = encode('ModelProto', {
    opsetImport: skeleton.opsetImport,
    metadataProps: skeleton.metadataProps,
  });
  const initializerBytes = tensors.reduce((sum, tensor) => {
    const { body } = tensorPrefix(tensor);
    return sum + key(FIELD.initializer, WIRE_LENGTH).length + varint(body).length + body;
  }, 0);
  const graphLength = nodes.length + initializerBytes + inputsOutputs.length;
  let written = 0;
  const emit = (bytes: Uint8Array): void => {
    sink(bytes);
    written += bytes.byteLength;
  };
  emit(concat(head, key(FIELD.graph, WIRE_LENGTH), varint(graphLength), nodes));
  let index = 0;
  stream((tensor) => {
    const planned = tensors[index];
    if (
      !planned ||
      planned.name !== tensor.name ||
      planned.byteLength !== tensor.rawData.byteLength
    ) {
      throw new Error(`Initializer ${tensor.name} was not planned at position ${index}.`);
    }
    index += 1;
    emit(tensorPrefix(planned).prefix);
    emit(tensor.rawData);
  });
  if (index !== tensors.length) {
    throw new Error(`${tensors.length - index} planned initializers were never written.`);
  }
  emit(concat(inputsOutputs, tail));
  return written;
}

/** Reads varints and spans from a ByteSource through a window, so small fields cost one read. */
class Cursor {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  constructor(
    private readonly source: ByteSource,
    public position = 0,
    private readonly chunk = 1 << 16,
  ) {}

  private byte(at: number): number {
    if (at < this.windowStart || at >= this.windowStart + this.window.length) {
      this.windowStart = at;
      this.window = this.source.read(at, Math.min(this.chunk, this.source.size - at));
      if (this.window.length === 0) {
        throw new Error('The ONNX file ends in the middle of a field.');
      }
    }
    return this.window[at - this.windowStart];
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let count = 0; count < 10; count += 1) {
      const byte = this.byte(this.position);
      this.position += 1;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        return value;
      }
      scale *= 0x80;
    }
    throw new Error('The ONNX file has a malformed varint.');
  }

  bytes(length: number): Uint8Array {
    if (this.position + length > this.source.size) {
      throw new Error('The ONNX file ends in the middle of a field.');
    }
    const inWindow =
      this.position >= this.windowStart &&
      this.position + length <= this.windowStart + this.window.length;
    const bytes = inWindow
      ? this.window.slice(
          this.position - this.windowStart,
          this.position - this.windowStart + length,
        )
      : readFully(this.source, this.position, length).slice();
    this.position += length;
    return bytes;
  }

  /** Reads a field's key and skips or measures its value; returns where the value lies. */
  field(): { field: number; wire: number; start: number; end: number } {
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    let start = this.position;
    if (wire === WIRE_VARINT) {
      this.varint();
    } else if (wire === WIRE_FIXED64) {
      this.position += 8;
    } else if (wire === WIRE_FIXED32) {
      this.position += 4;
    } else if (wire === WIRE_LENGTH) {
      const length = this.varint();
      start = this.position;
      this.position += length;
    } else {
      throw new Error(`The file is not an ONNX model (wire type ${wire} in field ${field}).`);
    }
    if (this.position > this.source.size) {
      throw new Error('The ONNX file ends in the middle of a field.');
    }
    return { field, wire, start, end: this.position };
  }
}

/** What `readGraph` returns: the graph without its weights. */
export interface GraphOutline {
  name: string;
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata: { key: string; value: string }[];
  /** Bytes the initializers take in the file (skipped, never read). */
  initializerBytes: number;
}

const decode = <T>(type: Parameters<typeof onnxType>[0], bytes: Uint8Array): T => {
  const messageType = onnxType(type);
  return messageType.toObject(messageType.decode(bytes), {
    longs: Number,
    arrays: true,
    defaults: false,
  }) as T;
};

/** Reads an ONNX file's graph and metadata, skipping the initializers' bytes. */
export function readGraph(source: ByteSource): GraphOutline {
  const outline: GraphOutline = {
    name: '',
    nodes: [],
    inputs: [],
    outputs: [],
    metadata: [],
    initializerBytes: 0,
  };
  const top = new Cursor(source);
  let graphs = 0;
  while (top.position < source.size) {
    const { field, wire, start, end } = top.field();
    if (wire !== WIRE_LENGTH) {
      continue;
    }
    if (field === METADATA_FIELD) {
      const reader = new Cursor(source, start);
      outline.metadata.push(decode('StringStringEntryProto', reader.bytes(end - start)));
    } else if (field === FIELD.graph) {
      graphs += 1;
      readGraphFields(source, start, end, outline);
    }
  }
  if (graphs !== 1) {
    throw new Error(`The file is not an ONNX model (${graphs} graphs).`);
  }
  return outline;
}

function readGraphFields(source: ByteSource, start: number, end: number, out: GraphOutline) {
  const cursor = new Cursor(source, start);
  while (cursor.position < end) {
    const field = cursor.field();
    if (field.wire !== WIRE_LENGTH) {
      continue;
    }
    if (field.field === FIELD.initializer) {
      out.initializerBytes += field.end - field.start;
      continue;
    }
    const piece = (): Uint8Array => new Cursor(source, field.start).bytes(field.end - field.start);
    if (field.field === FIELD.node) {
      out.nodes.push(decode<OnnxNode>('NodeProto', piece()));
    } else if (field.field === FIELD.input) {
      out.inputs.push(decode<OnnxValueInfo>('ValueInfoProto', piece()));
    } else if (field.field === FIELD.output) {
      out.outputs.push(decode<OnnxValueInfo>('ValueInfoProto', piece()));
    } else if (field.field === FIELD.name) {
      out.name = new TextDecoder().decode(piece());
    }
  }
  if (cursor.position !== end) {
    throw new Error('The ONNX graph is malformed (a field runs past its end).');
  }
}

/**
 * Copies an ONNX file to `sink` with `nodes` and `outputs` appended to its graph (protobuf merges
 * repeated fields, so they join the graph's own), the weights copied a chunk at a time.
 */
export function appendToGraph(
  source: ByteSource,
  sink: ByteSink,
  extra: { nodes: readonly OnnxNode[]; outputs: readonly OnnxValueInfo[] },
  chunk = 1 << 20,
): void {
  const added = encode('GraphProto', { node: extra.nodes, output: extra.outputs });
  const copy = (from: number, to: number): void => {
    for (let at = from; at < to; at += chunk) {
      sink(readFully(source, at, Math.min(chunk, to - at)));
    }
  };
  const cursor = new Cursor(source);
  while (cursor.position < source.size) {
    const fieldStart = cursor.position;
    const { field, wire, start, end } = cursor.field();
    if (field === FIELD.graph && wire === WIRE_LENGTH) {
      sink(concat(key(FIELD.graph, WIRE_LENGTH), varint(end - start + added.length)));
      copy(start, end);
      sink(added);
    } else {
      copy(fieldStart, end);
    }
  }
}
