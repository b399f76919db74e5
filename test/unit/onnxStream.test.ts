/**
 * ONNX a piece at a time: the streamed export is byte for byte the in-memory one, a file's graph
 * reads back without its weights, and extra outputs appended to a file's graph give the model that
 * `withLayerOutputs` builds in memory (and run in ONNX Runtime).
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportToOnnx,
  exportToSink,
  layerOutputAdditions,
  withLayerOutputs,
} from '../../engine/core/onnx/exporter';
import { decodeModel, encodeModel } from '../../engine/core/onnx/onnxProto';
import {
  appendToGraph,
  arraySource,
  readGraph,
  type ByteSource,
} from '../../engine/core/onnx/onnxStream';
import { buildResNeXt } from '../../engine/core/resnext';
import { tf } from '../../engine/core/tf';
import { TINY } from './engineFixtures';

let model: tf.LayersModel;
let inMemory: ReturnType<typeof exportToOnnx>;

/** Collects a sink's chunks, and how many there were. */
function collect(): { sink: (bytes: Uint8Array) => void; bytes: () => Uint8Array; chunks: number } {
  const chunks: Uint8Array[] = [];
  const state = {
    sink: (bytes: Uint8Array) => void chunks.push(bytes.slice()),
    bytes: () => Buffer.concat(chunks),
    get chunks() {
      return chunks.length;
    },
  };
  return state;
}

/** A source that hands out at most `most` bytes a read, as a file read in small pieces would. */
const smallReads = (bytes: Uint8Array, most: number): ByteSource => ({
  size: bytes.byteLength,
  read: (offset, length) => bytes.subarray(offset, offset + Math.min(length, most)),
});

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildResNeXt(TINY);
  inMemory = exportToOnnx(model, { metadata: { 'inspector.config': JSON.stringify(TINY) } });
});

afterAll(() => model.dispose());

describe('streamed export', () => {
  it('writes the same bytes as the in-memory export, one tensor at a time', () => {
    const out = collect();
    const info = exportToSink(model, out.sink, {
      metadata: { 'inspector.config': JSON.stringify(TINY) },
    });
    const streamed = out.bytes();
    expect(streamed.byteLength).toBe(inMemory.bytes.byteLength);
    expect(Buffer.compare(streamed, inMemory.bytes)).toBe(0);
    expect(info.byteLength).toBe(streamed.byteLength);
    // Every initializer is its own write (key and length, then the data).
    expect(out.chunks).toBeGreaterThanOrEqual(2 * inMemory.model.graph.initializer.length);
    const weightBytes = inMemory.model.graph.initializer.reduce(
      (sum, tensor) => sum + tensor.rawData.byteLength,
      0,
    );
    expect(info.weightBytes).toBe(weightBytes);
    expect(info.layers).toEqual(inMemory.layers);
    expect(info.nodeLayers).toEqual(inMemory.nodeLayers);
    expect(info.original).toEqual(inMemory.original);
    expect(info.outputNames).toEqual(inMemory.outputNames);
    expect(info.nodeCount).toBe(inMemory.nodeCount);
  });

  it('matches the in-memory export for weights set after the build', () => {
    const dense = model.layers[model.layers.length - 1];
    const original = dense.getWeights().map((weight) => weight.clone());
    dense.setWeights(original.map((weight) => tf.add(weight, 1)));
    try {
      const out = collect();
      exportToSink(model, out.sink);
      expect(Buffer.compare(out.bytes(), exportToOnnx(model).bytes)).toBe(0);
    } finally {
      dense.setWeights(original);
      tf.dispose(original);
    }
  });
});

describe('reading a graph without its weights', () => {
  it('gives the nodes, inputs, outputs and metadata of the file, in pieces of any size', () => {
    const decoded = decodeModel(inMemory.bytes);
    for (const source of [arraySource(inMemory.bytes), smallReads(inMemory.bytes, 7)]) {
      const outline = readGraph(source);
      expect(outline.name).toBe(decoded.graph.name);
      expect(outline.nodes).toEqual(decoded.graph.node);
      expect(outline.inputs).toEqual(decoded.graph.input);
      expect(outline.outputs).toEqual(decoded.graph.output);
      expect(outline.metadata).toEqual(decoded.metadataProps);
      expect(outline.initializerBytes).toBeGreaterThan(0.99 * inMemory.bytes.byteLength - 200_000);
    }
  });

  it('says what is wrong with a truncated file or one that is not ONNX', () => {
    expect(() => readGraph(arraySource(inMemory.bytes.subarray(0, 1000)))).toThrow(
      'The ONNX file ends in the middle of a field.',
    );
    expect(() => readGraph(arraySource(new TextEncoder().encode('{"json": true}')))).toThrow(
      /^The file is not an ONNX model/,
    );
  });
});

describe('appending outputs to a file', () => {
  const layers = (): { name: string; shape: (number | null)[] }[] =>
    inMemory.layers.slice(1).map((name) => ({ name, shape: inMemory.shapes[name] }));

  it('gives the model withLayerOutputs builds, and it runs', async () => {
    const added = layerOutputAdditions(readGraph(arraySource(inMemory.bytes)).outputs, layers());
    const out = collect();
    appendToGraph(smallReads(inMemory.bytes, 4096), out.sink, added, 1000);
    const spliced = out.bytes();
    const expected = withLayerOutputs(inMemory.model, layers());
    expect(added.outputNames).toEqual(expected.outputNames);
    const decoded = decodeModel(spliced);
    const reference = decodeModel(encodeModel(expected.model));
    expect(decoded.graph.node).toEqual(reference.graph.node);
    expect(decoded.graph.output).toEqual(reference.graph.output);
    expect(decoded.graph.initializer.length).toBe(reference.graph.initializer.length);
    expect(decoded.metadataProps).toEqual(reference.metadataProps);

    const session = await ort.InferenceSession.create(spliced, { intraOpNumThreads: 1 });
    try {
      const pooled = inMemory.layers.find((name) => name.startsWith('global_average'));
      const input = new ort.Tensor(
        'float32',
        new Float32Array(32 * 32 * 3).fill(0.5),
        [1, 32, 32, 3],
      );
      const results = await session.run({ [inMemory.inputName]: input }, [
        added.outputNames[pooled as string],
      ]);
      expect(results[added.outputNames[pooled as string]].dims).toEqual([
        1,
        inMemory.shapes[pooled as string][1],
      ]);
    } finally {
      await session.release();
    }
  });
});
