/**
 * The Electron main process: registers app://, starts the engine in a utility process of its own,
 * registers the validated IPC handlers, opens the one window and sets the menu. Bundled by esbuild
 * to dist/electron/main.cjs (scripts/build-electron.mjs), next to preload.cjs and engine.cjs.
 */
import { app, type BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import path from 'node:path';
import type { MenuCommand } from '../../shared/api';
import { IPC_MENU } from '../../shared/wire';
import { writeFileAtomic } from '../../engine/node/atomicWrite';
import { EngineClient } from '../../engine/node/client';
import { utilitySpawner } from './engineProcess';
import { gpuSwitches } from './gpuSwitches';
import { mainHandlers } from './handlers';
import { forwardProfileEvents, registerApiHandlers, windowRuns } from './ipc';
import { menuTemplate } from './menu';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appResponse } from './protocol';
import { APP_URL, createWindow, denyPermissions, guardContents } from './window';

const BUNDLE_DIR = __dirname;
const RENDERER_DIR = path.join(BUNDLE_DIR, '..', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();
for (const [name, value] of gpuSwitches(process.platform)) {
  app.commandLine.appendSwitch(name, value);
}
app.on('web-contents-created', (_event, contents) => guardContents(contents));

let window: BrowserWindow | undefined;
/** Cancels the runs of a window that has gone; set once the engine exists. */
let cancelWindowRuns = (): void => undefined;

function send(channel: string, payload: unknown): void {
  if (window && !window.isDestroyed()) {
    window.webContents.send(channel, payload);
  }
}

function openWindow(): BrowserWindow {
  const created = createWindow(path.join(BUNDLE_DIR, 'preload.cjs'));
  created.once('ready-to-show', () => created.show());
  created.on('closed', () => {
    window = undefined;
    cancelWindowRuns();
  });
  created.webContents.on('render-process-gone', () => cancelWindowRuns());
  void created.loadURL(APP_URL);
  return created;
}

async function start(): Promise<void> {
  await app.whenReady();
  protocol.handle(APP_SCHEME, (request) => appResponse(request.url, RENDERER_DIR));
  denyPermissions(session.defaultSession);
  const engine = new EngineClient({
    spawner: utilitySpawner(path.join(BUNDLE_DIR, 'engine.cjs')),
  });
  const runs = windowRuns(engine);
  cancelWindowRuns = runs.cancelAll;
  const handlers = mainHandlers({
    engine,
    showSaveDialog: (options) =>
      window ? dialog.showSaveDialog(window, options) : dialog.showSaveDialog(options),
    showOpenDialog: (options) =>
      window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options),
    // Atomic: a failed save (a full disk) leaves the file that was there as it was.
    writeFile: (file, data) => writeFileAtomic(file, data),
    app: {
      name: app.getName(),
      version: app.getVersion(),
      versions: {
        node: process.versions.node,
        electron: process.versions.electron,
        chrome: process.versions.chrome,
      },
    },
  });
  registerApiHandlers(ipcMain, { ...handlers, profile: runs.track(handlers.profile) });
  forwardProfileEvents(engine, send);
  const sendCommand = (command: MenuCommand): void => send(IPC_MENU, command);
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(sendCommand, {
        isMac: process.platform === 'darwin',
        devTools: !app.isPackaged,
      }),
    ),
  );
  window = openWindow();
  app.on('activate', () => {
    window ??= openWindow();
  });
  app.on('will-quit', () => void engine.dispose());
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => window?.focus());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') {
      app.quit();
    }
  });
  start().catch((error: unknown) => {
    dialog.showErrorBox('ResNeXt Inspector could not start', String(error));
    app.exit(1);
  });
}
