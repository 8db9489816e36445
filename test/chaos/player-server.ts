import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../support/service-process.js'
import { PLAYER_PAGE_HTML } from './player-page.js'

export interface PlayerServer {
  /** Page URL for a stream: `pageUrl(entry)`. */
  readonly pageUrl: (src: string) => string
  close: () => Promise<void>
}

/** Serves the player page and the installed hls.js build on 127.0.0.1:0 (nothing is downloaded). */
export async function startPlayerServer (): Promise<PlayerServer> {
  const hlsJs = await readFile(join(PROJECT_ROOT, 'node_modules/hls.js/dist/hls.min.js'))
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/hls.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' }).end(hlsJs)
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PLAYER_PAGE_HTML)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  let closed: Promise<void> | undefined
  return {
    pageUrl: (src) => `http://127.0.0.1:${port}/?src=${encodeURIComponent(src)}`,
    close: async () => {
      closed ??= new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
      await closed
    }
  }
}
