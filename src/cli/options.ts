import { InvalidArgumentError } from 'commander';
import { DEFAULT_STORE_URI } from '../store/open-store.js';

export const STORE_OPTION = [
  '--store <uri>',
  `object store: a folder path, file:// or s3://bucket/prefix`,
  DEFAULT_STORE_URI,
] as const;

export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a whole number >= 1 (got '${value}')`);
    return n;
  };
}

export function nonNegativeInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a whole number >= 0 (got '${value}')`);
    return n;
  };
}
