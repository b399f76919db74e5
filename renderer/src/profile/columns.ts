// The columns a profile adds to the summary table: time (median, p95, % of total, cumulative %,
// GMAC/s) or a comparison of two runs (A, B, Δ ms, Δ %). Columns are data; the table draws them.
import type { ActivationStats } from '../../../shared/profile';
import type { TableColumn } from '../components/SummaryTable/columns';
import type { LayerDelta, TimingTable } from './aggregate';
import { cellMs, gmacsText, percentText, signedMs, signedPercent, statText } from './format';

const MISSING = Number.NEGATIVE_INFINITY;

/** What a fused layer shows instead of a time: `fused into conv2d_12`. */
export function fusedText(into: number, names: readonly string[]): string {
  return `fused into ${names[into] ?? `layer ${into}`}`;
}

/** Median ms, p95 ms, % of the total, cumulative % and GMAC/s of every timed layer. */
export function timeColumns(table: TimingTable): TableColumn[] {
  const row = (id: number) => table.rows.get(id);
  // A fused layer's time is in the layer it was fused into: it shows that, not a time.
  const fused = (id: number) => {
    const into = row(id)?.fusedInto;
    return into === undefined ? null : fusedText(into, table.names);
  };
  const orFused = (id: number, text: () => string) =>
    row(id)?.fusedInto === undefined ? text() : '';
  return [
    {
      id: 'median-ms',
      label: 'Median ms',
      width: table.fusedCount > 0 ? '190px' : '92px',
      align: 'right',
      title: 'Median time over the timed passes',
      sortValue: (layer) => row(layer.id)?.medianMs ?? MISSING,
      text: (layer) => fused(layer.id) ?? cellMs(row(layer.id)?.medianMs),
      total: () => cellMs(table.totalMs),
    },
    ...(table.gpuTimed
      ? [
          {
            id: 'gpu-ms',
            label: 'GPU ms',
            width: '84px',
            align: 'right',
            title:
              "Median time of the layer's kernels on the GPU (timer queries), beside the wall time",
            sortValue: (layer) => row(layer.id)?.gpuMs ?? MISSING,
            text: (layer) => cellMs(row(layer.id)?.gpuMs),
          } satisfies TableColumn,
        ]
      : []),
    {
      id: 'p95-ms',
      label: 'p95 ms',
      width: '84px',
      align: 'right',
      title: '95th percentile over the timed passes',
      sortValue: (layer) => row(layer.id)?.p95Ms ?? MISSING,
      text: (layer) => orFused(layer.id, () => cellMs(row(layer.id)?.p95Ms)),
    },
    {
      id: 'time-share',
      label: '% time',
      width: '76px',
      align: 'right',
      title: 'Share of the sum of layer medians',
      sortValue: (layer) => row(layer.id)?.share ?? MISSING,
      text: (layer) =>
        orFused(layer.id, () => (row(layer.id) ? percentText(row(layer.id)!.share) : '')),
      total: () => (table.rows.size > 0 ? percentText(1) : ''),
    },
    {
      id: 'time-cumulative',
      label: 'Cum. %',
      width: '76px',
      align: 'right',
      title: 'Share of the time spent up to and including this layer, in execution order',
      sortValue: (layer) => row(layer.id)?.cumulative ?? MISSING,
      text: (layer) =>
        orFused(layer.id, () => (row(layer.id) ? percentText(row(layer.id)!.cumulative) : '')),
    },
    {
      id: 'gmacs',
      label: 'GMAC/s',
      width: '76px',
      align: 'right',
      title: 'Achieved multiply-accumulates per second (MACs × batch ÷ median time)',
      sortValue: (layer) => row(layer.id)?.gmacs ?? MISSING,
      text: (layer) => gmacsText(row(layer.id)?.gmacs),
    },
  ];
}

/** A's and B's median ms, Δ ms (B − A) and Δ % of every compared layer. */
export function compareColumns(
  deltas: readonly LayerDelta[],
  labels: { a: string; b: string },
  names: readonly string[] = [],
): TableColumn[] {
  // A layer fused into a conv (ONNX Runtime `fast`) shows "fused" for the run it was fused in,
  // and n/a for its Δ (its time is in the conv's); its Δ % cell names that conv.
  const anyFused = deltas.some((delta) => delta.fusedInto !== undefined);
  const msOrFused = (delta: LayerDelta | undefined, ms: number | undefined) =>
    delta?.fusedInto !== undefined && ms === 0 ? 'fused' : cellMs(ms);
  const notApplicable = (delta: LayerDelta) =>
    delta.fusedInto === undefined ? null : 'n/a (fused)';
  const byId = new Map(deltas.map((delta) => [delta.layerId, delta]));
  const sum = (pick: (delta: LayerDelta) => number) =>
    deltas.reduce((total, delta) => total + pick(delta), 0);
  return [
    {
      id: 'compare-a',
      label: `${labels.a} ms`,
      width: '84px',
      align: 'right',
      sortValue: (layer) => byId.get(layer.id)?.aMs ?? MISSING,
      text: (layer) => msOrFused(byId.get(layer.id), byId.get(layer.id)?.aMs),
      total: () => cellMs(sum((delta) => delta.aMs)),
    },
    {
      id: 'compare-b',
      label: `${labels.b} ms`,
      width: '84px',
      align: 'right',
      sortValue: (layer) => byId.get(layer.id)?.bMs ?? MISSING,
      text: (layer) => msOrFused(byId.get(layer.id), byId.get(layer.id)?.bMs),
      total: () => cellMs(sum((delta) => delta.bMs)),
    },
    {
      id: 'compare-delta',
      label: 'Δ ms',
      width: anyFused ? '96px' : '84px',
      align: 'right',
      title: `${labels.b} minus ${labels.a}`,
      sortValue: (layer) => {
        const delta = byId.get(layer.id);
        return delta && delta.fusedInto === undefined ? delta.deltaMs : MISSING;
      },
      text: (layer) => {
        const delta = byId.get(layer.id);
        return delta ? (notApplicable(delta) ?? signedMs(delta.deltaMs)) : '';
      },
      total: () => signedMs(sum((delta) => delta.deltaMs)),
    },
    {
      id: 'compare-relative',
      label: 'Δ %',
      width: anyFused ? '112px' : '76px',
      align: 'right',
      sortValue: (layer) => byId.get(layer.id)?.relative ?? MISSING,
      text: (layer) => {
        const delta = byId.get(layer.id);
        if (!delta) {
          return '';
        }
        return delta.fusedInto === undefined
          ? signedPercent(delta.relative)
          : `in ${names[delta.fusedInto] ?? `layer ${delta.fusedInto}`}`;
      },
    },
  ];
}

/** Mean, std, % zeros and NaN/Inf count of every layer's output. */
export function statColumns(stats: readonly ActivationStats[]): TableColumn[] {
  const byId = new Map(stats.map((entry) => [entry.layerId, entry]));
  const column = (
    id: string,
    label: string,
    pick: (entry: ActivationStats) => number,
    text: (value: number) => string,
  ): TableColumn => ({
    id,
    label,
    width: '84px',
    align: 'right',
    sortValue: (layer) => {
      const entry = byId.get(layer.id);
      return entry && Number.isFinite(pick(entry)) ? pick(entry) : MISSING;
    },
    text: (layer) => {
      const entry = byId.get(layer.id);
      return entry ? text(pick(entry)) : '';
    },
  });
  return [
    column('stat-mean', 'Mean', (entry) => entry.mean, statText),
    column('stat-std', 'Std', (entry) => entry.std, statText),
    column('stat-zeros', '% zeros', (entry) => entry.zeroFraction, percentText),
    column('stat-bad', 'NaN/Inf', (entry) => entry.nanCount + entry.infCount, String),
  ];
}
