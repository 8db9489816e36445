import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PROJECT_ROOT } from '../support/project-root.js'
import { PLAYER_KINDS, PLAYER_SCRIPTS, playerPageHtml, type PlayerKind } from './player-page.js'

export interface PlayerServer {
  /** Page URL for a stream: `pageUrl(entry)` is hls.js; `kind` picks the engine, `config` its options. */
  readonly pageUrl: (src: string, kind?: PlayerKind, config?: Readonly<Record<string, unknown>>) => string
  close: () => Promise<void>
}

/**
 * Serves the player pages (`/` is hls.js, `/<kind>.html` each engine) and the installed player
 * builds from node_modules on 127.0.0.1:0 (nothing is downloaded).
 */
export async function startPlayerServer (): Promise<PlayerServer> {
  const scripts = new Map<string, Buffer>()
  for (const kind of PLAYER_KINDS) scripts.set(PLAYER_SCRIPTS[kind].path, await readFile(join(PROJECT_ROOT, PLAYER_SCRIPTS[kind].file)))
  const pages = new Map<string, string>(PLAYER_KINDS.map((kind) => [`/${kind}.html`, playerPageHtml(kind)]))
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const script = scripts.get(path)
    const page = path === '/' || path === '/index.html' ? pages.get('/hlsjs.html') : pages.get(path)
    if (script !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'max-age=3600' }).end(script)
    } else if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
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
    pageUrl: (src, kind = 'hlsjs', config) => {
      const query = new URLSearchParams({ src })
      if (config !== undefined) query.set('config', JSON.stringify(config))
      return `http://127.0.0.1:${port}/${kind === 'hlsjs' ? '' : `${kind}.html`}?${query.toString()}`
    },
    close: async () => {
      closed ??= new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
      await closed
    }
  }
}
