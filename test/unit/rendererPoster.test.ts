// Diagram export, the parts added for big diagrams: the banded PNG encoder (decoded back with
// pngjs, pixel for pixel) and the poster (columns cut where the fewest frames are open, every
// layer once, every edge with one arrow, a legend per column, the paper's proportions).
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng } from '../../renderer/src/export/pngEncode';
import { clipEdge, posterScene } from '../../renderer/src/export/poster';
import { buildScene, type Scene } from '../../renderer/src/export/scene';
import { sceneToSvg } from '../../renderer/src/export/svg';
import { legendFor } from '../../renderer/src/graph/colors';
import { buildHierarchy } from '../../renderer/src/graph/hierarchy';
import { boxSize, estimateText, layerLabelLines } from '../../renderer/src/graph/labels';
import { buildViewModel, expandedGroupTitle } from '../../renderer/src/graph/viewModel';
import { composeLayout } from '../../renderer/src/layout/compose';
import type { Box } from '../../renderer/src/layout/types';
import type { ModelGraph } from '../../shared/modelGraph';
import { syntheticGraph } from './rendererFixtures';
import { nestedGraph } from './rendererLayoutFixtures';

function columnScene(graph: ModelGraph): Scene {
  const hierarchy = buildHierarchy(graph);
  const sizes = new Map(
    graph.layers.map((layer) => [layer.id, boxSize(layerLabelLines(layer), estimateText)]),
  );
  const titles = new Map(
    [...hierarchy.groups.values()].map((group) => [
      group.id,
      estimateText(expandedGroupTitle(group)),
    ]),
  );
  const layout = composeLayout(graph, hierarchy, sizes, titles, 'DOWN')!;
  return buildScene(buildViewModel(graph, hierarchy, new Set(), layout), { legend: null });
}

const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('banded PNG encoder', () => {
  it('writes a PNG that decodes to the bands it was given, pixel for pixel', async () => {
    const width = 37;
    const height = 23;
    const pixel = (x: number, y: number) => [(x * 7) % 256, (y * 11) % 256, (x + y) % 256, 255];
    const bytes = await encodePng(width, height, 5, (top, rows) => {
      const band = new Uint8Array(width * rows * 4);
      for (let y = 0; y < rows; y += 1) {
        for (let x = 0; x < width; x += 1) {
          band.set(pixel(x, top + y), (y * width + x) * 4);
        }
      }
      return band;
    });
    const decoded = PNG.sync.read(Buffer.from(bytes));
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    for (const [x, y] of [
      [0, 0],
      [36, 22],
      [12, 5],
      [3, 19],
    ]) {
      const at = (y * width + x) * 4;
      expect([...decoded.data.subarray(at, at + 4)]).toEqual(pixel(x, y));
    }
  });

  it('checksums chunks with the CRC-32 of PNG', () => {
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });
});

describe('poster', () => {
  const column = columnScene(syntheticGraph());
  const legend = legendFor(syntheticGraph().layers);

  it('wraps ResNeXt-101 into columns that fit A3, legible, each layer once, none overlapping', () => {
    const { scene, fit } = posterScene(column, { paper: 'a3', columns: 'auto', legend });
    expect(fit.columns).toBeGreaterThan(3);
    // The single column fitted to the same sheet prints its text below 1 pt.
    const single = posterScene(column, { paper: 'a3', columns: 1, legend });
    expect(single.fit.textPt).toBeLessThan(1);
    expect(fit.textPt).toBeGreaterThan(3 * single.fit.textPt);
    const layers = scene.boxes.filter((box) => box.kind === 'layer');
    expect(layers).toHaveLength(345);
    expect(new Set(layers.map((box) => box.lines[0])).size).toBe(345);
    const sorted = [...layers].sort((a, b) => a.box.x - b.box.x || a.box.y - b.box.y);
    for (let i = 1; i < sorted.length; i += 1) {
      expect(overlaps(sorted[i - 1].box, sorted[i].box)).toBe(false);
    }
    // The proportions of an A3 sheet, one way round.
    const ratio = scene.width / scene.height;
    expect(Math.min(Math.abs(ratio - 420 / 297), Math.abs(ratio - 297 / 420))).toBeLessThan(0.01);
  });

  it('repeats the legend atop each column, and the title of a frame cut in two', () => {
    const { scene, fit } = posterScene(column, { paper: 'a4', columns: 6, legend });
    expect(fit.columns).toBe(6);
    expect(scene.legends).toHaveLength(6);
    expect(new Set(scene.legends.map((entry) => entry.box.y)).size).toBe(1);
    const continued = scene.frames.filter((frame) => frame.lines[0]?.endsWith('(continued)'));
    expect(continued.length).toBeGreaterThan(0);
    expect(continued.some((frame) => frame.lines[0]?.startsWith('stage 3'))).toBe(true);
    // Cuts fall between blocks, never inside one: no block frame is continued.
    expect(continued.every((frame) => !frame.lines[0]?.startsWith('block'))).toBe(true);
  });

  it('keeps one arrow per edge, on the part that reaches its layer', () => {
    const { scene } = posterScene(column, { paper: 'a3', columns: 7, legend: null });
    expect(scene.edges.filter((edge) => edge.arrow !== false)).toHaveLength(column.edges.length);
    expect(scene.edges.length).toBeGreaterThan(column.edges.length);
    const svg = sceneToSvg(scene);
    expect(svg.match(/marker-end/g)).toHaveLength(column.edges.length);
  });

  it('balances the columns', () => {
    const { scene, fit } = posterScene(column, { paper: 'a3', columns: 5, legend });
    expect(fit.columns).toBe(5);
    // Each box belongs to the column whose legend starts left of it.
    const lefts = scene.legends.map((entry) => entry.box.x).sort((a, b) => a - b);
    const bottoms = lefts.map(() => 0);
    for (const box of scene.boxes) {
      const index = lefts.filter((left) => left <= box.box.x + box.box.w / 2).length - 1;
      bottoms[index] = Math.max(bottoms[index], box.box.y + box.box.h);
    }
    expect(Math.max(...bottoms) / Math.min(...bottoms)).toBeLessThan(1.4);
  });

  it('wraps a model of nested groups too', () => {
    const nested = columnScene(nestedGraph());
    const { scene } = posterScene(nested, { paper: 'letter', columns: 2, legend: null });
    expect(scene.boxes).toHaveLength(nested.boxes.length);
    expect(scene.edges.filter((edge) => edge.arrow !== false)).toHaveLength(nested.edges.length);
  });

  it('cuts an edge at a band, the arrow staying with its end', () => {
    const parts = clipEdge(
      {
        kind: 'route',
        points: [
          [0, 0],
          [0, 50],
          [30, 50],
          [30, 100],
        ],
      },
      40,
      200,
    );
    expect(parts).toEqual([
      {
        points: [
          [0, 40],
          [0, 50],
          [30, 50],
          [30, 100],
        ],
        end: true,
      },
    ]);
    expect(
      clipEdge(
        {
          kind: 'route',
          points: [
            [0, 0],
            [0, 100],
          ],
        },
        10,
        20,
      ),
    ).toEqual([
      {
        points: [
          [0, 10],
          [0, 20],
        ],
        end: false,
      },
    ]);
  });
});
