/**
 * An ONNX Runtime run through the engine process leaves nothing in the temporary folder: the
 * engine is stopped with SIGKILL (as the CLI stops it), so its client removes what it left.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ProfileEvent } from '../../shared/profile';
import { EngineClient } from '../../engine/node/client';
import { tinyRequest } from './engineFixtures';

const foldersOf = (pid: number | undefined): string[] =>
  readdirSync(tmpdir()).filter((name) => name.startsWith(`resnext-ort-${pid}-`));

describe('an ONNX Runtime run in the engine process', () => {
  it('leaves no temporary folder once the client has stopped the engine', async () => {
    const client = new EngineClient();
    const done = new Promise<ProfileEvent>((resolve) => {
      client.onProfileEvents((events) => {
        const last = events.find((e) => e.type === 'run-finished' || e.type === 'error');
        if (last) {
          resolve(last);
        }
      });
    });
    try {
      await client.profile(tinyRequest({ backend: 'onnxruntime', warmup: 0, runs: 1 }));
      expect((await done).type).toBe('run-finished');
      const pid = client.pid;
      // While the engine holds the model, its folder (the optimised graph) is there.
      expect(foldersOf(pid)).toHaveLength(1);
      await client.dispose();
      expect(foldersOf(pid)).toEqual([]);
    } finally {
      await client.dispose();
    }
  });
});
