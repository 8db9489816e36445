// Module hooks that run our TypeScript under tap: esbuild strips the types of one file at a time
// and keeps an inline source map, so V8 coverage maps back to the .ts lines. ts-node took about
// 2 s per test file to load the tree; this takes a fraction of that (README "Tests and benchmarks").
// Output is cached by content: most of the ~140 test processes load the same modules, and a
// process whose modules are all cached never starts esbuild's service at all.
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const OPTIONS = { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline' }
const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.cache/ts-loader')

const isOurTypeScript = (url) => url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/')

/** Our sources import each other as './x.js' (NodeNext); on disk that file is './x.ts'. */
export async function resolve (specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context)
  } catch (err) {
    const relative = specifier.startsWith('.') || specifier.startsWith('file:')
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !relative || !specifier.endsWith('.js')) throw err
    if (context.parentURL === undefined || !isOurTypeScript(context.parentURL)) throw err
    return await nextResolve(`${specifier.slice(0, -3)}.ts`, context)
  }
}

let esbuild
async function transformed (path, source) {
  esbuild ??= await import('esbuild')
  const key = createHash('sha256').update(`${esbuild.version}\0${JSON.stringify(OPTIONS)}\0${path}\0${source}`).digest('hex')
  const cached = join(CACHE_DIR, `${key}.js`)
  try {
    return await readFile(cached, 'utf8')
  } catch {}
  const { code } = await esbuild.transform(source, { ...OPTIONS, sourcefile: path })
  // two test processes may write the same entry at once: each writes its own file, then renames
  const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`
  await mkdir(CACHE_DIR, { recursive: true })
  await writeFile(partial, code)
  await rename(partial, cached)
  return code
}

export async function load (url, context, nextLoad) {
  if (!isOurTypeScript(url)) return await nextLoad(url, context)
  const path = fileURLToPath(url)
  return { format: 'module', source: await transformed(path, await readFile(path, 'utf8')), shortCircuit: true }
}
