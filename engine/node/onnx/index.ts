/**
 * What the rest of the engine needs of ONNX Runtime: whether a backend is one of ORT's, their
 * listing, the runtime factory and the exporter.
 */
import { ONNX_BACKENDS, type BackendName } from '../../../shared/profile';

export { exportToOnnx, OPSET, type ExportOptions, type OnnxExport } from '../../core/onnx/exporter';
export { CUDA_INSTALL_HINT, listOnnxBackends } from './ortLoader';
export {
  createOrtRuntime,
  OrtRuntime,
  type OnnxOptimization,
  type OrtLayerRecord,
  type OrtModel,
  type OrtRuntimeOptions,
} from './ortRuntime';

/** Whether a backend runs the model exported to ONNX in ONNX Runtime (rather than in tfjs). */
export function isOnnxBackend(name: BackendName | 'auto'): boolean {
  return (ONNX_BACKENDS as readonly string[]).includes(name);
}
