/**
 * `--model FILE`: a person's own model (Keras `.h5`/`.hdf5`/`.keras`, or a TF.js `model.json`
 * whose shards are found beside it) in place of the config flags. A file the engine cannot read
 * or run is a bad flag value: one line naming the file and what is wrong, exit 2.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { InspectorError } from '../../shared/errors';
import type { ModelGraph } from '../../shared/modelGraph';
import { useBackend } from '../../engine/node/backends';
import { nodeBudget } from '../../engine/node/memory';
import { diskFileSet, nodeHdf5 } from '../../engine/node/modelFiles';
import { openModelFiles, type OpenedModel } from '../../engine/core/models/openModel';
import { UsageError, type FlagSpec, type ParsedFlags } from './args';

/** The flag, for commands that take it. */
export const MODEL_FLAG: Readonly<Record<string, FlagSpec>> = { model: { kind: 'string' } };

/** Its line in a command's usage. */
export const MODEL_FLAG_USAGE =
  '  --model FILE         your own model instead of the config flags: Keras .h5, .hdf5 or\n' +
  '                       .keras, or a TF.js model.json (its weight shards beside it)';

/** The engine's refusals that are about the file a person named: exit 2, not 1. */
const FILE_CODES = new Set(['INVALID_MODEL_FILE', 'NOT_RUNNABLE', 'NOT_FOUND']);

/**
 * The absolute path `--model` names, or undefined when it is not given. Refuses a config flag
 * (one of `configFlags`) given with it, for the file's model has its own architecture, and a
 * path that is not a file.
 */
export function modelPathFromFlags(
  flags: ParsedFlags,
  configFlags: readonly string[],
): string | undefined {
  if (flags.model === undefined) {
    return undefined;
  }
  const given = String(flags.model);
  const clash = configFlags.find((name) => flags[name] !== undefined);
  if (clash) {
    throw new UsageError(
      `--model and --${clash} exclude each other: a model file has its own architecture.`,
    );
  }
  const file = path.resolve(given);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new UsageError(`--model: ${given}: no such file.`);
  }
  if (!isFile) {
    throw new UsageError(
      `--model: ${given} is not a file; give a .h5, .hdf5 or .keras file, or a TF.js model.json.`,
    );
  }
  return file;
}

/**
 * An engine error about the model file as the CLI reports it: a UsageError (exit 2) carrying the
 * engine's one line, which names the file; anything else unchanged.
 */
export function asModelFileError(error: unknown): unknown {
  if (error instanceof InspectorError && FILE_CODES.has(error.code)) {
    return new UsageError(`--model: ${error.message}`);
  }
  return error;
}

/** Opens `--model` with something that opens model files (the engine), mapping its refusals. */
export async function openModelFlag(
  file: string,
  open: (paths: { main: string }) => Promise<ModelGraph>,
): Promise<ModelGraph> {
  try {
    return await open({ main: file });
  } catch (error) {
    throw asModelFileError(error);
  }
}

/**
 * Refuses a model that cannot run (a layer of unknown class), naming the class and the layer;
 * `why` says what the command needs that such a layer lacks.
 */
export function checkRunnable(graph: ModelGraph, why?: string): void {
  if (graph.file?.notRunnable) {
    const reason = why ? ` ${why}'s computation and weights.` : '';
    throw new UsageError(`--model: ${graph.file.notRunnable}${reason}`);
  }
}

/** The name a model is shown by in results: its file's name, or the Keras model name. */
export function modelLabel(graph: ModelGraph): string {
  return graph.file?.fileName ?? graph.name;
}

/**
 * Opens `--model` in this process (for `summary` and `export`, which need the tfjs model itself)
 * on the cpu backend, its weights bounded by the cpu budget; the caller disposes the model.
 */
export async function openModelHere(file: string): Promise<OpenedModel> {
  await useBackend('cpu');
  try {
    return await openModelFiles(diskFileSet({ main: file }), nodeHdf5, {
      id: 'cli',
      maxWeightBytes: nodeBudget('cpu'),
    });
  } catch (error) {
    throw asModelFileError(error);
  }
}
