/**
 * `npm run -s cli -- <command> [flags]`. Results go to stdout and nothing else does: console
 * output of libraries (tfjs's banners and warnings) is sent to stderr before any command loads.
 * A bad flag or value prints one line on stderr and exits with 2; other failures exit with 1.
 */
import { toErrorInfo } from '../../shared/errors';
import { UsageError } from './args';
import type { CliCommand, CliIo } from './command';

/** The commands: name, one-line description, and the module that implements it. */
const COMMANDS: Record<string, { about: string; load: () => Promise<{ command: CliCommand }> }> = {
  summary: {
    about: 'print the layer summary (Keras text, json, csv, markdown)',
    load: () => import('./summary'),
  },
  backends: {
    about: "list the engine's backends (TensorFlow.js, ONNX Runtime) and why any cannot run",
    load: () => import('./backends'),
  },
  profile: { about: 'time a forward pass, per layer or whole', load: () => import('./profile') },
  export: {
    about: 'write the model as an ONNX or Keras HDF5 file',
    load: () => import('./export'),
  },
  predict: {
    about: 'run one image through your model file and print the top classes',
    load: () => import('./predict'),
  },
  paper: {
    about: "the paper's Table 1 from the model, published figures, deviations, a block as paths",
    load: () => import('./paper'),
  },
  cache: {
    about: 'where the exported models ONNX Runtime reuses are kept, their size; clear them',
    load: () => import('./cache'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const lines = Object.entries(COMMANDS).map(
    ([name, { about }]) => `  ${name.padEnd(width)}${about}`,
  );
  return `Usage: npm run -s cli -- <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun a command with --help for its flags.\n`;
}

function keepStdoutForResults(): void {
  const toStderr = (...args: unknown[]) => console.error(...args);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    stdoutFailure ??= error;
    exitAfterStdout(1);
  });
  // Past a file-size limit (`ulimit -f`) a write fails with EFBIG instead of killing the process,
  // so that an atomic write can remove its temporary file and say what happened.
  process.on('SIGXFSZ', () => undefined);
}

/** The first error writing to stdout: results that did not arrive are a failure (`> /dev/full`). */
let stdoutFailure: NodeJS.ErrnoException | undefined;

/** Exits with `code`, or, when stdout failed, says so and exits with 1. */
function exitAfterStdout(code: number): void {
  // A closed pipe (`| head`) is the reader's choice, not a failure.
  if (stdoutFailure === undefined || stdoutFailure.code === 'EPIPE') {
    process.exit(code);
  }
  const reason = stdoutFailure.code ?? stdoutFailure.message;
  process.stderr.write(`error: could not write the results to stdout (${reason}).\n`);
  process.exit(1);
}

/** Runs the CLI for `argv` (the arguments after the script) and returns the exit code. */
async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.err(
      `error: Unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}.\n`,
    );
    return 2;
  }
  try {
    const { command } = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n`);
      return 2;
    }
    io.err(`error: ${toErrorInfo(error).message}\n`);
    return 1;
  }
}

keepStdoutForResults();
const io: CliIo = {
  out: (text) => {
    process.stdout.write(text, (error) => {
      stdoutFailure ??= error ?? undefined;
    });
  },
  err: (text) => process.stderr.write(text),
  errIsTty: Boolean(process.stderr.isTTY),
};
const code = await runCli(process.argv.slice(2), io);
// Every earlier write's callback runs before this one's: a failed result is known by then.
process.stdout.write('', (error) => {
  stdoutFailure ??= error ?? undefined;
  exitAfterStdout(code);
});
