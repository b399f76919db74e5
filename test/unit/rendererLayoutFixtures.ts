// Hand-made ModelGraphs for the layout tests: models read from files have groups of any depth
// (nested models, runs of layers sharing a name prefix) or none, and no ResNeXt structure. Each
// fixture is written as `name <- inputs @ group/path` lines, so its wiring reads at a glance.
import { DEFAULT_CONFIG } from '../../shared/modelConfig';
import {
  graphTotals,
  type LayerGroup,
  type LayerInfo,
  type ModelGraph,
} from '../../shared/modelGraph';

/** One layer: its name, the layers it takes, and the ids of its groups outermost first. */
export interface HandLayer {
  name: string;
  inputs?: string[];
  groups?: string[];
  className?: string;
}

/** A ModelGraph from layers in topological order and groups (parents first). */
export function handGraph(
  name: string,
  layers: readonly HandLayer[],
  groups: readonly LayerGroup[] = [],
): ModelGraph {
  const infos: LayerInfo[] = layers.map((layer, id) => ({
    id,
    name: layer.name,
    className: layer.className ?? (layer.inputs?.length ? 'Dense' : 'InputLayer'),
    outputShape: [null, 8 + (id % 5)],
    params: 10 * id,
    trainableParams: 10 * id,
    macs: 0,
    inbound: layer.inputs ?? [],
    path: { section: 'layer' },
    groupPath: layer.groups ?? [],
  }));
  return { name, config: DEFAULT_CONFIG, layers: infos, groups, totals: graphTotals(infos) };
}

const model = (id: string, parent?: string): LayerGroup => ({
  id: `g:m:${id}`,
  kind: 'model',
  label: id,
  ...(parent ? { parent: `g:m:${parent}` } : {}),
});

/**
 * Nested models three deep with a name-prefix run inside, two inputs, a skip connection from an
 * encoder model to a decoder model (across groups), a residual inside the innermost model, layers
 * outside any group, and two outputs.
 */
export function nestedGraph(): ModelGraph {
  const enc = ['g:m:encoder'];
  const inner = [...enc, 'g:m:inner'];
  const core = [...inner, 'g:m:core'];
  const dec = ['g:m:decoder'];
  const run = [...dec, 'g:p:up'];
  return handGraph(
    'nested',
    [
      { name: 'image' },
      { name: 'mask' },
      { name: 'merge_inputs', inputs: ['image', 'mask'], className: 'Concatenate' },
      { name: 'enc_conv', inputs: ['merge_inputs'], groups: enc },
      { name: 'inner_conv', inputs: ['enc_conv'], groups: inner },
      { name: 'core_a', inputs: ['inner_conv'], groups: core },
      { name: 'core_b', inputs: ['core_a'], groups: core },
      { name: 'core_add', inputs: ['core_b', 'inner_conv'], groups: core, className: 'Add' },
      { name: 'inner_out', inputs: ['core_add'], groups: inner },
      { name: 'enc_pool', inputs: ['inner_out'], groups: enc },
      { name: 'bottleneck', inputs: ['enc_pool'] },
      { name: 'up_1', inputs: ['bottleneck'], groups: run },
      { name: 'up_2', inputs: ['up_1'], groups: run },
      { name: 'skip_concat', inputs: ['up_2', 'inner_out'], groups: dec, className: 'Concatenate' },
      { name: 'dec_conv', inputs: ['skip_concat'], groups: dec },
      { name: 'head_a', inputs: ['dec_conv'] },
      { name: 'head_b', inputs: ['dec_conv'] },
    ],
    [
      model('encoder'),
      model('inner', 'encoder'),
      model('core', 'inner'),
      model('decoder'),
      { id: 'g:p:up', kind: 'prefix', label: 'up_', parent: 'g:m:decoder' },
    ],
  );
}

/** No groups at all: a chain with a residual and an inception-like fork of three branches. */
export function flatGraph(): ModelGraph {
  return handGraph('flat', [
    { name: 'input' },
    { name: 'a', inputs: ['input'] },
    { name: 'b', inputs: ['a'] },
    { name: 'c', inputs: ['b'] },
    { name: 'res', inputs: ['c', 'a'], className: 'Add' },
    { name: 'br1', inputs: ['res'] },
    { name: 'br2a', inputs: ['res'] },
    { name: 'br2b', inputs: ['br2a'] },
    { name: 'br3', inputs: ['res'] },
    { name: 'cat', inputs: ['br1', 'br2b', 'br3', 'res'], className: 'Concatenate' },
    { name: 'out', inputs: ['cat'] },
  ]);
}

/** A dense block: every layer takes every earlier one, which no series-parallel reading holds. */
export function denseGraph(): ModelGraph {
  const names = ['input', 'd1', 'd2', 'd3', 'd4'];
  return handGraph(
    'dense',
    names.map((name, index) => ({ name, inputs: names.slice(0, index) })),
  );
}
