import { fileURLToPath } from 'node:url'

/** The repository's root folder (with a trailing slash): where services run and assets live. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))
