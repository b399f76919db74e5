// ESLint flat config. Besides style, it enforces the layering of CONVENTIONS.md: each folder may
// import only what its runtime has (see ARCHITECTURE.md). A violation fails `npm run lint` and CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/** Import patterns, named once, combined per folder below. */
const forbid = {
  node: { group: nodeBuiltins, message: 'Node APIs are not available here.' },
  electron: { group: ['electron'], message: 'Only electron/main and electron/preload may import electron.' },
  tfjs: { group: ['@tensorflow/*', 'onnxruntime-*'], message: 'Only engine/ may import TensorFlow.js and ONNX Runtime.' },
  ui: { group: ['svelte', 'svelte/*', 'cytoscape', 'elkjs', 'elkjs/*'], message: 'UI libraries belong to renderer/.' },
  renderer: { group: ['**/renderer/**', '../renderer', '../../renderer'], message: 'Nothing imports the renderer.' },
  electronTree: { group: ['**/electron/**', '../electron', '../../electron'], message: 'The renderer and shared/ import only shared/.' },
  mainOnly: { group: ['**/main/**', '../main', '../main/*'], message: 'electron/main is imported by nothing.' },
  serverCli: { group: ['**/server/**', '../server', '../server/*', '**/cli/**', '../cli', '../cli/*'], message: 'Entry points are imported by nothing.' },
  preload: { group: ['**/preload/**', '../preload', '../preload/*'], message: 'The preload is bundled on its own.' },
  engine: { group: ['**/engine/**', '../engine', '../engine/*'], message: 'The preload cannot reach the engine.' },
  engineHosts: { group: ['**/engine/node/**', '../node/**', '**/engine/window/**', '../window/**'], message: 'The engine core is portable: a host imports it, never the other way.' },
  windowHost: { group: ['**/engine/window/**'], message: 'The window host runs in the renderer; Node code cannot import it.' },
  nodeHost: { group: ['**/engine/node/**', '../node/**'], message: 'The Node host is Node-only; the window cannot import it.' },
  engineCore: { group: ['**/engine/core/**'], message: 'The renderer reaches the engine through engine/window/ only.' },
};
const restrict = (...names) => ({
  'no-restricted-imports': ['error', { patterns: names.map((name) => forbid[name]) }],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['**/*.svelte'], rules: { 'svelte/no-at-html-tags': 'error' } },
  { files: ['shared/**'], rules: restrict('node', 'electron', 'tfjs', 'ui', 'renderer', 'electronTree') },
  { files: ['engine/core/**'], rules: restrict('node', 'electron', 'ui', 'renderer', 'electronTree', 'engineHosts') },
  { files: ['engine/node/**'], rules: restrict('electron', 'ui', 'renderer', 'electronTree', 'windowHost') },
  { files: ['engine/window/**'], rules: restrict('node', 'electron', 'ui', 'renderer', 'electronTree', 'nodeHost') },
  { files: ['electron/main/**'], rules: restrict('ui', 'renderer', 'serverCli', 'preload', 'tfjs', 'windowHost') },
  { files: ['electron/preload/**'], rules: restrict('node', 'tfjs', 'ui', 'renderer', 'mainOnly', 'serverCli', 'engine') },
  { files: ['electron/server/**', 'electron/cli/**'], rules: restrict('electron', 'ui', 'renderer', 'mainOnly', 'preload', 'windowHost') },
  { files: ['renderer/**'], rules: restrict('node', 'electron', 'tfjs', 'electronTree', 'engineCore', 'nodeHost') },
);
