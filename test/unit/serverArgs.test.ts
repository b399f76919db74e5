// The serve command line, the token, and the routing of profile events to the connection that
// started each run.
import { describe, expect, it } from 'vitest';
import { parseServeArgs, DEFAULT_PORT } from '../../electron/server/args';
import { resolveToken } from '../../electron/server/auth';
import { RunRouter } from '../../electron/server/runRouter';
import type { ProfileEvent } from '../../shared/profile';
import type { EngineService } from '../../shared/wire';

describe('parseServeArgs', () => {
  it('defaults to loopback on the default port, building first', () => {
    expect(parseServeArgs([])).toEqual({
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      open: false,
      allowRemote: false,
      build: true,
      maxUploadMb: 2048,
      help: false,
    });
  });

  it('reads every flag, with values inline or separate', () => {
    expect(parseServeArgs(['--host', '::1', '--port=0', '--open', '--no-build'])).toMatchObject({
      host: '::1',
      port: 0,
      open: true,
      build: false,
    });
    expect(parseServeArgs(['--host=0.0.0.0', '--allow-remote'])).toMatchObject({
      host: '0.0.0.0',
      allowRemote: true,
    });
  });

  it.each([
    [
      ['--host', '0.0.0.0'],
      '--host 0.0.0.0 is not a loopback address; add --allow-remote to serve it on purpose.',
    ],
    [['--port', '65536'], '--port must be 0–65535, but got "65536".'],
    [['--port', '-1'], '--port must be 0–65535, but got "-1".'],
    [['--port'], '--port needs a value.'],
    [['--verbose'], 'Unknown option "--verbose"; see --help.'],
  ])('%j → %s', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });
});

describe('resolveToken', () => {
  it('is 32 random bytes in hex, fresh each time', () => {
    const [a, b] = [resolveToken({}), resolveToken({})];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  it('takes INSPECTOR_TOKEN when set (tests), and refuses a weak one', () => {
    expect(resolveToken({ INSPECTOR_TOKEN: 'e2e-token-0123456789abcdef' })).toBe(
      'e2e-token-0123456789abcdef',
    );
    expect(() => resolveToken({ INSPECTOR_TOKEN: 'short' })).toThrow(
      'INSPECTOR_TOKEN must be 16–256',
    );
  });
});

describe('RunRouter', () => {
  // An engine that only emits events and records cancellations: the router's two dependencies.
  function engineDouble() {
    const listeners = new Set<(events: ProfileEvent[]) => void>();
    const cancelled: string[] = [];
    const engine = {
      onProfileEvents: (listener: (events: ProfileEvent[]) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      cancel: async (runId: string) => {
        cancelled.push(runId);
      },
    } as unknown as EngineService;
    const emit = (events: ProfileEvent[]) => listeners.forEach((listener) => listener(events));
    return { engine, emit, cancelled, listeners };
  }
  const layer = (runId: string, layerId: number): ProfileEvent => ({
    type: 'layer-finished',
    runId,
    pass: 0,
    layerId,
    ms: 1,
  });
  const end = (runId: string): ProfileEvent => ({
    type: 'error',
    runId,
    error: { code: 'CANCELLED', message: 'The profile run was cancelled.' },
  });

  it('holds events that come before the run is claimed, then delivers them in order', () => {
    const { engine, emit } = engineDouble();
    const router = new RunRouter(engine);
    const got: ProfileEvent[] = [];
    emit([layer('a', 0), layer('b', 0)]);
    router.claim('a', { sendEvents: (events) => got.push(...events) });
    emit([layer('a', 1), layer('b', 1)]);
    expect(got).toEqual([layer('a', 0), layer('a', 1)]);
  });

  it('sends each run only to its owner, and stops after its last event', () => {
    const { engine, emit } = engineDouble();
    const router = new RunRouter(engine);
    const [first, second]: ProfileEvent[][] = [[], []];
    router.claim('a', { sendEvents: (events) => first.push(...events) });
    router.claim('b', { sendEvents: (events) => second.push(...events) });
    emit([layer('a', 0), layer('b', 0), end('a'), layer('a', 9)]);
    expect(first).toEqual([layer('a', 0), end('a')]);
    expect(second).toEqual([layer('b', 0)]);
  });

  it('cancels the unfinished runs of a released owner, and unsubscribes on dispose', () => {
    const { engine, emit, cancelled, listeners } = engineDouble();
    const router = new RunRouter(engine);
    const sink = { sendEvents: () => undefined };
    router.claim('a', sink);
    router.claim('b', sink);
    emit([end('b')]);
    router.release(sink);
    expect(cancelled).toEqual(['a']);
    router.dispose();
    expect(listeners.size).toBe(0);
  });
});
