// The API with the window's engine beside the engine process: backends listed under both
// headings, runs routed by backend and run id, model files and uploaded images handed to the
// window's engine from what the window holds, and one message where it holds nothing.
import { describe, expect, it } from 'vitest';
import type { InspectorApi } from '../../shared/api';
import { InspectorError } from '../../shared/errors';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import type { ModelGraph } from '../../shared/modelGraph';
import {
  DEFAULT_PROFILE,
  WINDOW_BACKENDS,
  type BackendStatus,
  type ProfileEvent,
  type ProfileRequest,
} from '../../shared/profile';
import { groupBackends } from '../../renderer/src/profile/backendGroups';
import { withWindowEngine } from '../../renderer/src/api/withWindowEngine';
import type { WindowEngine } from '../../engine/window/client';

const config = { ...DEFAULT_CONFIG, depth: 50, inputSize: 32, classes: 10 } as const;

/** A recording engine process and window engine; `windowFails` makes the window's backends fail. */
function setup(options: { windowFails?: string } = {}) {
  const calls: string[] = [];
  const listeners = {
    api: [] as ((events: ProfileEvent[]) => void)[],
    window: [] as ((events: ProfileEvent[]) => void)[],
  };
  const api = {
    backends: async (): Promise<BackendStatus[]> => [
      { name: 'wasm', available: true, detail: 'wasm, 1 thread', preferred: true },
    ],
    profile: async (request: ProfileRequest) => {
      calls.push(`engine profile ${request.backend}`);
      return { runId: 'run-1' };
    },
    cancel: async (runId: string) => void calls.push(`engine cancel ${runId}`),
    activations: async (runId: string) => {
      calls.push(`engine activations ${runId}`);
      return { maps: [] };
    },
    onProfileEvents: (listener: (events: ProfileEvent[]) => void) => {
      listeners.api.push(listener);
      return () => void listeners.api.splice(listeners.api.indexOf(listener), 1);
    },
    uploadFile: async (file: Blob, name: string) => ({
      id: 'u'.repeat(32),
      name,
      bytes: file.size,
    }),
  } as unknown as InspectorApi;
  const requests: ProfileRequest[] = [];
  const engine = {
    backends: async (): Promise<BackendStatus[]> => {
      if (options.windowFails) {
        throw new InspectorError('ENGINE_CRASHED', options.windowFails);
      }
      return [
        { name: 'window-webgl', available: true, detail: 'WebGL2: SwiftShader', preferred: true },
        { name: 'window-webgpu', available: false, reason: 'this window has no WebGPU' },
      ];
    },
    openModel: async (main: File, others: File[]) => {
      calls.push(`window open ${[main, ...others].map((file) => file.name).join(' ')}`);
      return { file: { id: 'window-file-9' } } as ModelGraph;
    },
    profile: async (request: ProfileRequest) => {
      requests.push(request);
      calls.push(`window profile ${request.backend}`);
      return { runId: 'wrun-7' };
    },
    cancel: async (runId: string) => void calls.push(`window cancel ${runId}`),
    activations: async (runId: string) => {
      calls.push(`window activations ${runId}`);
      return { maps: [] };
    },
    onProfileEvents: (listener: (events: ProfileEvent[]) => void) => {
      listeners.window.push(listener);
      return () => void listeners.window.splice(listeners.window.indexOf(listener), 1);
    },
  } as unknown as WindowEngine;
  return { api: withWindowEngine(api, engine), calls, requests, listeners };
}

const request = (backend: ProfileRequest['backend'], extra: Partial<ProfileRequest> = {}) => ({
  ...DEFAULT_PROFILE,
  config,
  backend,
  ...extra,
});

describe('the API with the window engine', () => {
  it("lists the engine's backends, then the window's, which auto never picks", async () => {
    const { api } = setup();
    const backends = await api.backends();
    expect(backends.map((backend) => backend.name)).toEqual([
      'wasm',
      'window-webgl',
      'window-webgpu',
    ]);
    expect(backends.filter((backend) => backend.preferred).map((backend) => backend.name)).toEqual([
      'wasm',
    ]);
    expect(
      groupBackends(backends, 'browser').map((group) => [group.label, group.backends.length]),
    ).toEqual([
      ['In this window', 2],
      ['Engine', 1],
    ]);
    expect(groupBackends(backends, 'browser')[0].where).toBe(
      '— run on the computer showing this page, in the browser',
    );
  });

  it("marks every window backend unavailable, with the reason, when the window's engine cannot start", async () => {
    const { api } = setup({ windowFails: 'the worker script failed to load' });
    const window = (await api.backends()).filter((backend) => backend.name.startsWith('window-'));
    expect(window.map((backend) => backend.name)).toEqual([...WINDOW_BACKENDS]);
    for (const backend of window) {
      expect(backend).toEqual({
        name: backend.name,
        available: false,
        reason: "the window's engine could not start: the worker script failed to load",
      });
    }
  });

  it('routes a run by its backend, and cancel and activations by the run id', async () => {
    const { api, calls } = setup();
    expect(await api.profile(request('window-webgl'))).toEqual({ runId: 'wrun-7' });
    expect(await api.profile(request('wasm'))).toEqual({ runId: 'run-1' });
    await api.cancel('wrun-7');
    await api.cancel('run-1');
    await api.activations('wrun-7', 3, { channels: 4 });
    await api.activations('run-1', 3, { channels: 4 });
    expect(calls).toEqual([
      'window profile window-webgl',
      'engine profile wasm',
      'window cancel wrun-7',
      'engine cancel run-1',
      'window activations wrun-7',
      'engine activations run-1',
    ]);
  });

  it('merges both event streams, and stops both', () => {
    const { api, listeners } = setup();
    const seen: string[] = [];
    const stop = api.onProfileEvents((events) => seen.push(...events.map((event) => event.runId)));
    listeners.api[0]([
      { type: 'error', runId: 'run-1', error: { code: 'CANCELLED', message: 'x' } },
    ]);
    listeners.window[0]([
      { type: 'error', runId: 'wrun-7', error: { code: 'CANCELLED', message: 'x' } },
    ]);
    expect(seen).toEqual(['run-1', 'wrun-7']);
    stop();
    expect([listeners.api.length, listeners.window.length]).toEqual([0, 0]);
  });

  it('opens a model file in the window from the Files kept for it, once, under its own id', async () => {
    const { api, calls, requests } = setup();
    api.rememberModelFiles('file-1', new File(['{}'], 'model.json'), [
      new File(['x'], 'shard.bin'),
    ]);
    await api.profile(request('window-wasm', { config: undefined, file: 'file-1' }));
    await api.profile(request('window-webgl', { config: undefined, file: 'file-1' }));
    expect(calls.filter((call) => call.startsWith('window open'))).toEqual([
      'window open model.json shard.bin',
    ]);
    expect(requests.map((sent) => sent.file)).toEqual(['window-file-9', 'window-file-9']);
  });

  it('says why a model opened by its path cannot run in the window', async () => {
    const { api } = setup();
    await expect(
      api.profile(request('window-wasm', { config: undefined, file: 'file-by-path' })),
    ).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message:
        "This window does not hold this model's files (it was opened by its path, or reopened from the recent list); open or drop its file again to run it on a backend in this window.",
    });
  });

  it("sends an uploaded image's bytes to the window's engine, and says so for one it never held", async () => {
    const { api, requests } = setup();
    const uploaded = await api.uploadFile!(new Blob([new Uint8Array([1, 2, 3])]), 'cat.png');
    await api.profile(
      request('window-wasm', { input: { kind: 'upload', id: uploaded.id, fileName: 'cat.png' } }),
    );
    expect(requests[0].input).toEqual({ kind: 'image', base64: 'AQID', fileName: 'cat.png' });
    await expect(
      api.profile(request('window-wasm', { input: { kind: 'upload', id: 'v'.repeat(32) } })),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'The image was sent to the server only; choose it again to run it in this window.',
    });
  });
});
