// `npm run serve` as a process: prints the URL with a fresh 32-byte token each start, serves, and
// stops cleanly (exit 0) on Ctrl-C (SIGINT).
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from './contractTransports';

function start(port: number): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'electron/server/main.ts', '--no-build', '--port', String(port)],
    {
      env: { ...process.env, INSPECTOR_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(output);
      if (match) {
        resolve(match[0]);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, url };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

describe('serve', () => {
  it('prints a fresh token per start, answers with it, and stops on Ctrl-C with exit 0', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const { child, url } = start(await freePort(7370));
      const address = await url;
      tokens.push(new URL(address).searchParams.get('token')!);
      // 200 with a built renderer, 503 (how to build it) without; never the 401 of a missing token.
      expect([200, 503]).toContain((await fetch(address)).status);
      // The API needs the token; the page's static files, which hold no secret, do not.
      const api = `${new URL(address).origin}/api/backends`;
      expect((await fetch(api, { method: 'POST', body: '[]' })).status).toBe(401);
      const started = Date.now();
      expect(await stop(child)).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
    }
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[1]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});
