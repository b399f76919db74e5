// Words for a run: its backend, batch, mode, outcome and total, for lists and pickers.
import type { RunRecord } from '../state/profile.svelte';
import { formatMs } from './format';

/** The backend that ran (or was asked for, before the run started). */
export function runBackend(run: RunRecord): string {
  return run.live.result?.backend ?? run.live.backend ?? run.request.backend;
}

/** What a run was and how it went: `wasm · batch 1 · per-layer · 812 ms`. */
export function runSummary(run: RunRecord): string {
  const { request, live } = run;
  const stride = request.config.strideOn === '3x3' ? ' · stride 3×3' : '';
  const head = `${runBackend(run)} · batch ${request.batch} · ${request.mode}${stride}`;
  if (live.result) {
    const total = live.result.perLayerMedianMs ?? live.result.wholeMedianMs;
    return `${head} · ${formatMs(total)} · ${run.graph.name}`;
  }
  if (live.error) {
    return `${head} · ${live.error.code === 'CANCELLED' ? 'cancelled' : 'failed'}`;
  }
  return `${head} · running…`;
}
