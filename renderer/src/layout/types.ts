// The shapes that travel between the graph, the layout worker and the views.

/** A box in model coordinates: top-left corner and size. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `DOWN` draws top to bottom (TB), `RIGHT` left to right (LR). */
export type Direction = 'DOWN' | 'RIGHT';

/** A point in model coordinates. */
export type Point = [number, number];

/** A computed layout: a box per node id (layers `l12`, groups `g:s3b7`) and the whole extent. */
export interface Layout {
  boxes: Map<string, Box>;
  /** ELK's orthogonal edge routes between layer nodes, keyed `l3>l4`, start to end. */
  routes: Map<string, Point[]>;
  width: number;
  height: number;
  direction: Direction;
  /**
   * Each group's main path across the flow (x top to bottom, y left to right), where the composed
   * layout knows it: a collapsed group's node sits on it.
   */
  axes?: Map<string, number>;
  /** Where each expanded group's title goes (clear of the edges entering the frame), if placed. */
  titles?: Map<string, Box>;
}
