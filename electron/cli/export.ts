/**
 * `export`: writes a model as an ONNX file, which opens in Netron and runs in ONNX Runtime (the
 * input stays NHWC, like the Keras model), or as a Keras HDF5 file (`--format h5`), which Keras
 * and this app open again. The model is built from the config flags (seeded weights) or read from
 * `--model FILE` (the file's weights). Both files are written atomically.
 */
import { statSync } from 'node:fs';
import { InspectorError, toErrorInfo } from '../../shared/errors';
import { configName } from '../../shared/modelConfig';
import { useBackend } from '../../engine/node/backends';
import { saveKerasHdf5 } from '../../engine/node/modelFiles';
import { exportToOnnx, OPSET } from '../../engine/core/onnx/exporter';
import { buildResNeXt } from '../../engine/core/resnext';
import type { tf } from '../../engine/core/tf';
import { parseFlags, UsageError, type ParsedFlags } from './args';
import type { CliCommand } from './command';
import {
  checkRunnable,
  MODEL_FLAG,
  MODEL_FLAG_USAGE,
  modelPathFromFlags,
  openModelHere,
} from './modelFile';
import { checkOutputPath, writeOutput } from './outputs';
import { CONFIG_FLAGS, CONFIG_FLAGS_USAGE, configFromFlags } from './summary';

const USAGE = `Usage: npm run -s cli -- export [flags] --out FILE

Builds the model (seeded random weights, the same in every build of a config), or reads your
model file, and writes it to FILE.
${CONFIG_FLAGS_USAGE}
${MODEL_FLAG_USAGE}
  --format F           onnx (ONNX opset ${OPSET}, input NHWC) or h5 (Keras HDF5) (default onnx)
  --out FILE           where to write it`;

/** The model to export: built from the flags' config, or read from `--model`. */
async function modelFromFlags(
  flags: ParsedFlags,
  modelPath: string | undefined,
): Promise<{ model: tf.LayersModel; name: string; metadata: Record<string, string> }> {
  if (modelPath === undefined) {
    const config = configFromFlags(flags);
    await useBackend('auto');
    return {
      model: buildResNeXt(config),
      name: configName(config),
      metadata: { 'inspector.config': JSON.stringify(config) },
    };
  }
  const opened = await openModelHere(modelPath);
  try {
    // A stand-in for a layer of unknown class has neither its computation nor its weights.
    checkRunnable(opened.graph, 'Writing it as a model file needs every layer');
  } catch (error) {
    opened.model.dispose();
    throw error;
  }
  const name = opened.graph.file?.fileName ?? opened.graph.name;
  return { model: opened.model, name, metadata: { 'inspector.file': name } };
}

/** Writes the model to `path` in the format; returns what the result line says of it. */
async function write(
  model: tf.LayersModel,
  format: 'onnx' | 'h5',
  path: string,
  metadata: Record<string, string>,
): Promise<string> {
  if (format === 'h5') {
    try {
      await saveKerasHdf5(model, path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? toErrorInfo(error).message;
      throw new InspectorError(
        'INVALID_REQUEST',
        `Could not write ${path} (${reason}); nothing was changed there. Free some space or pick another --out.`,
      );
    }
    return 'Keras HDF5';
  }
  const exported = exportToOnnx(model, { metadata });
  writeOutput('out', path, exported.bytes);
  return `${exported.nodeCount} ONNX nodes, opset ${OPSET}`;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      {
        ...CONFIG_FLAGS,
        ...MODEL_FLAG,
        format: { kind: 'choice', choices: ['onnx', 'h5'] },
        out: { kind: 'string' },
      },
      'export',
    );
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const modelPath = modelPathFromFlags(flags, Object.keys(CONFIG_FLAGS));
    if (modelPath === undefined) {
      configFromFlags(flags); // a bad config flag is named before --out is asked for
    }
    const format = (flags.format ?? 'onnx') as 'onnx' | 'h5';
    if (typeof flags.out !== 'string' || flags.out === '') {
      const what = format === 'h5' ? 'Keras HDF5' : 'ONNX';
      throw new UsageError(`--out FILE is required: where to write the ${what} model.`);
    }
    // Checked before the build, which takes seconds for the default model.
    const path = checkOutputPath('out', flags.out);
    const { model, name, metadata } = await modelFromFlags(flags, modelPath);
    const started = performance.now();
    let what: string;
    try {
      what = await write(model, format, path, metadata);
    } catch (error) {
      if (error instanceof InspectorError) {
        throw error;
      }
      const reason = error instanceof Error ? error.message : String(error);
      const hint = format === 'onnx' ? ' --format h5 writes any runnable model.' : '';
      throw new InspectorError('INTERNAL', `Could not export ${name}: ${reason}${hint}`);
    } finally {
      model.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    const megabytes = (statSync(path).size / 1e6).toFixed(1);
    io.out(`Wrote ${path}: ${name}, ${what}, ${megabytes} MB (export ${seconds.toFixed(2)} s)\n`);
    return 0;
  },
};
