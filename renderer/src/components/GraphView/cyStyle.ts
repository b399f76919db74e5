// The cytoscape stylesheet. Colours and sizes come from each element's data (set by the view
// model), so a heat map is a data update, not a new stylesheet.
import type { NodeSingular, StylesheetJson } from 'cytoscape';
import { GROUP_FONT_WEIGHT, NODE_FONT_FAMILY, NODE_FONT_SIZE } from '../../graph/labels';

/** The stylesheet of the graph view. */
export const GRAPH_STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      'z-index-compare': 'manual',
      shape: 'round-rectangle',
      'background-color': 'data(fill)',
      'border-color': 'data(stroke)',
      'border-width': 1,
      label: 'data(label)',
      color: 'data(color)',
      'font-family': NODE_FONT_FAMILY,
      'font-size': NODE_FONT_SIZE,
      'text-wrap': 'wrap',
      'text-max-width': '2000px',
      'text-valign': 'center',
      'text-halign': 'center',
      'line-height': 1.36,
      'min-zoomed-font-size': 5,
    },
  },
  {
    selector: 'node.layer',
    style: { width: 'data(w)', height: 'data(h)', 'corner-radius': '6px', 'z-index': 10 },
  },
  {
    // A layer of unknown class: dashed, for it is described from the file but cannot run.
    selector: 'node.layer.unknown',
    style: { 'border-style': 'dashed', 'border-width': 2 },
  },
  {
    // An expanded group: a frame behind its layers with its title inside the top padding.
    selector: 'node.group.expanded',
    style: {
      width: 'data(w)',
      height: 'data(h)',
      'z-index': 0,
      'background-opacity': 0.85,
      'border-width': 1,
      'border-style': 'solid',
      'text-valign': 'top',
      'text-halign': 'center',
      'text-margin-y': 19,
      'text-margin-x': (node: NodeSingular) => (node.data('titleDx') as number | undefined) ?? 0,
      'font-size': 11,
      'font-weight': 600,
      'corner-radius': '10px',
      'min-zoomed-font-size': 3,
    },
  },
  {
    selector: 'node.group.block.expanded',
    style: { 'z-index': 1 },
  },
  {
    selector: 'node.group.stage.expanded, node.group.stem.expanded',
    style: { 'font-size': 13, 'border-width': 1.5 },
  },
  {
    // A frame standing in for its layers in a zoomed-out big graph: filled, its title across it.
    selector: 'node.group.expanded.lod',
    style: {
      'background-opacity': 1,
      'border-width': 2,
      'text-valign': 'center',
      'text-margin-y': 0,
      'text-margin-x': 0,
      label: 'data(lodLabel)',
      'font-size': 'data(lodFont)',
      'text-max-width': 'data(w)',
    },
  },
  {
    selector: 'node.group.collapsed',
    style: {
      width: 'data(w)',
      height: 'data(h)',
      'border-width': 3,
      'border-style': 'double',
      'font-weight': GROUP_FONT_WEIGHT,
      'z-index': 10,
      'corner-radius': '8px',
    },
  },
  {
    selector: 'edge',
    style: {
      'z-index-compare': 'manual',
      width: 1.3,
      'line-color': '#97a0b3',
      'target-arrow-color': '#97a0b3',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.8,
      // Straight, not bezier: an edge between items in line is a straight line anyway, and
      // cytoscape skips grouping edges into bundles of parallel curves (the costliest part of
      // adding a graph's edges).
      'curve-style': 'straight',
      'z-index': 5,
    },
  },
  {
    selector: 'edge.routed',
    style: {
      'curve-style': 'round-segments',
      'segment-weights': 'data(weights)',
      'segment-distances': 'data(distances)',
      'segment-radii': [8],
      'edge-distances': 'node-position',
    },
  },
  {
    // A corner of a route drawn as straight pieces (the WebGL renderer): a point, never a target.
    selector: 'node.bend',
    style: {
      width: 1,
      height: 1,
      'background-opacity': 0,
      'border-width': 0,
      label: '',
      events: 'no',
      'z-index': 0,
    },
  },
  { selector: 'edge.piece', style: { 'target-arrow-shape': 'none' } },
  { selector: 'edge.piece.last', style: { 'target-arrow-shape': 'triangle' } },
  { selector: '.dim', style: { opacity: 0.28 } },
  {
    selector: 'node.match',
    style: { 'border-color': '#e39b00', 'border-width': 2.5 },
  },
  {
    // A profile's execution cursor: the layer running now.
    selector: 'node.cursor',
    style: {
      'border-color': '#0b57d0',
      'border-width': 3,
      'underlay-color': '#0b57d0',
      'underlay-opacity': 0.3,
      'underlay-padding': 7,
      'underlay-shape': 'round-rectangle',
    },
  },
  {
    selector: 'node:selected',
    style: {
      'border-color': '#1463ff',
      'border-width': 3,
      'underlay-color': '#1463ff',
      'underlay-opacity': 0.16,
      'underlay-padding': 6,
      'underlay-shape': 'round-rectangle',
    },
  },
  {
    selector: 'node.hover',
    style: { 'underlay-color': '#1d2433', 'underlay-opacity': 0.08, 'underlay-padding': 4 },
  },
  {
    selector: 'edge.touching',
    style: { 'line-color': '#1463ff', 'target-arrow-color': '#1463ff', width: 2 },
  },
];
