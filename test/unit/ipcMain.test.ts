// The Electron main process wiring, without Electron: main.ts runs against a recording stand-in
// for the `electron` module, and we check what it did and in which order — app:// registered
// as privileged before ready, the sandbox forced, one validated handler per call, the menu,
// one window on app:// with the preload, permissions denied, guards on every web contents.
import { EventEmitter } from 'node:events';
import type { IpcMainInvokeEvent } from 'electron';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { API_CALLS } from '../../shared/api';
import { ipcChannel } from '../../shared/wire';

const calls: string[] = [];
const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
const windows: { options: { webPreferences: Record<string, unknown> }; url?: string }[] = [];
const contentsCreated: ((event: unknown, contents: unknown) => void)[] = [];
let permissionAnswer: boolean | undefined;
let protocolHandler: ((request: { url: string }) => Promise<Response>) | undefined;

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  const app = Object.assign(new EventEmitter(), {
    whenReady: async () => void calls.push('whenReady'),
    enableSandbox: () => void calls.push('enableSandbox'),
    commandLine: {
      appendSwitch: (name: string, value?: string) =>
        void calls.push(`switch ${name}${value === undefined ? '' : `=${value}`}`),
    },
    requestSingleInstanceLock: () => true,
    getName: () => 'ResNeXt Inspector',
    getVersion: () => '0.1.0',
    isPackaged: false,
    quit: () => undefined,
    exit: () => undefined,
  });
  const originalOn = app.on.bind(app);
  app.on = (name: string, listener: (...args: unknown[]) => void) => {
    if (name === 'web-contents-created') {
      contentsCreated.push(listener);
    }
    return originalOn(name, listener);
  };
  class BrowserWindow extends EventEmitter {
    webContents = new EventEmitter();
    url?: string;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      calls.push('new BrowserWindow');
      windows.push(this);
    }
    isDestroyed = () => false;
    loadURL = async (url: string) => void (this.url = url);
    show = () => undefined;
  }
  return {
    app,
    BrowserWindow,
    dialog: {
      showErrorBox: (title: string, text: string) => calls.push(`error: ${title}: ${text}`),
    },
    ipcMain: {
      handle: (channel: string, listener: never) => handlers.set(channel, listener),
      removeHandler: () => undefined,
    },
    Menu: {
      buildFromTemplate: (template: { label?: string }[]) => template,
      setApplicationMenu: (template: { label?: string; role?: string }[]) =>
        calls.push(`menu: ${template.map((entry) => entry.label ?? entry.role).join(', ')}`),
    },
    protocol: {
      registerSchemesAsPrivileged: (
        schemes: { scheme: string; privileges: Record<string, boolean> }[],
      ) =>
        calls.push(
          `privileged: ${schemes.map((entry) => `${entry.scheme} ${JSON.stringify(entry.privileges)}`).join()}`,
        ),
      handle: (scheme: string, handler: never) => {
        calls.push(`handle ${scheme}`);
        protocolHandler = handler;
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (
          handler: (c: unknown, p: string, callback: (granted: boolean) => void) => void,
        ) => handler({}, 'geolocation', (granted) => (permissionAnswer = granted)),
        setPermissionCheckHandler: () => undefined,
      },
    },
  };
});

beforeAll(async () => {
  await import('../../electron/main/main');
  await vi.waitFor(() => expect(windows).toHaveLength(1));
});

describe('Electron main', () => {
  it('registers app:// as privileged and forces the sandbox before ready', () => {
    const ready = calls.indexOf('whenReady');
    expect(
      calls.findIndex((call) => call.startsWith('privileged: app {"standard":true,"secure":true')),
    ).toBeLessThan(ready);
    expect(calls.indexOf('enableSandbox')).toBeLessThan(ready);
    // WebGPU on Linux needs its switches before the app is ready; other systems have it on.
    const switches = calls.filter((call) => call.startsWith('switch '));
    expect(switches).toEqual(
      process.platform === 'linux'
        ? ['switch enable-unsafe-webgpu', 'switch enable-features=Vulkan']
        : [],
    );
    switches.forEach((call) => expect(calls.indexOf(call)).toBeLessThan(ready));
    expect(calls.indexOf('handle app')).toBeGreaterThan(ready);
    expect(calls.filter((call) => call.startsWith('error'))).toEqual([]);
  });

  it('registers exactly one handler per call, each validating sender and payload', async () => {
    expect([...handlers.keys()].sort()).toEqual(API_CALLS.map(ipcChannel).sort());
    const describeCall = handlers.get(ipcChannel('describe'))!;
    const ours = {
      senderFrame: { url: 'app://inspector/index.html', parent: null },
    } as unknown as IpcMainInvokeEvent;
    const foreign = {
      senderFrame: { url: 'https://evil.example/', parent: null },
    } as unknown as IpcMainInvokeEvent;
    expect(await describeCall(ours, { depth: 'deep' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await describeCall(foreign, { depth: 'deep' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
  });

  it('sets the menu, opens one window on app:// with the bundled preload, denies permissions', () => {
    expect(calls).toContain('menu: File, editMenu, View, Help');
    expect(windows[0].url).toBe('app://inspector/index.html');
    expect(windows[0].options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    expect(String(windows[0].options.webPreferences.preload)).toMatch(/preload\.cjs$/);
    expect(permissionAnswer).toBe(false);
  });

  it('guards every web contents created', () => {
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    contentsCreated.forEach((listener) => listener({}, contents));
    let prevented = false;
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(contents.setWindowOpenHandler).toHaveBeenCalled();
  });

  it('serves app:// through the confined handler', async () => {
    const response = await protocolHandler!({ url: 'app://inspector/..%2f..%2fpackage.json' });
    expect(response.status).toBe(403);
  });
});
