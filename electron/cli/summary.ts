/**
 * `summary`: builds a config's model, or reads a model file (`--model`), and prints its summary
 * (Keras text, JSON, CSV or Markdown).
 */
import { InspectorError } from '../../shared/errors';
import { CONFIG_FIELDS, validateConfig, type ModelConfig } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import { formatSummary, SUMMARY_FORMATS, type SummaryFormat } from '../../shared/summaryFormat';
import { checkMemory } from '../../engine/core/memoryGuard';
import { nodeBudget } from '../../engine/node/memory';
import { describeStructure } from '../../engine/core/structure';
import { parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';
import { checkConfigBounds } from './bounds';
import type { CliCommand } from './command';
import { MODEL_FLAG, MODEL_FLAG_USAGE, modelPathFromFlags, openModelHere } from './modelFile';

/** The flags that make a ModelConfig, shared with other commands (profile, export). */
export const CONFIG_FLAGS: Readonly<Record<string, FlagSpec>> = {
  depth: { kind: 'integer' },
  cardinality: { kind: 'integer' },
  width: { kind: 'integer' },
  input: { kind: 'integer' },
  channels: { kind: 'integer' },
  classes: { kind: 'integer' },
  'stride-on': { kind: 'choice', choices: ['1x1', '3x3'] },
};

const FLAG_OF_FIELD: Record<keyof ModelConfig, string> = {
  depth: 'depth',
  cardinality: 'cardinality',
  width: 'width',
  inputSize: 'input',
  channels: 'channels',
  classes: 'classes',
  strideOn: 'stride-on',
};

/** The usage lines of the config flags, for every command that takes them. */
export const CONFIG_FLAGS_USAGE = [
  '  --depth N            50, 101 or 152 (default 101)',
  '  --cardinality C      groups of every 3x3 convolution (default 32; 1 gives ResNet)',
  '  --width D            bottleneck width per group in stage 1 (default 4)',
  '  --input S            input height and width, at least 32 (default 224)',
  '  --channels N         input channels (default 3)',
  '  --classes K          classes of the softmax head (default 1000)',
  '  --stride-on 1x1|3x3  where stride 2 sits in stages 2-4 (default 1x1, as in the seed)',
].join('\n');

/**
 * The ModelConfig the flags describe (defaults for the rest); a bad one, or one past the bounds
 * the engine takes (`--channels 65`), is a UsageError naming the flag.
 */
export function configFromFlags(flags: ParsedFlags): ModelConfig {
  const partial: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS) {
    const value = flags[FLAG_OF_FIELD[field]];
    if (value !== undefined) {
      partial[field] = value;
    }
  }
  const validation = validateConfig(partial);
  if (!validation.ok) {
    const [issue] = validation.issues;
    const flag = FLAG_OF_FIELD[issue.field as keyof ModelConfig] ?? issue.field;
    throw new UsageError(`--${flag}: ${issue.message}`);
  }
  checkConfigBounds(validation.config);
  return validation.config;
}

const USAGE = `Usage: npm run -s cli -- summary [flags]

Builds the model and prints its layer summary to stdout.
${CONFIG_FLAGS_USAGE}
${MODEL_FLAG_USAGE}
  --format F           text (Keras model.summary()), json, csv or markdown (default text)`;

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(
      argv,
      { ...CONFIG_FLAGS, ...MODEL_FLAG, format: { kind: 'choice', choices: SUMMARY_FORMATS } },
      'summary',
    );
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const format = (flags.format ?? 'text') as SummaryFormat;
    const modelPath = modelPathFromFlags(flags, Object.keys(CONFIG_FLAGS));
    if (modelPath !== undefined) {
      const opened = await openModelHere(modelPath);
      opened.model.dispose();
      io.out(formatSummary(opened.graph, format));
      return 0;
    }
    const config = configFromFlags(flags);
    // Building allocates every weight (zeros, on the cpu backend): refuse what would not fit.
    checkMemory(config, 1, nodeBudget('cpu'));
    let graph: ModelGraph;
    try {
      // The structure alone, the same as the seeded build's: no random weights to draw.
      graph = await describeStructure(config);
    } catch (error) {
      throw error instanceof InspectorError
        ? error
        : new InspectorError('INTERNAL', `Could not describe the model: ${String(error)}`);
    }
    io.out(formatSummary(graph, format));
    return 0;
  },
};
