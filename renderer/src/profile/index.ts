export { default as ProfilePanel } from './ProfilePanel.svelte';
export { default as HeatOverlay } from './HeatOverlay.svelte';
