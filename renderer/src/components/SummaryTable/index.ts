export { default as SummaryTable } from './SummaryTable.svelte';
export type { TableColumn, TableContext } from './columns';
export { BASE_COLUMNS } from './columns';
