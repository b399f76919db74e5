// Model files through the engine process, as the app and the CLI use them: open, describe by id,
// profile layer by layer with the file's weights, activations of the run; a model with a layer of
// unknown class is described but refused to run, naming the class and the layer; a bad file is
// one message and the engine goes on.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../engine/node/client';
import type { InspectorError } from '../../shared/errors';
import { DEFAULT_PROFILE, type ProfileEvent } from '../../shared/profile';
import { REAL } from './modelFixtures';

const client = new EngineClient();
afterAll(() => client.dispose());

const events: ProfileEvent[] = [];
client.onProfileEvents((batch) => events.push(...batch));

async function finished(runId: string): Promise<ProfileEvent[]> {
  for (;;) {
    const mine = events.filter((event) => event.runId === runId);
    if (mine.some((event) => event.type === 'run-finished' || event.type === 'error')) {
      return mine;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const rejection = async (promise: Promise<unknown>): Promise<InspectorError> => {
  try {
    await promise;
  } catch (error) {
    return error as InspectorError;
  }
  throw new Error('expected a rejection');
};

describe('model files in the engine', () => {
  it('opens a Keras HDF5 file, describes it by id and profiles it with its own weights', async () => {
    const graph = await client.openModel({
      main: path.join(REAL, 'keras-h5/mlcommons-tiny_pretrainedResnet.h5'),
    });
    const id = graph.file?.id;
    expect(id).toMatch(/^file-\d+$/);
    expect(graph.totals.params).toBe(78_666);
    // Weight statistics are the file's: a trained kernel is not Glorot-uniform noise around 0.
    const conv = graph.layers.find((layer) => layer.name === 'conv2d');
    expect(conv?.weights?.find((weight) => weight.name === 'kernel')?.std).toBeGreaterThan(0);
    expect((await client.describe({ file: id! })).totals).toEqual(graph.totals);

    const { runId } = await client.profile({
      ...DEFAULT_PROFILE,
      file: id,
      warmup: 0,
      runs: 2,
      stats: true,
    });
    const run = await finished(runId);
    expect(run[0]).toMatchObject({ type: 'run-started', file: id, layers: 30 });
    expect(run.filter((event) => event.type === 'layer-finished')).toHaveLength(60);
    const last = run.at(-1);
    expect(last?.type).toBe('run-finished');
    const maps = await client.activations(runId, 1, { channels: 2 });
    expect(maps.maps.map((map) => [map.width, map.height])).toEqual([
      [32, 32],
      [32, 32],
    ]);
  });

  it('refuses to run a model with a layer of unknown class, naming the class and the layer', async () => {
    const graph = await client.openModel({
      main: path.join(REAL, 'keras-h5/kEffNetV1_JP35B14-mobilenet-CIFAR10-2-best_result.hdf5'),
    });
    expect(graph.layers.filter((layer) => layer.unknownClass)).toHaveLength(13);
    const error = await rejection(client.profile({ ...DEFAULT_PROFILE, file: graph.file!.id }));
    expect(error.code).toBe('NOT_RUNNABLE');
    expect(error.message).toBe(graph.file?.notRunnable);
    expect(error.message).toMatch(
      /^Layer conv_pw_1_bn_group_interleaved is of class InterleaveChannels/,
    );
  });

  it('answers a bad file with one message, and the engine goes on', async () => {
    const error = await rejection(client.openModel({ main: path.join(REAL, 'SOURCES.md') }));
    expect({ code: error.code, message: error.message }).toEqual({
      code: 'INVALID_MODEL_FILE',
      message:
        'SOURCES.md: it is plain text; open a Keras .h5 or .keras file, or a TF.js model.json.',
    });
    const missing = await rejection(client.openModel({ main: path.join(REAL, 'nothing-here.h5') }));
    expect({ code: missing.code, message: missing.message }).toEqual({
      code: 'NOT_FOUND',
      message: 'nothing-here.h5: no such file.',
    });
    expect((await client.backends()).some((backend) => backend.available)).toBe(true);
  });

  it('refuses a relative path: the engine opens files by absolute path', async () => {
    const error = await rejection(client.openModel({ main: 'model.h5' }));
    expect(error.message).toBe('openModel: the engine process opens files by absolute path.');
  });
});
