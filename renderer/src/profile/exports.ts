// Exports of a finished run: the Chrome trace (the same builder as the CLI's --trace), a CSV of
// per-layer timings, and a PNG of the graph as coloured, with the heat legend beside it.
import type { ModelGraph } from '../../../shared/modelGraph';
import { pathLabel } from '../../../shared/modelGraph';
import type { ProfileResult } from '../../../shared/profile';
import { csvField } from '../../../shared/csv';
import { profileTrace } from '../../../shared/trace';
import { scaleColor, type LegendEntry } from '../graph/colors';
import { diagramModel, type DiagramSource } from '../export/diagram';
import { planPng, renderPng, toBase64 } from '../export/png';
import { buildScene, type Scene } from '../export/scene';
import { FULL_LABELS } from '../graph/labels';
import { formatShapeKeras } from '../lib/format';
import { timingTable } from './aggregate';
import type { HeatLegend } from './heat';

/** The trace of a run as JSON text, as `profile --trace` writes it. */
export function traceJson(result: ProfileResult, graph: ModelGraph): string {
  return JSON.stringify(profileTrace(result, graph));
}

const CSV_HEADER = [
  'layer_id',
  'name',
  'class',
  'path',
  'output_shape',
  'params',
  'macs',
  'median_ms',
  'p95_ms',
  'min_ms',
  'share',
  'cumulative_share',
  'gmac_per_s',
  'fused_into',
];

/**
 * Per-layer timings as CSV, one row per layer in execution order, with a header; a layer fused
 * into another (ONNX Runtime `fast`) has 0 ms and names that layer in `fused_into`.
 */
export function timingsCsv(result: ProfileResult, graph: ModelGraph): string {
  const table = timingTable(result.layers, graph, result.batch);
  const lines = [CSV_HEADER.join(',')];
  for (const timing of [...result.layers].sort((a, b) => a.layerId - b.layerId)) {
    const layer = graph.layers[timing.layerId];
    const row = table.rows.get(timing.layerId);
    lines.push(
      [
        timing.layerId,
        layer?.name ?? '',
        layer?.className ?? '',
        layer ? pathLabel(layer.path) : '',
        layer ? formatShapeKeras(layer.outputShape) : '',
        layer?.params ?? 0,
        layer?.macs ?? 0,
        timing.medianMs.toFixed(4),
        timing.p95Ms.toFixed(4),
        timing.minMs.toFixed(4),
        (row?.share ?? 0).toFixed(6),
        (row?.cumulative ?? 0).toFixed(6),
        row?.gmacs === undefined ? '' : row.gmacs.toFixed(3),
        timing.fusedInto === undefined ? '' : (graph.layers[timing.fusedInto]?.name ?? ''),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The legend's ticks as swatches a diagram's legend can draw. */
export function legendEntries(legend: HeatLegend): LegendEntry[] {
  return legend.ticks.map((tick, index) => {
    const fill = scaleColor(tick.at, legend.stops);
    return {
      key: `heat-${index}`,
      label: tick.label,
      paint: { fill, stroke: '#5a6273', text: '#1d2433' },
    };
  });
}

/** The scene of the whole graph as coloured now, with the heat legend. */
export async function heatScene(source: DiagramSource, legend: HeatLegend): Promise<Scene> {
  const model = await diagramModel(source, {
    format: 'png',
    scope: 'whole',
    scale: 2,
    labels: FULL_LABELS,
    direction: 'DOWN',
    legend: true,
  });
  const scene = buildScene(model, { legend: legendEntries(legend) });
  scene.legends = scene.legends.map((entry) => ({
    ...entry,
    title: legend.shortTitle ?? legend.title,
  }));
  return scene;
}

/** A PNG of the graph with the heat legend, as base64 for saveFile. */
export async function heatPng(source: DiagramSource, legend: HeatLegend): Promise<string> {
  const scene = await heatScene(source, legend);
  const plan = planPng(scene.width, scene.height, 2);
  return toBase64(await renderPng(scene, plan));
}
