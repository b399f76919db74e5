/**
 * The command line of `npm run serve -- [--host H] [--port N|0] [--open] [--allow-remote]`.
 */

/** The default port; `--port 0` picks a free one. */
export const DEFAULT_PORT = 8870;

/** What the command line asks for. */
export interface ServeArgs {
  host: string;
  port: number;
  open: boolean;
  allowRemote: boolean;
  /** Build the renderer first (default; `--no-build` skips it). */
  build: boolean;
  /** The most MiB one upload may have (`--max-upload-mb`). */
  maxUploadMb: number;
  help: boolean;
}

/** The default largest upload in MiB (an image input, a model file with its shards). */
export const DEFAULT_MAX_UPLOAD_MB = 2048;

/** The usage text. */
export const USAGE = `Usage: npm run serve -- [--host 127.0.0.1] [--port ${DEFAULT_PORT}|0] [--open] [--allow-remote] [--no-build] [--max-upload-mb N]
  --host H          address to listen on (default 127.0.0.1; others need --allow-remote)
  --port N          port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --open            open the app in the system browser
  --allow-remote    allow a non-loopback --host (anyone who can reach it and has the token gets in)
  --no-build        serve dist/renderer as it is, without building it first
  --max-upload-mb N the most MiB one uploaded file may have (default ${DEFAULT_MAX_UPLOAD_MB}); all uploads
                    together may have twice that`;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/** Whether an address is loopback-only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Parses the arguments; throws an Error with a one-line message naming the fix. */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const args: ServeArgs = {
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    open: false,
    allowRemote: false,
    build: true,
    maxUploadMb: DEFAULT_MAX_UPLOAD_MB,
    help: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') {
        throw new Error(`${flag} needs a value.`);
      }
      return next;
    };
    if (flag === '--host') {
      args.host = value();
    } else if (flag === '--port') {
      const text = value();
      const port = Number(text);
      if (!/^\d+$/.test(text) || port > 65535) {
        throw new Error(`--port must be 0–65535, but got "${text}".`);
      }
      args.port = port;
    } else if (flag === '--max-upload-mb') {
      const text = value();
      if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_048_576) {
        throw new Error(`--max-upload-mb must be an integer from 1 to 1048576, but got "${text}".`);
      }
      args.maxUploadMb = Number(text);
    } else if (flag === '--open') {
      args.open = true;
    } else if (flag === '--allow-remote') {
      args.allowRemote = true;
    } else if (flag === '--no-build') {
      args.build = false;
    } else if (flag === '--help' || flag === '-h') {
      args.help = true;
    } else {
      throw new Error(`Unknown option "${argv[i]}"; see --help.`);
    }
  }
  if (!isLoopback(args.host) && !args.allowRemote) {
    throw new Error(
      `--host ${args.host} is not a loopback address; add --allow-remote to serve it on purpose.`,
    );
  }
  return args;
}
