#!/usr/bin/env node
// `npm run cli -- <command> …`: runs the CLI from an esbuild bundle instead of transpiling its
// TypeScript on every start (tsx took ~1 s of each run). The bundle (dist/cli/main.js, with the
// engine process beside it as process.js, which the CLI forks) is rebuilt first when a source it
// is made of is newer, so a fresh clone or an edit needs nothing more than this command. ESM with
// code splitting, so that each command loads only its own chunk and the packages that chunk
// imports (`cache` never loads TensorFlow.js). Written to temporary names and renamed, so CLIs
// started at once never run half a bundle.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// INSPECTOR_CLI_DIR puts the bundle elsewhere in the repository (tests build their own); it must
// be inside it, for the bundle imports its npm packages from node_modules.
const outdir = process.env.INSPECTOR_CLI_DIR
  ? path.resolve(process.env.INSPECTOR_CLI_DIR)
  : path.join(root, 'dist', 'cli');
const entry = path.join(outdir, 'main.js');
/** What the bundle is made of; package files too, since their versions change what loads. */
const SOURCES = ['electron/cli', 'engine', 'shared'];
const FILES = ['package.json', 'package-lock.json', 'scripts/cli.mjs'];

/** Every TypeScript file under the folders, sorted. */
function sourceFiles(folders) {
  const files = [];
  const visit = (folder) => {
    if (!existsSync(folder)) {
      return;
    }
    for (const item of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, item.name);
      if (item.isDirectory()) {
        visit(full);
      } else if (item.name.endsWith('.ts')) {
        files.push(full);
      }
    }
  };
  folders.forEach((folder) => visit(path.join(root, folder)));
  return files.sort();
}

/** Whether the bundle is older than any of its sources (or missing). */
function stale() {
  if (!existsSync(entry)) {
    return true;
  }
  const built = statSync(entry).mtimeMs;
  const inputs = [...sourceFiles(SOURCES), ...FILES.map((file) => path.join(root, file))];
  return inputs.some((file) => existsSync(file) && statSync(file).mtimeMs > built);
}

/**
 * The hash of the sources that build and export a model (engine/core and shared/): the model
 * cache keys exports on it, so an edited exporter never opens an export of the old one.
 */
export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of sourceFiles(['engine/core', 'shared'])) {
    hash.update(path.relative(root, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * npm packages stay outside the bundle, loaded from node_modules. A CommonJS package (tfjs, ONNX
 * Runtime, protobufjs) is loaded with `require`: imported from ESM, Node would first scan its
 * source for named exports (cjs-module-lexer), half a second of every start for tfjs's files. An
 * ES module package is imported as it is.
 */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path: specifier, kind, namespace }) => {
      if (specifier.startsWith('node:') || namespace === 'cjs-package' || kind === 'require-call') {
        return { path: specifier, external: true };
      }
      const match = /^((?:@[^/]+\/)?[^/]+)(\/.+)?$/.exec(specifier);
      const manifest = path.join(root, 'node_modules', match?.[1] ?? specifier, 'package.json');
      if (!existsSync(manifest)) {
        return { path: specifier, external: true };
      }
      const info = JSON.parse(readFileSync(manifest, 'utf8'));
      const esm = info.type === 'module' || JSON.stringify(info.exports ?? {}).includes('"import"');
      return esm
        ? { path: specifier, external: true }
        : { path: specifier, namespace: 'cjs-package' };
    });
    // An ES module over `require`, with the package's names as named exports (read by loading
    // it here), as Node's own import gives them: a chunk of code splitting imported with
    // `import()` would otherwise hand over `default` alone.
    const requireHere = createRequire(path.join(root, 'package.json'));
    build.onLoad({ filter: /.*/, namespace: 'cjs-package' }, ({ path: specifier }) => {
      const names = Object.keys(requireHere(specifier)).filter(
        (name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name),
      );
      const load = `const loaded = require(${JSON.stringify(specifier)});`;
      const named = names.length > 0 ? `export const { ${names.join(', ')} } = loaded;` : '';
      return { contents: `${load}\nexport default loaded;\n${named}`, loader: 'js' };
    });
  },
};

/** Bundles the CLI and the engine process into dist/cli. */
export async function buildCli() {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'electron/cli/main.ts', process: 'engine/node/process.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externalPackages],
    // The `require` the CommonJS packages are loaded with (see externalPackages).
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // Chunks beside the entries: the engine's client finds process.js next to its own module.
    chunkNames: '[name]-[hash]',
    define: { __INSPECTOR_SOURCE_HASH__: JSON.stringify(sourceHash()) },
    write: false,
    logLevel: 'error',
  });
  mkdirSync(outdir, { recursive: true });
  const isChunk = (file) => !['main.js', 'process.js'].includes(path.basename(file));
  const written = new Set();
  // Chunks first and the entries last: a CLI starting meanwhile finds every chunk it imports.
  const files = [...result.outputFiles].sort(
    (a, b) => Number(isChunk(b.path)) - Number(isChunk(a.path)),
  );
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
    written.add(file.path);
  }
  // Chunks of older builds go once they are a day old (a CLI may still be running them).
  for (const name of readdirSync(outdir)) {
    const full = path.join(outdir, name);
    const old = Date.now() - statSync(full).mtimeMs > 86_400_000;
    if (name.endsWith('.js') && isChunk(full) && !written.has(full) && old) {
      rmSync(full, { force: true });
    }
  }
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  if (stale()) {
    try {
      await buildCli();
    } catch (error) {
      const first = error?.errors?.[0];
      const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
      process.stderr.write(
        `error: The CLI could not be bundled: ${first?.text ?? String(error)}${where}\n`,
      );
      process.exit(1);
    }
  }
  // main.js reads its arguments from process.argv: drop this script's own name.
  process.argv.splice(1, 1, entry);
  await import(pathToFileURL(entry).href);
}
