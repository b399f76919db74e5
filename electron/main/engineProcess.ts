/**
 * The engine process of the desktop app: Electron's `utilityProcess`, which (unlike a worker thread
 * of the main process) can crash or be killed without taking the app down, shows up in the task
 * manager as "ResNeXt Inspector engine", and is sandbox-free Node as the engine needs.
 */
import { utilityProcess } from 'electron';
import type { EngineWorkerMessage } from '../../shared/engineProtocol';
import {
  ENGINE_ARG,
  heapArgs,
  TEST_HOOKS_ARG,
  type EngineChild,
  type EngineSpawner,
} from '../../engine/node/spawn';

/** A spawner that starts the bundled engine (`entry`, dist/electron/engine.cjs) as a utility process. */
export function utilitySpawner(entry: string): EngineSpawner {
  return ({ testHooks, capBytes }): EngineChild => {
    const child = utilityProcess.fork(entry, [ENGINE_ARG, ...(testHooks ? [TEST_HOOKS_ARG] : [])], {
      serviceName: 'ResNeXt Inspector engine',
      execArgv: heapArgs(capBytes),
      stdio: 'inherit',
    });
    let alive = true;
    child.once('exit', () => {
      alive = false;
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (!alive) {
          return false;
        }
        child.postMessage(message);
        return true;
      },
      onMessage: (listener) =>
        child.on('message', (message: unknown) => listener(message as EngineWorkerMessage)),
      onExit: (listener) => child.once('exit', (code) => listener(code, null)),
      kill: () => {
        child.kill();
      },
    };
  };
}
