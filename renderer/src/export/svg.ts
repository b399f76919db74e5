// A scene as an SVG document. Text is escaped: layer names come from model files.
import type { Scene, SceneBox, SceneEdge } from './scene';
import { GROUP_FONT_WEIGHT, NODE_FONT_FAMILY } from '../graph/labels';

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const n = (value: number): string => String(Math.round(value * 10) / 10);

function boxText(entry: SceneBox, scene: Scene): string {
  const { box, lines, paint } = entry;
  if (entry.kind === 'frame') {
    const weight = entry.strong ? 700 : 600;
    const x = entry.titleX ?? box.x + box.w / 2;
    return `<text x="${n(x)}" y="${n(box.y + 18)}" text-anchor="middle" font-weight="${weight}" fill="${paint.text}">${escapeXml(lines[0] ?? '')}</text>`;
  }
  const top = box.y + box.h / 2 - ((lines.length - 1) * scene.lineHeight) / 2;
  return lines
    .map((line, index) => {
      const weight = entry.kind === 'collapsed' ? ` font-weight="${GROUP_FONT_WEIGHT}"` : '';
      const y = n(top + index * scene.lineHeight);
      return `<text x="${n(box.x + box.w / 2)}" y="${y}" text-anchor="middle" dominant-baseline="central"${weight} fill="${paint.text}">${escapeXml(line)}</text>`;
    })
    .join('');
}

function rect(entry: SceneBox): string {
  const { box, paint } = entry;
  const radius = entry.kind === 'frame' ? 10 : 6;
  const width = entry.kind === 'collapsed' ? 2.5 : entry.strong ? 1.5 : 1;
  return `<rect x="${n(box.x)}" y="${n(box.y)}" width="${n(box.w)}" height="${n(box.h)}" rx="${radius}" fill="${paint.fill}" stroke="${paint.stroke}" stroke-width="${width}"/>`;
}

/** The path data of an edge: a cubic curve, or a polyline through ELK's bends. */
export function edgePath(edge: SceneEdge): string {
  if (edge.kind === 'route') {
    return edge.points.map(([x, y], index) => `${index === 0 ? 'M' : 'L'}${n(x)},${n(y)}`).join('');
  }
  const [a, b, c, d] = edge.points;
  return `M${n(a[0])},${n(a[1])}C${n(b[0])},${n(b[1])} ${n(c[0])},${n(c[1])} ${n(d[0])},${n(d[1])}`;
}

/** The SVG text of a scene. */
export function sceneToSvg(scene: Scene): string {
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}" font-family="${escapeXml(NODE_FONT_FAMILY)}" font-size="${scene.fontSize}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#97a0b3"/></marker></defs>',
    `<rect width="100%" height="100%" fill="${scene.background}"/>`,
    '<g class="frames">',
    ...scene.frames.map((entry) => rect(entry) + boxText(entry, scene)),
    '</g><g class="edges" fill="none" stroke="#97a0b3" stroke-width="1.3">',
    ...scene.edges.map(
      (edge) =>
        `<path d="${edgePath(edge)}"${edge.arrow === false ? '' : ' marker-end="url(#arrow)"'}/>`,
    ),
    '</g><g class="nodes">',
    ...scene.boxes.map((entry) => rect(entry) + boxText(entry, scene)),
    '</g>',
  ];
  for (const { box, title, entries, columns } of scene.legends) {
    const columnWidth = (box.w - 12) / columns;
    parts.push(
      '<g class="legend">',
      `<rect x="${n(box.x)}" y="${n(box.y)}" width="${n(box.w)}" height="${n(box.h)}" rx="8" fill="#ffffff" stroke="#d5d9e3"/>`,
      `<text x="${n(box.x + 12)}" y="${n(box.y + 20)}" font-weight="700" fill="#1d2433">${escapeXml(title)}</text>`,
      ...entries.map((entry, index) => {
        const x = box.x + 12 + (index % columns) * columnWidth;
        const y = box.y + 32 + Math.floor(index / columns) * 18;
        return (
          `<rect x="${n(x)}" y="${n(y)}" width="16" height="11" rx="3" fill="${entry.paint.fill}" stroke="${entry.paint.stroke}" stroke-width="1.5"/>` +
          `<text x="${n(x + 24)}" y="${n(y + 6)}" dominant-baseline="central" fill="#1d2433">${escapeXml(entry.label)}</text>`
        );
      }),
      '</g>',
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
