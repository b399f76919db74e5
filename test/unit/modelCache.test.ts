/**
 * The disk cache of exported models: where it lives on each platform, a hit gives back what was
 * stored, a damaged entry (flipped byte, truncated file, unreadable record) is a miss that says why
 * and is removed, a failed write leaves nothing, the folder stays under its bound (least recently
 * used first), and `clear` removes our files only.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import type { OnnxExportInfo } from '../../engine/core/onnx/exporter';
import {
  cacheLimit,
  cacheRoot,
  DEFAULT_LIMIT_BYTES,
  ModelCache,
} from '../../engine/node/onnx/modelCache';

const root = mkdtempSync(join(tmpdir(), 'model-cache-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = (classes: number): ModelConfig => ({ ...DEFAULT_CONFIG, classes });

/** A stand-in export: `size` bytes of a pattern, streamed in two pieces. */
function writer(size: number, fill = 7) {
  return (sink: (bytes: Uint8Array) => void): OnnxExportInfo => {
    const bytes = new Uint8Array(size).map((_, index) => (index * fill) % 251);
    sink(bytes.subarray(0, size >> 1));
    sink(bytes.subarray(size >> 1));
    return { layers: ['input_1'], byteLength: size, weightBytes: size - 10 } as OnnxExportInfo;
  };
}

function fresh(limitBytes = DEFAULT_LIMIT_BYTES): { cache: ModelCache; problems: string[] } {
  const problems: string[] = [];
  const cache = new ModelCache(mkdtempSync(join(root, 'c-')), limitBytes, (message) =>
    problems.push(message),
  );
  return { cache, problems };
}

describe('where the cache lives', () => {
  it('follows INSPECTOR_CACHE_DIR, then each platform’s cache folder', () => {
    expect(cacheRoot({ INSPECTOR_CACHE_DIR: '/x/y' }, 'linux', '/home/a')).toBe('/x/y');
    expect(cacheRoot({ XDG_CACHE_HOME: '/xdg' }, 'linux', '/home/a')).toBe(
      '/xdg/resnext-inspector',
    );
    expect(cacheRoot({}, 'linux', '/home/a')).toBe('/home/a/.cache/resnext-inspector');
    expect(cacheRoot({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Caches/resnext-inspector');
    expect(cacheRoot({ LOCALAPPDATA: 'C:/L' }, 'win32', 'C:/U')).toBe(
      join('C:/L', 'resnext-inspector', 'Cache'),
    );
    expect(cacheLimit({ INSPECTOR_CACHE_MAX_MB: '100' })).toBe(100 * 2 ** 20);
    expect(cacheLimit({ INSPECTOR_CACHE_MAX_MB: 'lots' })).toBe(DEFAULT_LIMIT_BYTES);
  });
});

describe('the model cache', () => {
  it('misses, stores, then hits with the same file and tables', () => {
    const { cache, problems } = fresh();
    expect(cache.lookup(config(10))).toBeUndefined();
    const stored = cache.store(config(10), writer(5000));
    const hit = cache.lookup(config(10));
    expect(hit).toEqual(stored);
    expect(readFileSync(hit?.path as string)).toEqual(
      Buffer.from(new Uint8Array(5000).map((_, index) => (index * 7) % 251)),
    );
    expect(hit?.info.weightBytes).toBe(4990);
    expect(cache.lookup(config(11))).toBeUndefined();
    expect(cache.keyOf(config(10))).not.toBe(cache.keyOf(config(11)));
    expect(problems).toEqual([]);
    expect(readdirSync(cache.folder).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('rebuilds an entry whose file was changed, cut short or lost, or whose record is garbage', () => {
    const { cache, problems } = fresh();
    const damage: [string, (path: string) => void][] = [
      [
        'does not match its hash',
        (path) => {
          const bytes = readFileSync(path);
          bytes[100] ^= 0xff;
          writeFileSync(path, bytes);
        },
      ],
      ['is 3000 bytes, not 5000', (path) => truncateSync(path, 3000)],
      ['is missing its file', (path) => rmSync(path)],
      ['has an unreadable record', (path) => writeFileSync(path.replace(/onnx$/, 'json'), '{')],
    ];
    for (const [why, hurt] of damage) {
      hurt(cache.store(config(10), writer(5000)).path);
      expect(cache.lookup(config(10))).toBeUndefined();
      expect(problems.pop()).toBe(
        `The cached ONNX model of resnext101_32x4d_10cls ${why}; building it again.`,
      );
      expect(readdirSync(cache.folder)).toEqual([]);
    }
  });

  it('leaves nothing behind when the export fails half-way', () => {
    const { cache } = fresh();
    expect(() =>
      cache.store(config(10), (sink) => {
        sink(new Uint8Array(100));
        throw new Error('Layer x cannot be exported.');
      }),
    ).toThrow('Layer x cannot be exported.');
    expect(readdirSync(cache.folder)).toEqual([]);
  });

  it('stays under its bound, removing the least recently used entries first', () => {
    const { cache } = fresh(25_000);
    const old = Date.now() / 1000 - 1000;
    for (const classes of [1, 2]) {
      cache.store(config(classes), writer(10_000));
      const record = readdirSync(cache.folder).find(
        (name) => name.includes(`_${classes}cls-`) && name.endsWith('.json'),
      );
      utimesSync(join(cache.folder, record as string), old + classes, old + classes);
    }
    cache.lookup(config(1)); // now the most recently used
    cache.store(config(3), writer(10_000));
    expect(cache.lookup(config(2))).toBeUndefined();
    expect(cache.lookup(config(1))).toBeDefined();
    expect(cache.lookup(config(3))).toBeDefined();
    // One entry over the bound on its own is kept: it is the one in use.
    const { cache: small } = fresh(1000);
    small.store(config(4), writer(5000));
    expect(small.lookup(config(4))).toBeDefined();
  });

  it('removes temporary files a dead writer left, once they are an hour old', () => {
    const { cache } = fresh();
    mkdirSync(cache.folder, { recursive: true });
    const stale = join(cache.folder, 'resnext50_32x4d-0123456789abcdef0123.onnx.tmp-1-abc');
    const recent = join(cache.folder, 'resnext50_32x4d-0123456789abcdef0123.onnx.tmp-2-def');
    writeFileSync(stale, 'x');
    writeFileSync(recent, 'x');
    const hourAgo = Date.now() / 1000 - 3700;
    utimesSync(stale, hourAgo, hourAgo);
    cache.store(config(10), writer(100));
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it("keeps ORT's optimised graph of an export beside it, checked by hash, as one entry", async () => {
    const { cache, problems } = fresh();
    const cfg = config(10);
    cache.store(cfg, writer(3000));
    expect(cache.optimized(cfg, 'opt-abc')).toBeUndefined();
    const { saved, files } = await cache.storeOptimized(cfg, 'opt-abc', async (graph, weights) => {
      writeFileSync(graph, 'graph that names its weights');
      writeFileSync(join(dirname(graph), weights), new Uint8Array(2000).fill(3));
      return 'session';
    });
    expect(saved).toBe('session');
    expect(cache.optimized(cfg, 'opt-abc')).toEqual(files);
    expect(files.weights).toBe(`${files.graph.replace(/\.onnx$/, '')}.weights`);
    expect(cache.optimized(cfg, 'opt-other')).toBeUndefined();
    expect(cache.list().entries).toHaveLength(1);
    expect(cache.list().entries[0].bytes).toBeGreaterThan(5000);
    // A damaged graph goes alone; the export stays.
    const weights = readFileSync(files.weights);
    weights[10] = 4;
    writeFileSync(files.weights, weights);
    expect(cache.optimized(cfg, 'opt-abc')).toBeUndefined();
    expect(problems).toEqual([
      'The cached ONNX model of resnext101_32x4d_10cls does not match its hash; building it again.',
    ]);
    expect(existsSync(files.graph)).toBe(false);
    expect(cache.lookup(cfg)).toBeDefined();
    expect(readdirSync(cache.folder).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('lists its entries and clears them, leaving other files alone', () => {
    const { cache } = fresh();
    cache.store(config(10), writer(3000));
    cache.store(config(20), writer(4000));
    writeFileSync(join(cache.folder, 'notes.txt'), 'mine');
    const listed = cache.list();
    expect(listed.entries.map((entry) => entry.name).sort()).toEqual([
      'resnext101_32x4d_10cls',
      'resnext101_32x4d_20cls',
    ]);
    expect(listed.totalBytes).toBeGreaterThan(7000);
    expect(cache.clear()).toEqual({ entries: 2, bytes: listed.totalBytes });
    expect(readdirSync(cache.folder)).toEqual(['notes.txt']);
    expect(cache.list()).toEqual({ entries: [], totalBytes: 0 });
  });
});
