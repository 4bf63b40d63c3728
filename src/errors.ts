/**
 * Errors a user can act on. The CLI prints `message` on one line and the API returns it as a JSON body;
 * anything that is not an AdgapError is a bug and is reported as such.
 */
export class AdgapError extends Error {
  override readonly name: string = 'AdgapError';
}

/**
 * Bad input: names the field, the value and what is allowed. The field is what the value is (`store`,
 * `chunkSize`, a sweep file path), never a CLI flag: the API shows the same errors, and the CLI adds its flags.
 */
export class ValidationError extends AdgapError {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

/** A thing that should exist does not (an object key, a sweep id, a dataset source). */
export class NotFoundError extends AdgapError {
  override readonly name = 'NotFoundError';
}
