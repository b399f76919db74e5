export { default as GraphView } from './GraphView.svelte';
export type { GraphHandle, Extent } from './types';
