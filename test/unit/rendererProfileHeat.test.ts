// The profile view's heat scales: log time scale, linear and diverging scales, the colour of
// each position on the multi-stop scale, collapsed-group values and the legend ticks.
import { describe, expect, it } from 'vitest';
import { HEAT_STOPS, nodePaint, FLAGGED_PAINT, scaleColor } from '../../renderer/src/graph/colors';
import { buildHierarchy } from '../../renderer/src/graph/hierarchy';
import { buildViewModel } from '../../renderer/src/graph/viewModel';
import {
  buildHeat,
  colorOf,
  divergingScale,
  DIVERGING_STOPS,
  linearScale,
  logScale,
  msNumber,
  signedMsNumber,
  position,
  scaleTicks,
  timeLegend,
  valueAt,
} from '../../renderer/src/profile/heat';
import { groupSums } from '../../renderer/src/profile/aggregate';
import { syntheticGraph } from './rendererFixtures';

describe('log time scale', () => {
  const scale = logScale([0.1, 1, 10, 0, Number.NaN])!;

  it('spans the positive finite values; zero and NaN are ignored', () => {
    expect(scale.lo).toBe(0.1);
    expect(scale.hi).toBe(10);
    expect(position(scale, 0.1)).toBe(0);
    expect(position(scale, 10)).toBe(1);
    expect(position(scale, 1)).toBeCloseTo(0.5, 12);
  });

  it('clamps outside values and maps 0 to the cold end', () => {
    expect(position(scale, 1000)).toBe(1);
    expect(position(scale, 0.001)).toBe(0);
    expect(position(scale, 0)).toBe(0);
  });

  it('shows at most four decades below the slowest layer', () => {
    const wide = logScale([1e-6, 100])!;
    expect(wide.lo).toBeCloseTo(0.01, 12);
  });

  it('is null without a positive value', () => {
    expect(logScale([0, -1, Number.NaN])).toBeNull();
  });

  it('inverts: valueAt(position(v)) = v', () => {
    for (const value of [0.1, 0.37, 2.5, 10]) {
      expect(valueAt(scale, position(scale, value))).toBeCloseTo(value, 10);
    }
  });
});

describe('multi-stop colours', () => {
  const scale = logScale([0.01, 100])!;

  it('passes through every stop, not a two-colour blend', () => {
    HEAT_STOPS.forEach((stop, index) => {
      const value = valueAt(scale, index / (HEAT_STOPS.length - 1));
      expect(colorOf(scale, value)).toBe(stop);
    });
  });

  it('blends between neighbouring stops only', () => {
    // Halfway between stop 1 (#fed47a) and stop 2 (#f98b3a).
    expect(scaleColor(0.375)).toBe('#fcb05a');
  });

  it('diverges around zero: blue faster, white equal, red slower', () => {
    const diverging = divergingScale([-2, 0.5, 1])!;
    expect(diverging.lo).toBe(-2);
    expect(diverging.hi).toBe(2);
    expect(colorOf(diverging, 0)).toBe(DIVERGING_STOPS[2]);
    expect(colorOf(diverging, -2)).toBe(DIVERGING_STOPS[0]);
    expect(colorOf(diverging, 2)).toBe(DIVERGING_STOPS[4]);
    expect(position(diverging, Number.NaN)).toBe(0.5);
  });

  it('a linear scale of equal values does not divide by zero', () => {
    const flat = linearScale([3, 3])!;
    expect(position(flat, 3)).toBe(0);
    expect(Number.isFinite(position(flat, 4))).toBe(true);
  });

  it('a node paints with the scale it is given, and NaN layers in the alarm red', () => {
    const layer = { className: 'Conv2D', groups: 1 };
    expect(nodePaint(layer, 0, DIVERGING_STOPS).fill).toBe(DIVERGING_STOPS[0]);
    expect(nodePaint(layer, 1).fill).toBe(HEAT_STOPS[4]);
    expect(nodePaint(layer, 1).text).toBe('#ffffff');
    expect(nodePaint(layer, 0).text).not.toBe('#ffffff');
    expect(FLAGGED_PAINT.fill).toBe('#e00000');
  });
});

describe('heat for the graph', () => {
  const graph = syntheticGraph({ blocks: [3, 4, 6, 3] });
  const hierarchy = buildHierarchy(graph);
  const values = new Map(graph.layers.map((layer) => [layer.id, 0.05 + (layer.id % 7)]));

  it('gives every timed layer a position and every group its summed time as text', () => {
    const heat = buildHeat({
      values,
      scale: logScale(values.values())!,
      hierarchy,
      groupValues: groupSums(values, hierarchy),
      groupText: (_id, ms) => `${ms.toFixed(1)} ms`,
      cursor: 12,
    });
    expect(heat.layers.size).toBe(graph.layers.length);
    expect([...heat.layers.values()].every((value) => value >= 0 && value <= 1)).toBe(true);
    const stage3 = groupSums(values, hierarchy).get('g:s3')!;
    expect(heat.groupText?.get('g:s3')).toBe(`${stage3.toFixed(1)} ms`);
    expect(heat.cursor).toBe(12);
    // The slowest stage is the hottest of the stages on their own scale.
    const stages = ['g:s1', 'g:s2', 'g:s3', 'g:s4'];
    const hottest = stages.reduce((a, b) => (heat.groups!.get(a)! >= heat.groups!.get(b)! ? a : b));
    const slowest = stages.reduce((a, b) =>
      groupSums(values, hierarchy).get(a)! >= groupSums(values, hierarchy).get(b)! ? a : b,
    );
    expect(hottest).toBe(slowest);
  });

  it('the view model colours layers, marks the cursor, and the collapsed group holding it', () => {
    const heat = buildHeat({ values, scale: logScale(values.values())!, hierarchy, cursor: 20 });
    const layout = {
      boxes: new Map(),
      routes: new Map(),
      width: 0,
      height: 0,
      direction: 'DOWN' as const,
    };
    const open = buildViewModel(graph, hierarchy, new Set(), layout, { heat });
    const node = open.nodes.find((entry) => entry.layerId === 20)!;
    expect(node.cursor).toBe(true);
    expect(open.nodes.filter((entry) => entry.cursor)).toHaveLength(1);
    expect(node.paint.fill).toBe(scaleColor(heat.layers.get(20)!));
    const stage = hierarchy.chains[20][0];
    const closed = buildViewModel(graph, hierarchy, new Set([stage]), layout, { heat });
    expect(closed.nodes.filter((entry) => entry.cursor).map((entry) => entry.id)).toEqual([stage]);
  });

  it('flagged layers paint red whatever their value', () => {
    const heat = buildHeat({
      values,
      scale: linearScale(values.values())!,
      hierarchy: null,
      flagged: new Set([5]),
    });
    const layout = {
      boxes: new Map(),
      routes: new Map(),
      width: 0,
      height: 0,
      direction: 'DOWN' as const,
    };
    const model = buildViewModel(graph, hierarchy, new Set(), layout, { heat });
    expect(model.nodes.find((entry) => entry.layerId === 5)!.paint).toEqual(FLAGGED_PAINT);
    expect(model.nodes.find((entry) => entry.layerId === 6)!.paint).not.toEqual(FLAGGED_PAINT);
  });
});

describe('legend', () => {
  it('labels five ticks in ms from the fastest to the slowest layer', () => {
    const legend = timeLegend(logScale([0.02, 30])!);
    expect(legend.ticks.map((tick) => tick.at)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(legend.ticks[0].label).toBe('0.02');
    expect(legend.ticks[4].label).toBe('30');
    expect(legend.title).toMatch(/ms/);
  });

  it('tick numbers keep three significant digits', () => {
    expect(msNumber(0.04567)).toBe('0.0457');
    expect(msNumber(1.5)).toBe('1.5');
    expect(msNumber(215.4)).toBe('215');
    expect(msNumber(10)).toBe('10');
    expect(msNumber(0)).toBe('0');
    expect(signedMsNumber(-43.914)).toBe('−43.9');
    expect(signedMsNumber(0.5)).toBe('+0.5');
    expect(signedMsNumber(0)).toBe('0');
  });

  it('scaleTicks spreads ticks evenly along the bar', () => {
    const ticks = scaleTicks(linearScale([0, 1])!, (value) => value.toFixed(2), 3);
    expect(ticks).toEqual([
      { at: 0, label: '0.00' },
      { at: 0.5, label: '0.50' },
      { at: 1, label: '1.00' },
    ]);
  });
});
