// The part of the graph canvas that no floating overlay covers (the layer-type legend, the heat
// legend and run progress, the minimap), so a fitted or first view puts the graph where it can
// be seen instead of under a panel.

/** A rectangle in canvas pixels. */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The attribute that marks an element floating over the graph canvas. */
export const OVERLAY_ATTRIBUTE = 'data-graph-overlay';

const GAP = 8;

/**
 * The free area of a canvas of `width` × `height` given overlays in the same coordinates. Each
 * overlay takes the cheaper of a column at its side (left or right) or a band at its edge (top or
 * bottom): a tall panel such as the minimap takes a column, a wide, short one such as the heat
 * legend takes a band. Overlays outside the canvas are ignored.
 */
export function freeArea(width: number, height: number, overlays: readonly Rect[]): Rect {
  const free: Rect = { left: 0, top: 0, right: width, bottom: height };
  for (const overlay of overlays) {
    const w = Math.min(overlay.right, width) - Math.max(overlay.left, 0);
    const h = Math.min(overlay.bottom, height) - Math.max(overlay.top, 0);
    if (w <= 0 || h <= 0) {
      continue;
    }
    const onLeft = overlay.left + overlay.right < width;
    const onTop = overlay.top + overlay.bottom < height;
    if (w / width <= h / height) {
      if (onLeft) {
        free.left = Math.max(free.left, overlay.right + GAP);
      } else {
        free.right = Math.min(free.right, overlay.left - GAP);
      }
    } else if (onTop) {
      free.top = Math.max(free.top, overlay.bottom + GAP);
    } else {
      free.bottom = Math.min(free.bottom, overlay.top - GAP);
    }
  }
  // Never less than half the canvas each way: a window too small for its overlays still shows
  // the graph rather than nothing.
  if (free.right - free.left < width / 2) {
    free.left = Math.min(free.left, width / 4);
    free.right = Math.max(free.right, (3 * width) / 4);
  }
  if (free.bottom - free.top < height / 2) {
    free.top = Math.min(free.top, height / 4);
    free.bottom = Math.max(free.bottom, (3 * height) / 4);
  }
  return free;
}

/** The free area of a canvas element, from the overlays in the page that float over it. */
export function freeAreaOf(canvas: HTMLElement): Rect {
  const box = canvas.getBoundingClientRect();
  const overlays = [...document.querySelectorAll(`[${OVERLAY_ATTRIBUTE}]`)].map((element) => {
    const rect = element.getBoundingClientRect();
    return {
      left: rect.left - box.left,
      top: rect.top - box.top,
      right: rect.right - box.left,
      bottom: rect.bottom - box.top,
    };
  });
  return freeArea(box.width, box.height, overlays);
}
