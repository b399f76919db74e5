/**
 * The engine process: the entry that EngineClient starts with `child_process.fork` (browser mode,
 * CLI) or Electron's `utilityProcess.fork` (the app). Its command line carries
 * `--resnext-inspector-engine`, so a person can find it in `ps` or a task manager. It serves the
 * engine protocol on its IPC channel, reports its resident memory, and exits when its host goes.
 */
import type { EngineHostMessage, EngineWorkerMessage } from '../../shared/engineProtocol';
import { serveEngine, type EnginePort } from '../core/engine';
import { nodeHost } from './host';
import { TEST_HOOKS_ARG } from './spawn';

/** How often the engine reports its resident memory. */
const MEMORY_REPORT_MS = 250;

/** Electron's utilityProcess port: messages arrive wrapped in an event's `data`. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
}

/** Ends the process once the messages already posted have left (a plain exit could drop them). */
function exitAfterFlush(code: number): void {
  if (process.send && process.connected) {
    process.send({ kind: 'exiting' } satisfies EngineWorkerMessage, () => process.exit(code));
    setTimeout(() => process.exit(code), 1000).unref();
  } else {
    // utilityProcess's port has no delivery callback: give it a moment.
    setTimeout(() => process.exit(code), 50);
  }
}

function ipcPort(): EnginePort {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      post: (message: EngineWorkerMessage) => parentPort.postMessage(message),
      listen: (listener) =>
        parentPort.on('message', (event) => listener(event.data as EngineHostMessage)),
    };
  }
  if (!process.send) {
    throw new Error('The engine process must be started by its host (it has no IPC channel).');
  }
  // The host is gone: nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
  return {
    post: (message: EngineWorkerMessage) => {
      if (process.connected) {
        process.send?.(message);
      }
    },
    listen: (listener) =>
      process.on('message', (message) => listener(message as EngineHostMessage)),
  };
}

// The host's stdout may carry results (the CLI's --format json): library chatter goes to stderr.
console.log = console.info = console.debug = console.warn = console.error;
const port = ipcPort();
serveEngine(port, nodeHost(), {
  testHooks: process.argv.includes(TEST_HOOKS_ARG),
  exit: exitAfterFlush,
});
// The capture callback, unlike an 'uncaughtException' listener, also keeps the wasm module's own
// listener (which rethrows, printing its whole minified source) from running.
process.setUncaughtExceptionCaptureCallback((error) => {
  const reason = error instanceof Error ? error.message : String(error);
  port.post({ kind: 'fatal', reason, uncaught: true });
  exitAfterFlush(1);
});
setInterval(
  () =>
    port.post({
      kind: 'memory',
      rssBytes: process.memoryUsage.rss(),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  MEMORY_REPORT_MS,
).unref();
