/**
 * Counts of a ResNeXt derived by hand from the seed's architecture, with no code under test:
 * used to check the builder and describe on configs other than the default.
 */
export interface ClosedFormConfig {
  blocks: readonly number[];
  cardinality: number;
  width: number;
  inputSize: number;
  channels: number;
  classes: number;
  strideOn: '1x1' | '3x3';
}

export interface ClosedFormCounts {
  layers: number;
  params: number;
  nonTrainable: number;
  macs: number;
  stageSizes: number[];
}

export function closedForm(c: ClosedFormConfig): ClosedFormCounts {
  const conv = (cin: number, cout: number, k: number, groups = 1) =>
    k * k * (cin / groups) * cout + cout;
  const half = (n: number) => Math.ceil(n / 2);
  let size = half(c.inputSize);
  let params = conv(c.channels, 64, 7) + 4 * 64;
  let nonTrainable = 2 * 64;
  let macs = size * size * 49 * c.channels * 64;
  size = half(size);
  let layers = 1 + 4 + 2;
  let channels = 64;
  const stageSizes: number[] = [];
  c.blocks.forEach((count, stage) => {
    const b = c.cardinality * c.width * 2 ** stage;
    const out = 256 * 2 ** stage;
    for (let block = 0; block < count; block += 1) {
      const strided = stage > 0 && block === 0;
      const outSize = strided ? half(size) : size;
      const firstSize = strided && c.strideOn === '1x1' ? outSize : size;
      params += conv(channels, b, 1) + conv(b, b, 3, c.cardinality) + conv(b, out, 1);
      params += 4 * (b + b + out);
      nonTrainable += 2 * (b + b + out);
      macs +=
        firstSize ** 2 * channels * b +
        outSize ** 2 * 9 * (b / c.cardinality) * b +
        outSize ** 2 * b * out;
      layers += 8 + 2;
      if (block === 0) {
        params += conv(channels, out, 1) + 4 * out;
        nonTrainable += 2 * out;
        macs += outSize ** 2 * channels * out;
        layers += 2;
      }
      channels = out;
      size = outSize;
    }
    stageSizes.push(size);
  });
  params += 2048 * c.classes + c.classes;
  macs += 2048 * c.classes;
  return { layers, params, nonTrainable, macs, stageSizes };
}
