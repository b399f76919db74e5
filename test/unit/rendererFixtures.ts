// A ModelGraph built by arithmetic alone, the way the seed notebook's ResNeXt is wired, for the
// renderer's unit tests, its dev page and its benchmark. It never replaces the engine's describe():
// the e2e tests run against the real engine. The arithmetic lives in the renderer
// (shared/predictGraph.ts), which also uses it to lay out ahead of describe.
import type { ModelGraph } from '../../shared/modelGraph';
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import { predictGraph } from '../../shared/predictGraph';

/** Options of the synthetic graph. */
export interface SyntheticOptions {
  /** Blocks per stage; the default is ResNeXt-101's [3, 4, 23, 3]. */
  blocks?: readonly number[];
  config?: Partial<ModelConfig>;
}

/** A ResNeXt ModelGraph computed from the config by arithmetic, layer for layer as the seed builds it. */
export function syntheticGraph(options: SyntheticOptions = {}): ModelGraph {
  const config: ModelConfig = { ...DEFAULT_CONFIG, ...options.config };
  return predictGraph(config, options.blocks ?? [3, 4, 23, 3]);
}
