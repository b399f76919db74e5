/**
 * Routes the engine's profile events to the connection that started each run. Events can come
 * before the `profile` call has returned its run id, so they wait (bounded) until the run is
 * claimed; a run whose owner goes away is cancelled.
 */
import type { ProfileEvent } from '../../shared/profile';
import type { EngineService } from '../../shared/wire';

/** Somewhere events can be delivered. */
export interface EventSink {
  sendEvents(events: ProfileEvent[]): void;
}

/** Unclaimed runs kept at most, and events kept per unclaimed run. */
const MAX_PENDING_RUNS = 32;
const MAX_PENDING_EVENTS = 20_000;

const isLast = (event: ProfileEvent): boolean =>
  event.type === 'run-finished' || event.type === 'error';

/** One router per engine and server. */
export class RunRouter {
  private readonly owners = new Map<string, EventSink>();
  private readonly pending = new Map<string, ProfileEvent[]>();
  private readonly unsubscribe: () => void;

  constructor(private readonly engine: EngineService) {
    this.unsubscribe = engine.onProfileEvents((events) => this.route(events));
  }

  /** Makes `sink` the owner of a run and delivers what it has missed. */
  claim(runId: string, sink: EventSink): void {
    const missed = this.pending.get(runId) ?? [];
    this.pending.delete(runId);
    if (missed.length > 0) {
      sink.sendEvents(missed);
    }
    if (missed.some(isLast)) {
      return;
    }
    this.owners.set(runId, sink);
  }

  /** How many runs `sink` owns that have not ended. */
  openRuns(sink: EventSink): number {
    let count = 0;
    for (const owner of this.owners.values()) {
      count += owner === sink ? 1 : 0;
    }
    return count;
  }

  /** Forgets a sink; its unfinished runs are cancelled. */
  release(sink: EventSink): void {
    for (const [runId, owner] of this.owners) {
      if (owner === sink) {
        this.owners.delete(runId);
        this.engine.cancel(runId).catch(() => undefined);
      }
    }
  }

  /** Stops listening to the engine. */
  dispose(): void {
    this.unsubscribe();
    this.owners.clear();
    this.pending.clear();
  }

  private route(events: ProfileEvent[]): void {
    const byRun = new Map<string, ProfileEvent[]>();
    for (const event of events) {
      const list = byRun.get(event.runId) ?? [];
      list.push(event);
      byRun.set(event.runId, list);
    }
    for (const [runId, list] of byRun) {
      const owner = this.owners.get(runId);
      if (owner) {
        const end = list.findIndex(isLast);
        owner.sendEvents(end < 0 ? list : list.slice(0, end + 1));
        if (end >= 0) {
          this.owners.delete(runId);
        }
      } else {
        this.hold(runId, list);
      }
    }
  }

  private hold(runId: string, events: ProfileEvent[]): void {
    const held = this.pending.get(runId) ?? [];
    if (!this.pending.has(runId)) {
      if (this.pending.size >= MAX_PENDING_RUNS) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
      }
      this.pending.set(runId, held);
    }
    held.push(...events.slice(0, Math.max(0, MAX_PENDING_EVENTS - held.length)));
    const last = events.find(isLast);
    if (last && !held.includes(last)) {
      held.push(last); // the end of a run is never dropped
    }
  }
}
