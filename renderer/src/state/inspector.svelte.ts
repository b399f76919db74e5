// The app's shared state: the model being shown, what is selected, collapsed and searched, and
// the hooks a profile view uses to recolour the graph and add table columns.
import type { InspectorApi, OpenModelSource } from '../../../shared/api';
import { toErrorInfo, type ApiErrorInfo } from '../../../shared/errors';
import {
  DEFAULT_CONFIG,
  validateConfig,
  type ConfigIssue,
  type ModelConfig,
} from '../../../shared/modelConfig';
import type { ModelGraph } from '../../../shared/modelGraph';
import { buildHierarchy, topGroupIds, type Hierarchy } from '../graph/hierarchy';
import { compileQuery, searchLayers } from '../graph/search';
import type { Heat } from '../graph/viewModel';
import { setOf, toggled, without } from '../lib/sets';
import { prefetchLayout } from '../layout/prefetch';
import type { TableColumn } from '../components/SummaryTable/columns';

/** Where a selection came from, so a view does not echo its own click back at itself. */
export type SelectionSource = 'graph' | 'table' | 'search' | 'inspector';

/** The state of loading a model. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** The app's state; one instance, made by App.svelte and handed to the views. */
export class InspectorState {
  config = $state<ModelConfig>({ ...DEFAULT_CONFIG });
  status = $state<LoadStatus>('idle');
  error = $state<ApiErrorInfo | null>(null);
  /** What the engine is doing while `status` is loading, for the graph's placeholder. */
  loadingText = $state('Building the model…');
  /** What `error` is about: a config that could not be built, or a file that could not be opened. */
  errorContext = $state<'build' | 'open'>('build');
  /** Problems with the config, by field, from local validation or the engine's INVALID_CONFIG. */
  configIssues = $state<ConfigIssue[]>([]);
  graph = $state.raw<ModelGraph | null>(null);
  hierarchy = $state.raw<Hierarchy | null>(null);
  selectedLayer = $state<number | null>(null);
  selectedGroup = $state<string | null>(null);
  selectionSource = $state<SelectionSource>('graph');
  collapsed = $state.raw<ReadonlySet<string>>(setOf());
  query = $state('');
  matchIndex = $state(0);
  /** Recolours the graph (time, statistics, differences); null shows layer types. */
  heat = $state.raw<Heat | null>(null);
  /** Columns a profile adds to the summary table (median ms, p95, …). */
  extraColumns = $state.raw<readonly TableColumn[]>([]);

  readonly compiledQuery = $derived(compileQuery(this.query));
  readonly matches = $derived(
    this.graph ? searchLayers(this.graph.layers, this.compiledQuery) : [],
  );

  #request = 0;

  constructor(readonly api: InspectorApi) {}

  /** Validates a config, asks the engine to describe it, and shows it; stale answers are dropped. */
  async load(config: ModelConfig): Promise<void> {
    const checked = validateConfig(config);
    if (!checked.ok) {
      this.configIssues = checked.issues;
      return;
    }
    const request = ++this.#request;
    this.config = checked.config;
    this.configIssues = [];
    this.loadingText = 'Building the model…';
    this.status = 'loading';
    // ELK lays out the expected graph while the engine builds the model.
    prefetchLayout(checked.config);
    this.error = null;
    try {
      const graph = await this.api.describe(checked.config);
      if (request !== this.#request) {
        return;
      }
      this.show(graph);
    } catch (error) {
      if (request !== this.#request) {
        return;
      }
      const info = toErrorInfo(error);
      this.error = info;
      this.errorContext = 'build';
      this.status = 'error';
      if (info.code === 'INVALID_CONFIG') {
        this.configIssues = [{ field: 'config', message: info.message }];
      }
    }
  }

  /**
   * Opens a model file (a path, or uploads) and shows it. The model shown stays while it opens,
   * and stays when it fails, with the engine's message; stale answers are dropped.
   */
  async openModel(source: OpenModelSource): Promise<'opened' | 'failed' | 'stale'> {
    const request = ++this.#request;
    this.loadingText = 'Opening the model file…';
    this.status = 'loading';
    this.error = null;
    try {
      const graph = await this.api.openModel(source);
      if (request !== this.#request) {
        return 'stale';
      }
      this.show(graph);
      return 'opened';
    } catch (error) {
      if (request !== this.#request) {
        return 'stale';
      }
      this.failOpen(toErrorInfo(error));
      return 'failed';
    }
  }

  /** Hides the error banner; the model shown is ready as it was. */
  dismissError(): void {
    this.error = null;
    this.status = this.graph ? 'ready' : 'idle';
  }

  /** Shows why a model file could not be opened; the model shown stays. */
  failOpen(info: ApiErrorInfo): void {
    this.error = info;
    this.errorContext = 'open';
    this.status = 'error';
  }

  /** Shows a described graph, resetting selection, collapse and heat. */
  show(graph: ModelGraph): void {
    // User Timing marks: the benchmark (bench/renderer.ts) measures from here to the first paint.
    performance.mark('inspector:graph-received');
    this.hierarchy = buildHierarchy(graph);
    this.graph = graph;
    this.selectedLayer = null;
    this.selectedGroup = null;
    this.collapsed = setOf();
    this.heat = null;
    this.matchIndex = 0;
    this.status = 'ready';
  }

  selectLayer(id: number | null, source: SelectionSource): void {
    this.selectionSource = source;
    this.selectedGroup = null;
    this.selectedLayer = id;
    if (id !== null) {
      this.reveal(id);
    }
  }

  selectGroup(id: string | null, source: SelectionSource): void {
    this.selectionSource = source;
    this.selectedLayer = null;
    this.selectedGroup = id;
  }

  /** Expands the groups that hide a layer, so the layer can be shown. */
  reveal(layerId: number): void {
    const chain = this.hierarchy?.chains[layerId] ?? [];
    if (chain.some((id) => this.collapsed.has(id))) {
      this.collapsed = without(this.collapsed, chain);
    }
  }

  toggleGroup(id: string): void {
    const next = toggled(this.collapsed, id);
    this.collapsed = next;
    if (
      this.selectedLayer !== null &&
      this.hierarchy?.chains[this.selectedLayer]?.includes(id) &&
      next.has(id)
    ) {
      this.selectGroup(id, 'graph');
    }
  }

  /** Collapses every outermost group (ResNeXt's stem and stages). */
  collapseAll(): void {
    if (this.hierarchy) {
      this.collapsed = setOf(topGroupIds(this.hierarchy));
      if (this.selectedLayer !== null) {
        this.selectedLayer = null;
      }
    }
  }

  expandAll(): void {
    this.collapsed = setOf();
  }

  setQuery(query: string): void {
    this.query = query;
    this.matchIndex = 0;
  }

  /** Moves to the next (or previous) search match and selects it. */
  step(delta: 1 | -1): void {
    const count = this.matches.length;
    if (count === 0) {
      return;
    }
    this.matchIndex = (this.matchIndex + delta + count) % count;
    this.selectLayer(this.matches[this.matchIndex], 'search');
  }
}
