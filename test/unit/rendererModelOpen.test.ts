// Opening model files in the renderer against a scripted API: which picked file is the model,
// uploads with progress over every file then one openModel naming their ids, the recent list
// (kept in storage, newest first, a file the server no longer holds said so and dropped), a bad
// file's message with the model shown kept, and Electron's path from the preload.
import { describe, expect, it } from 'vitest';
import type { InspectorApi, OpenModelSource, UploadedFile } from '../../shared/api';
import { InspectorError } from '../../shared/errors';
import type { ModelGraph } from '../../shared/modelGraph';
import { InspectorState } from '../../renderer/src/state/inspector.svelte';
import {
  MAX_RECENT,
  pickModelFiles,
  readRecent,
  withRecent,
  type RecentFile,
} from '../../renderer/src/state/modelFiles';
import { ModelOpenState } from '../../renderer/src/state/modelOpen.svelte';
import { syntheticGraph } from './rendererFixtures';

const seed = syntheticGraph({ blocks: [1, 1, 1, 1] });
const fileGraph = (fileName: string): ModelGraph => ({
  ...seed,
  config: undefined,
  name: 'sequential',
  file: { id: 'file-1', fileName, format: 'keras-h5', bytes: 10 },
});

/** A Storage in memory. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

const file = (name: string, size = 100): File => new File([new Uint8Array(size)], name);

/** An API whose openModel answers as `answer` says; uploads report progress in two halves. */
function scriptedApi(options: {
  answer: (source: OpenModelSource) => ModelGraph | InspectorError;
  browser: boolean;
}) {
  const opened: OpenModelSource[] = [];
  /** What the window's engine was told of files opened here: id, then the files' names. */
  const remembered: string[][] = [];
  /** Called after each progress report (the test reads the state there). */
  const watch: { after?: () => void } = {};
  let uploads = 0;
  const api = {
    backends: async () => [],
    describe: async () => seed,
    openModel: async (source: OpenModelSource) => {
      opened.push(source);
      const answer = options.answer(source);
      if (answer instanceof InspectorError) {
        throw answer;
      }
      return answer;
    },
    chooseModelFile: async () => ({ kind: 'path', path: '/models/chosen.keras' }) as const,
    profile: async () => ({ runId: 'run-1' }),
    cancel: async () => undefined,
    activations: async () => {
      throw new Error('not used');
    },
    blockForms: async () => {
      throw new Error('not used');
    },
    predict: async () => {
      throw new Error('not used');
    },
    saveFile: async () => ({ saved: true }),
    appInfo: async () => {
      throw new Error('not used');
    },
    onProfileEvents: () => () => undefined,
    rememberModelFiles: (fileId: string, main: File, others: File[]) =>
      void remembered.push([fileId, main.name, ...others.map((other) => other.name)]),
    ...(options.browser
      ? {
          uploadFile: async (
            blob: Blob,
            name: string,
            onProgress?: (sent: number, total: number) => void,
          ): Promise<UploadedFile> => {
            onProgress?.(blob.size / 2, blob.size);
            watch.after?.();
            onProgress?.(blob.size, blob.size);
            watch.after?.();
            uploads += 1;
            return { id: `${uploads}`.padStart(32, '0'), name, bytes: blob.size };
          },
        }
      : { pathForFile: (dropped: File) => `/home/me/${dropped.name}` }),
  } satisfies InspectorApi;
  return { api, opened, remembered, watch };
}

function setup(browser: boolean, answer: (source: OpenModelSource) => ModelGraph | InspectorError) {
  const scripted = scriptedApi({ answer, browser });
  const inspector = new InspectorState(scripted.api);
  inspector.show(seed);
  const local = memoryStorage();
  const session = memoryStorage();
  const opener = new ModelOpenState(inspector, { local, session });
  return { ...scripted, inspector, opener, local, session };
}

describe('which picked file is the model', () => {
  it('takes a lone file whatever its name, a model.json with its shards, and refuses two models', () => {
    expect(pickModelFiles([file('notes.txt')]).main.name).toBe('notes.txt');
    const picked = pickModelFiles([file('group1-shard1of2'), file('model.json'), file('x.bin')]);
    expect(picked.main.name).toBe('model.json');
    expect(picked.others.map((entry) => entry.name)).toEqual(['group1-shard1of2', 'x.bin']);
    const refusal = (names: string[]): string => {
      try {
        pickModelFiles(names.map((name) => file(name)));
      } catch (error) {
        return (error as InspectorError).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal(['a.h5', 'b.keras'])).toBe(
      'Open one model at a time: a.h5, b.keras are each a model file.',
    );
    expect(refusal(['a.h5', 'group1-shard1of1.bin'])).toBe(
      'a.h5 holds its own weights; open it alone, without group1-shard1of1.bin.',
    );
    expect(refusal(['cat.png', 'dog.png'])).toBe(
      'None of cat.png, dog.png is a model file: open a Keras .h5, .hdf5 or .keras file, or a TF.js model.json with its weight shards.',
    );
  });
});

describe('the recent list', () => {
  it('puts the newest first, once, at most MAX_RECENT, and reads back only what it wrote', () => {
    let list: RecentFile[] = [];
    for (let index = 0; index < MAX_RECENT + 2; index += 1) {
      list = withRecent(list, {
        name: `m${index}.h5`,
        source: { kind: 'path', path: `/m${index}.h5` },
      });
    }
    list = withRecent(list, { name: 'm5.h5', source: { kind: 'path', path: '/m5.h5' } });
    expect(list.map((entry) => entry.name)).toEqual([
      'm5.h5',
      'm9.h5',
      'm8.h5',
      'm7.h5',
      'm6.h5',
      'm4.h5',
      'm3.h5',
      'm2.h5',
    ]);
    const storage = memoryStorage();
    storage.setItem('recent', JSON.stringify([...list.slice(0, 2), { name: 1 }, 'junk']));
    expect(readRecent(storage, 'recent')).toEqual(list.slice(0, 2));
    storage.setItem('recent', '{not json');
    expect(readRecent(storage, 'recent')).toEqual([]);
  });
});

describe('opening in browser mode', () => {
  it('uploads the model and its shard with progress over both, then opens them by id', async () => {
    const { opener, inspector, opened, remembered, session, local, watch } = setup(true, () =>
      fileGraph('model.json'),
    );
    const seen: string[] = [];
    watch.after = () =>
      seen.push(`${opener.phase} ${opener.progress?.sentBytes}/${opener.progress?.totalBytes}`);
    await opener.openFiles([file('model.json', 40), file('group1-shard1of1.bin', 60)]);
    // Bytes sent over both files, of the bytes of both.
    expect(seen).toEqual([
      'uploading 20/100',
      'uploading 40/100',
      'uploading 70/100',
      'uploading 100/100',
    ]);
    expect(opened).toEqual([
      {
        kind: 'upload',
        main: '00000000000000000000000000000001',
        others: ['00000000000000000000000000000002'],
      },
    ]);
    expect(opener.phase).toBe('idle');
    expect(inspector.graph?.file?.fileName).toBe('model.json');
    // The window's engine gets the same files, under the id the engine process gave the model.
    expect(remembered).toEqual([['file-1', 'model.json', 'group1-shard1of1.bin']]);
    expect(opener.recent.map((entry) => [entry.name, entry.shards])).toEqual([['model.json', 1]]);
    // This tab's uploads: kept in session storage, not across sessions.
    expect(readRecent(session, 'recentUploads')).toHaveLength(1);
    expect(local.length).toBe(0);
  });

  it("keeps the model shown and shows the engine's message when a file is bad", async () => {
    const message = 'notes.h5: it is plain text, not a Keras HDF5 model.';
    const { opener, inspector, remembered } = setup(
      true,
      () => new InspectorError('INVALID_MODEL_FILE', message),
    );
    await opener.openFiles([file('notes.h5')]);
    expect(inspector.graph).toBe(seed);
    expect(remembered).toEqual([]);
    expect(inspector.error).toEqual({ code: 'INVALID_MODEL_FILE', message });
    expect(inspector.errorContext).toBe('open');
    expect(opener.recent).toEqual([]);
  });

  it('says so, and drops it, when the server no longer has a recent upload', async () => {
    let restarted = false;
    const { opener, inspector } = setup(true, (source) =>
      restarted
        ? new InspectorError(
            'NOT_FOUND',
            `No upload ${(source as { main: string }).main} on this server (it restarted, or the id is wrong); open the file again.`,
          )
        : fileGraph('resnet.h5'),
    );
    await opener.openFiles([file('resnet.h5')]);
    restarted = true;
    inspector.show(seed);
    await opener.reopen(opener.recent[0]);
    expect(inspector.error?.message).toBe(
      'resnet.h5 is no longer on the server (it was restarted since the file was uploaded); open the file again.',
    );
    expect(opener.recent).toEqual([]);
    expect(inspector.graph).toBe(seed);
  });
});

describe('opening in Electron', () => {
  it("opens a dropped file by the path the preload gives, and File › Open…'s choice", async () => {
    const { opener, opened, local, inspector } = setup(false, (source) =>
      fileGraph((source as { path: string }).path.split('/').pop() ?? ''),
    );
    await opener.openFiles([file('model.json'), file('group1-shard1of1.bin')]);
    await opener.choose();
    expect(opened).toEqual([
      { kind: 'path', path: '/home/me/model.json' },
      { kind: 'path', path: '/models/chosen.keras' },
    ]);
    expect(inspector.graph?.file?.fileName).toBe('chosen.keras');
    expect(readRecent(local, 'recentModels').map((entry) => entry.name)).toEqual([
      'chosen.keras',
      'model.json',
    ]);
  });
});
