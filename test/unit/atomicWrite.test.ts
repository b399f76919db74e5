// The one atomic write every saved file goes through (issue 13): the file is replaced whole or
// not at all, keeps its permissions, and a failure leaves no temporary file behind. A write that
// fails part way is tested under `ulimit -f` in cliExit.test.ts.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../engine/node/atomicWrite';
import { scratch } from './contractTransports';

describe.each([
  [
    'writeFileAtomicSync',
    async (file: string, data: string | Uint8Array) => writeFileAtomicSync(file, data),
  ],
  ['writeFileAtomic', writeFileAtomic],
])('%s', (_name, write) => {
  it('writes a new file and replaces an old one whole, keeping its permissions', async () => {
    const folder = scratch();
    const file = path.join(folder, 'summary.csv');
    await write(file, 'first');
    expect(readFileSync(file, 'utf8')).toBe('first');
    chmodSync(file, 0o640);
    await write(file, Uint8Array.from([1, 2, 3]));
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(folder)).toEqual(['summary.csv']);
  });

  it('refuses a folder and a missing folder, with their codes, leaving nothing behind', async () => {
    const folder = scratch();
    mkdirSync(path.join(folder, 'taken'));
    await expect(write(path.join(folder, 'taken'), 'x')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(write(path.join(folder, 'missing', 'f.txt'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    writeFileSync(path.join(folder, 'kept.txt'), 'kept');
    expect(readdirSync(folder).sort()).toEqual(['kept.txt', 'taken']);
  });
});
