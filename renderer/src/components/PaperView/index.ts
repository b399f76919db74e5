export { default as PaperView } from './PaperView.svelte';
