// The tiny ResNeXt the engine tests run on 2 shared cores, and a profile request for it.
import { DEFAULT_CONFIG, type ModelConfig } from '../../shared/modelConfig';
import { DEFAULT_PROFILE, type ProfileRequest } from '../../shared/profile';

/** ResNeXt-50 at 32×32 px, 2×1d, 10 classes: every layer kind, built in well under a second. */
export const TINY: ModelConfig = {
  ...DEFAULT_CONFIG,
  depth: 50,
  inputSize: 32,
  classes: 10,
  cardinality: 2,
  width: 1,
};

/** A profile request for TINY with the defaults, changed by `change`. */
export const tinyRequest = (change: Partial<ProfileRequest> = {}): ProfileRequest => ({
  ...DEFAULT_PROFILE,
  config: TINY,
  ...change,
});
