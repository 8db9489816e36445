import type { ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { StatusErrors } from './status-errors.js'
import { statusChangeKey, type StatusSnapshot } from './status-model.js'

export interface StatusStreamOptions {
  /** Open streams at most: each costs a socket and a JSON encode per push. */
  readonly maxClients: number
  /** How often the snapshot is checked for a change, ms. */
  readonly checkMs: number
  /** A push goes out at least this often even without a change (ages tick, and it proves the link is alive), ms. */
  readonly keepAliveMs: number
}

export const DEFAULT_STREAM_OPTIONS: StatusStreamOptions = Object.freeze({ maxClients: 32, checkMs: 250, keepAliveMs: 1000 })

/**
 * Server-sent events of the status snapshot: pushed at once on a change and otherwise at the
 * keep-alive pace. The timer runs only while someone is watching.
 */
export class StatusStream {
  private readonly clients = new Set<ServerResponse>()
  private timer: NodeJS.Timeout | undefined
  private lastKey: string | undefined
  private lastPushAt = 0
  private closed = false

  constructor (private readonly snapshot: () => StatusSnapshot, private readonly options: StatusStreamOptions = DEFAULT_STREAM_OPTIONS) {}

  get clientCount (): number { return this.clients.size }

  /** Takes over the reply as an event stream; refused with 503 when full or closing. */
  attach (request: FastifyRequest, reply: FastifyReply): void {
    if (this.closed || this.clients.size >= this.options.maxClients) throw new StatusErrors.TOO_MANY_CLIENTS(String(this.options.maxClients))
    void reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      // a proxy in front must not buffer the stream
      'x-accel-buffering': 'no'
    })
    res.write('retry: 2000\n\n')
    this.clients.add(res)
    const drop = (): void => { this.detach(res) }
    request.raw.once('close', drop)
    res.once('close', drop)
    res.once('error', drop)
    this.send(res, this.snapshot())
    this.timer ??= setInterval(() => this.check(), this.options.checkMs)
  }

  /** Ends every stream (the service is closing) and stops the timer. Idempotent. */
  close (): void {
    this.closed = true
    for (const res of this.clients) res.end()
    this.clients.clear()
    this.stopTimer()
  }

  private detach (res: ServerResponse): void {
    this.clients.delete(res)
    if (this.clients.size === 0) this.stopTimer()
  }

  private stopTimer (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private check (): void {
    const snapshot = this.snapshot()
    const key = statusChangeKey(snapshot)
    if (key === this.lastKey && Date.now() - this.lastPushAt < this.options.keepAliveMs) return
    this.lastKey = key
    this.lastPushAt = Date.now()
    const frame = frameOf(snapshot)
    for (const res of this.clients) {
      // a client that does not read is dropped rather than buffered without bound
      if (res.writableLength > 1024 * 1024) { res.destroy(); continue }
      res.write(frame)
    }
  }

  private send (res: ServerResponse, snapshot: StatusSnapshot): void {
    res.write(frameOf(snapshot))
  }
}

function frameOf (snapshot: StatusSnapshot): string {
  // JSON.stringify never emits a raw newline, so one data line per event is safe
  return `event: status\ndata: ${JSON.stringify(snapshot)}\n\n`
}
