// Keeps cytoscape's elements in step with the view model, a frame's worth at a time, nearest the
// view first: the first frames fill what the person sees, the rest of a graph fills in off screen
// while the view already pans, zooms and answers clicks. A frame's share is sized from how long
// the last one took (adding elements and cytoscape drawing them), so no frame runs past ~40 ms.
// A big graph is drawn in a window around the view at a level of detail (drawWindow.ts), which
// follows the view as it moves.
import type { Collection, Core, ElementDefinition } from 'cytoscape';
import type { GraphViewModel } from '../../graph/viewModel';
import { diffModel } from './cyElements';
import { drawWindow, type Extent } from './drawWindow';

/** What a frame that adds elements may take, cytoscape's drawing of them included. */
export const FRAME_BUDGET_MS = 35;
const FIRST_SLICE = 24;

/** Where the drawing stands, after each frame. */
export interface DrawProgress {
  /** Elements still to add. */
  left: number;
  /** Of those, elements whose place is in the visible area. */
  inView: number;
}

/** What the drawer tells the view. */
export interface DrawerHooks {
  /** Elements just added: the view gives them its selection and search marks. */
  added(elements: Collection): void;
  progress(state: DrawProgress): void;
}

/**
 * The next slice from the last one and how long its frame took: scaled to take about the budget,
 * growing at most 2× a frame, between 20 and 400 elements (fewer than 20 a frame and the fixed
 * cost of each of cytoscape's frames dominates).
 */
export function nextSlice(size: number, frameMs: number, budgetMs = FRAME_BUDGET_MS): number {
  const scaled = (size * budgetMs) / Math.max(1, frameMs);
  return Math.round(Math.min(400, 2 * size, Math.max(20, scaled)));
}

/** The visible area grown by `by` times its size on every side. */
function grown(extent: Extent, by: number): Extent {
  const w = (extent.x2 - extent.x1) * by;
  const h = (extent.y2 - extent.y1) * by;
  return { x1: extent.x1 - w, y1: extent.y1 - h, x2: extent.x2 + w, y2: extent.y2 + h };
}

const within = (inner: Extent, outer: Extent): boolean =>
  inner.x1 >= outer.x1 && inner.y1 >= outer.y1 && inner.x2 <= outer.x2 && inner.y2 <= outer.y2;

export class Drawer {
  private model: GraphViewModel | null = null;
  private windowed = false;
  private window: { extent: Extent; zoom: number } | null = null;
  private queue: ElementDefinition[] = [];
  private next = 0;
  private slice = FIRST_SLICE;
  private frame = 0;
  private started = 0;
  private lastNodeInView = false;

  /** `bends`: routes as straight pieces, for cytoscape's WebGL renderer. */
  constructor(
    private readonly cy: Core,
    private readonly hooks: DrawerHooks,
    private readonly bends = false,
  ) {}

  /** A model to draw (a new graph, a collapse, a heat update); `windowed` for a big graph. */
  show(model: GraphViewModel, windowed: boolean): void {
    this.model = model;
    this.windowed = windowed;
    this.refresh();
  }

  /** The view moved: a windowed graph draws the part around the new view. */
  viewportChanged(): void {
    if (!this.windowed || !this.model || !this.window) {
      return;
    }
    const zoom = this.cy.zoom();
    const ratio = zoom / this.window.zoom;
    const view = this.cy.extent();
    if (ratio > 1.25 || ratio < 0.8 || !within(view, grown(this.window.extent, -0.25))) {
      this.refresh();
    }
  }

  /** Whether elements are still to be added. */
  get busy(): boolean {
    return this.next < this.queue.length;
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.model = null;
  }

  private refresh(): void {
    const model = this.model;
    if (!model) {
      return;
    }
    const view = this.cy.extent();
    let target = model;
    let standIns: ReadonlySet<string> = new Set();
    if (this.windowed) {
      const extent = grown(view, 1);
      const zoom = this.cy.zoom();
      const drawn = drawWindow(model, extent, zoom);
      target = drawn.model;
      standIns = drawn.standIns;
      this.window = { extent, zoom };
    }
    const fresh = diffModel(this.cy, target, standIns, this.bends);
    // Nearest the middle of the view first; an edge right after the later of its ends.
    const middle = { x: (view.x1 + view.x2) / 2, y: (view.y1 + view.y2) / 2 };
    const distance = new Map<string, number>();
    for (const definition of fresh) {
      if (definition.position) {
        const { x, y } = definition.position;
        distance.set(definition.data.id as string, Math.hypot(x - middle.x, y - middle.y));
      }
    }
    const rank = (definition: ElementDefinition): number =>
      definition.position
        ? distance.get(definition.data.id as string)!
        : Math.max(
            distance.get(definition.data.source as string) ?? 0,
            distance.get(definition.data.target as string) ?? 0,
          ) + 0.5;
    this.queue = fresh
      .map((definition) => ({ definition, rank: rank(definition) }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ definition }) => definition);
    this.next = 0;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    // A first frame's worth only: cytoscape's first frame runs its code cold (~3 ms of CPU an
    // element here, against ~1 ms later), so even what is in view comes over a few frames.
    this.slice = FIRST_SLICE;
    this.started = 0;
    this.step();
  }

  /** Whether an element lies in the visible area (an edge by the ends queued before it). */
  private inView(definition: ElementDefinition, view: Extent): boolean {
    const position = definition.position;
    if (!position) {
      return this.lastNodeInView;
    }
    const inside =
      position.x + (definition.data.w ?? 0) / 2 >= view.x1 &&
      position.x - (definition.data.w ?? 0) / 2 <= view.x2 &&
      position.y + (definition.data.h ?? 0) / 2 >= view.y1 &&
      position.y - (definition.data.h ?? 0) / 2 <= view.y2;
    this.lastNodeInView = inside;
    return inside;
  }

  private step(): void {
    const now = performance.now();
    if (this.started) {
      this.slice = nextSlice(this.slice, now - this.started);
    }
    this.started = now;
    const slice = this.queue.slice(this.next, this.next + this.slice);
    this.next += slice.length;
    if (slice.length > 0) {
      this.hooks.added(this.cy.add(slice));
    }
    const view = this.cy.extent();
    let inView = 0;
    for (let at = this.next; at < this.queue.length; at += 1) {
      if (this.inView(this.queue[at], view)) {
        inView += 1;
      }
    }
    this.hooks.progress({ left: this.queue.length - this.next, inView });
    if (this.next < this.queue.length) {
      this.frame = requestAnimationFrame(() => this.step());
    } else {
      this.frame = 0;
      this.started = 0;
    }
  }
}
