// The diagram to export, under the person's options: labels, direction, collapse state as shown,
// heat as shown, legend. A layout for other labels or LR comes from the same worker and cache.
import { graphKey, graphStem, type ModelGraph } from '../../../shared/modelGraph';
import { legendFor } from '../graph/colors';
import type { Hierarchy } from '../graph/hierarchy';
import {
  boxSize,
  canvasMeasure,
  GROUP_FONT_WEIGHT,
  groupLabelLines,
  layerLabelLines,
  type LabelOptions,
} from '../graph/labels';
import { buildViewModel, type GraphViewModel, type Heat } from '../graph/viewModel';
import { deriveLayout } from '../layout/derive';
import { fullLayout } from '../layout/layoutClient';
import type { Box, Direction } from '../layout/types';
import { graphFingerprint } from '../components/GraphView/fingerprint';
import { buildScene, type Scene } from './scene';
import { posterScene, type Paper, type PosterFit } from './poster';

/** What the person chose in the export dialog. */
export interface DiagramOptions {
  format: 'png' | 'svg';
  /**
   * The whole graph, only what the view shows now (PNG and SVG alike), or the whole graph as a
   * poster: its column cut into columns side by side to fit a sheet of paper.
   */
  scope: 'whole' | 'view' | 'poster';
  scale: number;
  labels: LabelOptions;
  direction: Direction;
  legend: boolean;
  /** For a poster: the paper it is sized for (A3 by default), and how many columns (`auto`). */
  paper?: Paper;
  columns?: number | 'auto';
}

/** A diagram's scene, and for a poster how it fits its paper. */
export interface DiagramScene {
  scene: Scene;
  poster?: PosterFit;
}

/** What a diagram is drawn from. */
export interface DiagramSource {
  graph: ModelGraph;
  hierarchy: Hierarchy;
  collapsed: ReadonlySet<string>;
  heat: Heat | null;
  /** The view model on screen and the visible rectangle, for the `view` scope. */
  shown: GraphViewModel | null;
  extent: Box | null;
}

const labelKey = (labels: LabelOptions): string =>
  [labels.showNames, labels.showTypes, labels.showShapes, labels.showParams].map(Number).join('');

/** The view model to export: the one on screen for the view scope, else one laid out for the options. */
export async function diagramModel(
  source: DiagramSource,
  options: DiagramOptions,
): Promise<GraphViewModel> {
  if (options.scope === 'view' && source.shown) {
    return source.shown;
  }
  const { graph, hierarchy, collapsed, heat } = source;
  const measure = canvasMeasure();
  const measureGroup = canvasMeasure(GROUP_FONT_WEIGHT);
  const sizes = new Map(
    graph.layers.map((layer) => [
      layer.id,
      boxSize(layerLabelLines(layer, options.labels), measure),
    ]),
  );
  const key = `${graphKey(graph)}|${graphFingerprint(graph)}|labels=${labelKey(options.labels)}`;
  const full = await fullLayout(key, graph, hierarchy, sizes, options.direction);
  const collapsedSize = (id: string) => {
    const group = hierarchy.groups.get(id);
    return group
      ? boxSize(groupLabelLines(group, heat?.groupText?.get(id)), measureGroup)
      : { w: 160, h: 42 };
  };
  const layout = deriveLayout(full, hierarchy, collapsed, collapsedSize);
  return buildViewModel(graph, hierarchy, collapsed, layout, { labels: options.labels, heat });
}

/** The scene of a diagram. */
export async function diagramScene(
  source: DiagramSource,
  options: DiagramOptions,
): Promise<DiagramScene> {
  // A poster wraps the top-to-bottom diagram; its legend goes atop each column.
  const chosen: DiagramOptions =
    options.scope === 'poster' ? { ...options, direction: 'DOWN' } : options;
  const model = await diagramModel(source, chosen);
  const legend = options.legend ? legendFor(source.graph.layers) : null;
  if (options.scope === 'poster') {
    const column = buildScene(model, { legend: null });
    const { scene, fit } = posterScene(column, {
      paper: options.paper ?? 'a3',
      columns: options.columns ?? 'auto',
      legend,
    });
    return { scene, poster: fit };
  }
  const crop = options.scope === 'view' && source.extent ? source.extent : undefined;
  return { scene: buildScene(model, { legend, crop }) };
}

/** The file name a diagram is offered under. */
export function diagramFileName(graph: ModelGraph, options: DiagramOptions): string {
  const direction = options.direction === 'RIGHT' && options.scope !== 'poster' ? '_LR' : '';
  const scope =
    options.scope === 'view'
      ? '_view'
      : options.scope === 'poster'
        ? `_poster_${options.paper ?? 'a3'}`
        : '';
  return `${graphStem(graph)}${scope}${direction}.${options.format}`;
}
