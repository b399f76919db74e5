// Where the graph view puts the graph: the free area beside the floating overlays, the first
// view and the fitted view inside it; the label measure of collapsed groups; and the graph
// predicted from a config, laid out while the engine builds the model.
import { describe, expect, it } from 'vitest';
import { freeArea, type Rect } from '../../renderer/src/components/GraphView/freeArea';
import { fitViewport } from '../../renderer/src/components/GraphView/graphSetup';
import {
  canvasMeasure,
  estimateBoldText,
  estimateText,
  GROUP_FONT_WEIGHT,
} from '../../renderer/src/graph/labels';
import type { Core } from 'cytoscape';
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import { predictGraph } from '../../shared/predictGraph';
import { layoutKey } from '../../renderer/src/layout/prefetch';

const rect = (left: number, top: number, w: number, h: number): Rect => ({
  left,
  top,
  right: left + w,
  bottom: top + h,
});

describe('free area of the graph canvas', () => {
  it('is the whole canvas without overlays', () => {
    expect(freeArea(1000, 500, [])).toEqual({ left: 0, top: 0, right: 1000, bottom: 500 });
  });

  it('gives a tall right-hand minimap a column and a tall left legend a column', () => {
    const minimap = rect(900, 12, 90, 476);
    const legend = rect(12, 300, 220, 190);
    expect(freeArea(1000, 500, [minimap, legend])).toEqual({
      left: 240,
      top: 0,
      right: 892,
      bottom: 500,
    });
  });

  it('gives a wide, short heat legend a band at the top and a folded legend one at the bottom', () => {
    const heat = rect(12, 12, 300, 80);
    const folded = rect(12, 470, 110, 26);
    expect(freeArea(1000, 500, [heat, folded])).toEqual({
      left: 0,
      top: 100,
      right: 1000,
      bottom: 462,
    });
  });

  it('ignores overlays outside the canvas and keeps at least half of it', () => {
    expect(freeArea(400, 300, [rect(500, 0, 50, 50)])).toEqual({
      left: 0,
      top: 0,
      right: 400,
      bottom: 300,
    });
    const free = freeArea(400, 300, [rect(0, 0, 150, 300), rect(250, 0, 150, 300)]);
    expect(free.right - free.left).toBeGreaterThanOrEqual(200);
  });
});

describe('fitted viewport', () => {
  const cy = { minZoom: () => 0.01, maxZoom: () => 4 } as unknown as Core;

  it('centres the graph in the free area, padded, limited by the tighter side', () => {
    const free = { left: 240, top: 0, right: 900, bottom: 500 };
    const viewport = fitViewport(cy, { x: 0, y: 0, w: 300, h: 904 }, free, 24);
    expect(viewport?.zoom).toBeCloseTo(0.5);
    // 300 × 0.5 = 150 wide, centred in 240…900; 452 tall, centred in 0…500.
    expect(viewport?.pan.x).toBeCloseTo(240 + (660 - 150) / 2);
    expect(viewport?.pan.y).toBeCloseTo(24);
  });

  it('does nothing for an empty graph', () => {
    expect(fitViewport(cy, { x: 0, y: 0, w: 0, h: 0 }, rect(0, 0, 100, 100))).toBeNull();
  });
});

describe('label measures', () => {
  it('measures semibold group labels wider than regular text (fallback without a canvas)', () => {
    const label = '211 k params · 634 M MACs · 448 ms · 30.6%';
    expect(GROUP_FONT_WEIGHT).toBeGreaterThan(400);
    expect(canvasMeasure(GROUP_FONT_WEIGHT)(label)).toBe(estimateBoldText(label));
    expect(estimateBoldText(label)).toBeGreaterThan(estimateText(label));
  });
});

describe('the graph predicted from a config (laid out while the engine builds it)', () => {
  it('has the seed model’s layers and parameters, in Keras’s order', () => {
    const graph = predictGraph({ ...DEFAULT_CONFIG });
    expect(graph.totals).toMatchObject({
      layers: 345,
      params: 44_384_488,
      trainableParams: 44_246_632,
      nonTrainableParams: 137_856,
    });
    expect(graph.layers.map((layer) => layer.id)).toEqual(graph.layers.map((_, index) => index));
    // A projection block: the shortcut's conv follows the main branch's last conv, before its BN.
    const names = graph.layers.map((layer) => layer.name);
    expect(names.slice(11, 15)).toEqual([
      'conv2d_3',
      'conv2d_4',
      'batch_normalization_3',
      'batch_normalization_4',
    ]);
    expect(predictGraph({ ...DEFAULT_CONFIG, depth: 50 }).layers).toHaveLength(175);
  });

  it('shares its layout key with an equal graph, not with one wired differently', () => {
    const graph = predictGraph({ ...DEFAULT_CONFIG, depth: 50 });
    expect(layoutKey(predictGraph({ ...DEFAULT_CONFIG, depth: 50 }))).toBe(layoutKey(graph));
    const rewired = {
      ...graph,
      layers: graph.layers.map((layer) =>
        layer.name === 'add' ? { ...layer, inbound: [...layer.inbound].reverse() } : layer,
      ),
    };
    expect(layoutKey(rewired)).not.toBe(layoutKey(graph));
    const moved = {
      ...graph,
      layers: graph.layers.map((layer) =>
        layer.name === 'add'
          ? { ...layer, path: { ...layer.path, branch: 'main' as const } }
          : layer,
      ),
    };
    expect(layoutKey(moved)).not.toBe(layoutKey(graph));
  });
});
