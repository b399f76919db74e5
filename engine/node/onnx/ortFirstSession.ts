/**
 * A model's first ONNX Runtime session, and where the graph it runs lives. In `exact` mode the
 * export runs as it is. In `fast` mode ORT optimises the export (~0.6 s for ResNeXt-101 on 2
 * cores) and saves the optimised graph, its weights in a file of their own; with a model cache,
 * that graph is kept for this machine and ORT version (`variant`), and the next session opens it
 * unoptimised (~0.05 s: the same nodes, the same names). The cache's files are hard-linked into
 * the model's temporary folder where the file system allows, so that the cache may evict or be
 * cleared while the model runs on.
 */
import { createHash } from 'node:crypto';
import { existsSync, linkSync, readFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';
import { basename, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { configName, type ModelConfig } from '../../../shared/modelConfig';
import type { BackendName } from '../../../shared/profile';
import type { CachedGraph, ModelCache } from './modelCache';
import type { OrtModule } from './ortLoader';

/** The export a cache entry holds was damaged: the caller builds it again. */
export class DamagedExportError extends Error {
  override readonly name = 'DamagedExportError';
}

/** What the first session needs to know. */
export interface FirstSessionContext {
  ort: OrtModule;
  optimization: 'fast' | 'exact';
  backend: BackendName;
  /** The model cache, when the export is the cache's (its optimised graph is kept there too). */
  cache?: ModelCache;
  /** Checks the cached export's hash before ORT opens it (not needed to open a cached graph). */
  verifyExport?: () => boolean;
}

/** The first session, the graph it runs, and whether that graph came from the cache. */
export interface FirstSession {
  session: InferenceSession;
  optimizedPath: string;
  optimizedFromCache: boolean;
}

let machine: string | undefined;

/**
 * What an optimised graph depends on besides its export: ORT's version, the execution provider
 * and the CPU (ORT's NCHWc layout follows its vector instructions).
 */
export function optimizedVariant(ort: OrtModule, backend: BackendName): string {
  if (machine === undefined) {
    const flags = existsSync('/proc/cpuinfo')
      ? (/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '')
      : '';
    machine = `${arch()}|${cpus()[0]?.model ?? ''}|${flags.trim()}`;
  }
  const identity = `${ort.env.versions.node ?? ort.env.versions.common}|${backend}|${machine}`;
  return `opt-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
}

/** The same file in `folder` (a hard link), or the cache's own path where links cannot be made. */
export function linkInto(folder: string, file: string): string {
  const linked = join(folder, basename(file));
  try {
    linkSync(file, linked);
    return linked;
  } catch {
    return file;
  }
}

/** A cached graph's files linked into `folder` (the weights first: the graph names them). */
function linkGraph(folder: string, files: CachedGraph): string {
  const weights = linkInto(folder, files.weights);
  return weights === files.weights ? files.graph : linkInto(folder, files.graph);
}

/** Opens the first session; `options` are the profiling session options for the model's folder. */
export async function firstSession(
  context: FirstSessionContext,
  config: ModelConfig,
  onnxPath: string,
  folder: string,
  options: InferenceSession.SessionOptions,
): Promise<FirstSession> {
  const { ort, cache } = context;
  const create = (path: string, level: 'all' | 'disabled', more = {}) =>
    ort.InferenceSession.create(path, { ...options, graphOptimizationLevel: level, ...more });
  const fast = context.optimization === 'fast';
  const variant = fast && cache ? optimizedVariant(ort, context.backend) : '';
  const cached = variant ? cache?.optimized(config, variant) : undefined;
  if (cached) {
    const graph = linkGraph(folder, cached);
    return {
      session: await create(graph, 'disabled'),
      optimizedPath: graph,
      optimizedFromCache: true,
    };
  }
  if (context.verifyExport && !context.verifyExport()) {
    throw new DamagedExportError(`The cached export of ${configName(config)} was damaged.`);
  }
  if (!fast) {
    return {
      session: await create(onnxPath, 'disabled'),
      optimizedPath: onnxPath,
      optimizedFromCache: false,
    };
  }
  // Weights in a file of their own: ORT then writes them one at a time instead of serialising a
  // second copy of the whole model in memory.
  const optimize = (graph: string, weightsName: string, profiling = true) =>
    create(onnxPath, 'all', {
      ...(profiling ? {} : { enableProfiling: false }),
      optimizedModelFilePath: graph,
      extra: {
        session: {
          optimized_model_external_initializers_file_name: weightsName,
          optimized_model_external_initializers_min_size_in_bytes: '1024',
        },
      },
    });
  if (cache) {
    try {
      const { files } = await cache.storeOptimized(config, variant, async (graph, weightsName) => {
        // The optimising session goes at once: it holds the export's weights beside the folded
        // ones, where a session on the saved graph holds those alone (~0.33 GB, not ~0.56 GB,
        // for the rest of the model's life).
        await (await optimize(graph, weightsName, false)).release();
      });
      const graph = linkGraph(folder, files);
      return {
        session: await create(graph, 'disabled'),
        optimizedPath: graph,
        optimizedFromCache: false,
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code !== 'string') {
        throw error; // ORT's own failure: optimising again would fail the same way
      }
      // The graph could not be kept (a full or read-only disk): optimise again into the folder.
      console.warn(`The optimised graph could not be kept in ${cache.folder} (${code}).`);
    }
  }
  const graph = join(folder, 'optimized.onnx');
  return {
    session: await optimize(graph, 'optimized.weights'),
    optimizedPath: graph,
    optimizedFromCache: false,
  };
}
