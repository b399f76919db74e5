/**
 * `export`: builds a config's model and writes it as an ONNX file, which opens in Netron and runs
 * in ONNX Runtime (the input stays NHWC, like the Keras model).
 */
import { InspectorError } from '../../shared/errors';
import { configName } from '../../shared/modelConfig';
import { useBackend } from '../../engine/node/backends';
import { exportToOnnx, OPSET } from '../../engine/core/onnx/exporter';
import { buildResNeXt } from '../../engine/core/resnext';
import { parseFlags, UsageError } from './args';
import type { CliCommand } from './command';
import { checkOutputPath, writeOutput } from './outputs';
import { CONFIG_FLAGS, CONFIG_FLAGS_USAGE, configFromFlags } from './summary';

const USAGE = `Usage: npm run -s cli -- export [flags] --out FILE

Builds the model (seeded random weights, the same in every build of a config) and writes it to FILE.
${CONFIG_FLAGS_USAGE}
  --format onnx        the file format (default onnx; ONNX opset ${OPSET}, input NHWC)
  --out FILE           where to write it`;

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      {
        ...CONFIG_FLAGS,
        format: { kind: 'choice', choices: ['onnx'] },
        out: { kind: 'string' },
      },
      'export',
    );
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const config = configFromFlags(flags);
    if (typeof flags.out !== 'string' || flags.out === '') {
      throw new UsageError('--out FILE is required: where to write the ONNX model.');
    }
    // Checked before the build, which takes seconds for the default model.
    const path = checkOutputPath('out', flags.out);
    await useBackend('auto');
    const model = buildResNeXt(config);
    const started = performance.now();
    let bytes: Uint8Array;
    let nodes: number;
    try {
      const exported = exportToOnnx(model, {
        metadata: { 'inspector.config': JSON.stringify(config) },
      });
      bytes = exported.bytes;
      nodes = exported.nodeCount;
    } catch (error) {
      throw new InspectorError(
        'INTERNAL',
        `Could not export ${configName(config)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      model.dispose();
    }
    const seconds = (performance.now() - started) / 1000;
    writeOutput('out', path, bytes);
    const megabytes = (bytes.byteLength / 1e6).toFixed(1);
    io.out(
      `Wrote ${path}: ${configName(config)}, ${nodes} ONNX nodes, opset ${OPSET}, ${megabytes} MB (export ${seconds.toFixed(2)} s)\n`,
    );
    return 0;
  },
};
