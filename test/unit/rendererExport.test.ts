// Diagram export without a browser: the PNG size plan under Chromium's canvas limits, the PNG
// checks, and the SVG writer (escaping untrusted names).
import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import {
  MAX_CANVAS_AREA,
  MAX_CANVAS_SIDE,
  isPng,
  planPng,
  pngSize,
  toBase64,
} from '../../renderer/src/export/png';
import { buildScene } from '../../renderer/src/export/scene';
import { escapeXml, sceneToSvg } from '../../renderer/src/export/svg';
import { legendFor } from '../../renderer/src/graph/colors';
import { buildHierarchy } from '../../renderer/src/graph/hierarchy';
import { boxSize, estimateText, layerLabelLines } from '../../renderer/src/graph/labels';
import { buildViewModel } from '../../renderer/src/graph/viewModel';
import { buildElkGraph, readElkLayout } from '../../renderer/src/layout/elkGraph';
import { syntheticGraph } from './rendererFixtures';

describe('PNG plan', () => {
  it('keeps the scale asked for when the image fits', () => {
    const plan = planPng(1628, 19181, 2);
    expect(plan).toEqual({ width: 3256, height: 38362, scale: 2, requestedScale: 2 });
  });

  it('lowers the scale under 65,535 px a side and says so', () => {
    const plan = planPng(1600, 40_000, 4);
    expect(plan.height).toBeLessThanOrEqual(MAX_CANVAS_SIDE);
    expect(plan.width * plan.height).toBeLessThanOrEqual(MAX_CANVAS_AREA);
    expect(plan.scale).toBeLessThan(4);
    expect(plan.scale).toBeGreaterThan(1.6);
    expect(plan.notice).toMatch(/past Chromium's canvas limit/);
    expect(plan.notice).toContain('6,400 × 160,000 px');
  });

  it('lowers the scale under 268 M pixels when both sides fit', () => {
    const plan = planPng(30_000, 30_000, 1);
    expect(plan.width).toBeLessThanOrEqual(MAX_CANVAS_SIDE);
    expect(plan.width * plan.height).toBeLessThanOrEqual(MAX_CANVAS_AREA);
    expect(plan.scale).toBeGreaterThan(0.5);
    expect(plan.notice).toBeDefined();
  });
});

describe('PNG checks', () => {
  const header = Uint8Array.from([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x06,
    0x5c, 0, 0, 0x95, 0xda, 8, 6, 0, 0, 0, 0, 0, 0, 0, 0,
  ]);

  it('reads the size from IHDR and refuses what is not a PNG', () => {
    expect(isPng(header)).toBe(true);
    expect(pngSize(header)).toEqual({ width: 1628, height: 38362 });
    expect(isPng(new Uint8Array())).toBe(false);
    expect(pngSize(Uint8Array.from([1, 2, 3]))).toBeNull();
  });

  it('encodes large buffers to base64 without overflowing the stack', () => {
    const bytes = new Uint8Array(3_000_000).fill(65);
    const text = toBase64(bytes);
    expect(text.length).toBe(4_000_000);
    expect(text.slice(0, 8)).toBe('QUFBQUFB');
    expect(atob(text.slice(-8))).toBe('AAAAAA');
  });
});

describe('SVG', () => {
  it('escapes markup in names', () => {
    expect(escapeXml('<img src=x onerror=alert(1)>')).toBe('&#60;img src=x onerror=alert(1)&#62;');
    expect(escapeXml(`a&b"c'd`)).toBe('a&#38;b&#34;c&#39;d');
  });

  it('writes every layer, edge and legend entry, and no raw markup from a hostile name', async () => {
    const graph = syntheticGraph({ blocks: [1, 1, 1, 1] });
    const hostile = { ...graph.layers[1], name: '<img src=x onerror=alert(1)>' };
    const layers = graph.layers.map((layer, index) => (index === 1 ? hostile : layer));
    const patched = {
      ...graph,
      layers: layers.map((layer) =>
        layer.inbound.includes('conv2d') ? { ...layer, inbound: [hostile.name] } : layer,
      ),
    };
    const hierarchy = buildHierarchy(patched);
    const sizes = new Map(
      patched.layers.map((layer) => [layer.id, boxSize(layerLabelLines(layer), estimateText)]),
    );
    const layout = readElkLayout(
      await new ELK().layout(buildElkGraph(patched, hierarchy, sizes, 'RIGHT')),
      'RIGHT',
      sizes,
    );
    const model = buildViewModel(patched, hierarchy, new Set(), layout);
    const scene = buildScene(model, { legend: legendFor(patched.layers) });
    expect(scene.width).toBeGreaterThan(scene.height);
    const svg = sceneToSvg(scene);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(svg.match(/<path d=/g)).toHaveLength(model.edges.length + 1);
    expect(svg).toContain('Conv2D, grouped');
    expect(svg).toContain(`width="${scene.width}" height="${scene.height}"`);
  });

  it('crops to the current view', () => {
    const graph = syntheticGraph({ blocks: [1, 1, 1, 1] });
    const hierarchy = buildHierarchy(graph);
    const boxes = new Map(
      graph.layers.map((layer) => [`l${layer.id}`, { x: 0, y: layer.id * 50, w: 100, h: 40 }]),
    );
    const layout = {
      boxes,
      routes: new Map(),
      width: 100,
      height: graph.layers.length * 50,
      direction: 'DOWN' as const,
    };
    const model = buildViewModel(graph, hierarchy, new Set(), layout);
    const scene = buildScene(model, { legend: null, crop: { x: 0, y: 0, w: 100, h: 120 } });
    expect(scene.boxes.filter((box) => box.kind === 'layer')).toHaveLength(3);
    expect(scene.height).toBe(120 + 32);
  });
});
