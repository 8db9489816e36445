// Services a test starts run as plain JavaScript, as production runs them (`make build`): through
// tsx each start cost about 1.2 s of CPU against 0.6 s, because every module of fastify, pino and
// our own tree passes through a loader thread. A stack starts six to nine of them, and the suite
// starts about a hundred.
//
// esbuild strips the types of cmd/ and internal/ file by file into OUTPUT_DIR (the same transform
// as test/support/ts-loader, without source maps). A file is written again only when its source
// changed, so each test process pays a few milliseconds to check, and an edit is never run stale.
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rename, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { PROJECT_ROOT } from './project-root.js'

const OUTPUT_DIR = join(PROJECT_ROOT, 'node_modules/.cache/compiled-services')
const SOURCE_TREES = ['cmd', 'internal']
const TRANSFORM = { loader: 'ts', format: 'esm', target: 'node20' } as const

let compiled: Promise<void> | undefined

/** Node's arguments that run `entry` (a source path such as 'cmd/origin/main.ts') compiled. */
export async function compiledServiceArgs (entry: string): Promise<string[]> {
  compiled ??= compileSources()
  await compiled
  return [join(OUTPUT_DIR, entry.replace(/\.ts$/, '.js'))]
}

async function compileSources (): Promise<void> {
  const sources = (await Promise.all(SOURCE_TREES.map(async (tree) => await typeScriptFiles(tree)))).flat()
  await mkdir(OUTPUT_DIR, { recursive: true })
  // the output sits under node_modules/, where Node stops looking for our package.json's "type"
  await writeIfChanged(join(OUTPUT_DIR, 'package.json'), '{ "type": "module" }\n')
  // compiled code finds its templates at the same relative place as the source does
  await symlink(join(PROJECT_ROOT, 'assets'), join(OUTPUT_DIR, 'assets')).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err
  })
  await Promise.all(sources.map(async (source) => { await compileOne(source) }))
}

async function typeScriptFiles (dir: string): Promise<string[]> {
  const files = await readdir(join(PROJECT_ROOT, dir), { recursive: true })
  return files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => join(dir, f))
}

async function compileOne (source: string): Promise<void> {
  const text = await readFile(join(PROJECT_ROOT, source), 'utf8')
  // the first line names the source's hash: an unchanged source is not transformed again
  const stamp = `// source sha256 ${createHash('sha256').update(text).digest('hex')}\n`
  const target = join(OUTPUT_DIR, source.replace(/\.ts$/, '.js'))
  const existing = await readFile(target, 'utf8').catch(() => '')
  if (existing.startsWith(stamp)) return
  const { transform } = await import('esbuild')
  const { code } = await transform(text, { ...TRANSFORM, sourcefile: source })
  await mkdir(dirname(target), { recursive: true })
  await writeAtomically(target, stamp + code)
}

async function writeIfChanged (path: string, content: string): Promise<void> {
  if (await readFile(path, 'utf8').catch(() => '') !== content) await writeAtomically(path, content)
}

// two test files may compile at once: each writes its own file, then renames it into place
async function writeAtomically (path: string, content: string): Promise<void> {
  const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`
  await writeFile(partial, content)
  await rename(partial, path)
}
