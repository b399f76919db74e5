// `--model FILE` on summary, profile and export, `export --format h5`, and `predict`: a person's
// own model file with its weights. A file the engine cannot read or run is a bad flag value, one
// line naming the file and what is wrong (exit 2); predict's numbers are the model's own, checked
// against the model run here on input scaled by hand.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../electron/cli/args';
import type { CliCommand, CliIo } from '../../electron/cli/command';
import { command as exportCommand } from '../../electron/cli/export';
import { command as predict } from '../../electron/cli/predict';
import { command as profile } from '../../electron/cli/profile';
import { command as summary } from '../../electron/cli/summary';
import { openModelFiles } from '../../engine/core/models/openModel';
import { tf } from '../../engine/core/tf';
import { useBackend } from '../../engine/node/backends';
import { diskFileSet, nodeHdf5 } from '../../engine/node/modelFiles';
import { REAL } from './modelFixtures';

const folder = mkdtempSync(path.join(tmpdir(), 'cli-model-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const at = (name: string): string => path.join(folder, name);
const RESNET8 = path.join(REAL, 'keras-h5/mlcommons-tiny_pretrainedResnet.h5');
const KEFFNET = path.join(REAL, 'keras-h5/kEffNetV1_JP35B14-mobilenet-CIFAR10-2-best_result.hdf5');
const WASTE = path.join(REAL, 'keras-h5/AIAnytime-waste-classifier_keras_model.h5');

function captured(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    errIsTty: false,
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs a command in this process; resolves with its stdout, or rejects as main.ts would see it. */
async function run(command: CliCommand, args: string[]): Promise<string> {
  const io = captured();
  expect(await command.run(args, io)).toBe(0);
  return io.stdout();
}

/** The UsageError (exit 2) a command throws, as its one line. */
async function usageError(command: CliCommand, args: string[]): Promise<string> {
  try {
    await command.run(args, captured());
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected ${args.join(' ')} to be refused`);
}

/** A 32×32 RGB PNG (CIFAR's size, so nothing is resized) with known pixels. */
function cifarImage(): { file: string; pixels: Uint8Array } {
  const image = new PNG({ width: 32, height: 32 });
  for (let i = 0; i < 32 * 32; i += 1) {
    image.data[i * 4] = (i * 7) % 256;
    image.data[i * 4 + 1] = (i * 13) % 256;
    image.data[i * 4 + 2] = 255 - (i % 256);
    image.data[i * 4 + 3] = 255;
  }
  const file = at('cifar.png');
  writeFileSync(file, PNG.sync.write(image));
  return { file, pixels: Uint8Array.from(image.data) };
}

/** ResNet-8's output for the image's pixels scaled by `scale(value, channel)`, run here. */
async function reference(
  pixels: Uint8Array,
  scale: (value: number, channel: number) => number,
): Promise<number[]> {
  await useBackend('cpu');
  const { model } = await openModelFiles(diskFileSet({ main: RESNET8 }), nodeHdf5, {
    id: 'reference',
    maxWeightBytes: 2 ** 30,
  });
  const values = new Float32Array(32 * 32 * 3);
  for (let i = 0; i < 32 * 32; i += 1) {
    for (let c = 0; c < 3; c += 1) {
      values[i * 3 + c] = scale(pixels[i * 4 + c], c);
    }
  }
  const output = model.predict(tf.tensor4d(values, [1, 32, 32, 3])) as tf.Tensor;
  const result = Array.from(await output.data());
  model.dispose();
  return result;
}

describe('predict', () => {
  const image = cifarImage();

  it('prints the whole output and the top classes, the numbers of the model run by hand', async () => {
    const json = JSON.parse(
      await run(predict, ['--model', RESNET8, '--image', image.file, '--format', 'json']),
    ) as { output: number[]; outputShape: number[]; top: { index: number; score: number }[] };
    const expected = await reference(image.pixels, (value) => value / 255);
    expect(json.outputShape).toEqual([10]);
    expect(json.output).toHaveLength(10);
    json.output.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 5));
    const ranked = expected
      .map((score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 5);
    expect(json.top.map((entry) => entry.index)).toEqual(ranked.map((entry) => entry.index));
  });

  it('scales as --scale says: caffe is BGR minus the ImageNet means on 0-255', async () => {
    const labels = at('cifar10.txt');
    writeFileSync(labels, 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
    const args = ['--model', RESNET8, '--image', image.file, '--scale', 'caffe', '--top', '2'];
    const json = JSON.parse(
      await run(predict, [...args, '--labels', labels, '--format', 'json']),
    ) as { output: number[]; top: { rank: number; index: number; label: string }[] };
    const means = [103.939, 116.779, 123.68];
    // Channel c of the input is the image's channel 2 - c (BGR), less that channel's mean.
    const bgr = await reference(
      Uint8Array.from(image.pixels.map((_, i) => image.pixels[i - (i % 4) + (2 - (i % 4))])),
      (value, channel) => value - means[channel],
    );
    json.output.forEach((value, index) => expect(value).toBeCloseTo(bgr[index], 4));
    expect(json.top).toHaveLength(2);
    expect(json.top[0].label).toBe(
      'airplane automobile bird cat deer dog frog horse ship truck'.split(' ')[json.top[0].index],
    );
    const text = await run(predict, [...args, '--labels', labels]);
    expect(text).toMatch(
      /^mlcommons-tiny_pretrainedResnet\.h5 on cifar\.png \(input 32×32×3, scale caffe\): top 2 of 10\n {2}1\. {2}class \d +[\d.e-]+ {2}\w+\n {2}2\. /,
    );
  });

  it('refuses a model with a layer of unknown class, labels of the wrong count and a missing flag', async () => {
    expect(await usageError(predict, ['--model', KEFFNET, '--image', image.file])).toBe(
      '--model: Layer conv_pw_1_bn_group_interleaved is of class InterleaveChannels, which the engine does not know (unknown class: not runnable); the model can be browsed, summarised and exported, but not profiled or run.',
    );
    const three = at('three.json');
    writeFileSync(three, '["a", "b", "c"]');
    expect(
      await usageError(predict, ['--model', RESNET8, '--image', image.file, '--labels', three]),
    ).toBe(
      "--labels: three.json has 3 names, but the model's output has 10 values; give one name per output value.",
    );
    expect(await usageError(predict, ['--image', image.file])).toBe(
      '--model FILE is required: the model to run the image through.',
    );
    expect(await usageError(predict, ['--model', RESNET8])).toBe(
      '--image IMG is required: the PNG or JPEG to classify.',
    );
  });
});

/** Bad files made here, and the engine's one line for each (modelFileErrors.test.ts has them all). */
const BAD: [string, () => string, string][] = [
  [
    'empty',
    () => (writeFileSync(at('empty.h5'), ''), at('empty.h5')),
    'empty.h5: the file is empty.',
  ],
  [
    'truncated',
    () => (
      writeFileSync(at('truncated.h5'), readFileSync(RESNET8).subarray(0, 500_000)),
      at('truncated.h5')
    ),
    'truncated.h5: the HDF5 file is truncated: it is 500000 bytes, but its header says 1116712.',
  ],
  [
    'a PNG renamed',
    () => (
      writeFileSync(at('photo.h5'), PNG.sync.write(new PNG({ width: 1, height: 1 }))),
      at('photo.h5')
    ),
    'photo.h5: it is a PNG image, not a Keras HDF5 model.',
  ],
  [
    'text named .keras',
    () => (writeFileSync(at('notes.keras'), 'my model\n'), at('notes.keras')),
    'notes.keras: it is plain text, not a Keras .keras archive.',
  ],
  [
    'model.json without its shard',
    () => {
      const dir = mkdtempSync(at('shardless-'));
      writeFileSync(
        path.join(dir, 'model.json'),
        readFileSync(path.join(REAL, 'tfjs/ml5-doodlenet/model.json')),
      );
      return path.join(dir, 'model.json');
    },
    'model.json: weight file group1-shard1of1.bin is missing; open model.json together with its shards.',
  ],
];

describe('--model with a bad file: one line naming the file, exit 2', () => {
  it.each(BAD)('summary: %s', async (_name, make, message) => {
    expect(await usageError(summary, ['--model', make()])).toBe(`--model: ${message}`);
  });

  it('no such file, a folder, and a config flag beside it', async () => {
    expect(await usageError(summary, ['--model', at('nothing.h5')])).toBe(
      `--model: ${at('nothing.h5')}: no such file.`,
    );
    expect(await usageError(exportCommand, ['--model', folder, '--out', at('x.onnx')])).toBe(
      `--model: ${folder} is not a file; give a .h5, .hdf5 or .keras file, or a TF.js model.json.`,
    );
    expect(await usageError(profile, ['--model', RESNET8, '--depth', '50'])).toBe(
      '--model and --depth exclude each other: a model file has its own architecture.',
    );
  });

  it('exits 2 with the one line on stderr when run as a person runs it', async () => {
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    const bad = BAD[2][1]();
    const outcome = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(
          tsx,
          ['electron/cli/main.ts', 'predict', '--model', bad, '--image', bad],
          {
            cwd: path.resolve(__dirname, '../..'),
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    // The PNG passes as --image; as --model it is refused, in one line, after the progress line.
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr.trimEnd().split('\n').at(-1)).toBe(
      'error: --model: photo.h5: it is a PNG image, not a Keras HDF5 model.',
    );
    expect(outcome.stderr.match(/error:/g)).toHaveLength(1);
  });
});

describe('--model on summary, profile and export; export --format h5', () => {
  it('summarises a file: Keras text with its totals; JSON names the file', async () => {
    const text = await run(summary, ['--model', RESNET8]);
    expect(text).toMatch(/^Model: "\w+"\n/);
    expect(text).toContain('Total params: 78,666\nTrainable params: 78,186\n');
    const json = JSON.parse(await run(summary, ['--model', RESNET8, '--format', 'json'])) as {
      totals: { params: number };
    };
    expect(json.totals.params).toBe(78_666);
  });

  it('writes a file model as Keras HDF5 that reads back with the same layers and totals', async () => {
    const out = at('waste-again.h5');
    const line = await run(exportCommand, ['--model', WASTE, '--format', 'h5', '--out', out]);
    expect(line).toMatch(
      new RegExp(
        `^Wrote ${out}: AIAnytime-waste-classifier_keras_model\\.h5, Keras HDF5, [\\d.]+ MB`,
      ),
    );
    // Keras's summary: every layer's name, class, shape, parameters and inputs, and the totals.
    // (The file written is the flat model: its nested models are not groups any more.)
    const original = await run(summary, ['--model', WASTE]);
    expect(await run(summary, ['--model', out])).toBe(original);
  });

  it('refuses to write a model with a layer of unknown class, saying why', async () => {
    expect(
      await usageError(exportCommand, ['--model', KEFFNET, '--format', 'h5', '--out', at('k.h5')]),
    ).toMatch(
      /^--model: Layer conv_pw_1_bn_group_interleaved is of class InterleaveChannels.*Writing it as a model file needs every layer's computation and weights\.$/,
    );
  });

  it('profiles a file with its own weights; the JSON names the file', async () => {
    const io = captured();
    const args = ['--model', RESNET8, '--warmup', '0', '--runs', '1', '--format', 'json'];
    expect(await profile.run(args, io)).toBe(0);
    const json = JSON.parse(io.stdout()) as {
      file: { fileName: string; format: string };
      layers: unknown[];
    };
    expect(json.file).toMatchObject({
      fileName: 'mlcommons-tiny_pretrainedResnet.h5',
      format: 'keras-h5',
    });
    expect(json.layers).toHaveLength(30);
    expect(io.stderr()).toContain('Opening mlcommons-tiny_pretrainedResnet.h5…');
  });
});
