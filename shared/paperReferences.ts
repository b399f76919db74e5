/**
 * Published figures for the networks the builder makes, each with its source. These are data
 * quoted from the paper (Xie et al., "Aggregated Residual Transformations for Deep Neural
 * Networks", CVPR 2017), the authors' repository (github.com/facebookresearch/ResNeXt) and the
 * model zoos (torchvision, timm); nothing about the open model is taken from here, only compared.
 */
import type { ModelConfig } from './modelConfig';

/** One published figure and where it comes from. */
export interface SourcedFigure {
  value: number;
  source: string;
}

/** The published figures of one network. */
export interface PaperReference {
  /** The zoo's name, e.g. `resnext101_32x4d`. */
  id: string;
  /** As the paper writes it, e.g. `ResNeXt-101 (32×4d)`. */
  name: string;
  /** The shape it stands for: depth, cardinality C and bottleneck width d. */
  depth: number;
  cardinality: number;
  width: number;
  /** The exact parameter count of a published implementation (no conv bias, BN buffers apart). */
  params: SourcedFigure | null;
  /** The paper's rounded parameter count, where it gives one. */
  paperParams: SourcedFigure | null;
  /** Multiply-adds at 224×224, in billions, as the paper (or a zoo) calls them "FLOPs". */
  gflops: SourcedFigure | null;
  /** Single-crop 224×224 top-1 error on ImageNet-1K, in percent. */
  top1Error: SourcedFigure | null;
}

const PAPER = 'Xie et al., CVPR 2017';
const PAPER_TABLE_1 = 'Xie et al., CVPR 2017, Table 1';
const AUTHORS = 'facebookresearch/ResNeXt on GitHub, single crop 224×224';
const TORCHVISION = (name: string): string => `torchvision ${name}`;

/** The inputs every reference was measured at: 224×224×3 images, 1000 classes. */
export const REFERENCE_INPUT = { inputSize: 224, channels: 3, classes: 1000 } as const;

/** Every network with published figures. */
export const PAPER_REFERENCES: readonly PaperReference[] = [
  {
    id: 'resnet50',
    name: 'ResNet-50 (1×64d)',
    depth: 50,
    cardinality: 1,
    width: 64,
    params: { value: 25_557_032, source: TORCHVISION('resnet50') },
    paperParams: { value: 25.5e6, source: PAPER_TABLE_1 },
    gflops: { value: 4.1, source: PAPER_TABLE_1 },
    top1Error: { value: 23.9, source: 'Xie et al., CVPR 2017, Table 3' },
  },
  {
    id: 'resnext50_32x4d',
    name: 'ResNeXt-50 (32×4d)',
    depth: 50,
    cardinality: 32,
    width: 4,
    params: { value: 25_028_904, source: TORCHVISION('resnext50_32x4d') },
    paperParams: { value: 25.0e6, source: PAPER_TABLE_1 },
    gflops: { value: 4.2, source: PAPER_TABLE_1 },
    top1Error: { value: 22.2, source: AUTHORS },
  },
  {
    id: 'resnext101_32x4d',
    name: 'ResNeXt-101 (32×4d)',
    depth: 101,
    cardinality: 32,
    width: 4,
    params: { value: 44_177_704, source: 'timm resnext101_32x4d' },
    paperParams: null,
    gflops: { value: 7.8, source: PAPER },
    top1Error: { value: 21.2, source: AUTHORS },
  },
  {
    id: 'resnext101_64x4d',
    name: 'ResNeXt-101 (64×4d)',
    depth: 101,
    cardinality: 64,
    width: 4,
    params: { value: 83_455_272, source: TORCHVISION('resnext101_64x4d') },
    paperParams: null,
    gflops: { value: 15.6, source: PAPER },
    top1Error: { value: 20.4, source: AUTHORS },
  },
  {
    id: 'resnext101_32x8d',
    name: 'ResNeXt-101 (32×8d)',
    depth: 101,
    cardinality: 32,
    width: 8,
    params: { value: 88_791_336, source: TORCHVISION('resnext101_32x8d') },
    paperParams: null,
    gflops: { value: 16.41, source: 'torchvision resnext101_32x8d' },
    top1Error: null,
  },
];

/**
 * The reference for a config's network, or null when none was published. Parameters depend on
 * the input channels and the classes, so a config with other ones has no reference; the input
 * size changes only MACs, which the caller scales or flags.
 */
export function referenceFor(config: ModelConfig): PaperReference | null {
  if (config.channels !== REFERENCE_INPUT.channels || config.classes !== REFERENCE_INPUT.classes) {
    return null;
  }
  return (
    PAPER_REFERENCES.find(
      (reference) =>
        reference.depth === config.depth &&
        reference.cardinality === config.cardinality &&
        reference.width === config.width,
    ) ?? null
  );
}
