import type { EdgeState } from './edge-fleet-state.js'

/** What the manager knows of one edge, as tests and GET /edges callers see it. */
export interface EdgeView {
  readonly id: string
  readonly port: number
  readonly url: string
  readonly state: EdgeState
  readonly loadRps: number
  readonly nginxPid: number
  readonly watchdogPid: number
  readonly adopted: boolean
}
