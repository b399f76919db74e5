// The Electron side without Electron: the validated IPC wrapper (sender and payload checks), the
// preload's exposed API, saveFile through the dialog, the window's guards, the menu, app://.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent, MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { mainHandlers } from '../../electron/main/handlers';
import { isAppSender, registerApiHandlers, windowRuns } from '../../electron/main/ipc';
import { menuTemplate } from '../../electron/main/menu';
import { appResponse } from '../../electron/main/protocol';
import { createWindow, denyPermissions, guardContents } from '../../electron/main/window';
import { createPreloadApi } from '../../electron/preload/api';
import { API_CALLS, MENU_COMMANDS, type MenuCommand } from '../../shared/api';
import type { ApiHandlers } from '../../shared/apiSchemas';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import type { ProfileEvent } from '../../shared/profile';
import { IPC_MENU, ipcChannel, type EngineService } from '../../shared/wire';
import { appEvent, FakeIpcMain, fakeIpcRenderer } from './contractTransports';

// window.ts constructs a real BrowserWindow; here a recording class stands in for Electron's.
vi.mock('electron', () => ({
  BrowserWindow: class {
    constructor(readonly options: unknown) {}
  },
}));

const frameEvent = (url: string, parent: unknown = null) =>
  ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;

/** Handlers that record what reaches them. */
function recordingHandlers() {
  const reached: unknown[][] = [];
  const handlers = Object.fromEntries(
    API_CALLS.map((call) => [
      call,
      async (...args: unknown[]) => void reached.push([call, ...args]),
    ]),
  ) as unknown as ApiHandlers;
  return { handlers, reached };
}

describe('registerApiHandlers', () => {
  it('registers one channel per call and nothing else, and can remove them', () => {
    const ipcMain = new FakeIpcMain();
    const remove = registerApiHandlers(ipcMain, recordingHandlers().handlers);
    expect([...ipcMain.handlers.keys()].sort()).toEqual(API_CALLS.map(ipcChannel).sort());
    remove();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it.each([
    ['another origin', frameEvent('https://evil.example/')],
    ['a file:// page', frameEvent('file:///tmp/index.html')],
    ['a subframe of ours', frameEvent('app://inspector/index.html', {})],
    ['another app:// host', frameEvent('app://other/index.html')],
    ['no frame', { senderFrame: null } as unknown as IpcMainInvokeEvent],
  ])('refuses %s with UNAUTHORIZED, before the handler', async (_name, event) => {
    const ipcMain = new FakeIpcMain();
    const { handlers, reached } = recordingHandlers();
    registerApiHandlers(ipcMain, handlers);
    expect(isAppSender(event)).toBe(false);
    expect(await ipcMain.invoke(event, ipcChannel('backends'), [])).toEqual({
      ok: false,
      error: {
        code: 'UNAUTHORIZED',
        message: 'IPC calls are accepted only from the app’s own window.',
      },
    });
    expect(reached).toEqual([]);
  });

  it('validates payloads before the handler, and passes valid ones through', async () => {
    const ipcMain = new FakeIpcMain();
    const { handlers, reached } = recordingHandlers();
    registerApiHandlers(ipcMain, handlers);
    const refused = await ipcMain.invoke(appEvent, ipcChannel('describe'), [
      { ...DEFAULT_CONFIG, depth: 18 },
    ]);
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'INVALID_REQUEST',
        message: 'describe: config.depth must be one of 50, 101, 152, but got 18.',
      },
    });
    expect(reached).toEqual([]);
    expect(await ipcMain.invoke(appEvent, ipcChannel('describe'), [DEFAULT_CONFIG])).toEqual({
      ok: true,
    });
    expect(reached).toEqual([['describe', DEFAULT_CONFIG]]);
  });
});

describe('runs of the window', () => {
  it('cancels the runs a window started and that have not ended, when it goes', async () => {
    let emit: (events: ProfileEvent[]) => void = () => undefined;
    const cancelled: string[] = [];
    const engine = {
      onProfileEvents: (listener: (events: ProfileEvent[]) => void) => {
        emit = listener;
        return () => undefined;
      },
      cancel: async (runId: string) => void cancelled.push(runId),
    };
    let next = 0;
    const runs = windowRuns(engine);
    const profile = runs.track(async () => ({ runId: `run-${(next += 1)}` }));
    const request = {} as Parameters<ApiHandlers['profile']>[0];
    await profile(request);
    await profile(request);
    await profile(request);
    emit([
      {
        type: 'error',
        runId: 'run-2',
        error: { code: 'CANCELLED', message: 'The profile run was cancelled.' },
      },
    ]);
    emit([{ type: 'run-finished', runId: 'run-3' } as ProfileEvent]);
    runs.cancelAll();
    expect(cancelled).toEqual(['run-1']);
    runs.cancelAll();
    expect(cancelled).toEqual(['run-1']);
  });
});

describe('preload API', () => {
  /** Electron's webUtils as the preload sees it: a File from disk has its path. */
  const webUtils = { getPathForFile: (file: File) => `/home/me/${file.name}` };

  it("gives a dropped File's path from webUtils in the preload, without IPC; '' for anything else", () => {
    const silent = {
      invoke: () => Promise.reject(new Error('pathForFile must not use IPC')),
      on: () => undefined,
      removeListener: () => undefined,
    };
    const api = createPreloadApi(silent, webUtils);
    expect(api.pathForFile(new File(['x'], 'model.h5'))).toBe('/home/me/model.h5');
    expect(api.pathForFile({ name: 'model.h5' } as unknown as File)).toBe('');
  });

  it('exposes the named calls and subscriptions only, frozen, never ipcRenderer', () => {
    const api = createPreloadApi(fakeIpcRenderer(new FakeIpcMain(), new EventEmitter()), webUtils);
    expect(Object.keys(api).sort()).toEqual(
      [...API_CALLS, 'onMenu', 'onProfileEvents', 'pathForFile'].sort(),
    );
    expect(Object.isFrozen(api)).toBe(true);
    for (const name of ['ipcRenderer', 'invoke', 'send', 'on']) {
      expect(name in api).toBe(false);
    }
  });

  it('delivers menu commands it knows, drops others, and unsubscribes', () => {
    const fromMain = new EventEmitter();
    const api = createPreloadApi(fakeIpcRenderer(new FakeIpcMain(), fromMain), webUtils);
    const got: MenuCommand[] = [];
    const stop = api.onMenu((command) => got.push(command));
    fromMain.emit(IPC_MENU, {}, 'view-fit');
    fromMain.emit(IPC_MENU, {}, 'format-disk');
    stop();
    fromMain.emit(IPC_MENU, {}, 'view-fit');
    expect(got).toEqual(['view-fit']);
    expect(fromMain.listenerCount(IPC_MENU)).toBe(0);
  });
});

describe('saveFile in Electron', () => {
  const engine = {} as EngineService; // saveFile never reaches the engine
  const app = { name: 'ResNeXt Inspector', version: '0.1.0', versions: {} };

  it('writes text as text and a png from base64 to the chosen path', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'inspector-save-'));
    const handlers = mainHandlers({
      engine,
      app,
      showSaveDialog: async (options) => ({
        canceled: false,
        filePath: path.join(folder, options.defaultPath!),
      }),
      writeFile: (file, data) => writeFile(file, data),
    });
    expect(await handlers.saveFile('md', '| a |', 'summary.md')).toEqual({
      saved: true,
      path: path.join(folder, 'summary.md'),
    });
    expect(readFileSync(path.join(folder, 'summary.md'), 'utf8')).toBe('| a |');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    await handlers.saveFile('png', png.toString('base64'), 'graph.png');
    expect(readFileSync(path.join(folder, 'graph.png'))).toEqual(png);
  });

  it('answers saved: false when the dialog is cancelled, and INTERNAL naming the path when writing fails', async () => {
    const cancelled = mainHandlers({
      engine,
      app,
      showSaveDialog: async () => ({ canceled: true, filePath: '' }),
      writeFile: async () => undefined,
    });
    expect(await cancelled.saveFile('txt', 'x', 'a.txt')).toEqual({ saved: false });
    const failing = mainHandlers({
      engine,
      app,
      showSaveDialog: async () => ({ canceled: false, filePath: '/no/such/folder/a.txt' }),
      writeFile: (file, data) => writeFile(file, data),
    });
    await expect(failing.saveFile('txt', 'x', 'a.txt')).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'Could not write /no/such/folder/a.txt (ENOENT); choose another folder.',
    });
  });
});

describe('window', () => {
  it('spells out isolation, sandbox and no Node', () => {
    const window = createWindow('/app/preload.cjs') as unknown as {
      options: { webPreferences: unknown };
    };
    expect(window.options.webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('prevents navigation, redirects and webviews, denies new windows and permissions', () => {
    const contents = new EventEmitter() as EventEmitter & {
      setWindowOpenHandler(handler: () => unknown): void;
    };
    let openHandler: (() => unknown) | undefined;
    contents.setWindowOpenHandler = (handler) => (openHandler = handler);
    guardContents(contents as never);
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      contents.emit(name, { preventDefault: () => (prevented = true) });
      expect(prevented, name).toBe(true);
    }
    expect(openHandler?.()).toEqual({ action: 'deny' });
    const answers: boolean[] = [];
    let check: (() => boolean) | undefined;
    denyPermissions({
      setPermissionRequestHandler: (handler) =>
        handler!({} as never, 'media', (granted: boolean) => answers.push(granted), {} as never),
      setPermissionCheckHandler: (handler) => (check = handler as () => boolean),
    });
    expect(answers).toEqual([false]);
    expect(check?.()).toBe(false);
  });
});

describe('menu', () => {
  it('has File, View and Help with the items of issue 4, each sending its command', () => {
    const sent: MenuCommand[] = [];
    const template = menuTemplate((command) => sent.push(command), {
      isMac: false,
      devTools: false,
    });
    const labels = (menu: string) =>
      (
        template.find((entry) => entry.label === menu)!.submenu as MenuItemConstructorOptions[]
      ).filter((item) => item.click);
    expect(labels('File').map((item) => item.label)).toEqual([
      'Open…',
      'Export PNG…',
      'Export SVG…',
      'Export Summary…',
      'Export Trace…',
    ]);
    expect(labels('View').map((item) => item.label)).toEqual([
      'Fit',
      'Collapse All',
      'Expand All',
      'Heat Map',
    ]);
    expect(labels('Help').map((item) => item.label)).toEqual([
      'About ResNeXt Inspector',
      'Backends',
    ]);
    for (const menu of ['File', 'View', 'Help']) {
      for (const item of labels(menu)) {
        (item.click as () => void)();
      }
    }
    expect(sent).toEqual([...MENU_COMMANDS]);
  });
});

describe('app:// protocol', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'inspector-app-'));
  const renderer = path.join(root, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'export {}');
  writeFileSync(path.join(root, 'secret.txt'), 'SECRET');
  symlinkSync(path.join(root, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));

  it('serves the renderer with the CSP and its content type', async () => {
    const response = await appResponse('app://inspector/assets/app.js', renderer);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    // Cross-origin isolation: crossOriginIsolated is true in the window, and wasm gets threads.
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await (await appResponse('app://inspector/', renderer)).text()).toContain(
      '<title>app</title>',
    );
  });

  it.each([
    'app://inspector/..%2fsecret.txt',
    'app://inspector/%2e%2e/secret.txt',
    'app://inspector/assets/..%2f..%2fsecret.txt',
    'app://inspector/..%5csecret.txt',
    'app://inspector/assets/link.txt',
    'app://other/index.html',
    'file:///etc/passwd',
  ])('refuses %s', async (url) => {
    const response = await appResponse(url, renderer);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('SECRET');
  });
});
