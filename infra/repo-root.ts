import { fileURLToPath } from 'node:url';

/** The repository root: the trainer image's build context and the API bundle's project root. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
