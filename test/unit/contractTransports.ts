// The two transports of the contract suite, each over a real EngineClient: the browser-mode
// server with the renderer's WebSocket client (`ws` as the socket), and the Electron IPC wrapper
// with the preload's API, its handlers called directly through an in-memory ipcMain/ipcRenderer
// that structured-clones every payload, as Electron does.
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent, IpcRendererEvent } from 'electron';
import { WebSocket } from 'ws';
import type { InspectorApi } from '../../shared/api';
import { EngineClient } from '../../engine/node/client';
import { mainHandlers } from '../../electron/main/handlers';
import {
  forwardProfileEvents,
  isAppSender,
  registerApiHandlers,
  type IpcMainLike,
} from '../../electron/main/ipc';
import { createPreloadApi, type IpcRendererLike } from '../../electron/preload/api';
import { startServer } from '../../electron/server/server';
import {
  connectWireClient,
  fromPreload,
  prepareDownload,
  type SocketLike,
} from '../../shared/wireClient';

/** One transport under test. */
export interface Transport {
  name: 'websocket' | 'ipc';
  api: InspectorApi;
  close(): Promise<void>;
}

/**
 * The first free port from `from` up to `from + 9`: several sessions may run these tests on one
 * machine at once, so a fixed port can be taken.
 */
export async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 10; port += 1) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) {
      return port;
    }
  }
  throw new Error(`No free port in ${from}–${from + 9}.`);
}

/** A folder for test files. */
export const scratch = (): string => mkdtempSync(path.join(tmpdir(), 'inspector-test-'));

/** The browser-mode server on `port` with a real engine, and the renderer's client to it. */
export async function websocketTransport(firstPort: number): Promise<Transport> {
  const port = await freePort(firstPort);
  const engine = new EngineClient();
  const rendererDir = scratch();
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>test</title>');
  const token = 'contract-test-token-0123456789';
  const server = await startServer({
    engine,
    rendererDir,
    host: '127.0.0.1',
    port,
    token,
    allowRemote: false,
  });
  const client = await connectWireClient({
    connect: () =>
      new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`) as unknown as SocketLike,
    saveFile: async (kind, data, name) => {
      prepareDownload(kind, data, name); // what the browser would download, minus the click
      return { saved: true };
    },
  });
  return {
    name: 'websocket',
    api: client.api,
    close: async () => {
      client.close();
      await server.close();
      await engine.dispose();
    },
  };
}

/** The trusted sender: the top frame of our own renderer. */
export const appEvent = {
  senderFrame: { url: 'app://inspector/index.html', parent: null },
} as unknown as IpcMainInvokeEvent;

/** An in-memory ipcMain: the handlers registered, callable with any sender. */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown,
  ): void {
    if (this.handlers.has(channel)) {
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    }
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(event: IpcMainInvokeEvent, channel: string, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) {
      throw new Error(`No handler registered for '${channel}'`);
    }
    return structuredClone(await handler(event, ...structuredClone(args)));
  }
}

/** An ipcRenderer wired to a FakeIpcMain and to main's `webContents.send`. */
export function fakeIpcRenderer(main: FakeIpcMain, fromMain: EventEmitter): IpcRendererLike {
  return {
    invoke: (channel, ...args) => main.invoke(appEvent, channel, args),
    on: (channel, listener) => fromMain.on(channel, listener),
    removeListener: (channel, listener) => fromMain.removeListener(channel, listener),
  };
}

/** The Electron side: validated handlers over a real engine, the preload's API, the renderer's unwrapping. */
export async function ipcTransport(
  saveDir: string = scratch(),
): Promise<Transport & { saved: string[] }> {
  const engine = new EngineClient();
  const ipcMain = new FakeIpcMain();
  const fromMain = new EventEmitter();
  const saved: string[] = [];
  registerApiHandlers(
    ipcMain,
    mainHandlers({
      engine,
      showSaveDialog: async (options) => {
        const filePath = path.join(saveDir, path.basename(options.defaultPath ?? 'untitled'));
        saved.push(filePath);
        return { canceled: false, filePath };
      },
      writeFile: (file, data) => writeFile(file, data),
      app: {
        name: 'ResNeXt Inspector',
        version: '0.1.0',
        versions: { node: process.versions.node },
      },
    }),
    isAppSender,
  );
  const stop = forwardProfileEvents(engine, (channel, payload) =>
    fromMain.emit(channel, {} as IpcRendererEvent, structuredClone(payload)),
  );
  return {
    name: 'ipc',
    api: fromPreload(
      createPreloadApi(fakeIpcRenderer(ipcMain, fromMain), {
        getPathForFile: (file) => `/dropped/${file.name}`,
      }),
    ),
    saved,
    close: async () => {
      stop();
      await engine.dispose();
    },
  };
}
