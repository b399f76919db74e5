export { default as ModelPicker } from './ModelPicker.svelte';
export { default as DropTarget } from './DropTarget.svelte';
export { default as OpenStatus } from './OpenStatus.svelte';
