import { InvalidArgumentError } from 'commander';
import { DEFAULT_STORE_URI } from '../store/open-store.js';
import { engineNames } from '../train/engines/capabilities.js';
import type { EngineName } from '../train/engines/table.js';

export const STORE_OPTION = [
  '--store <uri>',
  `object store: a folder path, file:// or s3://bucket/prefix`,
  DEFAULT_STORE_URI,
] as const;

/** A parser of option (or variable) `name`'s value: a whole number >= `min`, else a one-line error. */
const wholeNumberFrom =
  (min: number) =>
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min} (got '${value}')`);
    return n;
  };

export const positiveInteger = wholeNumberFrom(1);
export const nonNegativeInteger = wholeNumberFrom(0);

export const ENGINE_OPTION = [
  '--engine <name>',
  `training engine (${engineNames().join(', ')}; default: linear-cpu for linear models and mlp-cpu for the MLP unless a GPU backend loads); part of the sweep id`,
  (value: string): EngineName => {
    if (!(engineNames() as string[]).includes(value))
      throw new InvalidArgumentError(`--engine must be one of ${engineNames().join(', ')} (got '${value}')`);
    return value as EngineName;
  },
] as const;
