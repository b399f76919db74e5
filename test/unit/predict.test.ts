// The pieces of a prediction that need no model: each input scale against values computed by
// hand, the top classes of a vector, and the labels files `predict --labels` reads.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../electron/cli/args';
import { parseLabels } from '../../electron/cli/labels';
import { imageToValues, type RgbaImage } from '../../engine/core/inputData';
import { INPUT_SCALES, topClasses, type InputScale } from '../../shared/predict';
import { InspectorError } from '../../shared/errors';

/** One pixel, R 255, G 128, B 0: nothing to resize, so every value is the scale's alone. */
const PIXEL: RgbaImage = { width: 1, height: 1, data: Uint8Array.from([255, 128, 0, 255]) };

describe('input scales', () => {
  it.each<[InputScale, number[]]>([
    ['unit', [1, 128 / 255, 0]],
    ['symmetric', [1, 128 / 127.5 - 1, -1]],
    ['raw', [255, 128, 0]],
    // BGR: blue first, each less its ImageNet mean (B 103.939, G 116.779, R 123.68).
    ['caffe', [0 - 103.939, 128 - 116.779, 255 - 123.68]],
    ['torch', [(1 - 0.485) / 0.229, (128 / 255 - 0.456) / 0.224, (0 - 0.406) / 0.225]],
  ])('%s', (scale, expected) => {
    const values = Array.from(imageToValues(PIXEL, [1, 1, 3], scale));
    // float32: five significant digits at 131.
    values.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
  });

  it('defaults to unit, and every scale is listed', () => {
    expect(Array.from(imageToValues(PIXEL, [1, 1, 3]))).toEqual(
      Array.from(imageToValues(PIXEL, [1, 1, 3], 'unit')),
    );
    expect(INPUT_SCALES).toEqual(['unit', 'symmetric', 'raw', 'caffe', 'torch']);
  });

  it('scales a grey model by its grey value, and refuses the ImageNet scales for it', () => {
    const grey = (0.299 * 255 + 0.587 * 128) / 127.5 - 1;
    expect(imageToValues(PIXEL, [1, 1, 1], 'symmetric')[0]).toBeCloseTo(grey, 5);
    expect(() => imageToValues(PIXEL, [1, 1, 1], 'caffe')).toThrow(
      new InspectorError(
        'INVALID_REQUEST',
        'The caffe scale is for RGB models (3 channels), but the model has 1; use unit, symmetric or raw.',
      ),
    );
  });
});

describe('topClasses', () => {
  it('lists the highest values first, ties by the lower index, NaN never', () => {
    expect(topClasses([0.1, NaN, 0.5, 0.5, -2, 0.9], 3)).toEqual([
      { index: 5, score: 0.9 },
      { index: 2, score: 0.5 },
      { index: 3, score: 0.5 },
    ]);
    expect(topClasses([3, 1], 5)).toEqual([
      { index: 0, score: 3 },
      { index: 1, score: 1 },
    ]);
  });
});

describe('labels files', () => {
  it('reads one name a line, a JSON list, and imagenet_class_index.json', () => {
    expect(parseLabels('cat\r\ndog\n', 'a.txt')).toEqual(['cat', 'dog']);
    expect(parseLabels('["cat", "dog"]', 'a.json')).toEqual(['cat', 'dog']);
    expect(
      parseLabels('{"1": ["n02", "dog"], "0": ["n01", "cat"]}', 'imagenet_class_index.json'),
    ).toEqual(['cat', 'dog']);
  });

  it('refuses JSON of another shape, naming the file', () => {
    const refusal = (text: string): string => {
      try {
        parseLabels(text, 'labels.json');
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal('{"cat": 1}')).toBe(
      '--labels: labels.json is JSON of another shape; give a list of names, or an object from index to a name or [id, name].',
    );
    expect(refusal('[1, 2')).toBe('--labels: labels.json starts like JSON but is not valid JSON.');
  });
});
