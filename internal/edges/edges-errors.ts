import createError from '@fastify/error'

/** Every error the edges manager stops or refuses with; messages say what was wrong and what to do. */
export const EdgesErrors = {
  NGINX_NOT_FOUND: createError('EDGES_ERR_NGINX_NOT_FOUND', 'NGINX_PATH: %s', 500),
  NGINX_CONFIG: createError('EDGES_ERR_NGINX_CONFIG', 'nginx refused the edge config rendered from %s: %s', 500),
  ALREADY_RUNNING: createError('EDGES_ERR_ALREADY_RUNNING', 'EDGES_DIR %s is managed by another edges manager (pid %d); stop it or use another EDGES_DIR', 500),
  START_FAILED: createError('EDGES_ERR_START_FAILED', 'edge %s did not start: %s', 500),
  NO_PORT: createError('EDGES_ERR_NO_PORT', 'no free edge port in %d-%d (EDGES_BASE_PORT, EDGES_PORT_SPAN)', 503)
} as const
