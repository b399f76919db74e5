export { default as ExportDialog } from './ExportDialog.svelte';
