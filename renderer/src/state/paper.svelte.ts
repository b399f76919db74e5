// The paper view's state: whether it is open, which block it shows as paths, and that block run
// in forms (a) and (c) by the engine, one run per config and block, stale answers dropped.
import type { BlockForms } from '../../../shared/blockForms';
import { blocksByStage } from '../../../shared/blockForms';
import { toErrorInfo } from '../../../shared/errors';
import { configKey } from '../../../shared/modelConfig';
import type { ModelGraph } from '../../../shared/modelGraph';
import type { InspectorState } from './inspector.svelte';

/** A block of a stage, numbered from 1. */
export interface BlockRef {
  stage: number;
  block: number;
}

/** The block-forms run of the block shown, as far as it has got. */
export type FormsRun =
  | { state: 'idle' }
  | { state: 'running'; key: string }
  | { state: 'done'; key: string; forms: BlockForms }
  | { state: 'error'; key: string; message: string };

/** The key of a block of a graph's config; null for a graph without one (a model file). */
export function formsKey(graph: ModelGraph, ref: BlockRef): string | null {
  return graph.config ? `${configKey(graph.config)}|s${ref.stage}b${ref.block}` : null;
}

/** Whether a graph has a block. */
export function hasBlock(graph: ModelGraph, ref: BlockRef): boolean {
  const count = blocksByStage(graph).get(ref.stage);
  return count !== undefined && ref.block >= 1 && ref.block <= count;
}

/** The paper view of the app; one per InspectorState (see `paperStateFor`). */
export class PaperState {
  /** Whether the paper view stands in place of the graph. */
  open = $state(false);
  /** The block the paths view shows. */
  block = $state<BlockRef>({ stage: 1, block: 1 });
  /** Whether form (a) draws every path rather than a fold. */
  unfolded = $state(false);
  run = $state.raw<FormsRun>({ state: 'idle' });
  /** Set when "Show as paths" asks the view to bring the paths into sight. */
  reveal = $state(0);

  constructor(readonly inspector: InspectorState) {}

  /** Opens the paper view on a block's paths. */
  showPaths(ref: BlockRef): void {
    this.block = { ...ref };
    this.unfolded = false;
    this.open = true;
    this.reveal += 1;
  }

  /** The block to show in a graph: the chosen one if the graph has it, else stage 1, block 1. */
  blockIn(graph: ModelGraph): BlockRef {
    return hasBlock(graph, this.block) ? this.block : { stage: 1, block: 1 };
  }

  /**
   * Runs the block in forms (a) and (c) unless this config's block has run (or is running);
   * `again` runs it anew. Answers for a block no longer shown are dropped.
   */
  async ensureRun(graph: ModelGraph, ref: BlockRef, again = false): Promise<void> {
    const key = formsKey(graph, ref);
    const config = graph.config;
    if (!key || !config || !hasBlock(graph, ref)) {
      return;
    }
    const current = this.run;
    if (!again && current.state !== 'idle' && current.key === key) {
      return;
    }
    this.run = { state: 'running', key };
    try {
      const forms = await this.inspector.api.blockForms(config, ref.stage, ref.block);
      if (this.run.state === 'running' && this.run.key === key) {
        this.run = { state: 'done', key, forms };
      }
    } catch (error) {
      if (this.run.state === 'running' && this.run.key === key) {
        this.run = { state: 'error', key, message: toErrorInfo(error).message };
      }
    }
  }
}

const states = new WeakMap<InspectorState, PaperState>();

/** The paper state of an InspectorState, made on first use. */
export function paperStateFor(inspector: InspectorState): PaperState {
  let state = states.get(inspector);
  if (!state) {
    state = new PaperState(inspector);
    states.set(inspector, state);
  }
  return state;
}
