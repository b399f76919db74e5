export { default as InspectorPanel } from './InspectorPanel.svelte';
