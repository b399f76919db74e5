/**
 * Starting the engine process. `forkEngine` uses `child_process.fork` (browser mode, the CLI,
 * tests); Electron's main process passes a spawner of its own built on `utilityProcess.fork`.
 * Either way the child runs engine/node/process.ts (or its bundle) with `--resnext-inspector-engine`
 * on its command line and a V8 heap capped at the engine's memory cap.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import type { EngineHostMessage, EngineWorkerMessage } from '../../shared/engineProtocol';

/** The argument that names the engine process on its command line. */
export const ENGINE_ARG = '--resnext-inspector-engine';
/** The argument that lets tests crash the engine on purpose. */
export const TEST_HOOKS_ARG = '--test-hooks';

/** The engine process as its client sees it, whatever started it. */
export interface EngineChild {
  /** The OS process id, once known. */
  readonly pid: number | undefined;
  /** Sends a message; false when the channel is already closed. */
  send(message: EngineHostMessage): boolean;
  onMessage(listener: (message: EngineWorkerMessage) => void): void;
  /** Called once, when the process has exited. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Ends the process at once (SIGKILL where there are signals). */
  kill(): void;
}

/** What a spawner is told. */
export interface SpawnOptions {
  /** Let tests crash the engine on purpose. */
  testHooks: boolean;
  /** The engine's memory cap in bytes; its V8 heap gets this as --max-old-space-size. */
  capBytes: number;
}

/** Starts an engine process. */
export type EngineSpawner = (options: SpawnOptions) => EngineChild;

/** The Node options that cap the engine's V8 heap. */
export function heapArgs(capBytes: number): string[] {
  return [`--max-old-space-size=${Math.floor(capBytes / 2 ** 20)}`];
}

/** Newest modification time of the TypeScript files under some folders. */
function newestSource(folders: string[]): number {
  let newest = 0;
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        visit(full);
      } else if (entry.name.endsWith('.ts')) {
        newest = Math.max(newest, statSync(full).mtimeMs);
      }
    }
  };
  folders.forEach(visit);
  return newest;
}

/**
 * From a source checkout, the engine runs as a bundle (esbuild, rebuilt when engine/ or shared/
 * changed): under tsx's loader, every module it loads would be transpiled first, which costs
 * seconds for the large generated ones (h5wasm's 4 MB, tfjs). The bundle is written to a
 * temporary file and renamed, so processes starting at once never run half a file.
 */
function sourceBundle(root: string): string | undefined {
  const bundle = path.join(root, '.cache', 'engine', 'process.cjs');
  const fresh =
    existsSync(bundle) &&
    statSync(bundle).mtimeMs >=
      newestSource([path.join(root, 'engine'), path.join(root, 'shared')]);
  if (fresh) {
    return bundle;
  }
  let esbuild: typeof Esbuild;
  try {
    esbuild = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
  } catch {
    return undefined; // no esbuild (not a development checkout): run through tsx
  }
  mkdirSync(path.dirname(bundle), { recursive: true });
  const temporary = `${bundle}.${process.pid}.tmp`;
  const options: Esbuild.BuildOptions = {
    entryPoints: [path.join(root, 'engine', 'node', 'process.ts')],
    outfile: temporary,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    // CommonJS has no import.meta.url: give the bundle its own file URL, as the Electron build does.
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
  };
  try {
    esbuild.buildSync(options);
  } catch (error) {
    // A half-written temporary file would only pile up in .cache: remove it.
    rmSync(temporary, { force: true });
    const first = (
      error as { errors?: { text: string; location?: { file: string; line: number } }[] }
    ).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new Error(
      `The engine could not be bundled from source: ${first?.text ?? String(error)}${where}`,
    );
  }
  renameSync(temporary, bundle);
  return bundle;
}

/** The engine entry: process.js beside a build; from source, a bundle of process.ts (or tsx). */
function defaultEntry(): { file: string; loader: string[] } {
  if (!import.meta.url.endsWith('.ts')) {
    return { file: fileURLToPath(new URL('./process.js', import.meta.url)), loader: [] };
  }
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bundle = sourceBundle(root);
  if (bundle) {
    return { file: bundle, loader: [] };
  }
  // What `node --import tsx` loads: tsx's loader for both module systems.
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return {
    file: fileURLToPath(new URL('./process.ts', import.meta.url)),
    loader: ['--import', pathToFileURL(tsx).href],
  };
}

/**
 * A spawner on `child_process.fork`. The child's stdout goes to our stderr: the CLI's stdout
 * carries results, and the engine's libraries print banners.
 */
export function forkSpawner(entry?: string): EngineSpawner {
  return ({ testHooks, capBytes }) => {
    const start = entry ? { file: entry, loader: [] } : defaultEntry();
    const child = fork(start.file, [ENGINE_ARG, ...(testHooks ? [TEST_HOOKS_ARG] : [])], {
      execArgv: [...start.loader, ...heapArgs(capBytes)],
      serialization: 'advanced',
      stdio: ['ignore', 2, 'inherit', 'ipc'],
    });
    // A send racing the child's death fails on the channel; the exit handler settles what waited.
    child.on('error', () => undefined);
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (!child.connected) {
          return false;
        }
        child.send(message, (error) => error && undefined);
        return true;
      },
      onMessage: (listener) =>
        child.on('message', (message) => listener(message as EngineWorkerMessage)),
      onExit: (listener) => child.once('exit', listener),
      kill: () => {
        child.kill('SIGKILL');
      },
    };
  };
}
