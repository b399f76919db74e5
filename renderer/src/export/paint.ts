// A scene painted on a 2D canvas, on the page or in the PNG worker's OffscreenCanvas; a tile of a
// tall image paints only what meets it.
import { GROUP_FONT_WEIGHT, NODE_FONT_FAMILY } from '../graph/labels';
import type { Box } from '../layout/types';
import type { Scene, SceneBox, SceneEdge, SceneLegend } from './scene';

/** A 2D context of either kind of canvas. */
export type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

function roundRect(context: Context2D, entry: SceneBox): void {
  const { box } = entry;
  context.beginPath();
  context.roundRect(box.x, box.y, box.w, box.h, entry.kind === 'frame' ? 10 : 6);
  context.fillStyle = entry.paint.fill;
  context.fill();
  context.lineWidth = entry.kind === 'collapsed' ? 2.5 : entry.strong ? 1.5 : 1;
  context.strokeStyle = entry.paint.stroke;
  context.stroke();
}

function boxText(context: Context2D, entry: SceneBox, scene: Scene): void {
  const { box, lines } = entry;
  context.fillStyle = entry.paint.text;
  context.textAlign = 'center';
  if (entry.kind === 'frame') {
    context.textBaseline = 'alphabetic';
    context.font = `${entry.strong ? 700 : 600} ${scene.fontSize}px ${NODE_FONT_FAMILY}`;
    context.fillText(lines[0] ?? '', entry.titleX ?? box.x + box.w / 2, box.y + 18);
    return;
  }
  context.textBaseline = 'middle';
  const top = box.y + box.h / 2 - ((lines.length - 1) * scene.lineHeight) / 2;
  const weight = entry.kind === 'collapsed' ? GROUP_FONT_WEIGHT : 400;
  context.font = `${weight} ${scene.fontSize}px ${NODE_FONT_FAMILY}`;
  lines.forEach((line, index) => {
    context.fillText(line, box.x + box.w / 2, top + index * scene.lineHeight);
  });
}

function edge(context: Context2D, { kind, points, arrow }: SceneEdge): void {
  const d = points[points.length - 1];
  const c = points[points.length - 2];
  context.beginPath();
  context.moveTo(points[0][0], points[0][1]);
  if (kind === 'route') {
    points.slice(1).forEach(([x, y]) => context.lineTo(x, y));
  } else {
    context.bezierCurveTo(points[1][0], points[1][1], c[0], c[1], d[0], d[1]);
  }
  context.stroke();
  if (arrow === false) {
    return;
  }
  const angle = Math.atan2(d[1] - c[1], d[0] - c[0]);
  context.beginPath();
  context.moveTo(d[0], d[1]);
  context.lineTo(d[0] - 7 * Math.cos(angle - 0.4), d[1] - 7 * Math.sin(angle - 0.4));
  context.lineTo(d[0] - 7 * Math.cos(angle + 0.4), d[1] - 7 * Math.sin(angle + 0.4));
  context.closePath();
  context.fill();
}

function legend(context: Context2D, scene: Scene, { box, title, entries, columns }: SceneLegend) {
  context.beginPath();
  context.roundRect(box.x, box.y, box.w, box.h, 8);
  context.fillStyle = '#ffffff';
  context.fill();
  context.strokeStyle = '#d5d9e3';
  context.lineWidth = 1;
  context.stroke();
  context.textAlign = 'left';
  context.textBaseline = 'middle';
  context.fillStyle = '#1d2433';
  context.font = `700 ${scene.fontSize}px ${NODE_FONT_FAMILY}`;
  context.fillText(title, box.x + 12, box.y + 16);
  context.font = `400 ${scene.fontSize}px ${NODE_FONT_FAMILY}`;
  const columnWidth = (box.w - 12) / columns;
  entries.forEach((entry, index) => {
    const x = box.x + 12 + (index % columns) * columnWidth;
    const y = box.y + 32 + Math.floor(index / columns) * 18;
    context.beginPath();
    context.roundRect(x, y, 16, 11, 3);
    context.fillStyle = entry.paint.fill;
    context.fill();
    context.strokeStyle = entry.paint.stroke;
    context.lineWidth = 1.5;
    context.stroke();
    context.fillStyle = '#1d2433';
    context.fillText(entry.label, x + 24, y + 6);
  });
}

const meets = (box: Box, region: Box | undefined): boolean =>
  !region ||
  (box.x < region.x + region.w &&
    box.x + box.w > region.x &&
    box.y < region.y + region.h &&
    box.y + box.h > region.y);

function edgeBounds(points: readonly [number, number][]): Box {
  let [x0, y0] = points[0];
  let [x1, y1] = points[0];
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  // Room for the arrowhead.
  return { x: x0 - 8, y: y0 - 8, w: x1 - x0 + 16, h: y1 - y0 + 16 };
}

/**
 * Draws a scene onto a 2D context already scaled to model units; with `region`, only what meets
 * that rectangle (a tile of a tall image).
 */
export function paintScene(context: Context2D, scene: Scene, region?: Box): void {
  context.fillStyle = scene.background;
  context.fillRect(0, 0, scene.width, scene.height);
  for (const frame of scene.frames) {
    if (meets(frame.box, region)) {
      roundRect(context, frame);
      boxText(context, frame, scene);
    }
  }
  context.strokeStyle = '#97a0b3';
  context.fillStyle = '#97a0b3';
  context.lineWidth = 1.3;
  for (const entry of scene.edges) {
    if (meets(edgeBounds(entry.points), region)) {
      edge(context, entry);
    }
  }
  for (const entry of scene.boxes) {
    if (meets(entry.box, region)) {
      roundRect(context, entry);
      boxText(context, entry, scene);
    }
  }
  for (const entry of scene.legends) {
    if (meets(entry.box, region)) {
      legend(context, scene, entry);
    }
  }
}
