// A minimal server-sent-events client for tests: collects `status` frames from a live stream.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import type { StatusSnapshot } from '../../internal/origin/status-model.js'

export interface SseReader {
  readonly status: number
  readonly headers: IncomingMessage['headers']
  readonly frames: StatusSnapshot[]
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>
  close: () => void
}

export async function openStatusStream (port: number, path = '/status/events'): Promise<SseReader> {
  return await new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined
    req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers: { accept: 'text/event-stream' } }, (res) => {
      const frames: StatusSnapshot[] = []
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const lines = frame.split('\n')
          if (!lines.includes('event: status')) continue
          const data = lines.find((l) => l.startsWith('data: '))
          if (data !== undefined) frames.push(JSON.parse(data.slice(6)) as StatusSnapshot)
        }
      })
      const ended = new Promise<void>((resolve) => { res.once('end', resolve); res.once('close', resolve) })
      resolve({ status: res.statusCode ?? 0, headers: res.headers, frames, ended, close: () => req?.destroy() })
    })
    req.on('error', reject)
    req.end()
  })
}
