/**
 * `paper`: the paper beside the model. Builds a config's model and prints its Table 1 (generated
 * from the model's graph), the published figures of the matching network, the reconciliation term
 * by term, and the first block of stage 1 run as C separate paths and as one grouped convolution.
 */
import { describeModel } from '../../engine/core/describe';
import { runBlockForms } from '../../engine/core/blockForms';
import { checkMemory } from '../../engine/core/memoryGuard';
import { buildResNeXt } from '../../engine/core/resnext';
import { useBackend } from '../../engine/node/backends';
import { nodeBudget } from '../../engine/node/memory';
import { InspectorError } from '../../shared/errors';
import { paperReport } from '../../shared/paper';
import { formatPaper, PAPER_FORMATS, type PaperFormat } from '../../shared/paperFormat';
import { parseFlags } from './args';
import type { CliCommand } from './command';
import { CONFIG_FLAGS, CONFIG_FLAGS_USAGE, configFromFlags } from './summary';

const USAGE = `Usage: npm run -s cli -- paper [flags]

Builds the model and prints the paper's Table 1 from its graph, the published figures of the
matching network with their sources, each deviation with its size, and the first block of stage 1
run as C separate paths and as one grouped convolution on the same input.
${CONFIG_FLAGS_USAGE}
  --format F           text, json or markdown (default text)`;

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      { ...CONFIG_FLAGS, format: { kind: 'choice', choices: PAPER_FORMATS } },
      'paper',
    );
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const config = configFromFlags(flags);
    const format = (flags.format ?? 'text') as PaperFormat;
    checkMemory(config, 1, nodeBudget('auto'));
    await useBackend('auto');
    const model = buildResNeXt(config);
    try {
      const graph = describeModel(model, config);
      const report = paperReport(graph);
      if (!report) {
        throw new InspectorError('INTERNAL', `${graph.name} has no ResNeXt stages to tabulate.`);
      }
      const forms = await runBlockForms(model, graph, 1, 1);
      io.out(formatPaper(graph, report, forms, format));
    } finally {
      model.dispose();
    }
    return 0;
  },
};
