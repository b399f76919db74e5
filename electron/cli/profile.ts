/**
 * `profile`: times a forward pass in the engine worker, layer by layer or whole, with progress on
 * stderr (a bar on a terminal, plain lines otherwise) and the result on stdout: a text report or
 * the run-finished payload as JSON. `--trace FILE` also writes a Chrome/Perfetto trace.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { MAX_IMAGE_BYTES } from '../../shared/apiSchemas';
import { InspectorError, toErrorInfo } from '../../shared/errors';
import type { ModelGraph } from '../../shared/modelGraph';
import type { ModelConfig } from '../../shared/modelConfig';
import {
  DEFAULT_PROFILE,
  isWindowBackend,
  windowOnlyMessage,
  type BackendStatus,
  type InputSource,
  type ProfileEvent,
  type ProfileRequest,
  type ProfileResult,
} from '../../shared/profile';
import { profileReport } from '../../shared/profileReport';
import { profileTrace } from '../../shared/trace';
import { EngineClient } from '../../engine/node/client';
import { checkMemory, formatBytes } from '../../engine/core/memoryGuard';
import { decodeImage } from '../../engine/node/images';
import { describeStructure } from '../../engine/core/structure';
import { nodeBudget } from '../../engine/node/memory';
import { parseFlags, UsageError, type ParsedFlags } from './args';
import { checkRequestBounds } from './bounds';
import {
  asModelFileError,
  checkRunnable,
  MODEL_FLAG,
  MODEL_FLAG_USAGE,
  modelPathFromFlags,
  openModelFlag,
} from './modelFile';
import { checkOutputPath, writeOutput } from './outputs';
import type { CliCommand, CliIo } from './command';
import { CONFIG_FLAGS, CONFIG_FLAGS_USAGE, configFromFlags } from './summary';

const FLAGS = {
  ...CONFIG_FLAGS,
  ...MODEL_FLAG,
  image: { kind: 'string' },
  zeros: { kind: 'boolean' },
  seed: { kind: 'integer', min: 0 },
  backend: {
    kind: 'choice',
    choices: ['auto', 'tensorflow', 'wasm', 'cpu', 'onnxruntime', 'onnxruntime-cuda'],
    refuse: (raw: string) => (isWindowBackend(raw) ? windowOnlyMessage(raw) : undefined),
  },
  'onnx-mode': { kind: 'choice', choices: ['fast', 'exact'] },
  batch: { kind: 'integer' },
  warmup: { kind: 'integer', min: 0 },
  runs: { kind: 'integer' },
  mode: { kind: 'choice', choices: ['per-layer', 'whole'] },
  stats: { kind: 'boolean' },
  'budget-mb': { kind: 'integer' },
  format: { kind: 'choice', choices: ['text', 'json'] },
  trace: { kind: 'string' },
} as const;

const USAGE = `Usage: npm run -s cli -- profile [flags]

Times a forward pass (warm-up, then timed passes) and prints the result to stdout; progress goes to stderr.
${CONFIG_FLAGS_USAGE}
${MODEL_FLAG_USAGE}
  --image FILE         feed a PNG or JPEG, resized to the input size (default: seeded random normal)
  --zeros              feed zeros
  --seed N             seed of the random input (default 42)
  --backend B          auto, tensorflow, wasm, cpu, onnxruntime or onnxruntime-cuda (default auto)
  --onnx-mode M        ONNX Runtime only: fast (all graph optimisations, fused layers reported as
                       fused into their conv) or exact (none, every layer timed) (default fast)
  --batch N            batch size (default 1)
  --warmup N           untimed passes first (default 1)
  --runs N             timed passes (default 3)
  --mode M             per-layer (a sync after each layer) or whole (model.predict) (default per-layer)
  --stats              activation statistics of every layer (one more pass)
  --budget-mb N        refuse runs estimated above N MB (default: half the free memory)
  --format F           text or json (the run-finished payload, every layer) (default text)
  --trace FILE         also write the run in Chrome's Trace Event format (Perfetto, chrome://tracing)`;

/**
 * The image of `--image`, checked as the engine will check it (readable, not empty, within the
 * size an input may have, a PNG or JPEG that decodes within the pixel limits) before the model
 * is built: a bad file is a bad flag value. `predict` reads its image here too.
 */
export function imageFromFlag(file: string): Extract<InputSource, { kind: 'image' }> {
  const name = basename(file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`--image: cannot read ${file} (${reason}); give a PNG or JPEG file.`);
  }
  if (bytes.length === 0) {
    throw new UsageError(`--image: ${name} is empty (0 bytes); give a PNG or JPEG file.`);
  }
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new UsageError(
      `--image: ${name} is ${formatBytes(bytes.length)}, above the ${formatBytes(MAX_IMAGE_BYTES)} an image input may have; give a smaller one.`,
    );
  }
  try {
    decodeImage(bytes, name);
  } catch (error) {
    throw new UsageError(`--image: ${toErrorInfo(error).message}`);
  }
  return { kind: 'image', base64: bytes.toString('base64'), fileName: name };
}

function inputFromFlags(flags: ParsedFlags): InputSource {
  if (flags.image !== undefined && flags.zeros) {
    throw new UsageError('--image and --zeros exclude each other; give one.');
  }
  if (typeof flags.image === 'string') {
    return imageFromFlag(flags.image);
  }
  return flags.zeros ? { kind: 'zeros' } : { kind: 'random', seed: Number(flags.seed ?? 42) };
}

/** The ProfileRequest the flags describe; a value the engine would refuse is a UsageError. */
export function requestFromFlags(flags: ParsedFlags): ProfileRequest {
  const number = (name: string, fallback: number): number =>
    flags[name] === undefined ? fallback : Number(flags[name]);
  const request: ProfileRequest = {
    ...DEFAULT_PROFILE,
    config: configFromFlags(flags),
    backend: (flags.backend ?? 'auto') as ProfileRequest['backend'],
    batch: number('batch', DEFAULT_PROFILE.batch),
    input: inputFromFlags(flags),
    warmup: number('warmup', DEFAULT_PROFILE.warmup),
    runs: number('runs', DEFAULT_PROFILE.runs),
    mode: (flags.mode ?? DEFAULT_PROFILE.mode) as ProfileRequest['mode'],
    stats: flags.stats === true,
    memoryBudgetBytes: flags['budget-mb'] === undefined ? undefined : number('budget-mb', 0) * 1e6,
    ...(flags['onnx-mode'] === undefined
      ? {}
      : { onnxMode: flags['onnx-mode'] as ProfileRequest['onnxMode'] }),
  };
  checkRequestBounds(request);
  return request;
}

/** Progress on stderr: a redrawn bar on a terminal, one line per pass otherwise. */
function progress(io: CliIo, request: ProfileRequest): (event: ProfileEvent) => void {
  let layers = 0;
  let done = 0;
  let drawn = 0;
  const passes = request.warmup + request.runs;
  return (event) => {
    if (event.type === 'run-started') {
      layers = event.layers;
      io.err(
        `Profiling on ${event.backend}: ${request.warmup} warm-up + ${request.runs} timed passes\n`,
      );
    } else if (event.type === 'layer-finished') {
      done += 1;
      const total = Math.max(1, passes * layers);
      if (io.errIsTty && (performance.now() - drawn > 100 || done === total)) {
        drawn = performance.now();
        const filled = Math.round((done / total) * 30);
        const pass =
          event.pass < 0 ? `warm-up ${request.warmup + event.pass + 1}` : `pass ${event.pass + 1}`;
        io.err(
          `\r[${'#'.repeat(filled)}${'-'.repeat(30 - filled)}] ${Math.round((100 * done) / total)}% ${pass}, layer ${event.layerId + 1}/${layers}  `,
        );
      }
    } else if (event.type === 'pass-finished') {
      const label =
        event.pass < 0
          ? `warm-up pass ${request.warmup + event.pass + 1}`
          : `pass ${event.pass + 1}/${request.runs}`;
      if (!io.errIsTty) {
        io.err(`${label}: ${event.totalMs.toFixed(1)} ms\n`);
      } else if (layers === 0) {
        io.err(`\r${label}: ${event.totalMs.toFixed(1)} ms  `);
      }
    } else if (io.errIsTty) {
      io.err('\n');
    }
  };
}

/** Runs one profile through the client and resolves with its result; Ctrl-C cancels it. */
async function runOnce(
  client: EngineClient,
  request: ProfileRequest,
  io: CliIo,
): Promise<ProfileResult> {
  const show = progress(io, request);
  let runId: string | undefined;
  const early: ProfileEvent[] = [];
  const finished = new Promise<ProfileResult>((resolve, reject) => {
    const handle = (event: ProfileEvent): void => {
      show(event);
      if (event.type === 'run-finished') {
        resolve(event.result);
      } else if (event.type === 'error') {
        reject(new InspectorError(event.error.code, event.error.message));
      }
    };
    client.onProfileEvents((events) => {
      for (const event of events) {
        if (runId === undefined) {
          early.push(event);
        } else if (event.runId === runId) {
          handle(event);
        }
      }
    });
    void client.profile(request).then((started) => {
      runId = started.runId;
      early.filter((event) => event.runId === runId).forEach(handle);
    }, reject);
  });
  const interrupt = (): void => {
    io.err('\nCancelling…\n');
    if (runId) {
      void client.cancel(runId);
    }
  };
  process.once('SIGINT', interrupt);
  try {
    return await finished;
  } finally {
    process.off('SIGINT', interrupt);
  }
}

/** Builds the config's model in the engine and runs it; describes its structure meanwhile. */
async function runConfig(
  client: EngineClient,
  request: ProfileRequest,
  io: CliIo,
): Promise<{ graph: ModelGraph; result: ProfileResult }> {
  io.err('Building the model…\n');
  // The engine builds, or on ONNX Runtime opens from the model cache, only the model it runs;
  // the report's description (the structure alone, no weights) is made here meanwhile.
  const running = runOnce(client, request, io);
  const [graph, result] = await Promise.all([
    describeStructure(request.config as ModelConfig),
    running,
  ]);
  return { graph, result };
}

/** Opens `--model` in the engine and runs it; a file it cannot read or run exits 2. */
async function runFile(
  client: EngineClient,
  modelPath: string,
  request: ProfileRequest,
  io: CliIo,
): Promise<{ graph: ModelGraph; result: ProfileResult }> {
  io.err(`Opening ${basename(modelPath)}…\n`);
  const graph = await openModelFlag(modelPath, (paths) => client.openModel(paths));
  checkRunnable(graph);
  // The file's model replaces the config's.
  const { config: _built, ...options } = request;
  try {
    return { graph, result: await runOnce(client, { ...options, file: graph.file?.id }, io) };
  } catch (error) {
    throw asModelFileError(error);
  }
}

/** The JSON output: the run-finished result, each layer with its name and class. */
function jsonOutput(result: ProfileResult, graph: ModelGraph): string {
  const layers = result.layers.map((timing) => ({
    ...timing,
    name: graph.layers[timing.layerId]?.name,
    className: graph.layers[timing.layerId]?.className,
  }));
  const source = graph.file ? { file: graph.file } : { config: graph.config };
  return `${JSON.stringify({ ...result, model: graph.name, ...source, layers }, null, 2)}\n`;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(argv, io) {
    const flags = parseFlags(argv, FLAGS, 'profile');
    if (flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const modelPath = modelPathFromFlags(flags, Object.keys(CONFIG_FLAGS));
    const request = requestFromFlags(flags);
    // Checked before the run, which can take minutes: a trace that cannot be written costs nothing.
    const tracePath =
      typeof flags.trace === 'string' ? checkOutputPath('trace', flags.trace) : undefined;
    const budget = request.memoryBudgetBytes ?? nodeBudget(request.backend);
    const config = request.config as ModelConfig; // the CLI builds its model from flags
    if (modelPath === undefined) {
      checkMemory(config, request.batch, budget);
    }
    const client = new EngineClient();
    try {
      const { graph, result } =
        modelPath === undefined
          ? await runConfig(client, request, io)
          : await runFile(client, modelPath, request, io);
      // Asked after the run: on ONNX Runtime the engine starts no tfjs backend before it.
      const backends: BackendStatus[] = await client.backends();
      let traceError: string | undefined;
      if (tracePath !== undefined) {
        try {
          writeOutput('trace', tracePath, JSON.stringify(profileTrace(result, graph)));
          io.err(`Trace written to ${tracePath}\n`);
        } catch (error) {
          // A write that fails now (a full disk) must not throw away the run: it is still printed.
          traceError = `${toErrorInfo(error).message} The result is on stdout.`;
        }
      }
      io.out(
        flags.format === 'json'
          ? jsonOutput(result, graph)
          : profileReport(result, graph, { backends, requested: request.backend }),
      );
      if (traceError !== undefined) {
        io.err(`error: ${traceError}\n`);
        return 1;
      }
      return 0;
    } finally {
      await client.dispose();
    }
  },
};
