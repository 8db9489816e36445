import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// The house rules the next issues build on: small files, and imports that run one way between
// folders (a folder never reaches itself through the folders it imports).
const INTERNAL = resolve(dirname(fileURLToPath(import.meta.url)), '../../../internal')
const MAX_LINES = 300

function sourceFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

const files = sourceFiles(INTERNAL)
const folderOf = (file: string): string => relative(INTERNAL, dirname(file)) || '.'

/** Folder -> the other folders its files import from (static and dynamic relative imports). */
function folderImports (sources: ReadonlyArray<{ file: string, text: string }>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  for (const { file, text } of sources) {
    const from = folderOf(file)
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), match[1] as string)
      if (!target.startsWith(INTERNAL)) continue
      const to = folderOf(target)
      if (to === from) continue
      if (!graph.has(from)) graph.set(from, new Set())
      graph.get(from)?.add(to)
    }
  }
  return graph
}

/** The folders that reach themselves, each with the folder it imports that leads back. */
function foldersOnCycles (graph: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const reach = (start: string): Set<string> => {
    const seen = new Set<string>()
    const stack = [...(graph.get(start) ?? [])]
    while (stack.length > 0) {
      const next = stack.pop() as string
      if (seen.has(next)) continue
      seen.add(next)
      stack.push(...(graph.get(next) ?? []))
    }
    return seen
  }
  return [...graph.keys()].sort().flatMap((folder) => {
    const back = [...(graph.get(folder) ?? [])].filter((to) => reach(to).has(folder))
    return back.length > 0 ? [`${folder} -> ${back.join(', ')} -> ... -> ${folder}`] : []
  })
}

t.test('no file under internal/ is over 300 lines', async (t) => {
  t.ok(files.length > 100, `read ${files.length} files`)
  const long = files.map((file) => ({ file: relative(INTERNAL, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 })).filter((f) => f.lines > MAX_LINES)
  t.same(long, [], 'every file is at most 300 lines')
})

t.test('no folder under internal/ imports from a folder that imports it, directly or through others', async (t) => {
  const graph = folderImports(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })))
  t.ok(graph.size > 5, `${graph.size} folders import others`)
  t.same(foldersOnCycles(graph), [], 'imports between folders run one way')
})

t.test('control: the check finds a cycle, direct or through another folder', async (t) => {
  const direct = new Map([['origin', new Set(['status'])], ['status', new Set(['origin'])]])
  t.same(foldersOnCycles(direct), ['origin -> status -> ... -> origin', 'status -> origin -> ... -> status'])
  const through = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]])
  t.same(foldersOnCycles(through).length, 3, 'a, b and c are on the cycle; d only leads into it')
  const parsed = folderImports([
    { file: join(INTERNAL, 'origin/x.ts'), text: "import { y } from '../status/y.js'" },
    { file: join(INTERNAL, 'status/y.ts'), text: "const x = await import('../origin/x.js')" }
  ])
  t.same(foldersOnCycles(parsed).length, 2, 'static and dynamic imports both count')
})
