/** `npm run cli -- cache`: the cache's place and size, each entry, and clearing it. */
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import type { OnnxExportInfo } from '../../engine/core/onnx/exporter';
import { formatBytes } from '../../engine/core/memoryGuard';
import { CACHE_DIR_ENV, cacheLimit, ModelCache } from '../../engine/node/onnx/modelCache';
import { UsageError } from '../../electron/cli/args';
import { command } from '../../electron/cli/cache';
import type { CliIo } from '../../electron/cli/command';

const root = mkdtempSync(join(tmpdir(), 'cli-cache-test-'));
const saved = process.env[CACHE_DIR_ENV];
let folder: string;
/** The bound, as the command prints it (INSPECTOR_CACHE_MAX_MB, or the default). */
const bound = formatBytes(cacheLimit());

beforeEach(() => {
  folder = mkdtempSync(join(root, 'c-'));
  process.env[CACHE_DIR_ENV] = folder;
});

afterAll(() => {
  process.env[CACHE_DIR_ENV] = saved;
  rmSync(root, { recursive: true, force: true });
});

async function cache(...argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CliIo = { out: (text) => void (stdout += text), err: () => undefined, errIsTty: false };
  const code = await command.run(argv, io);
  return { code, stdout };
}

/** Stores a stand-in export of `bytes` bytes for a config with `classes` classes. */
function store(classes: number, bytes: number, usedAt: number): void {
  const stored = new ModelCache().store({ ...DEFAULT_CONFIG, classes }, (sink) => {
    sink(new Uint8Array(bytes));
    return { layers: [] } as unknown as OnnxExportInfo;
  });
  const record = stored.path.replace(/\.onnx$/, '.json');
  utimesSync(record, usedAt, usedAt);
}

describe('cli cache', () => {
  it('says where the cache is when it is empty', async () => {
    const result = await cache();
    expect(result).toEqual({
      code: 0,
      stdout: `Cache folder: ${join(folder, 'onnx')}\nNothing cached (bound ${bound}).\n`,
    });
    expect((await cache('info')).stdout).toBe(result.stdout);
  });

  it('lists each export with its size and when it was last used, most recent first', async () => {
    store(10, 5_000_000, Date.UTC(2026, 11, 1, 9, 30) / 1000);
    store(20, 2_000_000, Date.UTC(2026, 11, 2, 10, 45) / 1000);
    const { code, stdout } = await cache('info');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`Cache folder: ${join(folder, 'onnx')}`);
    // Each entry is its file and its record (a few hundred bytes).
    expect(lines[1]).toBe(`2 exported models, 7.0 MB of at most ${bound}:`);
    expect(lines[2]).toMatch(
      /^ {2}resnext101_32x4d_20cls +2\.0 MB {2}last used 2026-12-02 10:45 UTC$/,
    );
    expect(lines[3]).toMatch(
      /^ {2}resnext101_32x4d_10cls +5\.0 MB {2}last used 2026-12-01 09:30 UTC$/,
    );
  });

  it('clears every export and says how much it freed', async () => {
    store(10, 3_000_000, Date.now() / 1000);
    const { code, stdout } = await cache('clear');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^Removed 1 exported model \\(3\\.0 MB\\) from ${join(folder, 'onnx')}\\.\\n$`),
    );
    expect(readdirSync(join(folder, 'onnx'))).toEqual([]);
    expect((await cache('clear')).stdout).toBe(`Nothing to remove in ${join(folder, 'onnx')}.\n`);
  });

  it('refuses an unknown action or flag with a usage error', async () => {
    await expect(cache('purge')).rejects.toThrow(
      new UsageError('Unknown cache action "purge"; use info or clear.'),
    );
    await expect(cache('clear', '--all')).rejects.toThrow(UsageError);
    expect((await cache('--help')).stdout).toMatch(
      /^Usage: npm run -s cli -- cache \[info\|clear\]/,
    );
  });
});
