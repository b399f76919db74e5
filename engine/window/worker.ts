/**
 * The window's engine: a dedicated Web Worker the renderer starts (engine/window/client.ts). It
 * serves the same engine protocol as the engine process, on the worker's message port. A lost GPU
 * device or WebGL context ends it (after saying why); the client starts a fresh one.
 */
import type { EngineHostMessage, EngineWorkerMessage } from '../../shared/engineProtocol';
import { serveEngine } from '../core/engine';
import { onDeviceLost } from './backends';
import { windowHost } from './host';

interface WorkerScope {
  postMessage(message: EngineWorkerMessage): void;
  addEventListener(
    type: 'message',
    listener: (event: MessageEvent<EngineHostMessage>) => void,
  ): void;
  close(): void;
}

const scope = self as unknown as WorkerScope;
const exit = (): void => {
  scope.postMessage({ kind: 'exiting' });
  scope.close();
};
serveEngine(
  {
    post: (message) => scope.postMessage(message),
    listen: (listener) => scope.addEventListener('message', (event) => listener(event.data)),
  },
  windowHost(),
  { testHooks: false, exit },
);
onDeviceLost((reason) => {
  scope.postMessage({ kind: 'fatal', reason });
  exit();
});
