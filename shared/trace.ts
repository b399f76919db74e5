/**
 * A profile run in Chrome's Trace Event format (JSON object form), which Perfetto and
 * chrome://tracing open: one track per timed pass with one slice per layer, named after it and
 * carrying its class, output shape and MACs; and one track with the whole-model passes.
 */
import type { ModelGraph } from './modelGraph';
import type { ProfileResult } from './profile';
import { pythonShape } from './summaryFormat';

/** One event of the Trace Event format. */
export interface TraceEvent {
  name: string;
  /** `X` a complete slice, `M` metadata (process and thread names). */
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  /** Start, in microseconds. */
  ts?: number;
  /** Duration, in microseconds. */
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

/** A trace file. */
export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  /** Facts about the run: backend, mode, batch, model. */
  metadata: Record<string, unknown>;
}

const PID = 1;
const WHOLE_TID = 1000;
const micro = (ms: number): number => Math.round(ms * 1000 * 1000) / 1000;

const threadName = (tid: number, name: string): TraceEvent => ({
  name: 'thread_name',
  ph: 'M',
  pid: PID,
  tid,
  args: { name },
});

/** The slices of one layer-by-layer pass on its own track, starting at `startMs`. */
function passSlices(
  pass: number,
  times: readonly number[],
  startMs: number,
  graph: ModelGraph | undefined,
): TraceEvent[] {
  // Requests allow 1000 timed passes: the thousandth must not land on the whole passes' track.
  const tid = pass + 1 < WHOLE_TID ? pass + 1 : pass + 2;
  const events: TraceEvent[] = [threadName(tid, `pass ${pass + 1} (layer by layer)`)];
  let at = startMs;
  times.forEach((ms, layerId) => {
    const layer = graph?.layers[layerId];
    events.push({
      name: layer?.name ?? `layer ${layerId}`,
      cat: layer?.className ?? 'layer',
      ph: 'X',
      pid: PID,
      tid,
      ts: micro(at),
      dur: micro(ms),
      args: {
        layerId,
        className: layer?.className ?? null,
        outputShape: layer ? pythonShape(layer.outputShape) : null,
        macs: layer?.macs ?? null,
        ms,
      },
    });
    at += ms;
  });
  return events;
}

/**
 * Turns a finished run into a trace. Layer names, classes, shapes and MACs come from the model's
 * graph when given (without it, slices are named `layer N`). Passes are laid end to end.
 */
export function profileTrace(result: ProfileResult, graph?: ModelGraph): TraceFile {
  const events: TraceEvent[] = [
    {
      name: 'process_name',
      ph: 'M',
      pid: PID,
      tid: 0,
      args: { name: `ResNeXt Inspector (${result.backend})` },
    },
  ];
  let at = 0;
  (result.layerMsByPass ?? []).forEach((times, pass) => {
    events.push(...passSlices(pass, times, at, graph));
    at += times.reduce((sum, ms) => sum + ms, 0);
  });
  const whole = result.wholePassesMs ?? [];
  if (whole.length > 0) {
    events.push(threadName(WHOLE_TID, 'whole passes (model.predict)'));
  }
  whole.forEach((ms, pass) => {
    events.push({
      name: `predict ${pass + 1}`,
      cat: 'pass',
      ph: 'X',
      pid: PID,
      tid: WHOLE_TID,
      ts: micro(at),
      dur: micro(ms),
      args: { pass, ms },
    });
    at += ms;
  });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    metadata: {
      runId: result.runId,
      backend: result.backend,
      mode: result.mode,
      batch: result.batch,
      model: graph?.name ?? null,
      wholeMedianMs: result.wholeMedianMs,
      perLayerMedianMs: result.perLayerMedianMs,
    },
  };
}
