/**
 * ONNX Runtime's profiler behind the runtime's layer passes. ORT times nodes only in a session
 * created with profiling on, and hands the times over once, when profiling ends (the Node binding
 * cannot start it again, nor profile a single run). So one profiling session serves many passes:
 * each layer pass is one `run` on it, held back until the profile is read; the profile is read
 * when a run's passes end (`endPasses`), or after `runsPerProfile` runs so that ORT's event buffer
 * stays small, and each held pass then gets its layer records, in the order the passes ran. A
 * session whose profiling has ended runs on as a plain one; the next layer pass replaces it with a
 * fresh profiling session on the same graph (the optimised one ORT saved, so node names match).
 */
import type { InferenceSession } from 'onnxruntime-node';
import { InspectorError } from '../../../shared/errors';
import type { ProfiledRun } from '../../core/onnx/profileEvents';
import type { NodeMapping } from '../../core/onnx/nodeMapping';
import { removeProfiles, takeProfile } from './ortProfile';

/** One profiled pass, its node times charged to layers. */
export interface ProfiledPass {
  /** Wall time of the pass's run. */
  totalMs: number;
  /** Per layer id: the time of the nodes charged to it (0 for a layer fused into another). */
  layerMs: number[];
  /** Layer ids with at least one node in the profile. */
  seen: Set<number>;
  /** The run's time by ORT's own clock (`model_run`). */
  profiledMs: number;
  /** Node time no layer took (nodes missing from the mapping); 0 when the mapping is complete. */
  unattributedMs: number;
  /** The most ORT's arena held during the run. */
  arenaBytes: number;
}

/** A session recording a profile. */
export interface Profiling {
  /** The file name prefix of its profile, unique in the model's folder. */
  readonly prefix: string;
  /** `run` calls on it so far: the index its next run will have in the profile. */
  runs: number;
  /** Layer passes waiting for the profile: their run's index, wall time, and who gets them. */
  readonly held: { run: number; totalMs: number; deliver: (pass: ProfiledPass) => void }[];
}

/** What the profiling needs to know of a model. */
export interface ProfiledModel {
  session: InferenceSession;
  profiling?: Profiling;
  readonly folder: string;
  readonly layerCount: number;
  readonly layerNames: readonly string[];
  readonly mapping: NodeMapping;
  /** Profiling sessions opened on the model so far, the one at build included. */
  profilingSessions: number;
}

/** Charges a profiled run's node times to the layers they belong to. */
export function chargeRun(model: ProfiledModel, run: ProfiledRun, totalMs: number): ProfiledPass {
  const layerIds = new Map(model.layerNames.map((name, id) => [name, id]));
  const layerMs = new Array<number>(model.layerCount).fill(0);
  const seen = new Set<number>();
  let unattributedMs = 0;
  for (const [node, ms] of run.nodeMs) {
    const layer = model.mapping.chargedTo[node];
    const id = layer === undefined ? undefined : layerIds.get(layer);
    if (id === undefined) {
      unattributedMs += ms;
    } else {
      layerMs[id] += ms;
      seen.add(id);
    }
  }
  return {
    totalMs,
    layerMs,
    seen,
    profiledMs: run.totalMs,
    unattributedMs,
    arenaBytes: run.arenaBytes,
  };
}

/**
 * Ends a model's profiling, reads the profile and hands each held pass its layer times; the
 * session runs on without profiling. With `discard`, the held passes get nothing (an interrupted
 * run's) and the profile is only removed.
 */
export function endProfiling(model: ProfiledModel, discard = false): void {
  const profiling = model.profiling;
  if (!profiling) {
    return;
  }
  model.profiling = undefined;
  model.session.endProfiling();
  if (discard) {
    removeProfiles(model.folder, profiling.prefix);
    return;
  }
  const runs = takeProfile(model.folder, profiling.prefix);
  for (const held of profiling.held) {
    const run = runs[held.run];
    if (!run) {
      throw new InspectorError(
        'INTERNAL',
        `ONNX Runtime profiled ${runs.length} runs, but run ${held.run + 1} was a layer pass.`,
      );
    }
    held.deliver(chargeRun(model, run, held.totalMs));
  }
}

/**
 * Makes the model's session a profiling one: the one it has, if it profiles still; else a fresh
 * one from `open`, which replaces it (the old one is released first, so that two sessions' weights
 * are never held at once).
 */
export async function ensureProfiling(
  model: ProfiledModel,
  open: (profilePrefix?: string) => Promise<InferenceSession>,
): Promise<Profiling> {
  if (model.profiling) {
    return model.profiling;
  }
  const prefix = `profile${model.profilingSessions + 1}`;
  await model.session.release();
  try {
    model.session = await open(prefix);
  } catch (error) {
    // Leave the model a session to run on, if ORT gives one; the run that asked fails either way.
    model.session = await open().catch(() => model.session);
    throw error;
  }
  model.profilingSessions += 1;
  model.profiling = { prefix, runs: 0, held: [] };
  return model.profiling;
}
