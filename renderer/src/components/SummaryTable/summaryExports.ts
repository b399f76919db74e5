// The summary's exports, with the same formatters as the CLI (shared/summaryFormat), so a file
// saved here and one printed by `npm run cli -- summary` hold the same bytes.
import type { SaveFileKind } from '../../../../shared/api';
import type { ModelGraph } from '../../../../shared/modelGraph';
import { formatSummary, type SummaryFormat } from '../../../../shared/summaryFormat';

/** One export of the summary. */
export interface SummaryExport {
  kind: SaveFileKind;
  label: string;
  title: string;
  extension: string;
  format: (graph: ModelGraph) => string;
}

const entry = (
  kind: SaveFileKind,
  format: SummaryFormat,
  label: string,
  title: string,
): SummaryExport => ({
  kind,
  label,
  title,
  extension: kind,
  format: (graph) => formatSummary(graph, format),
});

/** The exports offered by the table. */
export function summaryExports(): SummaryExport[] {
  return [
    entry('txt', 'text', 'Keras text', 'model.summary() as Keras prints it'),
    entry('csv', 'csv', 'CSV', 'One row per layer, for spreadsheets'),
    entry('json', 'json', 'JSON', 'The summary as JSON'),
    entry('md', 'markdown', 'Markdown', 'A Markdown table'),
  ];
}
