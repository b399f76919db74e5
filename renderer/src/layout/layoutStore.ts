// Layouts kept across sessions in localStorage, so opening a model laid out before (after a
// restart of the app, or a reload) skips ELK. A few recent layouts only; any storage error
// (quota, a private window, a corrupt entry) just means laying out again.
import type { Box, Direction, Layout, Point } from './types';

const PREFIX = 'layout.v1:';
const INDEX = 'layout.v1.index';
const KEEP = 6;

interface Stored {
  direction: Direction;
  width: number;
  height: number;
  boxes: [string, number, number, number, number][];
  routes: [string, Point[]][];
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** A stored layout for a key, if there is a readable one. */
export function loadLayout(key: string): Layout | undefined {
  try {
    const text = storage()?.getItem(PREFIX + key);
    if (!text) {
      return undefined;
    }
    const stored = JSON.parse(text) as Stored;
    const boxes = new Map<string, Box>(
      stored.boxes.map(([id, x, y, w, h]) => [id, { x, y, w, h }]),
    );
    return {
      boxes,
      routes: new Map(stored.routes),
      width: stored.width,
      height: stored.height,
      direction: stored.direction,
    };
  } catch {
    return undefined;
  }
}

/** Stores a layout under a key, dropping the oldest beyond the few kept. */
export function saveLayout(key: string, layout: Layout): void {
  const store = storage();
  if (!store) {
    return;
  }
  const stored: Stored = {
    direction: layout.direction,
    width: layout.width,
    height: layout.height,
    boxes: [...layout.boxes].map(([id, box]) => [
      id,
      round(box.x),
      round(box.y),
      round(box.w),
      round(box.h),
    ]),
    routes: [...layout.routes].map(([id, points]) => [
      id,
      points.map(([x, y]) => [round(x), round(y)]),
    ]),
  };
  try {
    const index = (JSON.parse(store.getItem(INDEX) ?? '[]') as string[]).filter(
      (entry) => entry !== key,
    );
    index.push(key);
    while (index.length > KEEP) {
      store.removeItem(PREFIX + index.shift());
    }
    store.setItem(PREFIX + key, JSON.stringify(stored));
    store.setItem(INDEX, JSON.stringify(index));
  } catch {
    // Over quota or not allowed: the layout stays in memory for this session only.
  }
}

/** A short hash of the label sizes, so a layout measured with other fonts is not reused. */
export function sizesKey(sizes: ReadonlyMap<number, { w: number; h: number }>): string {
  let hash = 0x811c9dc5;
  for (const [id, { w, h }] of sizes) {
    for (const value of [id, Math.round(w), Math.round(h)]) {
      hash ^= value;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash.toString(16);
}
