/** `npm run cli -- export`: writes an ONNX file that ONNX Runtime loads and runs. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { command } from '../../electron/cli/export';
import type { CliIo } from '../../electron/cli/command';
import { decodeModel } from '../../engine/core/onnx/onnxProto';

const folder = mkdtempSync(join(tmpdir(), 'onnx-cli-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function io(): CliIo & { stdout: string; stderr: string } {
  const captured = {
    stdout: '',
    stderr: '',
    errIsTty: false,
    out: (text: string) => void (captured.stdout += text),
    err: (text: string) => void (captured.stderr += text),
  };
  return captured;
}

describe('cli export', () => {
  it('writes a file ONNX Runtime loads and runs', async () => {
    const out = join(folder, 'small.onnx');
    const streams = io();
    const flags = ['--depth', '50', '--input', '32', '--classes', '10', '--stride-on', '3x3'];
    const code = await command.run([...flags, '--format', 'onnx', '--out', out], streams);
    expect(code).toBe(0);
    expect(streams.stdout).toMatch(
      new RegExp(
        `^Wrote ${out}: resnext50_32x4d_32px_10cls_stride3x3, \\d+ ONNX nodes, opset 17, [\\d.]+ MB \\(export [\\d.]+ s\\)\\n$`,
      ),
    );
    const session = await ort.InferenceSession.create(out, { intraOpNumThreads: 1 });
    try {
      expect(session.inputNames).toEqual(['input_1']);
      const input = new ort.Tensor(
        'float32',
        new Float32Array(2 * 32 * 32 * 3).fill(0.5),
        [2, 32, 32, 3],
      );
      const result = await session.run({ input_1: input });
      const output = result[session.outputNames[0]];
      expect(output.dims).toEqual([2, 10]);
      const probabilities = output.data as Float32Array;
      expect(probabilities.slice(0, 10).reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 5);
    } finally {
      await session.release();
    }
    const metadata = decodeModel(readFileSync(out)).metadataProps;
    const config = metadata.find((entry) => entry.key === 'inspector.config')?.value ?? '{}';
    expect(JSON.parse(config)).toMatchObject({
      depth: 50,
      inputSize: 32,
      classes: 10,
      strideOn: '3x3',
    });
  });

  it('asks for --out and refuses other formats', async () => {
    await expect(command.run(['--depth', '50'], io())).rejects.toThrow(
      '--out FILE is required: where to write the ONNX model.',
    );
    await expect(command.run(['--format', 'tflite', '--out', 'x'], io())).rejects.toThrow(
      '--format must be one of onnx, h5, but got "tflite".',
    );
  });

  it('names the folder it cannot write to, before building', async () => {
    const out = join(folder, 'missing', 'model.onnx');
    const started = performance.now();
    // A UsageError: main.ts exits 2 with it, as for any bad flag value.
    await expect(command.run(['--out', out], io())).rejects.toMatchObject({
      name: 'UsageError',
      message: `--out ${out}: there is no folder ${join(folder, 'missing')}; pick another path.`,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
