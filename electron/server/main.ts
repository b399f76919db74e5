/**
 * `npm run serve`: starts the engine and the browser-mode server, prints the URL with its token,
 * optionally opens the system browser, and stops cleanly on Ctrl-C.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineService } from '../../shared/wire';
import { EngineClient } from '../../engine/node/client';
import { isLoopback, parseServeArgs, USAGE, type ServeArgs } from './args';
import { resolveToken } from './auth';
import { buildRenderer } from './buildRenderer';
import { hasDisplay, openBrowser } from './open';
import { startServer } from './server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');

async function serve(args: ServeArgs): Promise<void> {
  if (args.build && buildRenderer(ROOT) === 'failed') {
    throw new Error('the renderer did not build; see the errors above (or pass --no-build).');
  }
  const engine: EngineService = new EngineClient();
  const server = await startServer({
    engine,
    rendererDir: RENDERER_DIR,
    host: args.host,
    port: args.port,
    token: resolveToken(),
    allowRemote: args.allowRemote,
    maxUploadBytes: args.maxUploadMb * 2 ** 20,
  });
  if (!isLoopback(args.host)) {
    console.warn(
      `Warning: listening on ${args.host}: anyone who can reach it and has the token can use the app.`,
    );
  }
  console.log(`ResNeXt Inspector is serving at:\n\n    ${server.url}\n\nPress Ctrl-C to stop.`);
  if (args.open && hasDisplay()) {
    openBrowser(server.url);
  } else if (args.open) {
    console.log(
      'No display here to open a browser on; open the URL above (over an SSH tunnel if remote).',
    );
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      process.exit(130);
    }
    stopping = true;
    console.log('\nStopping…');
    void Promise.allSettled([server.close(), Promise.resolve(engine.dispose())]).then(() =>
      process.exit(0),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

let args: ServeArgs;
try {
  args = parseServeArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
} else {
  serve(args).catch((error: NodeJS.ErrnoException) => {
    const message =
      error.code === 'EADDRINUSE'
        ? `Port ${args.port} is in use: pass --port N for another one, or --port 0 for any free port.`
        : `Could not start the server: ${error.message}`;
    console.error(message);
    process.exit(1);
  });
}
