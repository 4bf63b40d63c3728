export const DATASET_GROUPS = ['mnist', 'fmnist', 'cifar10', 'gaussian', 'cauchy', 'holtsmark'] as const;
export type DatasetGroup = (typeof DATASET_GROUPS)[number];

export const SYNTHETIC_GROUPS = ['gaussian', 'cauchy', 'holtsmark'] as const;
export type SyntheticGroup = (typeof SYNTHETIC_GROUPS)[number];
export type ImageGroup = Exclude<DatasetGroup, SyntheticGroup>;

export function isSyntheticGroup(group: DatasetGroup): group is SyntheticGroup {
  return (SYNTHETIC_GROUPS as readonly string[]).includes(group);
}

export const SPLIT_NAMES = ['train', 'validation', 'testImbalanced', 'testBalanced'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/**
 * Majority-class sizes of each split (protocol.md defaults: 4000 / 1000 / 1000). For imbalance R the minority
 * class gets floor(size / R) in train, validation and imbalanced test; the balanced test set has `test` of each.
 */
export interface SplitSizes {
  train: number;
  validation: number;
  test: number;
}

export const DEFAULT_SPLIT_SIZES: SplitSizes = { train: 4000, validation: 1000, test: 1000 };

/** Parameters of the synthetic generators (protocol.md: adgap's defaults, the paper's are unpublished). */
export interface SyntheticParams {
  dim: number;
  /** mu = (meanValue, ..., meanValue, 0, ..., 0) with `meanNonZero` leading non-zero coordinates. */
  meanNonZero: number;
  meanValue: number;
  /** sigma for Gaussian noise, gamma (scale) for stable noise. */
  noiseScale: number;
}

export const DEFAULT_SYNTHETIC_PARAMS: SyntheticParams = {
  dim: 100,
  meanNonZero: 25,
  meanValue: 1,
  noiseScale: 2,
};

/**
 * One sample of each image group as a model sees it (protocol.md): the MNIST-like groups as 784 flat features
 * (their linear models' input), CIFAR-10 as 3x32x32 (its MLP flattens it, VGG11 convolves it).
 */
export const IMAGE_FEATURE_SHAPES: Record<ImageGroup, readonly number[]> = {
  mnist: [784],
  fmnist: [784],
  cifar10: [3, 32, 32],
};

/** Everything that determines a dataset's bytes: generation is a pure function of this. */
export interface DatasetRef {
  group: DatasetGroup;
  R: number;
  dataSeed: number;
  sizes: SplitSizes;
  /** Present for the synthetic groups only. */
  synthetic?: SyntheticParams;
}

/** One split in memory: row-major features scaled as the model sees them, labels 0 (majority) / 1 (minority). */
export interface Split {
  x: Float32Array;
  y: Uint8Array;
  count: number;
}

export interface LoadedDataset {
  ref: DatasetRef;
  /** Feature shape of one sample: [d] for vectors, [3, 32, 32] for CIFAR images. */
  featureShape: number[];
  /** Pixel data live in [0,1] and attacks clip to it; synthetic data are never clipped. */
  pixelRange: boolean;
  splits: Record<SplitName, Split>;
}

export function featureCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The shape of one sample of a dataset as its model sees it, known before the dataset is prepared. */
export function featureShapeOf(ref: Pick<DatasetRef, 'group' | 'synthetic'>): readonly number[] {
  return isSyntheticGroup(ref.group)
    ? [ref.synthetic?.dim ?? DEFAULT_SYNTHETIC_PARAMS.dim]
    : IMAGE_FEATURE_SHAPES[ref.group];
}
