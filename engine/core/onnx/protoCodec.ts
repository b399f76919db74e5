/**
 * Protocol Buffers for ONNX's schema, read from the schema's own description (field numbers and
 * types) rather than from generated code: protobufjs builds its codecs with `new Function`, which
 * a page's Content-Security-Policy forbids, and the window's engine exports models too. Fields are
 * written in field-number order (as protobufjs does), repeated numbers unpacked (proto2, as ONNX's
 * schema is), int64 as varints; reading takes packed numbers as well, and skips unknown fields.
 */

/** One field of a message type. */
export interface ProtoField {
  id: number;
  type: string;
  rule?: 'repeated';
}

/** A message type: its fields, and types declared inside it. */
export interface ProtoType {
  fields: Record<string, ProtoField>;
  nested?: Record<string, ProtoType>;
}

const SCALARS = new Set(['int32', 'int64', 'float', 'string', 'bytes']);
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Growable bytes. */
class Writer {
  private buffer = new Uint8Array(256);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** An unsigned varint of a value below 2^53, or a negative one as 10-byte two's complement. */
  varint(value: number): void {
    if (value < 0) {
      let big = BigInt.asUintN(64, BigInt(value));
      for (let i = 0; i < 9; i += 1) {
        this.byte(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.byte(Number(big));
      return;
    }
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.byte(rest);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  float(value: number): void {
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.length, value, true);
    this.length += 4;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Looks up a field's message type: nested in its own type first, then at the top. */
function resolve(types: Record<string, ProtoType>, owner: ProtoType, name: string): ProtoType {
  const found = owner.nested?.[name] ?? types[name];
  if (!found) {
    throw new Error(`The ONNX schema has no type ${name}.`);
  }
  return found;
}

const sortedFields = (type: ProtoType): [string, ProtoField][] =>
  Object.entries(type.fields).sort(([, a], [, b]) => a.id - b.id);

function writeValue(
  writer: Writer,
  types: Record<string, ProtoType>,
  owner: ProtoType,
  field: ProtoField,
  value: unknown,
): void {
  switch (field.type) {
    case 'int32':
    case 'int64':
      writer.varint((field.id << 3) | 0);
      writer.varint(Number(value));
      return;
    case 'float':
      writer.varint((field.id << 3) | 5);
      writer.float(Number(value));
      return;
    case 'string':
      writer.varint((field.id << 3) | 2);
      writer.bytes(textEncoder.encode(String(value)));
      return;
    case 'bytes':
      writer.varint((field.id << 3) | 2);
      writer.bytes(value as Uint8Array);
      return;
    default:
      writer.varint((field.id << 3) | 2);
      writer.bytes(
        encodeMessage(types, resolve(types, owner, field.type), value as Record<string, unknown>),
      );
  }
}

/** Encodes a message of `type` from a plain object (absent and null fields are left out). */
export function encodeMessage(
  types: Record<string, ProtoType>,
  type: ProtoType,
  message: Record<string, unknown>,
): Uint8Array {
  const writer = new Writer();
  for (const [name, field] of sortedFields(type)) {
    const value = message[name];
    if (value === undefined || value === null) {
      continue;
    }
    const values = field.rule === 'repeated' ? (value as unknown[]) : [value];
    for (const item of values) {
      writeValue(writer, types, type, field, item);
    }
  }
  return writer.finish();
}

/** Reads bytes of one message. */
class Reader {
  at = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i += 1) {
      if (this.at >= this.bytes.length) {
        throw new Error('The ONNX data ends inside a number.');
      }
      const byte = this.bytes[this.at++];
      result += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) {
        // Ten bytes: a negative int64 in two's complement.
        return i === 9 || result >= 2 ** 63 ? result - 2 ** 64 : result;
      }
    }
    throw new Error('The ONNX data holds a number longer than ten bytes.');
  }

  slice(length: number): Uint8Array {
    if (this.at + length > this.bytes.length) {
      throw new Error('The ONNX data ends inside a field.');
    }
    const piece = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return piece;
  }

  float(): number {
    const value = this.view.getFloat32(this.at, true);
    this.at += 4;
    return value;
  }

  skip(wire: number): void {
    if (wire === 0) {
      this.varint();
    } else if (wire === 1) {
      this.slice(8);
    } else if (wire === 2) {
      this.slice(this.varint());
    } else if (wire === 5) {
      this.slice(4);
    } else {
      throw new Error(`The ONNX data holds a field of wire type ${wire}, which it cannot.`);
    }
  }
}

function readScalar(reader: Reader, type: string, wire: number): unknown {
  if (type === 'float') {
    return wire === 5 ? reader.float() : (reader.skip(wire), undefined);
  }
  if (type === 'string') {
    return textDecoder.decode(reader.slice(reader.varint()));
  }
  if (type === 'bytes') {
    return reader.slice(reader.varint()).slice();
  }
  return reader.varint();
}

/** Decodes a message of `type` into a plain object: int64 as numbers, repeated fields as arrays. */
export function decodeMessage(
  types: Record<string, ProtoType>,
  type: ProtoType,
  bytes: Uint8Array,
): Record<string, unknown> {
  const byId = new Map(
    Object.entries(type.fields).map(([name, field]) => [field.id, { name, field }]),
  );
  const out: Record<string, unknown> = {};
  const reader = new Reader(bytes);
  while (reader.at < bytes.length) {
    const key = reader.varint();
    const wire = key % 8;
    const entry = byId.get(Math.floor(key / 8));
    if (!entry) {
      reader.skip(wire);
      continue;
    }
    const { name, field } = entry;
    const scalar = SCALARS.has(field.type);
    let values: unknown[];
    if (scalar && wire === 2 && field.type !== 'string' && field.type !== 'bytes') {
      // A packed run of numbers.
      const packed = new Reader(reader.slice(reader.varint()));
      values = [];
      while (packed.at < packed.bytes.length) {
        values.push(field.type === 'float' ? packed.float() : packed.varint());
      }
    } else if (scalar) {
      values = [readScalar(reader, field.type, wire)];
    } else {
      values = [
        decodeMessage(types, resolve(types, type, field.type), reader.slice(reader.varint())),
      ];
    }
    if (field.rule === 'repeated') {
      out[name] = [...((out[name] as unknown[] | undefined) ?? []), ...values];
    } else {
      out[name] = values[values.length - 1];
    }
  }
  return out;
}
