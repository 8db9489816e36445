import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ConfigError } from '../../../internal/config/config-error.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

interface Code { readonly code: string, readonly status: number, readonly table: string }

// every *-errors.ts under internal/, found by name so a table that moves or is added is still checked
async function errorFiles (dir: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...await errorFiles(path))
    else if (entry.name.endsWith('-errors.ts')) found.push(path)
  }
  return found.sort()
}

// a table is an exported object whose every value makes an Error with a string code (@fastify/error)
function tableCodes (name: string, value: unknown): Code[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const entries = Object.entries(value)
  if (entries.length === 0 || !entries.every(([, ctor]) => typeof ctor === 'function')) return undefined
  const codes: Code[] = []
  for (const [, ctor] of entries) {
    const err: unknown = new (ctor as new () => unknown)()
    const { code, statusCode } = err as { code?: unknown, statusCode?: unknown }
    if (!(err instanceof Error) || typeof code !== 'string') return undefined
    codes.push({ code, status: typeof statusCode === 'number' ? statusCode : 500, table: name })
  }
  return codes
}

async function allCodes (): Promise<{ codes: Code[], tables: string[] }> {
  const codes: Code[] = []
  const tables: string[] = []
  for (const file of await errorFiles(join(ROOT, 'internal'))) {
    const module = await import(pathToFileURL(file).href) as Record<string, unknown>
    for (const [name, value] of Object.entries(module)) {
      const found = tableCodes(`${relative(ROOT, file)} ${name}`, value)
      if (found === undefined) continue
      tables.push(`${relative(ROOT, file)} ${name}`)
      codes.push(...found)
    }
  }
  const config = new ConfigError('X', 'y')
  codes.push({ code: config.code, status: 500, table: 'internal/config/config-error.ts ConfigError' })
  return { codes, tables }
}

// rows of docs/errors.md: | `CODE` | status | meaning | what to do |
async function documented (): Promise<Map<string, number[]>> {
  const text = await readFile(join(ROOT, 'docs/errors.md'), 'utf8')
  const rows = new Map<string, number[]>()
  for (const match of text.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|[^|\n]+\|[^|\n]+\|$/gm)) {
    const code = match[1] as string
    rows.set(code, [...rows.get(code) ?? [], Number(match[2])])
  }
  return rows
}

t.test('every error table under internal/ is found', async (t) => {
  const { tables } = await allCodes()
  // the seven known today; a new one is found without editing this list, which only guards the finder
  for (const known of ['HttpErrors', 'OriginErrors', 'StatusErrors', 'PackagerErrors', 'ReporterErrors', 'EdgesErrors', 'WorkerErrors']) {
    t.ok(tables.some((table) => table.endsWith(` ${known}`)), `${known} is checked`)
  }
})

t.test('codes are unique across every table, SERVICE_ERR_NAME shaped, with a 4xx/5xx status', async (t) => {
  const { codes } = await allCodes()
  const seen = new Map<string, string>()
  for (const { code, status, table } of codes) {
    t.notOk(seen.has(code), `${code} (${table}) is not also in ${seen.get(code) ?? 'another table'}`)
    seen.set(code, table)
    t.match(code, /^[A-Z]+_ERR_[A-Z0-9_]+$/, code)
    t.ok(status >= 400 && status < 600, `${code}: status ${status}`)
  }
})

t.test('every code is in docs/errors.md once, with its status, and the page lists no other', async (t) => {
  const { codes } = await allCodes()
  const rows = await documented()
  for (const { code, status } of codes) {
    t.same(rows.get(code), [status], `${code} is documented once as ${status}`)
  }
  const known = new Set(codes.map((c) => c.code))
  t.same([...rows.keys()].filter((code) => !known.has(code)), [], 'no documented code is missing from the tables')
})

t.test('the README links docs/errors.md', async (t) => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  t.match(readme, /\]\(docs\/errors\.md\)/)
})
