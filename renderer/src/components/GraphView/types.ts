// Types of the graph view's parts.
import type { GraphViewModel } from '../../graph/viewModel';

/** What the tooltip shows and where. */
export interface TooltipTarget {
  nodeId: string;
  x: number;
  y: number;
}

/** The visible part of the graph in model coordinates. */
export interface Extent {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The public face of a mounted graph view, for the export dialog and the benchmark. */
export interface GraphHandle {
  /** The view model as drawn now. */
  model(): GraphViewModel | null;
  /** The visible area in model coordinates. */
  extent(): Extent | null;
  /** Fits the whole graph into the view. */
  fit(): void;
}
