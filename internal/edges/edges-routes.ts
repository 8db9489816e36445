import type { HttpApp } from '../http/http-app.js'
import type { EdgeView } from './edge-view.js'

/** GET /edges: every edge the manager holds, by port. */
export function registerEdgesRoutes (http: HttpApp, edges: () => EdgeView[]): void {
  http.app.get('/edges', async () => edges())
}
