/**
 * One browser-mode WebSocket connection: reads call messages, validates and dispatches them,
 * answers each with a Result under the same id, and delivers the profile events of its runs.
 * A malformed message gets a typed error; the connection stays open and keeps answering.
 */
import type { WebSocket } from 'ws';
import { dispatchCall, type ApiHandlers } from '../../shared/apiSchemas';
import { InspectorError, type Result } from '../../shared/errors';
import type { ProfileEvent } from '../../shared/profile';
import type { WireServerMessage } from '../../shared/wire';
import { MAX_JSON_DEPTH, parseBoundedJson } from './jsonLimits';
import type { EventSink, RunRouter } from './runRouter';

/** Calls one connection may have running at once. */
export const MAX_CALLS_IN_FLIGHT = 16;

/** Profile runs one connection may have queued or running at once. */
export const MAX_RUNS_PER_CONNECTION = 4;

type CallMessage = { id: number; call: unknown; args: unknown };

function readMessage(data: string): CallMessage | InspectorError {
  const parsed = parseBoundedJson(data);
  if (!parsed.ok) {
    return new InspectorError(
      'INVALID_REQUEST',
      parsed.reason === 'depth'
        ? `A message may nest arrays and objects at most ${MAX_JSON_DEPTH} deep.`
        : 'A message must be JSON: {"type":"call","id":1,"call":"backends","args":[]}.',
    );
  }
  const message = parsed.value;
  const record = (typeof message === 'object' && message !== null ? message : {}) as Record<
    string,
    unknown
  >;
  const extra = Object.keys(record).filter((key) => !['type', 'id', 'call', 'args'].includes(key));
  if (record.type !== 'call' || !Number.isSafeInteger(record.id) || extra.length > 0) {
    return new InspectorError(
      'INVALID_REQUEST',
      'A message must be {"type":"call","id":<integer>,"call":<name>,"args":[…]} and nothing more.',
    );
  }
  return { id: record.id as number, call: record.call, args: record.args };
}

/** Serves one WebSocket until it closes. */
export function serveConnection(socket: WebSocket, handlers: ApiHandlers, router: RunRouter): void {
  let inFlight = 0;
  /** `profile` calls sent to the engine whose run this connection does not own yet. */
  let profilesInFlight = 0;
  const send = (message: WireServerMessage): void => {
    if (socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify(message));
    }
  };
  const sink: EventSink = {
    sendEvents: (events: ProfileEvent[]) => send({ type: 'events', events }),
  };
  const answer = (id: number, result: Result<unknown>): void =>
    send({ type: 'result', id, result });

  socket.on('message', (data, isBinary) => {
    const parsed = isBinary
      ? new InspectorError('INVALID_REQUEST', 'Binary messages are not understood; send JSON text.')
      : readMessage(data.toString());
    if (parsed instanceof InspectorError) {
      send({ type: 'error', error: parsed.toInfo() });
      return;
    }
    if (inFlight >= MAX_CALLS_IN_FLIGHT) {
      const busy = new InspectorError(
        'INVALID_REQUEST',
        `Too many calls at once (more than ${MAX_CALLS_IN_FLIGHT}); wait for answers first.`,
      );
      answer(parsed.id, { ok: false, error: busy.toInfo() });
      return;
    }
    const isProfile = parsed.call === 'profile';
    if (isProfile && router.openRuns(sink) + profilesInFlight >= MAX_RUNS_PER_CONNECTION) {
      const full = new InspectorError(
        'INVALID_REQUEST',
        `This connection has ${MAX_RUNS_PER_CONNECTION} profile runs queued or running, the most it may have; wait for one to finish or cancel one.`,
      );
      answer(parsed.id, { ok: false, error: full.toInfo() });
      return;
    }
    inFlight += 1;
    profilesInFlight += isProfile ? 1 : 0;
    void dispatchCall(handlers, parsed.call, parsed.args).then((result) => {
      inFlight -= 1;
      profilesInFlight -= isProfile ? 1 : 0;
      answer(parsed.id, result);
      if (isProfile && result.ok) {
        router.claim((result.value as { runId: string }).runId, sink);
        if (socket.readyState !== socket.OPEN) {
          router.release(sink); // closed while the call ran: its run has no one to watch it
        }
      }
    });
  });
  socket.on('close', () => router.release(sink));
  socket.on('error', () => socket.terminate());
}
