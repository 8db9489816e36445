import { Agent, request } from 'undici'
import { failureForError, failureForStatus, type UpstreamFailure } from '../http/upstream-failure.js'

export interface UpstreamLimits {
  readonly connectTimeoutMs: number
  /** Time to the response headers; blocking reloads pass a longer one per request. */
  readonly headersTimeoutMs: number
  /** Time allowed between body chunks, and for the whole body. */
  readonly bodyTimeoutMs: number
  readonly maxBodyBytes: number
}

/** Why an upstream fetch failed: the shared vocabulary (metric label values and health reasons). */
export type { UpstreamFailure }

export type UpstreamResult =
  | { readonly ok: true, readonly status: number, readonly body: Buffer, readonly contentType: string | undefined }
  | { readonly ok: false, readonly failure: UpstreamFailure, readonly status?: number, readonly detail: string }

/**
 * GETs from packagers with hard limits on connect time, header time, body time and body size, so a
 * frozen, slow or hostile packager costs a bounded amount and is reported as a failure, never thrown.
 */
export class UpstreamClient {
  private readonly agent: Agent

  constructor (private readonly limits: UpstreamLimits) {
    this.agent = new Agent({
      connect: { timeout: limits.connectTimeoutMs },
      headersTimeout: limits.headersTimeoutMs,
      bodyTimeout: limits.bodyTimeoutMs,
      keepAliveTimeout: 10_000,
      connections: 64
    })
  }

  async get (url: string, options: { headersTimeoutMs?: number, signal?: AbortSignal } = {}): Promise<UpstreamResult> {
    const headersTimeout = options.headersTimeoutMs ?? this.limits.headersTimeoutMs
    const overall = AbortSignal.timeout(headersTimeout + this.limits.bodyTimeoutMs)
    const signal = options.signal === undefined ? overall : AbortSignal.any([overall, options.signal])
    try {
      const res = await request(url, { method: 'GET', dispatcher: this.agent, headersTimeout, signal })
      if (res.statusCode !== 200) {
        await res.body.dump({ limit: 64 * 1024 }).catch(() => {})
        return { ok: false, failure: failureForStatus(res.statusCode), status: res.statusCode, detail: `HTTP ${res.statusCode}` }
      }
      const declared = Number(res.headers['content-length'] ?? NaN)
      if (declared > this.limits.maxBodyBytes) {
        abandon(res.body)
        return { ok: false, failure: 'too_large', detail: `content-length ${declared} exceeds ${this.limits.maxBodyBytes} bytes` }
      }
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length
        if (size > this.limits.maxBodyBytes) {
          abandon(res.body)
          return { ok: false, failure: 'too_large', detail: `body exceeds ${this.limits.maxBodyBytes} bytes` }
        }
        chunks.push(chunk as Buffer)
      }
      const type = res.headers['content-type']
      return { ok: true, status: 200, body: Buffer.concat(chunks, size), contentType: typeof type === 'string' ? type : undefined }
    } catch (err) {
      return { ok: false, failure: failureForError(err), detail: err instanceof Error ? err.message : String(err) }
    }
  }

  async close (): Promise<void> {
    await this.agent.close().catch(() => {})
  }
}

// we stop reading on purpose; the abort error undici then emits is expected, not a crash
function abandon (body: NodeJS.ReadableStream & { destroy: () => void }): void {
  body.on('error', () => {})
  body.destroy()
}
